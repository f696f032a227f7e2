"""examples/static_counter.py writes one HTML file; Chromium opens it from disk with every network request
refused, and the widget renders and counts."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from example_hosts import EXAMPLES

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]


def test_exported_page_works_offline(browser: Any, tmp_path: Path) -> None:
    out = tmp_path / "exported.html"
    done = subprocess.run(
        [sys.executable, str(EXAMPLES / "static_counter.py"), str(out)], cwd=tmp_path, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert out.is_file(), done.stdout

    context = browser.new_context()
    requested: list[str] = []

    def offline(route: Any) -> None:
        url = route.request.url
        if url.startswith(("file:", "blob:", "data:")):
            route.continue_()
        else:
            requested.append(url)
            route.abort()

    context.route("**/*", offline)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        page.goto(out.as_uri())
        value = page.locator(".awc-counter-value")
        value.wait_for(timeout=20_000)
        assert value.inner_text() == "7"  # the state the script set
        page.locator(".awc-counter-inc").click()  # interaction works inside the page (step=5)
        page.locator(".awc-counter-value", has_text=re.compile("^12$")).wait_for(timeout=10_000)
        assert not requested, requested
        assert not errors, errors
    finally:
        context.close()
