"""Issue 13 in a static export opened in Chromium: a float field can no longer hold NaN or an infinity, which
made the embedded state invalid JSON and the page never rendered."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import anywidget_core as awc

from .test_static import open_offline

pytestmark = pytest.mark.browser


class Gauge(awc.Widget):
    _esm = """
    export default { render({ model, el }) {
      el.className = "gauge";
      el.textContent = model.get("levels").map(String).join(",") + "|" + String(model.get("level"));
    } }
    """
    level: float = 0.5
    levels: list[float] = [1.0]


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), float("-inf")])
def test_a_float_that_json_cannot_carry_is_refused_and_the_export_renders(
    browser: Any, tmp_path: Path, bad: float
) -> None:
    gauge = Gauge()
    with pytest.raises(awc.ValidationError, match="not a JSON number"):
        gauge.level = bad
    with pytest.raises(awc.ValidationError, match="not a JSON number"):
        gauge.levels = [2.0, bad]
    with pytest.raises(awc.ValidationError, match="not a JSON number"):
        Gauge(level=bad)
    path = tmp_path / "gauge.html"
    gauge.to_html(path)
    context, page, attempted = open_offline(browser, path)
    try:
        assert page.inner_text(".gauge") == "1|0.5"
    finally:
        context.close()
    assert attempted == []
