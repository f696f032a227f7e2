"""Every buffer a widget sees on a host that runs runtime.js is a DataView over its own ArrayBuffer.

anywidget's and marimo's front ends hand widgets such views (offset 0, exact length), so published widgets read
``view.buffer`` directly: ``new Uint8ClampedArray(model.get("img").buffer)`` for ``ImageData``, Arrow readers
taking ``buffers[0].buffer``. A view into a larger buffer (the standalone page's whole WebSocket frame) gives them
the frame header and the other buffers instead. Checked in Chromium on the standalone page, the static export
and a Panel server, for a top-level binary field, nested binary values and custom-message buffers.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import anywidget_core as awc
from anywidget_core.hosts.standalone import serve
from anywidget_core.hosts.static import to_html
from anywidget_core.testing import panel_server

pytestmark = pytest.mark.browser

TIMEOUT_MS = 20_000

# Reports, for every binary value it gets, the view's shape and the bytes of its *whole* backing buffer.
BUFFERS_ESM = """
const describe = (v) => ({
  tag: Object.prototype.toString.call(v),
  offset: v.byteOffset,
  length: v.byteLength,
  whole: Array.from(new Uint8Array(v.buffer)),
});
const report = {};
let show = () => {};
export default {
  initialize({ model }) {
    // here, not in render: the static export replays custom messages right after the open
    model.on("msg:custom", (content, buffers) => {
      report.custom = buffers.map(describe);
      show();
    });
  },
  render({ model, el }) {
    const out = document.createElement("pre");
    out.id = "awc-buffers";
    show = () => (out.textContent = JSON.stringify(report));
    const fields = () => {
      report.img = describe(model.get("img"));
      report.parts = model.get("parts").map(describe);
      report.meta = describe(model.get("meta").raw);
      try {
        // the idiom that failed with IndexSizeError: the buffer must hold exactly 2x2 RGBA pixels
        report.image = new ImageData(new Uint8ClampedArray(model.get("img").buffer), 2, 2).data.length;
      } catch (e) {
        report.image = e.name;
      }
      show();
    };
    fields();
    model.on("change", fields);
    el.append(out);
  },
};
"""

IMG = bytes(range(100, 116))  # 2x2 RGBA
PARTS = [b"\x01\x02\x03", b"\x04\x05"]
RAW = b"\x09\x08\x07\x06"
CUSTOM = [b"\xaa\xbb", b"\xcc\xdd\xee"]


class Buffers(awc.Widget):
    _esm = BUFFERS_ESM
    img: bytes = IMG
    parts: list[bytes] = PARTS
    meta: dict[str, bytes] = {"raw": RAW}
    label: str = "a field beside the buffers, so the JSON part of a frame is not empty"


def wait_for(predicate: Callable[[], Any], timeout: float = 10.0) -> Any:
    deadline = time.monotonic() + timeout
    while (value := predicate()) is None or value is False:
        assert time.monotonic() < deadline, f"timed out waiting for {predicate}"
        time.sleep(0.05)
    return value


def own(data: bytes) -> dict[str, Any]:
    """What describe() reports for a view over its own buffer holding exactly ``data``."""
    return {"tag": "[object DataView]", "offset": 0, "length": len(data), "whole": list(data)}


def report(page: Any, has: str) -> dict[str, Any]:
    """The widget's report once it has ``has`` (polled through a locator: Panel's view is in a shadow root)."""
    deadline = time.monotonic() + TIMEOUT_MS / 1000
    page.locator("#awc-buffers").wait_for(timeout=TIMEOUT_MS)
    while has not in (result := json.loads(page.locator("#awc-buffers").inner_text() or "{}")):
        assert time.monotonic() < deadline, f"the widget never reported {has!r}: {result}"
        page.wait_for_timeout(50)
    return dict(result)


def expect_own_buffers(result: dict[str, Any]) -> None:
    assert result["img"] == own(IMG)
    assert result["parts"] == [own(p) for p in PARTS]
    assert result["meta"] == own(RAW)
    assert result["image"] == len(IMG)
    assert result["custom"] == [own(b) for b in CUSTOM]


def test_standalone_page(browser: Any) -> None:
    widget = Buffers()
    with serve(widget) as server:
        context = browser.new_context()
        try:
            page = context.new_page()
            page.goto(server.url)
            report(page, "img")
            widget.send({"kind": "buffers"}, CUSTOM)
            expect_own_buffers(report(page, "custom"))
            # a Python change arrives in a frame of its own, and is exact too
            widget.img = bytes(range(16))
            page.locator("#awc-buffers", has_text="[0,1,2,3,").wait_for(timeout=TIMEOUT_MS)
            assert report(page, "img")["img"] == own(bytes(range(16)))
        finally:
            context.close()


def test_static_export(browser: Any, tmp_path: Path) -> None:
    widget = Buffers()
    widget.send({"kind": "buffers"}, CUSTOM)  # sent before export: replayed after the open
    path = tmp_path / "buffers.html"
    to_html(widget, path)
    context = browser.new_context()
    try:
        context.route(re.compile(r"^(?!file:|blob:|data:).*"), lambda route: route.abort())
        page = context.new_page()
        page.goto(path.as_uri())
        expect_own_buffers(report(page, "custom"))
    finally:
        context.close()


@pytest.fixture
def panel_buffers() -> Iterator[tuple[str, list[Any]]]:
    import panel as pn

    made: list[Any] = []

    def app() -> Any:
        widget = Buffers()
        made.append(widget)
        return pn.Column("# buffers", widget)

    with panel_server({"buffers": app}) as url:
        yield f"{url}/buffers", made


def test_panel_server(browser: Any, panel_buffers: tuple[str, list[Any]]) -> None:
    url, made = panel_buffers
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(url)
        report(page, "img")
        widget = wait_for(lambda: next((w for w in made if w.links), None))
        widget.send({"kind": "buffers"}, CUSTOM)
        expect_own_buffers(report(page, "custom"))
    finally:
        context.close()
