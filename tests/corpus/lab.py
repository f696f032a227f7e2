"""The reference: the original widgets (imported from the downloaded packages) and their ports, in one notebook
run by one real JupyterLab (anywidget's labextension) in headless Chromium. Each cell's output is measured with
the same code as the other hosts."""

from __future__ import annotations

import contextlib
import json
import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .cases import CASES, kernel_prelude
from .checks import CHECKS
from .download import site
from .pages import MEASURE, WIDTH, watch_errors

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "jupyter"))
from jupyter_kernel_util import evaluate, execute, jupyterlab, run_all_in_lab, second_client

TESTS = Path(__file__).resolve().parents[1]
LAB_WIDTH_CSS = f".jp-OutputArea-output {{ width: {WIDTH}px !important; flex: 0 0 {WIDTH}px !important; }}"


def notebook() -> dict[str, Any]:
    """Cell 0 defines the cases' inputs; then one cell per original, then one per port (each ends in the widget)."""

    def code(i: int, source: str) -> dict[str, Any]:
        return {
            "cell_type": "code",
            "id": f"c{i}",
            "metadata": {},
            "outputs": [],
            "execution_count": None,
            "source": source,
        }

    prelude = kernel_prelude() + "\nfrom corpus import cases\nwidgets = {}\nports = {}"
    cells = [code(0, prelude)]
    for name, case in CASES.items():
        cells.append(code(len(cells), f"widgets[{name!r}] = {case['original']}\nwidgets[{name!r}]"))
    for name in CASES:
        cells.append(code(len(cells), f"ports[{name!r}] = cases.build_port({name!r})\nports[{name!r}]"))
    return {
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
        "cells": cells,
    }


def cell_output(page: Any, index: int) -> Any:
    """The output of cell ``index``, scrolled into view (Lab's windowed notebook detaches cells far from view)."""
    page.locator(".jp-Notebook .jp-Cell").nth(index).scroll_into_view_if_needed()
    return page.locator(".jp-Notebook .jp-Cell").nth(index).locator(".jp-OutputArea-output").first


def measure_cell(page: Any, index: int, name: str) -> dict[str, Any]:
    """Scroll cell ``index`` into view (Lab skips layout of cells out of view), wait for the widget, measure it."""
    check = CHECKS[name]
    out = cell_output(page, index)
    deadline = time.monotonic() + 60
    while True:
        page.locator(".jp-Notebook .jp-Cell").nth(index).scroll_into_view_if_needed()
        if out.count() and out.locator(check.key).count():
            break
        if time.monotonic() > deadline:
            return {"found": False, "html": out.inner_html()[:500] if out.count() else "no output"}
        time.sleep(0.2)
    page.wait_for_timeout(300)
    css = list(check.css[:2]) if check.css else None
    result: dict[str, Any] = page.evaluate(MEASURE, [out.element_handle(), check.key, css])
    return result


class KernelObject:
    """A widget living in the Lab's kernel, read and set through a second kernel client, so the same checks run
    against it as against an in-process port (``w.mode``, ``w.datawidth = 32``)."""

    def __init__(self, kc: Any, expr: str) -> None:
        object.__setattr__(self, "_kc", kc)
        object.__setattr__(self, "_expr", expr)

    def __getattr__(self, name: str) -> Any:
        return evaluate(self._kc, f"{self._expr}.{name}")

    def __setattr__(self, name: str, value: Any) -> None:
        execute(self._kc, f"{self._expr}.{name} = {value!r}")

    def child(self, index: int) -> KernelObject:
        """The kernel widget's ``children[index]`` (a container's child widget)."""
        return KernelObject(self._kc, f"{self._expr}.children[{index}]")

    def reverse_children(self) -> None:
        execute(self._kc, f"{self._expr}.children = {self._expr}.children[::-1]")


@contextlib.contextmanager
def lab_reference(browser: Any, root: Path) -> Iterator[dict[str, Any]]:
    """Run the corpus notebook in a real JupyterLab; yields the page, its errors, both measurements per widget and
    handles on the kernel's widgets. The originals come from the downloaded wheels (``PYTHONPATH``)."""
    (root / "corpus.ipynb").write_text(json.dumps(notebook()))
    names = list(CASES)
    with jupyterlab(root, PYTHONPATH=os.pathsep.join([str(TESTS), str(site())])) as url:
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        try:
            page = context.new_page()
            errors = watch_errors(page)
            run_all_in_lab(page, url, "corpus.ipynb")
            page.add_style_tag(content=LAB_WIDTH_CSS)
            originals = {n: measure_cell(page, 1 + i, n) for i, n in enumerate(names)}
            ports = {n: measure_cell(page, 1 + len(names) + i, n) for i, n in enumerate(names)}
            kc = second_client(url, root)
            try:
                yield {
                    "page": page,
                    "errors": errors,
                    "originals": originals,
                    "ports": ports,
                    "original": lambda n: (cell_output(page, 1 + names.index(n)), KernelObject(kc, f"widgets[{n!r}]")),
                    "port": lambda n: (
                        cell_output(page, 1 + len(names) + names.index(n)),
                        KernelObject(kc, f"ports[{n!r}]"),
                    ),
                }
            finally:
                kc.stop_channels()
        finally:
            context.close()
