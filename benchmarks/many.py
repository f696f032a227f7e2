"""Workload 10: many widgets (1,000) created and displayed at once.

10a: Python memory per widget, created and displayed over a comm (the capturing comm of workloads 1-4),
both libraries in one process, measured with tracemalloc (allocations still alive after a gc, all widgets kept).
10b-10d: anywidget-core's standalone host serving 1,000 widgets on one page in headless Chromium: the time from
navigation start to the last render (``performance.now()`` in the page), the page's JS heap per widget (CDP
``Performance.getMetrics`` JSHeapUsedSize after a forced GC, 1,000 widgets minus one, divided by 999), and the
Python memory per served widget (tracemalloc while the page is open, same difference; widgets, links and the
server's sessions included). anywidget has no standalone host, so 10b-10d have no anywidget column. 10e-10g: both
libraries in real JupyterLab (:mod:`benchmarks.lab`) with every output of a cell shown: a cell creating and
displaying 1,000 widgets, timed in the page from the cell's run command to the last render; the page's JS heap
and the kernel's Python memory per widget.
"""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import json
import statistics
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import anywidget_core as awc

from .capture import capturing
from .harness import Counts, Row
from .libs import AwCounter, CoreCounter, show_aw, show_core

# Each render counts itself and notes when it happened (ms since the page's navigation started).
MANY_ESM = """
export default {
  render({ model, el }) {
    el.className = "many";
    el.textContent = String(model.get("value"));
    const seen = (globalThis.__many ??= { n: 0, last: 0 });
    seen.n += 1;
    seen.last = performance.now();
  },
};
"""


class ManyCounter(awc.Widget):
    _esm = MANY_ESM
    value: int = 0


def _traced(build: Callable[[], Any]) -> tuple[int, Any]:
    """Bytes still allocated (after a gc) by ``build()``, and what it returned (kept alive by the caller)."""
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        kept = build()
        after = _live_bytes()
    finally:
        tracemalloc.stop()
    return after - before, kept


def _live_bytes() -> int:
    gc.collect()
    return int(tracemalloc.get_traced_memory()[0])


def _shown(make: Callable[[int], Any], show: Callable[[Any], Any], n: int) -> list[Any]:
    widgets = [make(i) for i in range(n)]
    for w in widgets:
        show(w)
    return widgets


def python_memory(n: int, rounds: int) -> dict[str, float]:
    """Median bytes per widget, created and displayed over the capturing comm, libraries alternating."""
    samples: dict[str, list[float]] = {"core": [], "aw": []}
    makers = {
        "core": lambda: _shown(lambda i: CoreCounter(value=i), show_core, n),
        "aw": lambda: _shown(lambda i: AwCounter(value=i), show_aw, n),
    }
    with capturing():
        for round_ in range(rounds):
            for lib in ("core", "aw") if round_ % 2 == 0 else ("aw", "core"):
                size, widgets = _traced(makers[lib])
                samples[lib].append(size / n)
                for w in widgets:
                    w.close()
                del widgets
    return {lib: statistics.median(values) for lib, values in samples.items()}


def _page_heap(cdp: Any) -> float:
    cdp.send("HeapProfiler.collectGarbage")
    metrics = cdp.send("Performance.getMetrics")["metrics"]
    return float(next(m["value"] for m in metrics if m["name"] == "JSHeapUsedSize"))


def _serve_and_render(browser: Any, widgets: dict[str, awc.Widget]) -> tuple[float, float, int]:
    """Serve ``widgets`` on one page: seconds from navigation to the last render, JS heap bytes after a GC, and
    Python bytes traced while the page is still open (0 unless tracemalloc is on)."""
    from anywidget_core.hosts.standalone import serve

    with serve(widgets, title="many") as server:
        page = browser.new_page()
        try:
            cdp = page.context.new_cdp_session(page)
            cdp.send("Performance.enable")
            page.goto(server.url)
            page.wait_for_function(f"(globalThis.__many?.n ?? 0) >= {len(widgets)}", timeout=300_000, polling=50)
            millis = float(page.evaluate("globalThis.__many.last"))
            heap = _page_heap(cdp)
            traced = _live_bytes() if tracemalloc.is_tracing() else 0
        finally:
            page.close()
    return millis / 1000, heap, traced


