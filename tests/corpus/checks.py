"""What each corpus widget is checked for: its key element (whose size is compared with the original's), one
style its CSS sets, a page interaction that must reach the Python field, and a Python change that must reach the
page. ``None`` where the widget has no such path (it writes nothing, or listens to nothing): the README says so."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

from .pages import TOLERANCE, wait_until
from .ports import Column

Action = Callable[[Any, Any], None]  # (the widget's section locator, the port) -> None; raises when not reached


class Check(NamedTuple):
    key: str
    css: tuple[str, str, str] | None  # selector, computed-style property, the value the widget's CSS gives
    interact: Action | None
    python: Action | None
    # console errors the widget's own code logs, the original in JupyterLab too (test_reference checks that it does)
    own_errors: tuple[str, ...] = ()
    # the widget inherits font, line height or box model from its page, so its size differs from JupyterLab's by
    # exactly the context JupyterLab gives it (pages.LAB_CONTEXT_CSS); compared under that context
    lab_context: bool = False


def foreign_errors(name: str, errors: list[str]) -> list[str]:
    """``errors`` less those the widget's own code logs on every host."""
    return [e for e in errors if not any(own in e for own in CHECKS[name].own_errors)]


def _shows(section: Any, selector: str, text: str) -> None:
    section.locator(selector).filter(has_text=text).first.wait_for(timeout=10_000)


def bitjet_interact(section: Any, w: Any) -> None:
    section.locator("select[data-role=mode]").select_option("byte")
    wait_until(lambda: w.mode == "byte", what="mode == 'byte' in Python")


def bitjet_python(section: Any, w: Any) -> None:
    w.datawidth = 32
    _shows(section, "[data-role=meta]", "· 32 \u00d7")


def slider_interact(section: Any, w: Any) -> None:
    # the puck goes where the mouse goes down: the canvas centre (past its 1 px border) maps to (0, 0)
    section.locator("canvas").click(position={"x": 151, "y": 151})
    wait_until(lambda: abs(w.x) < 0.02 and abs(w.y) < 0.02, what="x, y near 0 in Python")


def slider_python(section: Any, w: Any) -> None:
    w.x = -0.5
    _shows(section, "#sliderValues", "X: -0.50")


def drawdata_interact(section: Any, w: Any) -> None:
    section.locator(".dd-scatter-svg-container > svg").click(position={"x": 300, "y": 150})
    wait_until(lambda: len(w.data) > 0, what="drawn points in Python")


def drawdata_python(section: Any, w: Any) -> None:
    w.data = [{"x": 100.0 + i * 10, "y": 100.0, "color": "#1f77b4", "label": "a", "batch": 0} for i in range(7)]
    wait_until(lambda: section.locator("circle.drawn").count() == 7, what="7 drawn circles on the page")


def searchselect_interact(section: Any, w: Any) -> None:
    section.locator("input").first.fill("an")
    wait_until(lambda: w.query == "an", what="query == 'an' in Python")
    wait_until(lambda: w._matches == ["banana"], what="Python's matches")


def searchselect_python(section: Any, w: Any) -> None:
    w.query = "blue"
    _shows(section, "#search-widget", "\u00b7 1 shown")  # Python's matches for "blue": blueberry
    assert section.locator("input").first.input_value() == "blue"


def mopad_python(section: Any, w: Any) -> None:
    w.current_button_press = 3
    _shows(section, "div", "Current button press: 3")


def button_interact(section: Any, w: Any) -> None:
    section.locator(".manywidgets-button").click()
    wait_until(lambda: w.clicks == 1, what="clicks == 1 in Python")


def button_python(section: Any, w: Any) -> None:
    w.label = "Stop"
    _shows(section, ".manywidgets-button", "Stop")


def child(w: Any, index: int) -> Any:
    """A container's child widget, whichever side holds it: a port here, or a kernel's widget (``KernelObject``,
    ``RemoteWidget``: each has ``child``)."""
    return w.children[index] if isinstance(w, Column) else w.child(index)


