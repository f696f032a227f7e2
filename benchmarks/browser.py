"""Workload 8: a real browser (headless Chromium), one round trip at a time.

The page's JS sets ``ping`` and calls ``save_changes()``; a Python observer answers by setting ``pong`` to the
same number; the page stops the clock when ``change:pong`` fires with it. The loop runs inside the page
(``performance.now()``), so Playwright's own IPC is not counted. p50 and p99 of the round trips are reported.

8a/8b: anywidget-core's standalone host. anywidget has no standalone host, so these rows have no anywidget
column. 8c/8d: both libraries in JupyterLab through one real ipykernel (:mod:`benchmarks.lab`), anywidget's
front end rendering both, which is the comparable path anywidget has; 8g/8h the same with the TCP_NODELAY server
extension (hosts/jupyter/nodelay.py) on, 8i/8j with all three of the package's (favicons.py and comm_busy.py too).
Each JupyterLab run also times plain ipywidgets (an IntSlider answered by an IntText) in the same page (notes).
8e/8f: anywidget-core's Panel host (``pn.serve``, Bokeh events); anywidget runs in a Panel server only through
ipywidgets_bokeh, not measured.
"""

from __future__ import annotations

import json
import os
import statistics
import time
from typing import Any

import anywidget_core as awc
from anywidget_core.testing.browser import CHROMIUM_ARGS

from .harness import Counts, Row

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")  # Debian's Chromium; never a downloaded browser

ESM = "export default { render({ model, el }) { el.className = 'ping-pong'; el.textContent = 'ready'; } }"

# Runs in the page: n sequential round trips, each timed from set+save_changes to the matching change:pong.
ROUND_TRIPS_JS = """
async ([n, start]) => {
  const model = MODEL;
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


def round_trips_js(model: str) -> str:
    """The page function timing round trips of the model that the JS expression ``model`` evaluates to."""
    return ROUND_TRIPS_JS.replace("MODEL", model)


def launch(playwright: Any) -> Any:
    """Headless Debian Chromium (never a downloaded browser); fails if it is missing."""
    if not os.path.exists(CHROMIUM):
        raise SystemExit(f"workload 8 needs {CHROMIUM} (apt-get install chromium)")
    return playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)


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

    widget = PingPong()
    replies = [0]

    def reply(change: awc.Change) -> None:
        widget.pong = change.new  # the Python observer answering the page
        replies[0] += 1

    widget.observe(reply, "ping")
    with serve({"pingpong": widget}, title="benchmark") as server, sync_playwright() as pw:
        browser = launch(pw)
        try:
            page = browser.new_page()
            page.goto(server.url)
            page.wait_for_selector(".ping-pong", timeout=30_000)
            model = f"globalThis.anywidgetCorePage.runtime.model({json.dumps(widget.model_id)})"
            page.evaluate(round_trips_js(model), [warmup, 1])
            millis = page.evaluate(round_trips_js(model), [n, warmup + 1])
        finally:
            browser.close()
    if widget.pong != warmup + n or replies[0] != warmup + n:
        raise AssertionError(f"expected {warmup + n} round trips, Python saw {replies[0]} (pong={widget.pong})")
    widget.close()
    return [ms / 1000 for ms in millis], replies[0]


# The Panel view keeps its runtime to itself, so the loop runs in the widget: Python asks with a custom message,
# the widget times the round trips and sends the times back.
PANEL_ESM = """
const roundTrips = async (model, n, start) => {
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
};

