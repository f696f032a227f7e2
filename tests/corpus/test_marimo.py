"""The ports in real marimo sessions (``marimo run`` of one notebook per widget, in headless Chromium), shown as
marimo documents for anywidget widgets (``mo.ui.anywidget(widget)``) and checked like the other hosts against the
originals in JupyterLab. The widget lives in marimo's kernel: the checks read and set it through ``control.py``."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from examples.example_hosts import free_port, marimo_run

from .cases import CASES
from .checks import CHECKS, assert_like, foreign_errors
from .control import RemoteWidget
from .download import site
from .pages import (
    ADD_TO_SHADOW_ROOT,
    MEASURE,
    SHADOW_LAB_CONTEXT_CSS,
    TOLERANCE,
    WIDTH,
    wait_until,
    watch_errors,
)

pytestmark = [pytest.mark.browser, pytest.mark.corpus, pytest.mark.timeout(300)]

TESTS = Path(__file__).parents[1]

NOTEBOOK = """import marimo

app = marimo.App(width="full")


@app.cell
def _():
    import marimo as mo

    from corpus.cases import build_port
    from corpus.control import serve_control

    widget = build_port({name!r})
    view = mo.ui.anywidget(widget)
    serve_control(widget, {port})
    return mo, view


@app.cell
def _(mo, view):
    mo.Html(f'<div class="awc-widget" data-corpus="{name}" style="width: {width}px">{{view}}</div>')
    return


if __name__ == "__main__":
    app.run()
