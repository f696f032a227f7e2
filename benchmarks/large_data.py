"""Workload 11: 200 MB through one binary field, each direction, on the hosts that chunk (SPEC §8.6).

A real server (standalone: Starlette/uvicorn; Panel: a Bokeh server) and headless Chromium on loopback, default
chunk size (4 MiB). Python -> page: from ``widget.data = payload`` until the page's model holds all of it;
page -> Python: from the page's ``save_changes`` of bytes it already holds until Python's field has them (the
update's echo, which carries the bytes back as protocol 2.1 says, is not waited for). Both are checked by
SHA-256 afterwards, outside the timing. Python's peak memory is the process's peak RSS (``VmHWM``, reset
through ``/proc/self/clear_refs``) over its RSS before the transfer: it includes the payload the benchmark itself
holds, so the bound to compare with is stated in the notes.

The anywidget anchor is JupyterLab (anywidget has neither host): ``benchmarks/lab_large.py`` moves the same
200 MB each way there for both libraries, rows ``11e``-``11h`` of this workload.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import anywidget_core as awc

from .cdp import CdpPage
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


def _directions(page: CdpPage, blob: BenchBlob, size: int) -> dict[str, float]:
    """Seconds and peak RSS growth of one transfer each way; SHA-256 checked on the other side."""
    out: dict[str, float] = {}
    payload = os.urandom(size)
    with peak_rss() as down_rss:
        start = time.perf_counter()
        blob.data = payload
        page.wait_for(f"globalThis.benchModel.get('data')?.byteLength === {size}", timeout=300, interval=0.005)
        out["down"] = time.perf_counter() - start
    out["down_rss"] = down_rss["bytes"]
    if page.evaluate(f"({SHA_JS})()") != hashlib.sha256(payload).hexdigest():
        raise AssertionError("Python -> page: the page's bytes differ")
    del payload
    page.evaluate(FILL_JS, size)
    expected = page.evaluate(f"({PAYLOAD_SHA_JS})()")
    before = blob.data  # the same size: wait for another object, not for a length
    with peak_rss() as up_rss:
        start = time.perf_counter()
        page.evaluate(f"({SAVE_JS})()")
        _wait(lambda: blob.data is not before)
        out["up"] = time.perf_counter() - start
    out["up_rss"] = up_rss["bytes"]
    if hashlib.sha256(blob.data).hexdigest() != expected:
        raise AssertionError("page -> Python: Python's bytes differ")
    page.evaluate("globalThis.benchPayload = null")
    return out


@contextmanager
def _chromium() -> Iterator[CdpPage]:
    with tempfile.TemporaryDirectory(prefix="awc-bench-") as profile:
        page = CdpPage(Path(profile))
        try:
            yield page
        finally:
            page.close()


def standalone(size: int) -> dict[str, float]:
    from anywidget_core.hosts.standalone import serve

    blob = BenchBlob()
    with serve({"blob": blob}) as server, _chromium() as page:
        page.goto(server.url, "globalThis.benchModel")
        return _directions(page, blob, size)


def panel(size: int) -> dict[str, float]:
    from anywidget_core.hosts.panel import component
    from anywidget_core.testing import panel_server

    made: list[BenchBlob] = []

    def app() -> Any:
        made.append(BenchBlob())
        return component(made[-1])

    with panel_server({"blob": app}) as url, _chromium() as page:
        page.goto(f"{url}/blob", "globalThis.benchModel")
        _wait(lambda: any(w.links for w in made))
        blob = next(w for w in made if w.links)
        return _directions(page, blob, size)


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


def run(counts: Counts) -> list[Row]:
    size = counts.n(200 * MB, 8 * MB)
    rows = _rows("11", "standalone", size, standalone(size))
    panel_rows = _rows("11", "Panel", size, panel(size))
    panel_rows[0].key, panel_rows[1].key = "11c", "11d"
    rows += panel_rows
    from . import lab_large

    return rows + lab_large.run(counts)
