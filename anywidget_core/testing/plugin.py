"""The pytest plugin anywidget-core registers (entry point ``pytest11``): fixtures for widget authors' tests.

- ``awc_frontend(widget)``: a :class:`~anywidget_core.testing.memory.FrontEnd` in memory, no browser;
- ``awc_page(widget)``: a :class:`~anywidget_core.testing.browser.WidgetPage`, the widget on the standalone page
  in headless Chromium (skipped, with the reason, when Playwright is not installed);
- ``awc_browser``: the session's Chromium behind ``awc_page``; override it to share a browser of your own.

Inert unless a test asks for these fixtures: loading the plugin imports ``anywidget_core`` and this module
only; the web server and Playwright load when a fixture first needs them. Disable with ``-p no:anywidget-core``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from anywidget_core.testing.browser import ShowPage, WidgetPage
    from anywidget_core.testing.memory import FrontEnd, ShowFrontEnd
    from anywidget_core.widget import Widget


@pytest.fixture
def awc_frontend() -> Iterator[ShowFrontEnd]:
    """Call with a widget to show it to a new in-memory front end; closed after the test."""
    from anywidget_core.testing.memory import FrontEnd

    opened: list[FrontEnd] = []

    def show(widget: Widget) -> FrontEnd:
        front_end = FrontEnd(widget)
        opened.append(front_end)
        return front_end

    yield show
    for front_end in opened:
        if not front_end.probe.link.closed:
            front_end.close()


@pytest.fixture(scope="session")
def awc_browser() -> Iterator[Any]:
    """Headless Chromium through Playwright, shared by the session's ``awc_page`` calls."""
    from anywidget_core.testing.browser import MISSING_PLAYWRIGHT, launch

    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip(MISSING_PLAYWRIGHT)
    with sync_playwright() as playwright:
        browser = launch(playwright)
        yield browser
        browser.close()


@pytest.fixture
def awc_page(awc_browser: Any) -> Iterator[ShowPage]:
    """Call with a widget to serve it on a standalone page and open that in Chromium: ``awc_page(widget)``
    (``timeout=`` seconds for every wait, default 10). Pages and servers are closed after the test."""
    from anywidget_core.hosts.standalone import serve
    from anywidget_core.testing.browser import WidgetPage

    cleanups: list[Callable[[], None]] = []

    def show(widget: Widget, timeout: float = 10.0) -> WidgetPage:
        server = serve({type(widget).__name__: widget}, title=type(widget).__name__)
        cleanups.append(server.stop)
        context = awc_browser.new_context()
        cleanups.append(context.close)
        return WidgetPage(context.new_page(), widget, server.url, timeout).open()

    yield show
    for cleanup in reversed(cleanups):
        cleanup()
