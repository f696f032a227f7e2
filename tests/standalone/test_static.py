"""Static HTML export opened from disk in Chromium with every network request refused."""

from __future__ import annotations

import re
import warnings
from pathlib import Path
from typing import Any

import pytest

from anywidget_core.host import MemoryHost
from anywidget_core.hosts.static import snapshot, to_html

from .widgets import Box, Echo, counter_class

pytestmark = pytest.mark.browser

Counter = counter_class()


def open_offline(browser: Any, path: Path) -> tuple[Any, Any, list[str]]:
    """A context where only file:// loads: anything else is aborted and recorded."""
    context = browser.new_context()
    attempted: list[str] = []

    def refuse(route: Any) -> None:
        attempted.append(route.request.url)
        route.abort()

    context.route(re.compile(r"^(?!file:|blob:|data:).*"), refuse)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("request", lambda r: None if r.url.startswith(("file:", "blob:", "data:")) else attempted.append(r.url))
    page.goto(path.as_uri())
    page.wait_for_selector("html[data-awc-rendered=true]")
    assert errors == []
    return context, page, attempted


def test_export_renders_and_reacts_offline(browser: Any, tmp_path: Path) -> None:
    counter = Counter(value=12, step=3)
    echo = Echo(text="hello")
    echo.blob = bytes(range(200))
    path = tmp_path / "page.html"
    html = to_html({"counter": counter, "echo": echo}, path)
    assert path.read_text(encoding="utf-8") == html
    assert re.search(r"""(src|href)=["']?(https?:|//)""", html) is None  # nothing to fetch
    context, page, attempted = open_offline(browser, path)
    try:
        assert page.inner_text(".awc-counter-value") == "12"
        page.click(".awc-counter-inc")  # interaction works with no Python behind the page
        page.click(".awc-counter-inc")
        assert page.inner_text(".awc-counter-value") == "18"
        blob = page.evaluate(
            "(id) => Array.from(new Uint8Array(anywidgetCoreStatic.runtime.model(id).get('blob').buffer))",
            echo.model_id,
        )
        assert blob == list(range(200))  # the buffer survived base64 in the file
        page.click(".echo-send")  # a send goes nowhere, quietly
        assert page.locator("#awc-errors").inner_text() == ""
    finally:
        context.close()
    assert attempted == []
    assert counter.value == 12  # the page never reached Python
    assert not counter.links  # the export does not stay attached


def test_children_are_included(browser: Any, tmp_path: Path) -> None:
    left, right = Counter(value=1), Counter(value=2)
    box = Box(title="pair", children=[left, right])
    path = tmp_path / "box.html"
    box.to_html(path)
    context, page, attempted = open_offline(browser, path)
    try:
        page.wait_for_function("document.querySelectorAll('.box-child .awc-counter-value').length === 2")
        assert page.locator(".box-child .awc-counter-value").all_inner_texts() == ["1", "2"]
        assert page.inner_text(".box-title") == "pair"
    finally:
        context.close()
    assert attempted == []


def test_snapshot_order_children_first() -> None:
    child = Counter()
    box = Box(children=[child])
    _, frames = snapshot(box)
    assert [f["model_id"] for f in frames] == [child.model_id, box.model_id]
    assert all(f["data"]["method"] == "open" for f in frames)


def test_pending_messages_are_replayed() -> None:
    echo = Echo()
    echo.send({"kind": "early"}, [b"\x01"])
    _, frames = snapshot(echo)
    custom = {"method": "custom", "content": {"kind": "early"}}
    assert frames[-1] == {"model_id": echo.model_id, "data": custom, "buffers": ["AQ=="]}
    # the export only copied them: the first live front end still gets them after its open
    live = MemoryHost().probe(echo)
    assert [(r.data, r.buffers) for r in live.take()][1:] == [(custom, [b"\x01"])]


def test_remote_esm_is_flagged() -> None:
    class Remote(Counter):  # type: ignore[valid-type,misc]
        _esm = "https://example.invalid/widget.js"

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        html = to_html(Remote())
    assert any("will not render offline" in str(w.message) for w in caught)
    assert html.startswith("<!doctype html>\n<!-- WARNING: this page is not offline")


def test_script_breakout_is_escaped(tmp_path: Path, browser: Any) -> None:
    echo = Echo(text="</script><script>document.title='pwned'</script><!--")
    path = tmp_path / "x.html"
    html = to_html(echo, path)
    assert "</script><script>document.title" not in html
    context, page, _ = open_offline(browser, path)
    try:
        assert page.title() != "pwned"
        text = page.evaluate("(id) => anywidgetCoreStatic.runtime.model(id).get('text')", echo.model_id)
        assert text == echo.text
    finally:
        context.close()


NETWORK_ESM = """
import "https://example.invalid/side-effect.js";
export { helper } from 'http://example.invalid/reexport.js';
export default {
  async render({ model, el }) {
    el.textContent = "networked";
    try { await import(`https://example.invalid/dynamic.js`); } catch { el.dataset.offline = "yes"; }
  },
};
"""
NETWORK_CSS = '@import url("https://example.invalid/font.css"); @import "https://example.invalid/theme.css"; .a { }'


def _export_warnings(widget: Any, path: Path | None = None) -> tuple[list[str], str]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        html = to_html(widget, path)
    return [str(w.message) for w in caught], html


def test_network_imports_inside_inline_code_are_flagged() -> None:
    class Networked(Counter):  # type: ignore[valid-type,misc]
        _esm = NETWORK_ESM
        _css = NETWORK_CSS

    urls = [
        "http://example.invalid/reexport.js",
        "https://example.invalid/dynamic.js",
        "https://example.invalid/font.css",
        "https://example.invalid/side-effect.js",
        "https://example.invalid/theme.css",
    ]
    messages, html = _export_warnings(Box(children=[Networked()]))  # a child's code counts too
    assert messages == [
        "this static HTML loads widget code from the network and will not render offline: " + ", ".join(urls)
    ]
    assert html.startswith(
        "<!doctype html>\n<!-- WARNING: this page is not offline: it loads widget code from " + " ".join(urls)
    )

    class Local(Counter):  # type: ignore[valid-type,misc]
        _esm = 'import x from "./local.js"; // see https://example.invalid/docs\nexport default { render() {} };'
        _css = '@import "local.css"; .a { background: url(data:,) }'

    messages, html = _export_warnings(Local())
    assert messages == [] and "WARNING" not in html


def test_every_network_request_of_an_exported_page_was_warned_about(browser: Any, tmp_path: Path) -> None:
    class Networked(Counter):  # type: ignore[valid-type,misc]
        _esm = NETWORK_ESM.replace('import "https://example.invalid/side-effect.js";', "").replace(
            "export { helper } from 'http://example.invalid/reexport.js';", ""
        )  # the module itself must load offline, so only its dynamic import reaches out
        _css = NETWORK_CSS

    path = tmp_path / "networked.html"
    messages, _ = _export_warnings(Networked(), path)
    context, page, attempted = open_offline(browser, path)
    try:
        page.wait_for_selector("[data-offline=yes]")
        page.wait_for_timeout(300)  # let the stylesheet's imports be requested too
        assert set(attempted) == {  # what Chromium fetched: the dynamic import and both CSS @imports
            "https://example.invalid/dynamic.js",
            "https://example.invalid/font.css",
            "https://example.invalid/theme.css",
        }
        assert len(messages) == 1 and all(url in messages[0] for url in attempted), (attempted, messages)
    finally:
        context.close()
