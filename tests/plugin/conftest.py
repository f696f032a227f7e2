"""One Playwright per process: the plugin's Chromium is the suite's own ``browser`` (tests/conftest.py), as a
project with a browser fixture of its own would share it, by overriding ``awc_browser``."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture(scope="session")
def awc_browser(browser: Any) -> Any:
    return browser