def column_interact(section: Any, w: Any) -> None:
    buttons = section.locator(".manywidgets-column .manywidgets-button")
    wait_until(lambda: buttons.count() == 2, what="both children rendered in the column")
    # the child's own CSS reached the root it was placed in (a shadow root on Panel and marimo): its padding
    padding = buttons.nth(1).evaluate("b => getComputedStyle(b).paddingTop")
    assert padding == "8px", f"the child button's CSS is missing: padding-top {padding}"
    buttons.nth(1).click()
    wait_until(lambda: child(w, 1).clicks == 1, what="the second child's clicks == 1 in Python")
    assert child(w, 0).clicks == 0  # each child view writes its own model


def reverse_children(w: Any) -> None:
    if isinstance(w, Column):
        w.children = w.children[::-1]
    else:
        w.reverse_children()


def column_python(section: Any, w: Any) -> None:
    buttons = section.locator(".manywidgets-column .manywidgets-button")
    child(w, 0).label = "Stop"
    _shows(section, ".manywidgets-column .manywidgets-button", "Stop")
    assert buttons.nth(1).inner_text() == "Two"
    # a new children list: the column removes its child views and creates new ones on the same models
    reverse_children(w)
    wait_until(lambda: buttons.all_inner_texts() == ["Two", "Stop"], what="the children reordered on the page")
    buttons.nth(0).click()
    wait_until(lambda: child(w, 0).clicks == 2, what="a click on the re-created view reaching the same model")


def quak_interact(section: Any, w: Any) -> None:
    # the sort button listens to mousedown (it shows on hover); sorting re-queries and writes the new SQL
    section.locator(".sort-button").first.dispatch_event("mousedown")
    wait_until(lambda: "ORDER BY" in w.sql.upper(), what="an ORDER BY in Python's sql")


CHECKS: dict[str, Check] = {
    "bitjet": Check("canvas", None, bitjet_interact, bitjet_python),
    "slider2d": Check("canvas", None, slider_interact, slider_python),
    "p5": Check('canvas[width="240"]', ('canvas[width="240"]', "visibility", "visible"), None, None),
    "drawdata": Check(
        ".dd-scatter-svg-container > svg",
        (".dd-scatter-container", "color", "rgb(17, 24, 39)"),
        drawdata_interact,
        drawdata_python,
        own_errors=('<svg> attribute height: Expected length, "auto".',),
    ),
    "markmap": Check("svg", (".markmap-widget", "backgroundColor", "rgba(0, 0, 0, 0)"), None, None),
    "searchselect": Check(
        "#search-widget",
        ("#search-widget", "backgroundColor", "oklch(1 0 0)"),
        searchselect_interact,
        searchselect_python,
    ),
    # measured: 436 x 309 px on the standalone page, 400 x 353 in JupyterLab (border-box, 13px / 19.5px text there)
    "mopad": Check('div[style*="max-width: 400px"]', None, None, mopad_python, lab_context=True),
    "manywidgets": Check(
        ".manywidgets-button",
        (".manywidgets-button", "backgroundColor", "rgb(3, 102, 214)"),
        button_interact,
        button_python,
        # measured: 55.5 x 32 px standalone, 57.1 x 37 in JupyterLab (Lab's --jp-ui-font-family, line-height 21px)
        lab_context=True,
    ),
    # manywidgets' Column: two Buttons rendered through model.widget_manager (get_model + create_view); its key is
    # the column, whose size holds the children's (Buttons: lab_context, as above)
    "column": Check(
        ".manywidgets-column",
        (".manywidgets-column", "marginTop", "10px"),
        column_interact,
        column_python,
        lab_context=True,
    ),
    "quak": Check("table", None, quak_interact, None),
    "mosaic": Check("svg", None, None, None),
}


def assert_like(measured: dict[str, Any], name: str, original: dict[str, Any], style: str | None = None) -> None:
    """A measurement (pages.MEASURE) against the original's: rendered and sized like it (within TOLERANCE px),
    and the style its CSS sets (``style``, or the one CHECKS names) applied."""
    check = CHECKS[name]
    assert measured["found"] and measured["width"] > 0 and measured["height"] > 0, measured
    if check.css:
        expected = style if style is not None else check.css[2]
        assert measured["style"] == expected, f"{check.css[0]} {check.css[1]}: {measured['style']}"
    size, theirs = (measured["width"], measured["height"]), (original["width"], original["height"])
    assert abs(size[0] - theirs[0]) <= TOLERANCE and abs(size[1] - theirs[1]) <= TOLERANCE, (
        f"{size} here, {theirs} for the original; computed here {measured['computed']}, there {original['computed']}"
    )
