"""Panel's static save and embed: the saved file shows the widget with its state and CSS, with no Python and no
network behind it (Chromium with every request but file:, blob: and data: aborted).

A live view gets its state from Python after it says ``ready``; nothing answers in a saved file, so the component
records those envelopes into the document when it is saved (``offline_frames``) and the view replays them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import panel as pn
import pytest
from afm_widgets import Label
from bokeh.document import Document
from bokeh.resources import INLINE
from panel.custom import JSComponent
from panel.io.state import state
from pyviz_comms import Comm

import anywidget_core as awc
from anywidget_core.hosts.panel import component

pytestmark = pytest.mark.browser

TIMEOUT_MS = 20_000

SAVED_ESM = """
export default {
  async render({ model, el, host }) {
    const row = (cls, text) => {
      const node = document.createElement("div");
      node.className = cls;
      node.textContent = text;
      el.append(node);
      return node;
    };
    const count = row("saved-count", "");
    const show = () => (count.textContent = `count=${model.get("count")}`);
    show();
    model.on("change:count", show);
    count.onclick = () => {
      model.set("count", model.get("count") + 1);
      model.save_changes();
    };
    const blob = model.get("blob");
    row("saved-blob", Array.from(new Uint8Array(blob.buffer)).join(","));
    const slot = row("saved-child", "");
    await (await host.getWidget(model.get("child"))).render({ el: slot });
  },
};
"""


class Saved(awc.Widget):
    _esm = SAVED_ESM
    _css = ".saved-count { color: rgb(0, 128, 0); }"
    count: int = 0
    blob: bytes = b""
    child: Label | None = None


class Plain(JSComponent):  # type: ignore[misc]
    """A bare Panel component: what Panel's own saved files request without any widget of ours."""

    _esm = "export function render({ el }) { el.textContent = 'plain'; }"


@pytest.fixture(autouse=True)
def panel_state() -> Iterator[None]:
    yield
    state.reset()


LAYOUTS: dict[str, tuple[Callable[[Any], Any], dict[str, Any]]] = {
    "pn.panel": (lambda w: pn.panel(w), {}),
    "pn.Column": (lambda w: pn.Column("# t", w), {}),
    "pn.Column, embed=True": (lambda w: pn.Column("# t", w), {"embed": True}),
}


def open_offline(browser: Any, path: Path) -> tuple[Any, Any, list[str], list[str]]:
    """The saved file with every request but file:/blob:/data: aborted; the page, what it tried, its console."""
    context = browser.new_context()
    attempted: list[str] = []

    def refuse(route: Any) -> None:
        attempted.append(route.request.url)
        route.abort()

    context.route(re.compile(r"^(?!file:|blob:|data:).*"), refuse)
    page = context.new_page()
    console: list[str] = []
    page.on("console", lambda message: console.append(f"{message.type}: {message.text}"))
    page.on("pageerror", lambda error: console.append(f"pageerror: {error}"))
    page.goto(path.as_uri())
    return context, page, attempted, console


@pytest.mark.parametrize("layout", list(LAYOUTS))
def test_saved_file_shows_the_widget_with_its_state_offline(browser: Any, tmp_path: Path, layout: str) -> None:
    make, options = LAYOUTS[layout]
    widget = Saved(count=7, blob=b"\x05\x06\x07", child=Label(text="child-text"))
    saved = tmp_path / "app.html"
    make(widget).save(str(saved), resources=INLINE, **options)
    baseline = tmp_path / "plain.html"
    make(Plain()).save(str(baseline), resources=INLINE, **options)

    context, page, attempted, console = open_offline(browser, saved)
    try:
        page.locator(".saved-count").wait_for(timeout=TIMEOUT_MS)
        assert page.locator(".saved-count").inner_text() == "count=7"
        assert page.locator(".saved-count").evaluate("e => getComputedStyle(e).color") == "rgb(0, 128, 0)"
        assert page.locator(".saved-blob").inner_text() == "5,6,7"
        page.locator(".saved-child .label", has_text="child-text").wait_for(timeout=TIMEOUT_MS)
        page.locator(".saved-count").click()  # interaction works inside the page, with nobody to tell
        page.locator(".saved-count", has_text="count=8").wait_for(timeout=TIMEOUT_MS)
    finally:
        context.close()
    assert widget.count == 7 and not widget.links  # the save did not stay attached to the widget
    assert not [line for line in console if "pageerror" in line or "[anywidget]" in line]

    # Panel's saved files fetch Panel's own stylesheets from its CDN even with resources=INLINE (a bare
    # component's do too); the widget adds no request of its own.
    context, page, plain_attempted, _ = open_offline(browser, baseline)
    try:
        page.get_by_text("plain").wait_for(timeout=TIMEOUT_MS)
    finally:
        context.close()
    assert sorted(attempted) == sorted(plain_attempted)
    assert all(url.startswith("https://cdn.holoviz.org/panel/") and ".css" in url for url in attempted)


