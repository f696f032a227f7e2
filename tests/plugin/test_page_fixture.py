"""``awc_page``: a widget on the standalone page in Chromium, with helpers scoped to its element."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from anywidget_core.testing import WidgetPage

from .widgets import Tally

pytestmark = pytest.mark.browser

Show = Callable[..., WidgetPage]


def test_click_reaches_python_and_python_reaches_the_page(awc_page: Show) -> None:
    widget = Tally(value=4, label="taps")
    page = awc_page(widget)
    assert page.text(".label") == "taps: 4"
    page.click(".inc")
    page.wait_until(lambda: widget.value == 5, "the click reaching Python")
    widget.label = "hits"
    page.wait_for_text(".label", "hits: 5")
    assert page.errors == []


def test_helpers_stay_inside_the_widget_and_fail_clearly(awc_page: Show) -> None:
    widget = Tally(value=1)
    page = awc_page(widget, timeout=1)
    assert page.locator("button").count() == 1  # the page's own header has none inside the widget
    assert page.page.locator("#awc-status").count() == 1
    with pytest.raises(AssertionError, match=r'\.label shows "count: 1", not .count: 2.'):
        page.wait_for_text(".label", "count: 2")
    with pytest.raises(AssertionError, match="never not reached"):
        page.wait_until(lambda: False, "never")
