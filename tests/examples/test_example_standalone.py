"""examples/counter.py as a user runs it: `anywidget-core serve examples/counter.py`, opened in headless Chromium
at the URL the command prints."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
from example_hosts import EXAMPLES, click_through_counter, first_url, server

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]


def test_served_counter_renders_and_clicks_reach_python(page: Any, tmp_path: Path) -> None:
    log = tmp_path / "serve.log"
    command = [sys.executable, "-m", "anywidget_core", "serve", str(EXAMPLES / "counter.py"), "--no-browser"]
    with server(command, log, cwd=tmp_path) as proc:
        url = first_url(log, proc)
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(url)
        click_through_counter(page, start=0)
        assert not errors, errors