def standalone(n: int) -> dict[str, float]:
    """10c-10e: one page of ``n`` widgets (and of one, for the differences) on the standalone host."""
    from playwright.sync_api import sync_playwright

    from .browser import launch

    def widgets(count: int) -> dict[str, awc.Widget]:
        return {f"w{i}": ManyCounter(value=i) for i in range(count)}

    with sync_playwright() as pw:
        browser = launch(pw)
        try:
            _serve_and_render(browser, widgets(1))  # warm-up: Chromium's first page, the server's imports
            seconds, heap_n, _ = _serve_and_render(browser, widgets(n))
            _, heap_1, _ = _serve_and_render(browser, widgets(1))
            traced = {}
            for count in (n, 1):  # timed above without tracemalloc, which slows every allocation
                gc.collect()
                tracemalloc.start()
                try:
                    before = tracemalloc.get_traced_memory()[0]
                    made = widgets(count)
                    traced[count] = _serve_and_render(browser, made)[2] - before
                finally:
                    tracemalloc.stop()
                for w in made.values():
                    w.close()
        finally:
            browser.close()
    return {
        "seconds": seconds,
        "heap_per_widget": (heap_n - heap_1) / (n - 1),
        "python_per_widget": (traced[n] - traced[1]) / (n - 1),
    }


# JupyterLab: one module both cells import; one cell per library, each creating and displaying N widgets.
LAB_MODULE = '''\
import gc
import json
import tracemalloc
from pathlib import Path

import anywidget
import traitlets
from IPython.display import display

import anywidget_core as awc

ESM = """
export default {
  render({ model, el }) {
    const lib = model.get("lib");
    el.className = "many-" + lib;
    const seen = ((globalThis.__many ??= {})[lib] ??= { n: 0, last: 0 });
    seen.n += 1;
    seen.last = performance.now();
  },
};
"""


class CoreMany(awc.Widget):
    _esm = ESM
    lib: str = "core"
    value: int = 0


class AwMany(anywidget.AnyWidget):
    _esm = ESM
    lib = traitlets.Unicode("aw").tag(sync=True)
    value = traitlets.Int(0).tag(sync=True)


def traced(make, n, out):
    """Create and display n widgets under tracemalloc; write the bytes still held per widget after a gc to out."""
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        widgets = [make(value=i) for i in range(n)]
        display(*widgets)
        gc.collect()
        Path(out).write_text(json.dumps((tracemalloc.get_traced_memory()[0] - before) / n))
    finally:
        tracemalloc.stop()
    return widgets
'''

LAB_CELLS = {
    # Imports both libraries and renders one widget of each, so neither timed cell pays for loading them.
    "warm-up": "from many_bench import AwMany, CoreMany\ndisplay(CoreMany(value=-1), AwMany(value=-1))",
    "core": "from many_bench import CoreMany\ncore = [CoreMany(value=i) for i in range({n})]\ndisplay(*core)",
    "aw": "from many_bench import AwMany\naw = [AwMany(value=i) for i in range({n})]\ndisplay(*aw)",
    # Run once each after the timed runs: tracemalloc slows every allocation, so it stays out of them.
    "mem-core": "from many_bench import CoreMany, traced\ncore_traced = traced(CoreMany, {n}, 'mem-core.json')",
    "mem-aw": "from many_bench import AwMany, traced\naw_traced = traced(AwMany, {n}, 'mem-aw.json')",
}

# Lab renders only the first maxNumberOutputs outputs of a cell (default 50) and trims the rest. Its settings
# schema says 0 shows them all, but Lab 4.6's OutputArea takes 0 literally: output 0 becomes the "trimmed" notice
# and nothing renders, which is why an earlier override of 0 showed not even the warm-up cell. A number above any
# cell's output count shows them all.
ALL_OUTPUTS: dict[str, dict[str, object]] = {"@jupyterlab/notebook-extension/tracker": {"maxNumberOutputs": 1_000_000}}