export default {
  render({ model, el }) {
    el.className = "ping-pong";
    el.textContent = "ready";
    model.on("msg:custom", async ({ n, start }) => {
      try {
        model.send({ times: await roundTrips(model, n, start) });
      } catch (e) {
        model.send({ error: String(e) });
      }
    });
  },
};
"""


class PanelPingPong(PingPong):
    _esm = PANEL_ESM


def measure_panel(n: int, warmup: int) -> tuple[list[float], int]:
    """Like :func:`measure`, on the Panel host: one ``pn.serve`` session in headless Chromium."""
    import queue

    from playwright.sync_api import sync_playwright

    from anywidget_core.testing import panel_server

    widget = PanelPingPong()
    replies = [0]
    results: queue.Queue[dict[str, Any]] = queue.Queue()

    def reply(change: awc.Change) -> None:
        widget.pong = change.new
        replies[0] += 1

    widget.observe(reply, "ping")
    widget.on_msg(lambda _w, content, _b: results.put(content))
    with panel_server({"pingpong": lambda: widget.__panel__()}) as url, sync_playwright() as pw:
        browser = launch(pw)
        try:
            page = browser.new_page()
            page.goto(f"{url}/pingpong")
            page.wait_for_selector(".ping-pong", timeout=30_000)
            millis: list[float] = []
            for count, start in ((warmup, 1), (n, warmup + 1)):
                widget.send({"n": count, "start": start})
                deadline = time.monotonic() + 120
                while results.empty():  # Playwright handles the page's events only inside its own calls
                    if time.monotonic() > deadline:
                        raise AssertionError("the Panel page did not report its round trips in 120 s")
                    page.wait_for_timeout(20)
                answer = results.get()
                if "times" not in answer:
                    raise AssertionError(f"the Panel page failed: {answer}")
                millis = answer["times"]
        finally:
            browser.close()
    if widget.pong != warmup + n or replies[0] != warmup + n:
        raise AssertionError(f"expected {warmup + n} round trips, Python saw {replies[0]} (pong={widget.pong})")
    widget.close()
    return [ms / 1000 for ms in millis], replies[0]


def _rows(key_p50: str, key_p99: str, title: str, core: list[float], aw: list[float] | None) -> list[Row]:
    rows = []
    for key, name, stat in ((key_p50, "p50", statistics.median), (key_p99, "p99", _p99)):
        rows.append(Row(key, f"{title}, {name}", stat(core), None if aw is None else stat(aw)))
    return rows


def _p99(values: list[float]) -> float:
    return _percentile(values, 0.99)


def run(counts: Counts) -> list[Row]:
    from . import lab

    n = counts.n(500, 40)
    seconds, replies = measure(n, warmup=counts.n(50, 5))
    rows = _rows("8a", "8b", "standalone host: JS save_changes -> Python reply", seconds, None)
    rows[0].notes.append(
        f"standalone host + headless Chromium ({CHROMIUM}), {n} sequential round trips timed in the page "
        f"(performance.now), {replies} observer replies in Python; min {min(seconds) * 1e3:.2f} ms, "
        f"max {max(seconds) * 1e3:.2f} ms; no anywidget column: anywidget has no standalone host (8c/8d compare)"
    )
    in_lab = lab.measure(counts.n(400, 40), rounds=counts.n(8, 2), warmup=counts.n(20, 3))
    rows += _rows("8c", "8d", "JupyterLab + ipykernel: JS save_changes -> Python reply", in_lab["core"], in_lab["aw"])
    rows[2].notes.append(
        f"both libraries in one JupyterLab page and kernel, anywidget's front end for both, batches alternating; "
        f"{len(in_lab['core'])} round trips each; min core {min(in_lab['core']) * 1e3:.2f} ms, "
        f"anywidget {min(in_lab['aw']) * 1e3:.2f} ms; ANYWIDGET_COALESCE={os.environ.get('ANYWIDGET_COALESCE')}"
    )
    fast = lab.measure(counts.n(400, 40), rounds=counts.n(8, 2), warmup=counts.n(20, 3), nodelay=True)
    rows += _rows(
        "8g", "8h", "JupyterLab, TCP_NODELAY extension: JS save_changes -> Python reply", fast["core"], fast["aw"]
    )
    rows[4].notes.append(
        f"as 8c/8d with anywidget_core.hosts.jupyter.nodelay on (it sets TCP_NODELAY on jupyter_server's kernel "
        f"WebSockets, so it speeds up anywidget, i.e. the ipywidgets path, too); min core "
        f"{min(fast['core']) * 1e3:.2f} ms, anywidget {min(fast['aw']) * 1e3:.2f} ms"
    )
    shipped = lab.measure(
        counts.n(400, 40), rounds=counts.n(8, 2), warmup=counts.n(20, 3), nodelay=True, favicons=True, comm_busy=True
    )
    rows += _rows(
        "8i",
        "8j",
        "JupyterLab, the package's server extensions: JS save_changes -> Python reply",
        shipped["core"],
        shipped["aw"],
    )
    rows[6].notes.append(
        f"as 8g/8h with anywidget_core.hosts.jupyter.favicons and .comm_busy on too, as the package ships (the "
        f"browser keeps JupyterLab's favicons; a comm message's busy is held back for up to 0.1 s and dropped if its "
        f"idle comes first, so JupyterLab does not redraw its status display for it); min core "
        f"{min(shipped['core']) * 1e3:.2f} ms, anywidget {min(shipped['aw']) * 1e3:.2f} ms"
    )
    rows[2].notes.append(
        "plain ipywidgets (IntSlider answered by an IntText, same page and kernel), p50/p99: "
        + "; ".join(
            f"{name} {statistics.median(run['ipw']) * 1e3:.1f}/{_p99(run['ipw']) * 1e3:.1f} ms"
            for name, run in (("8c/8d", in_lab), ("8g/8h", fast), ("8i/8j", shipped))
        )
    )
    n_panel = counts.n(500, 40)
    panel_seconds, panel_replies = measure_panel(n_panel, warmup=counts.n(50, 5))
    rows += _rows("8e", "8f", "Panel host: JS save_changes -> Python reply", panel_seconds, None)
    rows[8].notes.append(
        f"pn.serve + headless Chromium, {n_panel} sequential round trips timed in the page, {panel_replies} "
        f"observer replies in Python; min {min(panel_seconds) * 1e3:.2f} ms, max {max(panel_seconds) * 1e3:.2f} ms; "
        f"no anywidget column: anywidget runs in a Panel server only through ipywidgets_bokeh"
    )
    return rows
