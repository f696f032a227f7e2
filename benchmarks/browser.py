"""Workload 8: the standalone host in headless Chromium, one round trip at a time.

The page's JS sets ``ping`` and calls ``save_changes()``; a Python observer answers by setting ``pong`` to the
same number; the page stops the clock when ``change:pong`` fires with it. The loop runs inside the page
(``performance.now()``), so Playwright's own IPC is not counted. p50 and p99 of the round trips are reported.

There is no anywidget column: anywidget has no standalone host. Its only browser path is its front end in
JupyterLab through a real ipykernel, which measures Jupyter's stack (jupyter_server's WebSocket, ipykernel's
shell dispatch and busy/idle messages, about 1 ms per front-end message, research notes jupyter.md section 6)
rather than the library, and workload 7c already times that kernel round trip for both libraries.
"""

from __future__ import annotations

import os
import statistics

import anywidget_core as awc

from .harness import Counts, Row

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")  # Debian's Chromium; never a downloaded browser
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]

ESM = "export default { render({ model, el }) { el.className = 'ping-pong'; el.textContent = 'ready'; } }"

# Runs in the page: n sequential round trips, each timed from set+save_changes to the matching change:pong.
ROUND_TRIPS_JS = """
async ([modelId, n, start]) => {
  const model = globalThis.anywidgetCorePage.runtime.model(modelId);
  const times = [];
  for (let i = start; i < start + n; i++) {
    const t0 = performance.now();
    await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no pong for ${i}`)), 10000);
      const onPong = () => {
        if (model.get("pong") !== i) return;
        clearTimeout(timer);
        model.off("change:pong", onPong);
        resolve();
      };
      model.on("change:pong", onPong);
      model.set("ping", i);
      model.save_changes();
    });
    times.push(performance.now() - t0);
  }
  return times;
}
"""


class PingPong(awc.Widget):
    _esm = ESM
    ping: int = 0
    pong: int = 0


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def measure(n: int, warmup: int) -> tuple[list[float], int]:
    """Round-trip seconds of ``n`` ping/pongs (after ``warmup``), and how many pongs Python sent."""
    from playwright.sync_api import sync_playwright

    from anywidget_core.hosts.standalone import serve

    if not os.path.exists(CHROMIUM):
        raise SystemExit(f"workload 8 needs {CHROMIUM} (apt-get install chromium)")
    widget = PingPong()
    replies = [0]

    def reply(change: awc.Change) -> None:
        widget.pong = change.new  # the Python observer answering the page
        replies[0] += 1

    widget.observe(reply, "ping")
    with serve({"pingpong": widget}, title="benchmark") as server, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.goto(server.url)
            page.wait_for_selector(".ping-pong", timeout=30_000)
            page.evaluate(ROUND_TRIPS_JS, [widget.model_id, warmup, 1])
            millis = page.evaluate(ROUND_TRIPS_JS, [widget.model_id, n, warmup + 1])
        finally:
            browser.close()
    if widget.pong != warmup + n or replies[0] != warmup + n:
        raise AssertionError(f"expected {warmup + n} round trips, Python saw {replies[0]} (pong={widget.pong})")
    widget.close()
    return [ms / 1000 for ms in millis], replies[0]


def run(counts: Counts) -> list[Row]:
    n = counts.n(500, 40)
    seconds, replies = measure(n, warmup=counts.n(50, 5))
    p50, p99 = statistics.median(seconds), _percentile(seconds, 0.99)
    rows = [
        Row("8a", "browser: JS save_changes -> Python reply, p50", p50, None),
        Row("8b", "browser: JS save_changes -> Python reply, p99", p99, None),
    ]
    rows[0].notes.append(
        f"standalone host + headless Chromium ({CHROMIUM}), {n} sequential round trips timed in the page "
        f"(performance.now), {replies} observer replies in Python; min {min(seconds) * 1e3:.2f} ms, "
        f"max {max(seconds) * 1e3:.2f} ms"
    )
    rows[0].notes.append(
        "no anywidget column: anywidget has no standalone host; its browser path is JupyterLab + ipykernel, "
        "which times Jupyter's stack (see 7c for the kernel round trip of both libraries)"
    )
    return rows