def test_only_documents_nobody_answers_carry_the_recorded_state() -> None:
    """A live view's state comes from Python after ``ready`` (the live path is unchanged): a server session or a
    notebook comm gets no recorded frames; save/embed (the base ``Comm``) and a bare document do."""

    class NotebookComm(Comm):  # type: ignore[misc]
        """Stands for a notebook's comm (``JupyterComm``): any subclass of the base class is a live transport."""

    widget = Saved(child=Label())

    def frames(comm: Comm | None) -> list[Any]:
        root = component(widget).get_root(Document(), comm)
        return list(root.data.offline_frames)

    assert frames(NotebookComm()) == []
    for comm in (Comm(), None):
        root = component(widget).get_root(Document(), comm)
        recorded = list(root.data.offline_frames)
        assert [(f["model_id"], f["data"]["method"]) for f in recorded] == [
            (widget.child.model_id, "open"),  # code by reference: the texts are the document's (SPEC §8.4)
            (widget.model_id, "open"),
            (None, "display"),
        ]
        assert recorded[-1]["data"]["model_id"] == widget.model_id
        saved = root.data.offline_modules.data
        texts = [Label._esm, Label._css, Saved._esm, Saved._css]
        assert sorted(saved["text"]) == sorted(t for t in texts if t)
        assert recorded[1]["data"]["state"]["_esm"] == {"$module": saved["id"][saved["text"].index(Saved._esm)]}


class Tile(awc.Widget):
    _esm = """
export default {
  render({ model, el }) {
    el.className = "saved-tile";
    el.textContent = `tile-${model.get("n")}`; // MODULE-ONCE-MARKER
  },
};
"""
    _css = ".saved-tile { color: rgb(1, 2, 3); } /* CSS-ONCE-MARKER */"
    n: int = 0


@pytest.mark.parametrize("embed", [False, True])
def test_saved_file_carries_each_module_once_and_every_instance_renders(
    browser: Any, tmp_path: Path, embed: bool
) -> None:
    """Twelve components of one class (and one of another) in one saved page: each distinct module text is in the
    file once, not once per component, and every instance renders its own state offline."""
    tiles = [Tile(n=i) for i in range(12)]
    saved = tmp_path / "tiles.html"
    pn.Column(*tiles, Saved(count=3, child=Label(text="c"))).save(str(saved), resources=INLINE, embed=embed)
    html = saved.read_text(encoding="utf-8")
    assert html.count("MODULE-ONCE-MARKER") == 1
    assert html.count("CSS-ONCE-MARKER") == 1
    assert html.count("saved-blob") == 1  # Saved's code, in the same page

    context, page, _, console = open_offline(browser, saved)
    try:
        tile = page.locator(".saved-tile")  # Playwright's locators reach into Bokeh's and the views' shadow roots
        tile.nth(11).wait_for(timeout=TIMEOUT_MS)
        page.locator(".saved-count", has_text="count=3").wait_for(timeout=TIMEOUT_MS)
        assert tile.all_inner_texts() == [f"tile-{i}" for i in range(12)]
        assert tile.evaluate_all("els => els.map((e) => getComputedStyle(e).color)") == ["rgb(1, 2, 3)"] * 12
    finally:
        context.close()
    assert not [line for line in console if "pageerror" in line or "[anywidget]" in line]
