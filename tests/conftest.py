"""Shared fixtures. Browser and host tests never skip for a missing dependency: CI must install it."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from typing import Any

import pytest

# Chromium on this network: no background traffic (its connections are refused), no sandbox as root; the flags the
# shipped pytest plugin uses too.
from anywidget_core.testing.browser import CHROMIUM_ARGS

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")


def pytest_configure(config: Any) -> None:
    config.addinivalue_line("markers", "corpus: published anywidget widgets downloaded from PyPI (tests/corpus)")


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Headless Debian Chromium driven by Playwright (never a downloaded browser)."""
    if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context()
    page = context.new_page()
    yield page
    context.close()


def pytest_sessionfinish(session: Any, exitstatus: int) -> None:
    """In CI a skipped test fails the run: browser and host tests must not be skipped for a missing part."""
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter is not None else []
    if os.environ.get("CI") and skipped and session.exitstatus == 0:
        reporter.write_line(f"CI: {len(skipped)} test(s) skipped, which CI counts as a failure", red=True)
        session.exitstatus = 1


@pytest.fixture
def in_fresh_thread() -> Any:
    """``in_fresh_thread(fn)``: ``fn()`` on a thread of its own, where no event loop runs. Playwright's sync API (the
    session's ``browser``) keeps an event loop running on the main thread once a browser test has run, so a test
    that needs "no loop running" (``asyncio.run``, a widget running its async handler in place) must not rely on
    the main thread."""
    from concurrent.futures import ThreadPoolExecutor

    def run(fn: Any) -> Any:
        with ThreadPoolExecutor(1) as pool:
            return pool.submit(fn).result()

    return run
