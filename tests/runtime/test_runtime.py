"""runtime.js in headless Chromium: runtime-test.html runs every AFM feature check against an in-page fake Python.

The page is loaded once per module; each check is asserted as its own test so a failure names the feature.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.browser

STATIC = Path(__file__).resolve().parents[2] / "anywidget_core" / "static"
FIXTURES = Path(__file__).resolve().parent / "fixtures"

# Every check runtime-test.html must report, and pass.
CHECKS = [
    "get_set_save_changes",
    "binary_extract_nested",
    "binary_subarray_range",
    "binary_insert_incoming",
    "binary_incoming_own_buffers",
    "bad_buffer_paths",
    "events",
    "send_with_buffers",
    "lifecycle",
    "default_export_forms",
    "esm_url",
    "css",
    "no_css_no_style",
    "css_in_shadow_root",
    "hot_reload_keeps_state",
    "invoke",
    "echo_update",
    "python_error",
    "widget_errors",
    "composition",
    "framing",
    "render_waits_for_open",
    "messages_wait_for_initialize",
    "untrusted_input",
    "repeated_open_resets",
    "close_from_front_end",
    "paced_send",
]


class _Handler(SimpleHTTPRequestHandler):
    """/static/... from anywidget_core/static, /fixtures/... from tests/runtime/fixtures."""

    def translate_path(self, path: str) -> str:
        for prefix, root in (("/static/", STATIC), ("/fixtures/", FIXTURES)):
            if path.startswith(prefix):
                self.directory = str(root)
                return super().translate_path("/" + path[len(prefix) :])
        return str(STATIC / "__missing__")

    def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
        pass


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), partial(_Handler, directory=str(STATIC)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="module")
def run(browser: Any, server: str) -> Iterator[dict[str, Any]]:
    """Load the check page once; its results and any uncaught page errors."""
    context = browser.new_context()
    page = context.new_page()
    page_errors: list[str] = []
    page.on("pageerror", lambda exc: page_errors.append(str(exc)))
    page.goto(f"{server}/static/runtime-test.html?esm_url={server}/fixtures/url_widget.js")
    page.wait_for_function("window.__done === true", timeout=120_000)
    results = page.evaluate("window.__results")
    yield {"results": results, "page_errors": page_errors}
    context.close()


@pytest.mark.parametrize("name", CHECKS)
def test_feature(run: dict[str, Any], name: str) -> None:
    result = run["results"].get(name)
    assert result is not None, f"runtime-test.html did not run check {name!r}"
    assert result["ok"], result["detail"]


def test_page_reports_only_known_checks_and_no_uncaught_errors(run: dict[str, Any]) -> None:
    assert sorted(run["results"]) == sorted(CHECKS)
    assert run["page_errors"] == []


def test_runtime_module_is_served_as_javascript(server: str) -> None:
    """Hosts import runtime.js as a module: it must come with a JavaScript MIME type."""
    from urllib.request import urlopen

    with urlopen(f"{server}/static/runtime.js") as response:
        assert "javascript" in response.headers["Content-Type"]
        assert b"export function createRuntime" in response.read()