"""


# The original, shown the same way: where the ports differ from JupyterLab in marimo, the original must too.
ORIGINAL = (
    NOTEBOOK.replace("from corpus.control import serve_control\n", "")
    .replace(
        "widget = build_port({name!r})",
        "from corpus.cases import CASES, namespace\n\n    widget = eval(CASES[{name!r}]['original'], namespace())",
    )
    .replace("    serve_control(widget, {port})\n", "")
)

# Widgets that differ from JupyterLab in marimo because of marimo's front end, the original too: their reference
# here is the original in marimo (measured in the same test), and the cause, measured:
MARIMO_CONTEXT = {
    # Its background is `var(--background)`, set by its CSS on `:root` (`:host` here, shadow_css.py); marimo's front
    # end wraps every widget in `div.marimo > div.contents.light` inside the shadow root, and marimo's theme sets
    # its own `--background` (#fff) on those, closer to the widget, so it takes marimo's white. Its text is
    # `text-sm` (0.9rem) of marimo's 16px root, 14.4px, against 13px in JupyterLab: 668 px tall, not 742.
    "searchselect": "marimo's theme variables (--background) and root font size",
}


# Widgets marimo's front end cannot show, the original neither (test_original_in_marimo_fails checks that it fails
# the same way): measured with marimo 0.25.2, whose `model.widget_manager` has only `get_model`, so a container that
# renders its children with ipywidgets' `create_view` (manywidgets' Column) throws in its render, original and port
# alike: `[manywidgets] renderChild needs a static host or a widget_manager with create_view`.
NO_CREATE_VIEW = "[manywidgets] renderChild needs a static host or a widget_manager with create_view"
MARIMO_GAPS = {"column": NO_CREATE_VIEW}


@pytest.fixture(scope="module")
def marimo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, int]]]:
    """One ``marimo run`` of a folder holding a notebook per corpus widget; each serves its widget's control
    port."""
    folder = tmp_path_factory.mktemp("corpus-marimo")
    controls = {name: free_port() for name in CASES}
    for name, control in controls.items():
        (folder / f"corpus_{name}.py").write_text(NOTEBOOK.format(name=name, port=control, width=WIDTH))
    for name in [*MARIMO_CONTEXT, *MARIMO_GAPS]:
        (folder / f"original_{name}.py").write_text(ORIGINAL.format(name=name, width=WIDTH))
    paths = [str(TESTS), str(site()), os.environ.get("PYTHONPATH", "")]  # the originals import from the wheels
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(paths)}
    with marimo_run(folder, folder / "server.log", env=env) as url:
        yield url, controls


def _connect(port: int) -> RemoteWidget:
    deadline = time.monotonic() + 60
    while True:
        try:
            return RemoteWidget(port)
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def _gap(name: str) -> Any:
    reason = MARIMO_GAPS.get(name)
    return (
        pytest.mark.xfail(strict=True, reason=f"marimo's widget_manager lacks create_view: {reason}") if reason else ()
    )


@pytest.mark.parametrize("name", [pytest.param(n, id=n, marks=_gap(n)) for n in CASES])
def test_marimo(name: str, marimo_server: tuple[str, dict[str, int]], browser: Any, reference: dict[str, Any]) -> None:
    url, controls = marimo_server
    check = CHECKS[name]
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    try:
        page = context.new_page()
        errors = watch_errors(page)
        page.goto(f"{url}/?file=corpus_{name}.py")
        root = page.locator(f".awc-widget[data-corpus={name}]")
        root.locator(check.key).first.wait_for(state="attached", timeout=60_000)
        widget = _connect(controls[name])
        if check.lab_context:
            assert page.evaluate(ADD_TO_SHADOW_ROOT, [check.key, SHADOW_LAB_CONTEXT_CSS])
        page.wait_for_timeout(300)
        css = list(check.css[:2]) if check.css else None
        m = page.evaluate(MEASURE, [root.element_handle(), check.key, css])
        original = reference["originals"][name]
        expected_style = check.css[2] if check.css else None
        if name in MARIMO_CONTEXT:
            original = _measure_original(context, url, name)
            expected_style = original["style"]
        assert_like(m, name, original, expected_style)
        assert foreign_errors(name, errors) == [], errors
        if check.interact:
            check.interact(root, widget)
        if check.python:
            check.python(root, widget)
        assert foreign_errors(name, errors) == [], errors
        widget.close()
    finally:
        context.close()


def _measure_original(context: Any, url: str, name: str) -> dict[str, Any]:
    check = CHECKS[name]
    page = context.new_page()
    page.goto(f"{url}/?file=original_{name}.py")
    root = page.locator(f".awc-widget[data-corpus={name}]")
    root.locator(check.key).first.wait_for(state="attached", timeout=60_000)
    page.wait_for_timeout(300)
    css = list(check.css[:2]) if check.css else None
    measured: dict[str, Any] = page.evaluate(MEASURE, [root.element_handle(), check.key, css])
    page.close()
    return measured


@pytest.mark.parametrize("name", list(MARIMO_CONTEXT))
def test_original_in_marimo_differs_from_jupyterlab(
    name: str, marimo_server: tuple[str, dict[str, int]], browser: Any, reference: dict[str, Any]
) -> None:
    """The cause of a MARIMO_CONTEXT difference is marimo: the original differs from JupyterLab there too."""
    url, _ = marimo_server
    check = CHECKS[name]
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    try:
        there, lab = _measure_original(context, url, name), reference["originals"][name]
        assert there["found"]
        differs = abs(there["width"] - lab["width"]) > TOLERANCE or abs(there["height"] - lab["height"]) > TOLERANCE
        assert differs or (check.css is not None and there["style"] != check.css[2])
    finally:
        context.close()


@pytest.mark.parametrize("name", list(MARIMO_GAPS))
def test_original_in_marimo_fails(name: str, marimo_server: tuple[str, dict[str, int]], browser: Any) -> None:
    """The cause of a MARIMO_GAPS failure is marimo's front end: the original fails there with the same error and
    shows none of its children."""
    url, _ = marimo_server
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    try:
        page = context.new_page()
        errors = watch_errors(page)
        page.goto(f"{url}/?file=original_{name}.py")
        root = page.locator(f".awc-widget[data-corpus={name}]")
        root.locator(CHECKS[name].key).first.wait_for(state="attached", timeout=60_000)
        wait_until(lambda: any(MARIMO_GAPS[name] in e for e in errors), what="the original's render error")
        assert root.locator(".manywidgets-button").count() == 0
    finally:
        context.close()
