"""``awc_page``: a widget on the standalone page in Chromium, with helpers scoped to its element."""

from __future__ import annotations

import pytest

from anywidget_core.testing import ShowPage as Show

from .widgets import Tally

pytestmark = pytest.mark.browser


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
    assert page.page.locator("span").count() == 2  # the page header's status, and the widget's label
    assert page.locator("span").count() == 1  # only the label is inside the widget
    with pytest.raises(AssertionError, match=r'\.label shows "count: 1", not .count: 2.'):
        page.wait_for_text(".label", "count: 2")
    with pytest.raises(AssertionError, match="never not reached"):
        page.wait_until(lambda: False, "never")
