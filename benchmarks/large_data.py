"""Workload 11: 200 MB through one binary field, each direction, on the hosts that chunk (SPEC §8.6).

A real server (standalone: Starlette/uvicorn; Panel: a Bokeh server) and headless Chromium on loopback, default
chunk size (4 MiB). Python -> page: from ``widget.data = payload`` until the page's model holds all of it;
page -> Python: from the page's ``save_changes`` of bytes it already holds until Python's field has them (the
update's echo, which carries the bytes back as protocol 2.1 says, is not waited for). Both are checked by
SHA-256 afterwards, outside the timing. Python's peak memory is the process's peak RSS (``VmHWM``, reset
through ``/proc/self/clear_refs``) over its RSS before the transfer: it includes the payload the benchmark itself
holds, so the bound to compare with is stated in the notes.

The anywidget anchor (the same 200 MB through anywidget in JupyterLab) is measured by the JupyterLab transport's
work and goes in the ``11e``/``11f`` rows here (``lab_anchor``), once it lands.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import anywidget_core as awc

from .harness import Counts, Row

MB = 1_000_000
ESM = """
export default {
  render({ model, el }) {
    globalThis.benchModel = model;
    el.textContent = "ready";
  },
};
"""
SHA_JS = """async () => {
  const v = globalThis.benchModel.get("data");
  const digest = await crypto.subtle.digest("SHA-256", new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
  return Array.from(new Uint8Array(digest), (x) => x.toString(16).padStart(2, "0")).join("");
}"""
FILL_JS = """(n) => {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i += 65536) crypto.getRandomValues(out.subarray(i, Math.min(n, i + 65536)));
  globalThis.benchPayload = out;
}"""
SAVE_JS = """() => {
  globalThis.benchModel.set("data", new DataView(globalThis.benchPayload.buffer));
  globalThis.benchModel.save_changes();
}"""
PAYLOAD_SHA_JS = SHA_JS.replace('globalThis.benchModel.get("data")', "globalThis.benchPayload")


class BenchBlob(awc.Widget):
    _esm = ESM
    data: bytes = b""


def _rss_kib(field: str) -> int:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


@contextmanager
def peak_rss() -> Iterator[dict[str, float]]:
    """Peak RSS growth (bytes) of this process inside the block."""
    result: dict[str, float] = {}
    with open("/proc/self/clear_refs", "w", encoding="ascii") as refs:
        refs.write("5")  # resets VmHWM to the current RSS
    before = _rss_kib("VmRSS")
    yield result
    result["bytes"] = (_rss_kib("VmHWM") - before) * 1024.0


def _wait(check: Callable[[], bool], timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise TimeoutError("the transfer did not finish in time")
        time.sleep(0.005)


def _directions(page: Any, blob: BenchBlob, size: int) -> dict[str, float]:
    """Seconds and peak RSS growth of one transfer each way; SHA-256 checked on the other side."""
    out: dict[str, float] = {}
    payload = os.urandom(size)
    with peak_rss() as down_rss:
        start = time.perf_counter()
        blob.data = payload
        page.wait_for_function(
            "(n) => globalThis.benchModel.get('data')?.byteLength === n", arg=size, polling=5, timeout=300_000
        )
        out["down"] = time.perf_counter() - start
    out["down_rss"] = down_rss["bytes"]
    if page.evaluate(SHA_JS) != hashlib.sha256(payload).hexdigest():
        raise AssertionError("Python -> page: the page's bytes differ")
    del payload
    page.evaluate(FILL_JS, size)
    expected = page.evaluate(PAYLOAD_SHA_JS)
    before = blob.data  # the same size: wait for another object, not for a length
    with peak_rss() as up_rss:
        start = time.perf_counter()
        page.evaluate(SAVE_JS)
        _wait(lambda: blob.data is not before)
        out["up"] = time.perf_counter() - start
    out["up_rss"] = up_rss["bytes"]
    if hashlib.sha256(blob.data).hexdigest() != expected:
        raise AssertionError("page -> Python: Python's bytes differ")
    page.evaluate("() => { globalThis.benchPayload = null; }")
    return out


def standalone(size: int) -> dict[str, float]:
    from playwright.sync_api import sync_playwright

    from anywidget_core.hosts.standalone import serve

    from .browser import launch

    blob = BenchBlob()
    with serve({"blob": blob}) as server, sync_playwright() as pw:
        browser = launch(pw)
        try:
            page = browser.new_page()
            page.goto(server.url)
            page.wait_for_function("() => !!globalThis.benchModel")
            return _directions(page, blob, size)
        finally:
            browser.close()


def panel(size: int) -> dict[str, float]:
    from playwright.sync_api import sync_playwright

    from anywidget_core.hosts.panel import component
    from anywidget_core.testing import panel_server

    from .browser import launch

    made: list[BenchBlob] = []

    def app() -> Any:
        made.append(BenchBlob())
        return component(made[-1])

    with panel_server({"blob": app}) as url, sync_playwright() as pw:
        browser = launch(pw)
        try:
            page = browser.new_page()
            page.goto(f"{url}/blob", timeout=60_000)
            page.wait_for_function("() => !!globalThis.benchModel", timeout=60_000)
            _wait(lambda: any(w.links for w in made))
            blob = next(w for w in made if w.links)
            return _directions(page, blob, size)
        finally:
            browser.close()


def _rows(key: str, host: str, size: int, result: dict[str, float]) -> list[Row]:
    rows = [
        Row(f"{key}a", f"{host}: {size // MB} MB Python -> page (MB/s)", size / MB / result["down"], None, unit="MB/s"),
        Row(f"{key}b", f"{host}: {size // MB} MB page -> Python (MB/s)", size / MB / result["up"], None, unit="MB/s"),
    ]
    rows[0].notes.append(
        f"{result['down']:.2f} s; Python peak RSS growth {result['down_rss'] / MB:.0f} MB (the payload itself is "
        f"{size // MB} MB, made before the timing)"
    )
    rows[1].notes.append(
        f"{result['up']:.2f} s; Python peak RSS growth {result['up_rss'] / MB:.0f} MB (the received field is "
        f"{size // MB} MB; its echo to the page is queued lazily, piece by piece)"
    )
    return rows


def lab_anchor(size: int) -> dict[str, float] | None:
    """anywidget in JupyterLab, the same 200 MB each way: the anchor, measured by the JupyterLab transport's work
    (branch hlabdata). None until it lands; the table then shows no anywidget column for this workload."""
    return None


def run(counts: Counts) -> list[Row]:
    size = counts.n(200 * MB, 8 * MB)
    rows = _rows("11", "standalone", size, standalone(size))
    panel_rows = _rows("11", "Panel", size, panel(size))
    panel_rows[0].key, panel_rows[1].key = "11c", "11d"
    rows += panel_rows
    if lab_anchor(size) is None:
        rows[0].notes.append("no anywidget column yet: the JupyterLab anchor (11e/11f) comes with the Lab transport")
    return rows
