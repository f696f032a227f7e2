"""Runs the AFM probe (protocol/afm/probe.js) in real hosts in headless Chromium and writes the conformance
matrix (protocol/afm-matrix.md): one row per feature, one column per host.

    python tests/afm/afm_driver.py                 # every host; prints the matrix
    python tests/afm/afm_driver.py --write         # ... and writes protocol/afm-matrix.md
    python tests/afm/afm_driver.py standalone lab-anywidget   # some hosts only

Every host is started here for real: anywidget-core's standalone server, its static HTML file, Panel (our
runtime and Panel's own ``AnyWidgetComponent``) in one ``panel serve``-like server, JupyterLab with anywidget's
labextension, ``marimo run``. The probe measures in the page; the driver only waits for it, removes the view
the way the host does it, and reads ``globalThis.__afm``.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
MATRIX = ROOT / "protocol" / "afm-matrix.md"
sys.path[:0] = [str(HERE), str(ROOT / "tests"), str(ROOT / "tests" / "jupyter")]

# (feature, what it checks, needs Python behind the page)
FEATURES: list[tuple[str, str, bool]] = [
    ("initialize_before_render", "`initialize` runs before the first `render`", False),
    ("get_set_save_round_trip", "`get`/`set`/`save_changes` reach Python, which changes a field back", True),
    ("change_attr_event", '`on("change:x")` fires for a change made in Python', True),
    ("change_event", '`on("change")` fires for a change made in Python', True),
    ("off_removes_listener", "a listener removed with `off` does not fire", True),
    ("custom_python_to_js_buffers", "`msg:custom` from Python arrives with its buffers (DataView/ArrayBuffer)", True),
    ("custom_js_to_python_buffers", "`model.send(content, callbacks, buffers)` reaches Python with its buffers", True),
    ("custom_js_to_python_subview", "a buffer that views part of a larger one reaches Python as just its bytes", True),
    ("nested_binary_dataview", "nested binary values arrive as `DataView`s over their own buffer", False),
    ("widget_manager_get_model_child", "`widget_manager.get_model` resolves a child widget reference", False),
    ("invoke_success", "`experimental.invoke` resolves with Python's response and buffers", True),
    ("invoke_error_rejects", "`experimental.invoke` of a command that raises rejects", True),
    ("invoke_timeout_rejects", "`experimental.invoke` rejects when its `signal` times out", True),
    ("css_applies", "`_css` applies to the widget's elements", False),
    (
        "signal_aborted_on_hot_reload",
        "a new `_esm` (hot reload) aborts the old `signal`s and runs the old cleanups",
        False,
    ),
    ("render_cleanup_on_removal", "`render`'s cleanup runs when the host removes the view", False),
    ("signal_aborted_on_removal", "`render`'s `signal` is aborted when the host removes the view", False),
    ("listeners_dropped_on_removal", "a removed view's `on` listeners no longer fire", False),
]
NEEDS_PYTHON = {name for name, _, needs in FEATURES if needs}
DONE_MS = 60_000
RELOAD_MS = 20_000
TIMEOUT_MS = 60_000

Result = dict[str, Any]


def fail(reason: str) -> Result:
    return {"status": "fail", "reason": reason}


def collect(
    page: Any,
    remove: Callable[[], int] | None,
    python: bool = True,
    reload: Callable[[], None] | None = None,
    no_reload: str = "hot reload is not driven on this host",
) -> dict[str, Result]:
    """Wait for the probe's checks; hot reload (``reload`` gives the widget a new ``_esm``); remove a view
    (``remove`` returns its index); gather the results."""
    page.wait_for_function("() => globalThis.__afm?.done === true", timeout=DONE_MS)
    if reload is not None:
        renders = page.evaluate("() => globalThis.__afm.views.length")
        reload()
        try:
            page.wait_for_function("(n) => globalThis.__afm.views.length > n", arg=renders, timeout=RELOAD_MS)
            page.evaluate("() => globalThis.__afm.afterReload()")
        except Exception:  # the row says so; the removal rows are still measured
            arrived = page.evaluate("() => globalThis.__afm.events.includes('esm-changed')")
            reason = f"no new render within {RELOAD_MS // 1000} s of the new `_esm`, " + (
                "which reached the page as a `change:_esm` event"
                if arrived
                else "and no `change:_esm` event reached the page"
            )
            page.evaluate("(r) => { globalThis.__afm.results.signal_aborted_on_hot_reload = r; }", fail(reason))
    if remove is not None:
        index = remove()
        # removal reaches the page asynchronously (Panel: through Python and Bokeh); give it time, not a verdict
        with contextlib.suppress(Exception):
            page.wait_for_function("(i) => globalThis.__afm.views[i]?.cleanup", arg=index, timeout=10_000)
        page.evaluate("(i) => globalThis.__afm.afterRemoval(i)", index)
    results: dict[str, Result] = page.evaluate("() => globalThis.__afm.results")
    out: dict[str, Result] = {}
    for name, _, needs in FEATURES:
        if needs and not python:
            out[name] = {"status": "n/a", "reason": "no Python behind the page"}
        elif name in results:
            out[name] = results[name]
        elif remove is None and name.endswith("_on_removal"):
            out[name] = {"status": "n/a", "reason": "the host has no way to remove a view"}
        elif reload is None and name == "signal_aborted_on_hot_reload":
            out[name] = {"status": "n/a", "reason": no_reload}
        else:
            out[name] = {"status": "fail", "reason": "the probe reported nothing"}
    return out


LAST_VIEW = "() => globalThis.__afm.views.length - 1"


def reloader(widget: Any, esm: Path) -> Callable[[], None]:
    """What an edit of the widget's ``_esm`` file does: a new source, sent to the page."""
    from probe_widgets import ESM, RELOADED

    def reload() -> None:
        esm.write_text(ESM + RELOADED, encoding="utf-8")
        widget.reload_asset("_esm")

    return reload


