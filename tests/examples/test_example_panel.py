"""examples/panel_counter.py as a user runs it: `panel serve examples/panel_counter.py`, in headless Chromium."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
from example_hosts import EXAMPLES, click_through_counter, free_port, server, wait_http

pytestmark = [pytest.mark.browser, pytest.mark.timeout(180)]


def test_panel_app_renders_and_clicks_reach_python(page: Any, tmp_path: Path) -> None:
    port = free_port()
    log = tmp_path / "panel.log"
    command = [sys.executable, "-m", "panel", "serve", str(EXAMPLES / "panel_counter.py")]
    command += ["--port", str(port), "--address", "127.0.0.1", "--allow-websocket-origin", f"127.0.0.1:{port}"]
    with server(command, log, cwd=tmp_path) as proc:
        url = f"http://127.0.0.1:{port}/panel_counter"
        wait_http(url, proc, log)
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(url)
        click_through_counter(page, start=1)
        # the Panel pane that a Python observer updates saw every change the page made
        page.locator(".python-sees", has_text="Python sees 0").wait_for(timeout=10_000)
        assert not errors, errors
