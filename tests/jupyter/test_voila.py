"""The Jupyter host in real Voila (anywidget's labextension, Voila's own widget manager) in headless Chromium.

Voila executes the notebook in a kernel and renders only outputs: two widgets, where an observer defined in one
cell drives the second widget, so a click on the first changes the second through Python.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from jupyter_kernel_util import jupyter_app

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]

DEFINE = """\
import anywidget_core as awc

class VCounter(awc.Widget):
    _esm = '''
    export default {
      render({ model, el }) {
        const b = document.createElement("button");
        b.className = "awc-voila " + model.get("name");
        const show = () => { b.textContent = model.get("name") + "=" + model.get("value"); };
        show();
        model.on("change:value", show);
        b.addEventListener("click", () => { model.set("value", model.get("value") + 1); model.save_changes(); });
        el.appendChild(b);
      },
    };
    '''
    _css = ".awc-voila { color: rgb(0, 128, 0); }"
    name: str = ""
    value: int = 0

a = VCounter(name="a")
a"""

SECOND = """\
b = VCounter(name="b")
a.observe(lambda c: setattr(b, "value", c.new * 2), "value")
b"""


def log(*args: Any) -> None:
    print(*args, file=sys.stderr, flush=True)


def test_observer_drives_second_widget_in_voila(tmp_path: Path, page: Any) -> None:
    cells = [
        {"cell_type": "markdown", "id": "m1", "metadata": {}, "source": "# two counters"},
        {"cell_type": "code", "id": "c1", "metadata": {}, "outputs": [], "execution_count": None, "source": DEFINE},
        {"cell_type": "code", "id": "c2", "metadata": {}, "outputs": [], "execution_count": None, "source": SECOND},
    ]
    notebook = {
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
        "cells": cells,
    }
    (tmp_path / "two.ipynb").write_text(json.dumps(notebook))
    errors: list[str] = []
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    argv = [
        "voila",
        "two.ipynb",
        "--no-browser",
        "--Voila.ip=127.0.0.1",
        "--Voila.tornado_settings={'xsrf_cookies': False}",
    ]
    start = time.perf_counter()
    with jupyter_app(tmp_path, argv, ready="/voila/static/") as url:
        log(f"voila up in {time.perf_counter() - start:.2f} s")
        t = time.perf_counter()
        page.goto(url)
        # Without the front end the outputs are the text `VCounter(...)` and these never appear.
        first, second = page.locator(".awc-voila.a"), page.locator(".awc-voila.b")
        first.wait_for(timeout=60_000)
        second.wait_for(timeout=30_000)
        log(f"page rendered both widgets in {time.perf_counter() - t:.2f} s")
        assert first.text_content() == "a=0"
        assert second.text_content() == "b=0"
        assert second.evaluate("b => getComputedStyle(b).color") == "rgb(0, 128, 0)"

        first.click()
        page.wait_for_function("document.querySelector('.awc-voila.b').textContent === 'b=2'", timeout=10_000)
        first.click()
        page.wait_for_function("document.querySelector('.awc-voila.b').textContent === 'b=4'", timeout=10_000)
        assert first.text_content() == "a=2"
    assert not [e for e in errors if "anywidget" in e.lower()], errors