def new_page(browser: Any) -> Any:
    page = browser.new_context().new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.on("pageerror", lambda e: print(f"  pageerror: {e}", file=sys.stderr))
    return page


# ------------------------------------------------------------------------------------------ our runtime's hosts

# A second view of the probe's model, made and removed with the runtime's own render/dispose, as a host does.
SECOND_VIEW = """async (runtimeName) => {
  const runtime = globalThis[runtimeName].runtime;
  const id = document.querySelector("section[data-model-id]").dataset.modelId;
  const el = document.createElement("div");
  document.body.append(el);
  const dispose = await runtime.render(id, el);
  await new Promise((resolve) => setTimeout(resolve, 300));
  const index = globalThis.__afm.views.length - 1;
  dispose();
  return index;
}"""


def run_standalone(browser: Any) -> dict[str, Result]:
    from probe_widgets import awc_probe

    from anywidget_core.hosts.standalone import serve

    with tempfile.TemporaryDirectory() as tmp:
        esm = Path(tmp) / "probe.js"
        probe_cls, child_cls = awc_probe(esm)
        probe = probe_cls(child=child_cls())
        with serve({"probe": probe}, title="afm") as server:
            page = new_page(browser)
            try:
                page.goto(server.url)
                remove = lambda: int(page.evaluate(SECOND_VIEW, "anywidgetCorePage"))  # noqa: E731
                return collect(page, remove, reload=reloader(probe, esm))
            finally:
                page.context.close()


def run_static(browser: Any) -> dict[str, Result]:
    from probe_widgets import awc_probe

    from anywidget_core.hosts.static import to_html

    probe_cls, child_cls = awc_probe()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "afm.html"
        to_html({"probe": probe_cls(child=child_cls())}, path)
        page = new_page(browser)
        page.add_init_script("globalThis.__afmWaitMs = 300")  # nothing answers: do not wait for Python
        try:
            page.goto(path.as_uri())
            remove = lambda: int(page.evaluate(SECOND_VIEW, "anywidgetCoreStatic"))  # noqa: E731
            return collect(page, remove, python=False, no_reload="no Python to send a new `_esm`")
        finally:
            page.context.close()


