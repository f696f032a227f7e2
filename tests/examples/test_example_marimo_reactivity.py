"""What the README says about marimo reactivity, checked in `marimo run` with headless Chromium.

A widget shown bare (a cell's last expression) syncs with Python but re-runs no cell: marimo re-runs the cells
that read a UI element's *variable*, and a bare widget's element is bound to none. ``view = display(widget)``
binds it, so a change from the page re-runs the cells that read ``view``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from example_hosts import marimo_run

pytestmark = [pytest.mark.browser, pytest.mark.timeout(240)]

NOTEBOOK = '''
import marimo

app = marimo.App()


@app.cell
def _():
    import marimo as mo

    import anywidget_core as awc
    from anywidget_core.hosts.marimo import display

    class Clicks(awc.Widget):
        _esm = """
        export default {
          render({ model, el }) {
            const b = document.createElement("button");
            b.className = model.get("tag");
            const show = () => { b.textContent = model.get("tag") + "=" + model.get("n"); };
            show();
            model.on("change:n", show);
            b.onclick = () => { model.set("n", model.get("n") + 1); model.save_changes(); };
            el.append(b);
          },
        };
        """
        tag: str = ""
        n: int = 0

    bare = Clicks(tag="bare")
    bound = Clicks(tag="bound")
    return bare, bound, display, mo


@app.cell
def _(bare):
    bare
    return


@app.cell
def _(bare, mo):
    mo.md(f"bare-cell-sees-{bare.n}")
    return


@app.cell
def _(bound, display):
    view = display(bound)
    view
    return (view,)


@app.cell
def _(bare, mo, view):
    mo.md(f"bound-cell-sees-{view.value['n']}-and-bare-is-{bare.n}")
    return
'''


@pytest.fixture(scope="module")
def marimo_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    root = tmp_path_factory.mktemp("marimo-reactivity")
    (root / "reactivity.py").write_text(NOTEBOOK)
    with marimo_run(root / "reactivity.py", root / "server.log", cwd=root) as url:
        yield url


def test_a_bare_widget_syncs_but_only_a_displayed_one_reruns_cells(page: Any, marimo_app: str) -> None:
    page.goto(marimo_app)
    bare, bound = page.locator("button.bare"), page.locator("button.bound")
    bare.wait_for(timeout=60_000)
    page.get_by_text("bare-cell-sees-0").wait_for(timeout=30_000)
    page.get_by_text("bound-cell-sees-0-and-bare-is-0").wait_for(timeout=30_000)

    bare.click()
    assert bare.inner_text() == "bare=1"
    bound.click()
    # The bound element's cell re-ran, and read the bare widget's new value: the bare click reached Python...
    page.get_by_text("bound-cell-sees-1-and-bare-is-1").wait_for(timeout=30_000)
    # ...yet the cell reading the bare widget did not re-run.
    assert page.get_by_text("bare-cell-sees-0").is_visible()
    assert page.get_by_text("bare-cell-sees-1").count() == 0
