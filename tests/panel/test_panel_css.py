"""A widget's ``_css`` gives the same geometry in Panel's shadow root as on the standalone page (no shadow root):
``:root`` rules (CSS variables) apply, and Bokeh's ``box-sizing: border-box`` inheritance does not reach the
widget's elements (it turned an 84 px box with padding and border into 60 px). Measured in Chromium.
"""

from __future__ import annotations

import socket
import time
import urllib.request
from collections.abc import Iterator
from typing import Any

import panel as pn
import pytest
from panel.io.state import state

import anywidget_core as awc
from anywidget_core.hosts.standalone import serve

pytestmark = pytest.mark.browser

TIMEOUT_MS = 20_000

SPRITE_ESM = """
export default {
  render({ el }) {
    for (const cls of ["sprite", "sprite asks"]) {
      const box = document.createElement("div");
      box.className = cls;
      el.append(box);
    }
  },
};
"""

SPRITE_CSS = """
:root { --size: 84px; --fill: rgb(255, 200, 0); }
.sprite { width: var(--size); height: var(--size); padding: 10px; border: 2px solid rgb(0, 0, 255);
          background: var(--fill); }
.sprite.asks { box-sizing: border-box; }
"""

# The box's outer size and looks: 84 + 2 * (10 + 2) = 108 px for content-box, 84 px where the widget asks for
# border-box itself.
MEASURE = """el => { const r = el.getBoundingClientRect(); const s = getComputedStyle(el);
  return [r.width, r.height, s.boxSizing, s.backgroundColor, s.borderTopColor]; }"""


class Sprite(awc.Widget):
    _esm = SPRITE_ESM
    _css = SPRITE_CSS


def measure(page: Any) -> list[list[Any]]:
    page.locator(".sprite.asks").wait_for(timeout=TIMEOUT_MS)
    return [page.locator(selector).evaluate(MEASURE) for selector in (".sprite:not(.asks)", ".sprite.asks")]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def responds(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return bool(response.status == 200)
    except OSError:
        return False


@pytest.fixture
def panel_url() -> Iterator[str]:
    port = free_port()
    server = pn.serve(
        {"sprite": lambda: pn.Column("# sprite", Sprite())},
        port=port,
        address="127.0.0.1",
        websocket_origin=f"127.0.0.1:{port}",
        threaded=True,
        show=False,
    )
    url = f"http://127.0.0.1:{port}/sprite"
    try:
        deadline = time.monotonic() + 30
        while not responds(url):
            assert time.monotonic() < deadline, "the Panel server did not start"
            time.sleep(0.1)
        yield url
    finally:
        server.stop()
        server.join(timeout=10)
        state.reset()


def test_panel_geometry_matches_the_standalone_page(browser: Any, panel_url: str) -> None:
    context = browser.new_context()
    try:
        with serve(Sprite()) as standalone:
            page = context.new_page()
            page.goto(standalone.url)
            reference = measure(page)
        page = context.new_page()
        page.goto(panel_url)
        in_panel = measure(page)
        in_shadow_root = page.locator(".sprite.asks").evaluate("e => e.getRootNode() instanceof ShadowRoot")
    finally:
        context.close()
    assert reference == [
        [108, 108, "content-box", "rgb(255, 200, 0)", "rgb(0, 0, 255)"],
        [84, 84, "border-box", "rgb(255, 200, 0)", "rgb(0, 0, 255)"],
    ]
    assert in_shadow_root
    assert in_panel == reference
