"""A widget's ``_css`` gives the same geometry in Panel's shadow root as on the standalone page (no shadow root):
``:root`` rules (CSS variables) apply, and Bokeh's ``box-sizing: border-box`` inheritance does not reach the
widget's elements (it turned an 84 px box with padding and border into 60 px). Measured in Chromium.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import panel as pn
import pytest

import anywidget_core as awc
from anywidget_core.hosts.standalone import serve
from anywidget_core.testing import panel_server

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


@pytest.fixture
def panel_url() -> Iterator[str]:
    with panel_server({"sprite": lambda: pn.Column("# sprite", Sprite())}) as url:
        yield f"{url}/sprite"


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