# Runs cell ``index`` (selecting it first) and returns the page's clock when the run command was issued.
RUN_CELL_JS = """
async (index) => {
  const app = window.jupyterapp;
  const panel = app.shell.currentWidget;
  panel.content.activeCellIndex = index;
  const t0 = performance.now();
  await app.commands.execute("notebook:run-cell");
  return t0;
}
"""


@dataclasses.dataclass
class LabResult:
    """10e-10g per library: seconds to the last render per run, renders seen per run, page JS heap and kernel
    Python bytes per widget."""

    seconds: dict[str, list[float]]
    shown: dict[str, list[int]]
    heap_per_widget: dict[str, float]
    python_per_widget: dict[str, float]


def lab(n: int, rounds: int) -> LabResult:
    """10e-10g: seconds from running each library's cell to its last render, in one JupyterLab page and kernel
    showing every output, after a warm-up cell; ``rounds`` runs per library, alternating (core, aw, aw, core, ...).
    A re-run replaces the cell's outputs, so each run shows ``n`` new widgets. The page's JS heap per widget comes
    from each library's first run (heap after a forced GC, before and after it); the kernel's Python bytes per
    widget from one more cell per library that creates and displays ``n`` under tracemalloc."""
    from playwright.sync_api import sync_playwright

    from .browser import launch
    from .lab import jupyterlab

    with tempfile.TemporaryDirectory(prefix="awc-bench-many-") as tmp:
        root = Path(tmp)
        (root / "many_bench.py").write_text(LAB_MODULE)
        order = ("warm-up", "core", "aw", "mem-core", "mem-aw")
        cells: list[dict[str, object]] = [
            {
                "cell_type": "code",
                "id": f"c{i}",
                "metadata": {},
                "outputs": [],
                "execution_count": None,
                "source": LAB_CELLS[lib].replace("{n}", str(n)),
            }
            for i, lib in enumerate(order)
        ]
        notebook = {
            "nbformat": 4,
            "nbformat_minor": 5,
            "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
            "cells": cells,
        }
        (root / "many.ipynb").write_text(json.dumps(notebook))
        result = LabResult({"core": [], "aw": []}, {"core": [], "aw": []}, {}, {})
        with jupyterlab(root, lab_settings=ALL_OUTPUTS) as url, sync_playwright() as pw:
            browser = launch(pw)
            try:
                page = browser.new_page()
                cdp = page.context.new_cdp_session(page)
                cdp.send("Performance.enable")
                page.goto(f"{url}/lab/tree/many.ipynb")
                page.wait_for_function("window.jupyterapp && document.querySelector('.jp-Notebook')", timeout=90_000)
                with contextlib.suppress(Exception):  # Lab may ask which kernel; the preselected python3 is right
                    page.click(".jp-Dialog .jp-mod-accept", timeout=5_000)
                page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=90_000)
                rendered = {"core": 1, "aw": 1}  # the warm-up cell's
                runs = [("warm-up", 0)]
                for round_ in range(rounds):
                    runs += [(lib, order.index(lib)) for lib in (("core", "aw") if round_ % 2 == 0 else ("aw", "core"))]
                for lib, index in runs:
                    first = lib != "warm-up" and not result.shown[lib]
                    heap_before = _page_heap(cdp) if first else 0.0
                    t0 = float(page.evaluate(RUN_CELL_JS, index))
                    if lib == "warm-up":
                        page.wait_for_function("globalThis.__many?.core?.n && globalThis.__many?.aw?.n", timeout=90_000)
                    else:
                        target = rendered[lib] + n
                        rendered[lib] = _settle(page, lib, target)
                        result.shown[lib].append(n - (target - rendered[lib]))
                        result.seconds[lib].append((float(page.evaluate(f"globalThis.__many.{lib}.last")) - t0) / 1000)
                    page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=90_000)
                    if first:
                        result.heap_per_widget[lib] = (_page_heap(cdp) - heap_before) / n
                for lib in ("core", "aw"):
                    page.evaluate(RUN_CELL_JS, order.index(f"mem-{lib}"))
                    page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=240_000)
                    written = root / f"mem-{lib}.json"
                    deadline = time.monotonic() + 60
                    while not written.exists() and time.monotonic() < deadline:
                        page.wait_for_timeout(250)
                    result.python_per_widget[lib] = float(json.loads(written.read_text()))
            finally:
                browser.close()
    return result


