"""A widget on the standalone page in headless Chromium, with helpers scoped to the widget's element.

Playwright is imported here only, when a test first asks for a browser; Chromium is the system's
(``AWC_CHROMIUM``, else ``/usr/bin/chromium`` when present) or else the one ``playwright install`` downloads.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from typing import Any, Protocol

from anywidget_core.widget import Widget

SYSTEM_CHROMIUM = "/usr/bin/chromium"
# Flags for containers and CI: no sandbox (often root), no GPU, small /dev/shm, no background traffic.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]
MISSING_PLAYWRIGHT = (
    "awc_page needs Playwright: pip install playwright, then `playwright install chromium` "
    "(or set AWC_CHROMIUM to a Chromium executable)"
)


def chromium_executable() -> str | None:
    """The Chromium to drive: ``AWC_CHROMIUM``, else the system's, else None (Playwright's own)."""
    chosen = os.environ.get("AWC_CHROMIUM")
    if chosen:
        return chosen
    return SYSTEM_CHROMIUM if os.path.exists(SYSTEM_CHROMIUM) else None


class WidgetPage:
    """One widget shown on a standalone page. Selectors are looked up inside the widget's own element."""

    def __init__(self, page: Any, widget: Widget, url: str, timeout: float = 10.0) -> None:
        self.page = page  # the Playwright Page, for anything the helpers do not cover
        self.widget = widget
        self.url = url
        self.timeout = timeout
        self.errors: list[str] = []  # uncaught exceptions and console errors on the page
        self.root = f'.awc-widget[data-model-id="{widget.model_id}"] > div'
        page.on("pageerror", lambda error: self.errors.append(str(error)))
        page.on("console", lambda msg: self.errors.append(msg.text) if msg.type == "error" else None)
        page.set_default_timeout(timeout * 1000)

    def open(self) -> WidgetPage:
        """Load the page and wait until the widget has rendered something into its element (a widget that
        renders nothing times out here: give it a placeholder)."""
        self.page.goto(self.url)
        self.page.wait_for_selector("#awc-status[data-state=open]")
        self.page.wait_for_function(
            "s => document.querySelector(s)?.childNodes.length > 0", arg=self.root, timeout=self.timeout * 1000
        )
        return self

    def locator(self, selector: str) -> Any:
        """A Playwright locator for ``selector`` inside the widget."""
        return self.page.locator(self.root).locator(selector)

    def click(self, selector: str) -> None:
        self.locator(selector).click()

    def fill(self, selector: str, value: str) -> None:
        self.locator(selector).fill(value)

    def text(self, selector: str) -> str:
        """The text content of the (single) element ``selector`` matches."""
        return str(self.locator(selector).text_content() or "")

    def wait_for_text(self, selector: str, text: str) -> None:
        """Wait until ``selector``'s text is exactly ``text`` (the view followed a Python change, say)."""
        script = "([root, s, t]) => document.querySelector(root)?.querySelector(s)?.textContent === t"
        try:
            self.page.wait_for_function(script, arg=[self.root, selector, text], timeout=self.timeout * 1000)
        except Exception as exc:
            raise AssertionError(f"{selector} shows {self._shown(selector)}, not {text!r}: {exc}") from None

    def wait_until(self, check: Callable[[], bool], what: str = "condition") -> None:
        """Wait until ``check()`` is true: Python's side of a click arrives over the socket, asynchronously.
        Waiting through the page lets Playwright deliver its events meanwhile."""
        deadline = time.monotonic() + self.timeout
        while not check():
            if time.monotonic() > deadline:
                raise AssertionError(f"{what} not reached within {self.timeout} s; page errors: {self.errors}")
            self.page.wait_for_timeout(20)

    def _shown(self, selector: str) -> str:
        found = self.page.evaluate(
            "([root, s]) => document.querySelector(root)?.querySelector(s)?.textContent ?? null", [self.root, selector]
        )
        return "nothing" if found is None else json.dumps(found)


class ShowPage(Protocol):
    """The type of the awc_page fixture, for annotating tests: ``def test_x(awc_page: ShowPage) -> None``."""

    def __call__(self, widget: Widget, timeout: float = 10.0) -> WidgetPage: ...


def launch(playwright: Any) -> Any:
    """Headless Chromium for widget pages."""
    return playwright.chromium.launch(executable_path=chromium_executable(), headless=True, args=CHROMIUM_ARGS)
