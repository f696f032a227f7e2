"""The Panel host in a real notebook: JupyterLab (with the pyviz labextension) in headless Chromium.

``pn.extension()``, then ``pn.panel(widget)`` in one cell, another widget inside ``pn.Column`` in a second, and the
first widget again in ``pn.Row`` in a third. In a notebook each output is a Bokeh root with a pyviz_comms comm:
the page's events reach the kernel as comm messages, and Python's envelopes leave as ``push(doc, comm)`` right
away. One JupyterLab server for the
module; a second kernel client on the same connection file reads kernel state and acts in Python.
"""

from __future__ import annotations

import ast
import json
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import panel  # noqa: F401  # the kernel runs this interpreter: without Panel the test fails here, clearly
import pytest
from jupyter_client.blocking.client import BlockingKernelClient
from jupyter_core.paths import jupyter_path

HERE = Path(__file__).resolve().parent
# The kernel-client helpers live beside the Jupyter tests (not a package): import them from their folder.
sys.path.insert(0, str(HERE.parent / "jupyter"))
from jupyter_kernel_util import execute, jupyterlab, run_all_in_lab, second_client  # noqa: E402

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]

TIMEOUT_MS = 30_000

# The kernel imports the Features widget from this folder; `a` is shown alone, `b` inside a Column.
SETUP = f"""\
import sys
sys.path.insert(0, {str(HERE)!r})
import panel as pn
from afm_widgets import features_class, features_source
pn.extension(inline=True)  # Bokeh and Panel JS in the notebook itself: no CDN here
Features = features_class(features_source("v1"))
a = Features()
b = Features(count=5)"""
ALONE = "pn.panel(a)"
IN_COLUMN = 'pn.Column("## in a column", b)'
AGAIN = "pn.Row(a)"  # the same widget in a second output: another Bokeh root, comm and front end


def log(*args: Any) -> None:
    print(*args, file=sys.stderr, flush=True)


