"""The plugin as another project gets it: through the ``pytest11`` entry point, in a pytest of its own."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from .widgets import ESM

WIDGET = f'''
import anywidget_core as awc

class Tally(awc.Widget):
    _esm = """{ESM}"""
    value: int = 0
    label: str = "count"
'''

USES_BOTH = """
from widget import Tally

def test_in_memory(awc_frontend):
    widget = Tally()
    awc_frontend(widget).set(value=3)
    assert widget.value == 3

def test_in_chromium(awc_page):
    widget = Tally(value=1)
    page = awc_page(widget)
    page.click(".inc")
    page.wait_until(lambda: widget.value == 2)
    assert page.text(".label") == "count: 2"
"""

USES_NEITHER = """
import sys

import pytest

@pytest.fixture
def page():
    return "the project's own page fixture"

def test_plugin_loaded_but_inert(page, pytestconfig):
    assert pytestconfig.pluginmanager.has_plugin("anywidget-core")
    assert page == "the project's own page fixture"
    heavy = {"playwright", "anywidget_core.hosts.standalone.server", "anywidget_core.testing.browser"}
    assert heavy.isdisjoint(sys.modules)
"""


WITHOUT_PLAYWRIGHT = """
import sys

sys.modules["playwright"] = None  # as if it were not installed: importing it raises ImportError
"""

USES_PAGE = """
def test_in_chromium(awc_page):
    raise AssertionError("unreachable: awc_page cannot be set up")
"""


def run_pytest(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    env.pop("PYTEST_ADDOPTS", None)
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args],
        cwd=root, capture_output=True, text=True, timeout=120, env=env,
    )  # fmt: skip


@pytest.mark.browser
def test_a_project_uses_both_fixtures_through_the_entry_point(tmp_path: Path) -> None:
    (tmp_path / "widget.py").write_text(WIDGET)
    (tmp_path / "test_it.py").write_text(USES_BOTH)
    done = run_pytest(tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "2 passed" in done.stdout


def test_a_project_that_does_not_use_it_is_unaffected(tmp_path: Path) -> None:
    (tmp_path / "test_other.py").write_text(USES_NEITHER)
    done = run_pytest(tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 passed" in done.stdout
    off = run_pytest(tmp_path, "-p", "no:anywidget-core")  # and it can be turned off
    assert off.returncode == 1
    assert "has_plugin" in off.stdout


def test_awc_page_without_playwright_is_skipped_with_the_reason(tmp_path: Path) -> None:
    (tmp_path / "conftest.py").write_text(WITHOUT_PLAYWRIGHT)
    (tmp_path / "test_page.py").write_text(USES_PAGE)
    done = run_pytest(tmp_path, "-rs")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 skipped" in done.stdout
    assert "awc_page needs Playwright: pip install playwright" in done.stdout