# ------------------------------------------------------------------------------------------------------ Panel


@contextlib.contextmanager
def panel_server(made: list[Any], esm: Path) -> Iterator[str]:
    """One Panel server: /awc shows anywidget-core's probe (our runtime), /component Panel's AnyWidgetComponent;
    each beside a button that removes it from its column (Panel then removes the view)."""
    import panel as pn
    from probe_widgets import awc_probe, panel_probe

    from anywidget_core.testing import panel_server as serving

    probe_cls, child_cls = awc_probe(esm)
    component_cls = panel_probe(esm=esm.with_name("component.js"))

    def make_probe() -> Any:
        made.append(probe_cls(child=child_cls()))
        return made[-1]

    def app(make: Callable[[], Any]) -> Callable[[], Any]:
        def build() -> Any:
            column = pn.Column()
            button = pn.widgets.Button(label="afm-remove")
            button.on_click(lambda _: setattr(column, "objects", [button]))
            column.objects = [button, make()]
            return column

        return build

    apps = {
        "awc": app(make_probe),
        "component": app(component_cls),
        "component-nested": app(panel_probe(nested_bytes=True)),
    }
    with serving(apps) as url:
        yield url


def run_panel(browser: Any, url: str, route: str, reload: Callable[[], Callable[[], None]]) -> dict[str, Result]:
    """``reload`` gives the reloader of the widget this page's session made."""
    page = new_page(browser)
    try:
        page.goto(f"{url}/{route}")

        def remove() -> int:
            page.get_by_role("button", name="afm-remove").click()
            return int(page.evaluate(LAST_VIEW))

        return collect(page, remove, reload=reload())
    finally:
        page.context.close()


def run_panel_nested(browser: Any, url: str) -> Result:
    """The nested binary row for Panel's component, from a component that holds bytes in a ``param.Dict``."""
    page = new_page(browser)
    errors: list[str] = []
    page.on("console", lambda m: m.type == "error" and errors.append(m.text.splitlines()[0]))
    try:
        page.goto(f"{url}/component-nested")
        try:
            page.wait_for_function("() => globalThis.__afm?.results?.nested_binary_dataview", timeout=20_000)
        except Exception:
            # Bokeh's messages carry session ids: keep only the cause, so the matrix is the same every run
            causes = sorted({m.group(1) for e in errors if (m := re.search(r"Error: (.*)$", e))})
            return {"status": "fail", "reason": f"the component does not render: {'; '.join(causes)[:200]}"}
        result: Result = page.evaluate("() => globalThis.__afm.results.nested_binary_dataview")
        return result
    finally:
        page.context.close()


# ------------------------------------------------------------------------------------------------- JupyterLab


def lab_notebook(make: str, esm: Path) -> dict[str, Any]:
    source = (
        "import pathlib, probe_widgets\n"
        f"probe_cls, child_cls = probe_widgets.{make}(pathlib.Path({str(esm)!r}))\n"
        "probe_cls(child=child_cls())"
    )
    cell = {"cell_type": "code", "id": "c1", "metadata": {}, "outputs": [], "execution_count": None, "source": source}
    kernelspec = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return {"nbformat": 4, "nbformat_minor": 5, "metadata": {"kernelspec": kernelspec}, "cells": [cell]}


@contextlib.contextmanager
def lab_server(root: Path) -> Iterator[str]:
    from jupyter_kernel_util import jupyterlab

    for make in ("anywidget_probe", "awc_probe"):
        (root / f"{make}.ipynb").write_text(json.dumps(lab_notebook(make, root / f"{make}.js")))
    path = os.pathsep.join([str(HERE), os.environ.get("PYTHONPATH", "")])
    # ANYWIDGET_HMR: both libraries then watch a file `_esm` and send its new text (hot reload)
    with jupyterlab(root, PYTHONPATH=path, ANYWIDGET_HMR="1") as url:
        yield url