def wait_for(predicate: Callable[[], Any], timeout: float = 15.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        assert time.monotonic() < deadline, f"timed out waiting for {predicate}"
        time.sleep(0.05)


def notebook(*sources: str) -> dict[str, Any]:
    cells = [
        {"cell_type": "code", "id": f"c{i}", "metadata": {}, "outputs": [], "execution_count": None, "source": src}
        for i, src in enumerate(sources)
    ]
    kernelspec = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return {"nbformat": 4, "nbformat_minor": 5, "metadata": {"kernelspec": kernelspec}, "cells": cells}


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    # Panel outputs render in JupyterLab only through pyviz_comms' labextension (its mime renderer and comms)
    pyviz = [Path(d) / "@pyviz" / "jupyterlab_pyviz" for d in jupyter_path("labextensions")]
    assert any((d / "package.json").exists() for d in pyviz), "no @pyviz/jupyterlab_pyviz: pip install pyviz_comms"
    root = tmp_path_factory.mktemp("panel-lab")
    (root / "p.ipynb").write_text(json.dumps(notebook(SETUP, ALONE, IN_COLUMN, AGAIN)))
    with jupyterlab(root) as url:
        yield {"url": url, "root": root}


def evaluate(kc: BlockingKernelClient, expr: str) -> Any:
    """The value of a literal-able expression in the kernel, from the execute reply's user_expressions.

    Not from a print: here a print's text once went missing right after the page's clicks (an empty stream).
    pyviz_comms swaps ``sys.stdout`` for a StringIO while it handles a comm message, the likely cause.
    """
    msg_id = kc.execute("", silent=True, user_expressions={"value": expr})
    deadline = time.monotonic() + 30
    while True:
        reply = kc.get_shell_msg(timeout=max(0.1, deadline - time.monotonic()))
        if reply["parent_header"].get("msg_id") == msg_id:
            break
    result = reply["content"]["user_expressions"]["value"]
    assert result["status"] == "ok", result
    return ast.literal_eval(result["data"]["text/plain"])


def expect_text(scope: Any, selector: str, expected: str) -> None:
    """Wait for ``selector`` (Playwright's CSS reaches into shadow roots) to show exactly ``expected``."""
    scope.locator(selector, has_text=expected).wait_for(timeout=TIMEOUT_MS)
    assert scope.locator(selector).inner_text() == expected


def test_panel_widget_in_jupyterlab(lab: dict[str, Any], page: Any) -> None:
    console: list[str] = []
    page.on("console", lambda m: console.append(f"{m.type}: {m.text}"))
    page.on("pageerror", lambda e: console.append(f"pageerror: {e}"))
    t_run = run_all_in_lab(page, lab["url"], "p.ipynb")
    cells = page.locator(".jp-Notebook .jp-CodeCell")
    alone, column, again = cells.nth(1), cells.nth(2), cells.nth(3)
    try:
        for output in (alone, column, again):
            expect_text(output, "#version", "v1")
    except Exception as exc:
        outputs = "\n---\n".join(page.locator(".jp-OutputArea").all_inner_texts())
        raise AssertionError(f"not rendered; outputs:\n{outputs}\nconsole:\n" + "\n".join(console[-40:])) from exc
    log(f"three outputs rendered {time.perf_counter() - t_run:.2f} s after run-all")
    kc = second_client(lab["url"], lab["root"])
    try:
        # rendered from Python's state, with _css applied inside the component
        assert alone.locator("#count").inner_text() == "count=0 reply=0"
        assert column.locator("#count").inner_text() == "count=5 reply=0"
        assert alone.locator("#layout").inner_text() == "5/6/feat/false"
        assert alone.locator("#count").evaluate("e => getComputedStyle(e).color") == "rgb(0, 128, 0)"
        assert column.locator("#count").evaluate("e => getComputedStyle(e).color") == "rgb(0, 128, 0)"
        assert alone.locator("#count").evaluate("e => e.getRootNode() instanceof ShadowRoot")
        assert column.locator("h2", has_text="in a column").count() == 1

        # JS save_changes -> Python (read through the kernel); the observer's reply comes back to the page
        alone.locator("#inc").click()
        expect_text(alone, "#count", "count=1 reply=10")
        expect_text(again, "#count", "count=1 reply=10")  # the widget's other output follows
        assert evaluate(kc, "(a.count, a.reply)") == (1, 10)
        assert evaluate(kc, "(len(a.links), len(b.links))") == (2, 1)  # one link per output
        column.locator("#inc").click()
        expect_text(column, "#count", "count=6 reply=60")
        assert evaluate(kc, "(b.count, b.reply)") == (6, 60)
        assert evaluate(kc, "a.count") == 1  # the other widget is untouched

        # a Python set (from another client of the kernel) reaches the page
        execute(kc, "a.count = 41; b.blob = b'\\x05\\x06'")
        expect_text(alone, "#count", "count=41 reply=410")
        expect_text(again, "#count", "count=41 reply=410")
        expect_text(column, "#blob", "[object DataView]:5,6")

        # model.send with buffers reaches Python as bytes; the reply's buffers arrive as DataViews
        alone.locator("#send").click()
        expect_text(alone, "#custom", '{"echo":{"kind":"bytes"}}|[object DataView]:0,255;[object DataView]:3,2,1')
        assert evaluate(kc, "a.messages") == [({"kind": "bytes"}, [b"\x01\x02\x03", b"\x09\x08"])]

        # a Python send with buffers reaches msg:custom as DataViews
        execute(kc, "b.send({'from': 'python'}, [b'ab', b'cde'])")
        expect_text(column, "#custom", '{"from":"python"}|[object DataView]:97,98;[object DataView]:99,100,101')

        # experimental.invoke: a request with a buffer, answered by Python with buffers
        again.locator("#invoke").click()
        expect_text(again, "#invoked", '{"y":42}|5,5')

        # a binary field set in the page reaches Python as bytes
        column.locator("#set-blob").click()
        wait_for(lambda: evaluate(kc, "b.blob") == b"\x07\x07\x07")
        assert evaluate(kc, "'initialize:function:true' in a.log") is True

        # Re-running a cell replaces its output with a new root; the old root's view stays in Python until Panel
        # cleans it up. That cleanup is the "delete" event jupyterlab_pyviz sends on its own comm, which this
        # JupyterLab never opens (no hv-extension-comm reaches the kernel), so Python delivers that event here,
        # through Panel's real handler: the adapter must then close the old view's link and keep the others.
        page.evaluate("() => { const nb = jupyterapp.shell.currentWidget.content; nb.activeCellIndex = 1; }")
        page.evaluate("() => jupyterapp.commands.execute('notebook:run-cell')")
        views = "[r for r, v in pn.state._views.items() if getattr(v[0], 'widget', None) is a]"
        wait_for(lambda: len(evaluate(kc, views)) == 2)  # the replaced output and the new one (the Row is not)
        expect_text(alone, "#count", "count=41 reply=410")
        assert evaluate(kc, "len(a.links)") == 3  # the replaced output, the new one, the Row
        execute(kc, f"pn.extension._process_comm_msg({{'event_type': 'delete', 'id': {views}[0]}})")
        assert evaluate(kc, "len(a.links)") == 2
        alone.locator("#inc").click()
        expect_text(again, "#count", "count=42 reply=420")
        assert evaluate(kc, "(a.count, a.reply)") == (42, 420)
    finally:
        kc.stop_channels()
    bad = [line for line in console if line.startswith(("error", "pageerror")) or "[anywidget]" in line]
    assert not bad, bad
