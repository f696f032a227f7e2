"""The Jupyter host in real Jupyter Notebook 7 (anywidget's labextension) driven by headless Chromium.

Notebook 7 is built on JupyterLab's LabServerApp, so the same server helper starts it (``app="notebook"``) and
the same labextension renders the widget. A second kernel client on the page's kernel reads Python's state.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from jupyter_kernel_util import evaluate, execute, jupyterlab, run_all_in_lab, second_client

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]

ESM = """
export default {
  render({ model, el }) {
    const b = document.createElement("button");
    b.className = "awc-nb7";
    const show = () => { b.textContent = "count=" + model.get("value"); };
    show();
    model.on("change:value", show);
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

CELL = f"""\
import anywidget_core as awc

class NB7Counter(awc.Widget):
    _esm = {ESM!r}
    _css = ".awc-nb7 {{ color: rgb(0, 128, 0); }}"
    value: int = 0

c = NB7Counter()
got = []
c.on_msg(lambda w, content, buffers: got.append((content, [bytes(b) for b in buffers])))
c"""


def log(*args: Any) -> None:
    print(*args, file=sys.stderr, flush=True)


def _wait_until(check: Any, timeout: float = 15.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result or time.monotonic() > deadline:
            return result
        time.sleep(0.05)


def test_widget_in_notebook7(tmp_path: Path, page: Any) -> None:
    notebook = {
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
        "cells": [
            {"cell_type": "code", "id": "c1", "metadata": {}, "outputs": [], "execution_count": None, "source": CELL}
        ],
    }
    (tmp_path / "t.ipynb").write_text(json.dumps(notebook))
    errors: list[str] = []
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    start = time.perf_counter()
    with jupyterlab(tmp_path, app="notebook") as url:
        log(f"notebook 7 up in {time.perf_counter() - start:.2f} s")
        t_run = run_all_in_lab(page, url, "t.ipynb", path="notebooks")
        # Without the front end the output is the text `NB7Counter(...)` and this never appears.
        button = page.locator(".awc-nb7")
        button.wait_for(timeout=30_000)
        log(f"rendered {time.perf_counter() - t_run:.2f} s after run-all")
        assert button.text_content() == "count=0"
        assert button.evaluate("b => getComputedStyle(b).color") == "rgb(0, 128, 0)"

        kc = second_client(url, tmp_path)
        try:
            # browser -> Python: the click sets the value and sends a custom message with a buffer
            button.click()
            assert _wait_until(lambda: evaluate(kc, "c.value") == 1)
            assert _wait_until(lambda: evaluate(kc, "got") == [({"kind": "clicked"}, [b"\x01\x02\x03"])])

            # Python -> browser: a set, then a custom message with buffers
            execute(kc, "c.value = 42")
            page.wait_for_function("document.querySelector('.awc-nb7').textContent === 'count=42'", timeout=10_000)
            execute(kc, "c.send({'kind': 'hello'}, buffers=[b'ab', b'cde'])")
            last = "document.querySelector('.awc-nb7').parentElement.dataset.last"
            page.wait_for_function(f'{last} === \'{{"kind":"hello"}}:2,3\'', timeout=10_000)
        finally:
            kc.stop_channels()
    assert not [e for e in errors if "anywidget" in e.lower()], errors
