"""The corpus of published anywidget widgets (tests/corpus/README.md), ported unchanged, on every host.

Each widget runs on the standalone page (live, with Python behind it) and in a static export opened offline;
the originals run in JupyterLab as the reference (test_reference.py). Per widget and host: it renders with no
uncaught or console errors, its CSS applies, its key element has the original's size, a page interaction reaches
the Python field and a Python change reaches the page.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from anywidget_core.hosts.standalone import serve
from anywidget_core.hosts.static import to_html

from .cases import CASES, build_port
from .checks import CHECKS, foreign_errors
from .pages import LAB_CONTEXT_CSS, MEASURE, TOLERANCE, open_offline, open_standalone, section, wait_until
from .ports import Column

pytestmark = [pytest.mark.browser, pytest.mark.corpus]

# Widgets that cannot show anything without their Python side (they query DuckDB through custom messages).
NEEDS_PYTHON = frozenset({"quak", "mosaic"})


def _cases(leave_out: frozenset[str] = frozenset()) -> list[Any]:
    return [pytest.param(n, id=n) for n in CASES if n not in leave_out]


def measure(root: Any, name: str) -> dict[str, Any]:
    check = CHECKS[name]
    css = list(check.css[:2]) if check.css else None
    result: dict[str, Any] = root.page.evaluate(MEASURE, [root.element_handle(), check.key, css])
    return result


def assert_rendered(root: Any, name: str, errors: list[str], original: dict[str, Any]) -> None:
    """Non-empty, key element present and sized like the original's in JupyterLab, CSS applied, no errors."""
    check = CHECKS[name]
    key = root.locator(check.key).first
    key.wait_for(state="attached", timeout=20_000)
    if check.lab_context:
        root.page.add_style_tag(content=LAB_CONTEXT_CSS)
    root.page.wait_for_timeout(300)  # let a first animation frame lay the widget out
    m = measure(root, name)
    assert m["found"] and m["elements"] > 1 and m["width"] > 0 and m["height"] > 0, m
    if check.css:
        assert m["style"] == check.css[2], f"{check.css[0]} {check.css[1]}: {m['style']}"
    size, lab_size = (m["width"], m["height"]), (original["width"], original["height"])
    assert abs(size[0] - lab_size[0]) <= TOLERANCE and abs(size[1] - lab_size[1]) <= TOLERANCE, (
        f"{size} here, {lab_size} in JupyterLab; computed here {m['computed']}, in JupyterLab {original['computed']}"
    )
    assert foreign_errors(name, errors) == [], errors


@pytest.fixture
def context(browser: Any) -> Iterator[Any]:
    ctx = browser.new_context(viewport={"width": 1100, "height": 900})
    yield ctx
    ctx.close()


@pytest.mark.parametrize("name", _cases())
def test_standalone(name: str, context: Any, reference: dict[str, Any]) -> None:
    widget = build_port(name)
    check = CHECKS[name]
    with serve({name: widget}, title=name) as server:
        page = open_standalone(context, server)
        root = section(page)
        assert_rendered(root, name, page.corpus_errors, reference["originals"][name])
        if check.interact:
            check.interact(root, widget)
        if check.python:
            check.python(root, widget)
        assert foreign_errors(name, page.corpus_errors) == []


@pytest.mark.parametrize("name", _cases(leave_out=NEEDS_PYTHON))
def test_static_offline(name: str, context: Any, tmp_path: Path, reference: dict[str, Any]) -> None:
    widget = build_port(name)
    path = tmp_path / f"{name}.html"
    to_html({name: widget}, path, title=name)
    page, attempted = open_offline(context, path)
    assert_rendered(section(page), name, page.corpus_errors, reference["originals"][name])
    assert attempted == []


@pytest.mark.parametrize("how", ["children", "close"])
def test_standalone_child_views_go_with_their_column(how: str, context: Any) -> None:
    """create_view's views go when the column calls their remove(): on a new (empty) children list, and from the
    column's cleanup when Python closes it; each child's stylesheet (one per model, counted per view) leaves the
    page with its last view (measured: with remove() a no-op, they stay). The original's host (anywidget in
    JupyterLab) manages CSS its own way, so this is checked on the runtime's page only."""
    widget = build_port("column")
    assert isinstance(widget, Column)
    children = list(widget.children)
    styles = "ids => ids.map(id => document.querySelectorAll(`style[data-anywidget-model='${id}']`).length)"
    with serve({"column": widget}, title="column") as server:
        page = open_standalone(context, server)
        buttons = section(page).locator(".manywidgets-column .manywidgets-button")
        wait_until(lambda: buttons.count() == 2, what="both children rendered")
        ids = [c.model_id for c in children]
        assert page.evaluate(styles, ids) == [1, 1]
        if how == "children":
            widget.children = []
        else:
            widget.close()
        wait_until(lambda: page.evaluate(styles, ids) == [0, 0], what="the children's stylesheets removed")
        assert buttons.count() == 0
        assert page.corpus_errors == []