def file_reloader(esm: Path) -> Callable[[], None]:
    """An edit of the widget's ``_esm`` file, which the host's own watcher is to notice."""
    from probe_widgets import ESM, RELOADED

    return lambda: esm.write_text(ESM + RELOADED, encoding="utf-8")


def run_lab(browser: Any, url: str, root: Path, make: str) -> dict[str, Result]:
    from jupyter_kernel_util import run_all_in_lab

    page = new_page(browser)
    try:
        # a workspace per notebook: the default one would reopen the previous notebook beside this one
        run_all_in_lab(page, url, f"{make}.ipynb", path=f"lab/workspaces/{make}/tree")

        def remove() -> int:
            # what "Clear All Outputs" does: the output area disposes the widget's view
            page.evaluate("() => window.jupyterapp.commands.execute('notebook:clear-all-cell-outputs')")
            return int(page.evaluate(LAST_VIEW))

        return collect(page, remove, reload=file_reloader(root / f"{make}.js"))
    finally:
        with contextlib.suppress(Exception):  # stop the kernel so the next notebook has the CPU
            page.evaluate("() => window.jupyterapp.commands.execute('kernelmenu:shutdown')")
        page.context.close()


# ----------------------------------------------------------------------------------------------------- marimo

MARIMO_NOTEBOOK = """import marimo

app = marimo.App()


@app.cell
def _():
    import marimo as mo
    import probe_widgets

    probe_cls, child_cls = probe_widgets.anywidget_probe(probe_widgets.Path("afm_marimo.js").resolve())
    probe = mo.ui.anywidget(probe_cls(child=child_cls()))
    show = mo.ui.switch(value=True, label="afm-show")
    return mo, probe, show


@app.cell
def _(show):
    show
    return


@app.cell
def _(mo, probe, show):
    probe if show.value else mo.md("afm-removed")
    return


if __name__ == "__main__":
    app.run()
"""


@contextlib.contextmanager
def marimo_server(root: Path) -> Iterator[str]:
    from examples.example_hosts import marimo_run

    notebook = root / "afm_marimo.py"
    notebook.write_text(MARIMO_NOTEBOOK)
    path = os.pathsep.join([str(HERE), os.environ.get("PYTHONPATH", "")])
    env = {**os.environ, "PYTHONPATH": path, "ANYWIDGET_HMR": "1"}  # anywidget watches the `_esm` file
    with marimo_run(notebook, root / "marimo.log", cwd=root, env=env) as url:
        yield url


def run_marimo(browser: Any, url: str, root: Path) -> dict[str, Result]:
    page = new_page(browser)
    try:
        page.goto(url)

        def remove() -> int:
            page.get_by_role("switch").click()  # the cell re-runs and shows text instead of the widget
            page.get_by_text("afm-removed").wait_for()
            return int(page.evaluate(LAST_VIEW))

        return collect(page, remove, reload=file_reloader(root / "afm_marimo.js"))
    finally:
        page.context.close()


# ----------------------------------------------------------------------------------------------------- matrix

HOSTS = ["standalone", "static", "panel", "lab-anywidget", "lab-awc", "marimo", "panel-component"]
HOST_TITLES = {
    "standalone": "anywidget-core standalone",
    "static": "anywidget-core static HTML",
    "panel": "anywidget-core in Panel",
    "lab-anywidget": "JupyterLab: `anywidget.AnyWidget`",
    "lab-awc": "JupyterLab: `awc.Widget`",
    "marimo": "marimo: `mo.ui.anywidget`",
    "panel-component": "Panel `AnyWidgetComponent`",
}