def _settle(page: Any, lib: str, target: int, quiet: float = 15.0, limit: float = 240.0) -> int:
    """Renders counted so far once ``target`` is reached, or once none came for ``quiet`` seconds (a model whose
    messages never arrived, e.g. dropped on IOPub, never renders; the count says how many did)."""
    start = last_change = time.monotonic()
    count = -1
    while True:
        now_count = int(page.evaluate(f"globalThis.__many?.{lib}?.n ?? 0"))
        now = time.monotonic()
        if now_count != count:
            count, last_change = now_count, now
        if count >= target or now - last_change > quiet or now - start > limit:
            return count
        page.wait_for_timeout(250)


def run(counts: Counts) -> list[Row]:
    n = counts.n(1000, 20)
    memory = python_memory(n, rounds=counts.n(5, 2))
    rows = [
        Row(
            "10a",
            f"{n:,} widgets created + displayed: Python memory per widget",
            memory["core"] / 1e3,
            memory["aw"] / 1e3,
            unit="kB",
        )
    ]
    rows[0].notes.append(
        f"tracemalloc, all {n} widgets alive after a gc, shown over the capturing comm (as workload 4); median of "
        f"{counts.n(5, 2)} rounds, libraries alternating"
    )
    page = standalone(n)
    rows.append(
        Row("10b", f"standalone host, {n:,} widgets on one page: navigation -> last render", page["seconds"], None)
    )
    rows.append(Row("10c", "standalone host: page JS heap per widget", page["heap_per_widget"] / 1e3, None, unit="kB"))
    rows.append(
        Row("10d", "standalone host: Python memory per served widget", page["python_per_widget"] / 1e3, None, unit="kB")
    )
    rows[1].notes.append(
        f"headless Chromium; one page of {n} widgets vs one of 1 (heap after CDP HeapProfiler.collectGarbage, "
        f"JSHeapUsedSize; Python by tracemalloc, server included); no anywidget column: no standalone host"
    )
    lab_rounds = counts.n(2, 1)
    in_lab = lab(n, lab_rounds)
    rows.append(
        Row(
            "10e",
            f"JupyterLab: cell creating + displaying {n:,} widgets -> all {n:,} rendered",
            statistics.median(in_lab.seconds["core"]),
            statistics.median(in_lab.seconds["aw"]),
        )
    )
    rows[-1].notes.append(
        f"one JupyterLab page and kernel showing every output (maxNumberOutputs raised), anywidget's front end "
        f"rendering both; timed in the page from notebook:run-cell to the last render, after a warm-up cell showing "
        f"one of each; {lab_rounds} runs each, alternating: core {_seconds(in_lab.seconds['core'])}, anywidget "
        f"{_seconds(in_lab.seconds['aw'])}; widgets rendered of {n} per run: core {in_lab.shown['core']}, anywidget "
        f"{in_lab.shown['aw']} (a run stops 15 s after its last render)"
    )
    rows.append(
        Row(
            "10f",
            "JupyterLab: page JS heap per widget",
            in_lab.heap_per_widget["core"] / 1e3,
            in_lab.heap_per_widget["aw"] / 1e3,
            unit="kB",
        )
    )
    rows[-1].notes.append(
        "CDP JSHeapUsedSize after HeapProfiler.collectGarbage, before and after each library's first run, / n: the "
        "model, its view and Lab's output wrapper of each widget"
    )
    rows.append(
        Row(
            "10g",
            "JupyterLab: kernel Python memory per widget",
            in_lab.python_per_widget["core"] / 1e3,
            in_lab.python_per_widget["aw"] / 1e3,
            unit="kB",
        )
    )
    rows[-1].notes.append(
        f"a cell per library after the timed runs creating and displaying {n} under tracemalloc in the kernel "
        "(real comms and display messages), bytes still held after a gc / n"
    )
    return rows


def _seconds(values: list[float]) -> str:
    return ", ".join(f"{v:.2f} s" for v in values)
