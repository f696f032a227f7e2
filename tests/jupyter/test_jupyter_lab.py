"""The Jupyter host in real JupyterLab (anywidget's labextension) driven by headless Chromium.

One JupyterLab server for the module, started with ANYWIDGET_HMR=1. A second kernel client on the same
connection file reads kernel state and acts in Python, as another front end would.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterator
from typing import Any

import pytest
from jupyter_kernel_util import evaluate, execute, jupyterlab, run_all_in_lab, second_client

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]

ESM = """\
export default {
  render({ model, el }) {
    const b = document.createElement("button");
    b.className = "awc-counter";
    const show = () => {
      b.textContent = "count=" + model.get("value") + " bytes=" + model.get("blob").byteLength;
    };
    show();
    model.on("change:value", show);
    model.on("change:blob", show);
    b.addEventListener("click", () => {
      model.set("value", model.get("value") + 1);
      model.save_changes();
      model.send({ kind: "clicked" }, undefined, [new Uint8Array([1, 2, 3])]);
    });
    model.on("msg:custom", (msg, buffers) => {
      el.dataset.last = JSON.stringify(msg) + ":" + buffers.map((x) => x.byteLength).join(",");
    });
    el.appendChild(b);
  },
};
"""

CSS = ".awc-counter { color: rgb(0, 128, 0); }"

MODULE = """\
from pathlib import Path

import anywidget_core as awc

HERE = Path(__file__).parent


class LabCounter(awc.Widget):
    _esm = HERE / "lab_counter.js"
    _css = HERE / "lab_counter.css"
    value: int = 0
    blob: bytes = b"xyz"
"""

CELL = """\
from lab_counter import LabCounter
c = LabCounter()
got = []
c.observe(lambda ch: (HERE_VALUE).write_text(str(ch.new)), "value")
c.on_msg(lambda w, content, buffers: got.append((content, [bytes(b) for b in buffers])))
c"""


def log(*args: Any) -> None:
    print(*args, file=sys.stderr, flush=True)


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    root = tmp_path_factory.mktemp("lab")
    (root / "lab_counter.py").write_text(MODULE)
    (root / "lab_counter.js").write_text(ESM)
    (root / "lab_counter.css").write_text(CSS)
    value_file = root / "value.txt"
    cell = CELL.replace("HERE_VALUE", f"__import__('pathlib').Path({str(value_file)!r})")
    notebook = {
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
        "cells": [
            {"cell_type": "code", "id": "c1", "metadata": {}, "outputs": [], "execution_count": None, "source": cell}
        ],
    }
    (root / "t.ipynb").write_text(json.dumps(notebook))
    start = time.perf_counter()
    with jupyterlab(root, ANYWIDGET_HMR="1") as url:
        log(f"jupyter lab up in {time.perf_counter() - start:.2f} s")
        yield {"url": url, "root": root, "value_file": value_file, "started": start}


def _wait_until(check: Any, timeout: float = 15.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result or time.monotonic() > deadline:
            return result
        time.sleep(0.05)


def test_widget_in_jupyterlab(lab: dict[str, Any], page: Any) -> None:
    errors: list[str] = []
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    t_run = run_all_in_lab(page, lab["url"], "t.ipynb")
    button = page.locator(".awc-counter")
    button.wait_for(timeout=30_000)
    now = time.perf_counter()
    log(f"rendered {now - t_run:.2f} s after run-all ({now - lab['started']:.2f} s after server start)")

    # rendered, with its CSS applied
    assert button.text_content() == "count=0 bytes=3"
    assert button.evaluate("b => getComputedStyle(b).color") == "rgb(0, 128, 0)"

    kc = second_client(lab["url"], lab["root"])
    try:
        # browser -> Python: a click sets the value and sends a custom message with a buffer
        t = time.perf_counter()
        button.click()
        assert _wait_until(lambda: lab["value_file"].exists() and lab["value_file"].read_text() == "1")
        log(f"click -> kernel observer: {1000 * (time.perf_counter() - t):.0f} ms")
        assert _wait_until(lambda: evaluate(kc, "got") == [({"kind": "clicked"}, [b"\x01\x02\x03"])])
        assert evaluate(kc, "c.value") == 1

        # Python -> browser: a set (and a binary field) changes the page
        t = time.perf_counter()
        execute(kc, "c.value = 42; c.blob = bytes(1000)")
        page.wait_for_function(
            "document.querySelector('.awc-counter').textContent === 'count=42 bytes=1000'", timeout=10_000
        )
        log(f"python set -> page: {1000 * (time.perf_counter() - t):.0f} ms")

        # Python -> browser custom message with buffers
        execute(kc, "c.send({'kind': 'hello'}, buffers=[b'ab', b'cde'])")
        last = "document.querySelector('.awc-counter').parentElement.dataset.last"
        page.wait_for_function(f'{last} === \'{{"kind":"hello"}}:2,3\'', timeout=10_000)

        # hot reload: edit the ESM file; the page re-renders with the new code and the same state
        t = time.perf_counter()
        js = lab["root"] / "lab_counter.js"
        js.write_text(ESM.replace('"count="', '"n="'))
        page.wait_for_function(
            "document.querySelector('.awc-counter')?.textContent === 'n=42 bytes=1000'", timeout=20_000
        )
        log(f"ESM edit -> page re-rendered: {1000 * (time.perf_counter() - t):.0f} ms")
        assert evaluate(kc, "c.value") == 42
        (lab["root"] / "lab_counter.css").write_text(CSS.replace("rgb(0, 128, 0)", "rgb(0, 0, 255)"))
        page.wait_for_function(
            "getComputedStyle(document.querySelector('.awc-counter')).color === 'rgb(0, 0, 255)'", timeout=20_000
        )
        # the re-rendered view still talks to Python
        page.locator(".awc-counter").click()
        assert _wait_until(lambda: lab["value_file"].read_text() == "43")

        # a reloaded page restores the model from the kernel (control comm) and renders the saved view
        page.evaluate("() => window.jupyterapp.commands.execute('docmanager:save')")
        _wait_until(lambda: "application/vnd.jupyter.widget-view+json" in (lab["root"] / "t.ipynb").read_text())
        t = time.perf_counter()
        page.reload()
        page.wait_for_function(
            "document.querySelector('.awc-counter')?.textContent === 'n=43 bytes=1000'", timeout=60_000
        )
        log(f"page reload -> widget restored: {1000 * (time.perf_counter() - t):.0f} ms")
        page.locator(".awc-counter").click()
        assert _wait_until(lambda: lab["value_file"].read_text() == "44")
    finally:
        kc.stop_channels()
    assert not [e for e in errors if "anywidget" in e.lower()], errors