def run_hosts(browser: Any, hosts: list[str]) -> dict[str, dict[str, Result]]:
    """Each asked-for host's results; a host that breaks gets a failing column, not an aborted run."""
    measured: dict[str, dict[str, Result]] = {}

    def attempt(host: str, run: Callable[[], dict[str, Result]]) -> None:
        start = time.perf_counter()
        try:
            measured[host] = run()
        except Exception as e:  # the column says why, the other hosts still run
            reason = f"the driver failed: {type(e).__name__}: {str(e).splitlines()[0][:200]}"
            measured[host] = {name: {"status": "fail", "reason": reason} for name, _, _ in FEATURES}
        print(f"{host}: {time.perf_counter() - start:.1f} s", file=sys.stderr, flush=True)

    if "standalone" in hosts:
        attempt("standalone", lambda: run_standalone(browser))
    if "static" in hosts:
        attempt("static", lambda: run_static(browser))
    if {"panel", "panel-component"} & set(hosts):
        made: list[Any] = []
        with tempfile.TemporaryDirectory() as tmp, panel_server(made, Path(tmp) / "probe.js") as url:
            esm = Path(tmp) / "probe.js"
            if "panel" in hosts:
                attempt("panel", lambda: run_panel(browser, url, "awc", lambda: reloader(made[-1], esm)))
            if "panel-component" in hosts:
                reload_component = lambda: file_reloader(esm.with_name("component.js"))  # noqa: E731
                attempt("panel-component", lambda: run_panel(browser, url, "component", reload_component))
            if "panel-component" in hosts:
                measured["panel-component"]["nested_binary_dataview"] = run_panel_nested(browser, url)
    with tempfile.TemporaryDirectory() as tmp:
        if {"lab-anywidget", "lab-awc"} & set(hosts):
            with lab_server(Path(tmp)) as url:
                for host, make in (("lab-anywidget", "anywidget_probe"), ("lab-awc", "awc_probe")):
                    if host in hosts:
                        attempt(host, lambda make=make: run_lab(browser, url, Path(tmp), make))
        if "marimo" in hosts:
            with marimo_server(Path(tmp)) as url:
                attempt("marimo", lambda: run_marimo(browser, url, Path(tmp)))
    return {host: measured[host] for host in hosts if host in measured}


def cells(measured: dict[str, dict[str, Result]]) -> dict[str, dict[str, str]]:
    """Feature -> host -> "pass" / "fail" / "n/a": what the pinning test compares."""
    return {name: {host: results[name]["status"] for host, results in measured.items()} for name, _, _ in FEATURES}


def to_markdown(measured: dict[str, dict[str, Result]]) -> str:
    hosts = list(measured)
    notes: list[str] = []

    def cell(result: Result) -> str:
        text = {"pass": "pass", "fail": "**fail**", "n/a": "n/a"}[result["status"]]
        why = result.get("reason") or result.get("note")
        if not why:
            return text
        if why not in notes:
            notes.append(why)
        return f"{text} [{notes.index(why) + 1}]"

    lines = [
        "# AFM front-end conformance matrix",
        "",
        "Generated by `python tests/afm/afm_driver.py --write` (do not edit by hand); pinned by",
        "`tests/afm/test_afm_matrix.py`. Each cell was measured by `protocol/afm/probe.js` inside the host's page in",
        "headless Chromium; numbers in brackets point to the reasons below.",
        "",
        "| feature | " + " | ".join(HOST_TITLES[h] for h in hosts) + " |",
        "| --- |" + " --- |" * len(hosts),
    ]
    for name, what, _ in FEATURES:
        lines.append(f"| `{name}`: {what} | " + " | ".join(cell(measured[h][name]) for h in hosts) + " |")
    lines += ["", "Reasons and notes, as the probe or the driver reported them:", ""]
    lines += [f"{i}. {note.replace('|', '/')}" for i, note in enumerate(notes, 1)]
    return "\n".join(lines) + "\n"


def measure(hosts: list[str]) -> dict[str, dict[str, Result]]:
    from conftest import CHROMIUM, CHROMIUM_ARGS
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            return run_hosts(browser, hosts)
        finally:
            browser.close()


def main(argv: list[str]) -> int:
    write = "--write" in argv
    hosts = [a for a in argv if not a.startswith("--")] or HOSTS
    unknown = set(hosts) - set(HOSTS)
    if unknown:
        print(f"unknown hosts {sorted(unknown)}; known: {HOSTS}", file=sys.stderr)
        return 2
    text = to_markdown(measure(hosts))
    print(text)
    if write:
        MATRIX.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
