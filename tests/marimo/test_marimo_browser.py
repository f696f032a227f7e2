"""examples/marimo_counter.py served by `marimo run` and driven in headless Chromium (Playwright)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from examples.example_hosts import marimo_run

pytestmark = [pytest.mark.browser, pytest.mark.timeout(180)]

NOTEBOOK = Path(__file__).parents[2] / "examples" / "marimo_counter.py"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with marimo_run(NOTEBOOK, tmp_path_factory.mktemp("marimo") / "server.log") as url:
        yield url


def _open(page: Any, url: str) -> None:
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(url)
    # Playwright's CSS locators pierce marimo's open shadow roots
    page.locator(".counter-out").wait_for(timeout=60_000)
    assert not errors, errors


def test_renders_with_css_and_a_click_reruns_the_dependent_cell(page: Any, server: str) -> None:
    _open(page, server)
    out = page.locator(".counter-out")
    assert out.inner_text() == "count=1"
    assert out.evaluate("e => getComputedStyle(e).color") == "rgb(255, 0, 0)"  # _css applied
    assert page.locator(".counter-blob").inner_text() == "blob=1,2,3,4"  # bytes arrive as a DataView
    page.get_by_text("python-sees-1").wait_for(timeout=20_000)
    page.locator(".counter-inc").click()
    page.get_by_text("python-sees-2").wait_for(timeout=20_000)  # Python got 2 and re-ran the cell
    page.locator(".counter-inc").click()
    page.get_by_text("python-sees-3").wait_for(timeout=20_000)
    assert out.inner_text() == "count=3"


def test_python_changes_and_custom_messages_reach_the_page(page: Any, server: str) -> None:
    _open(page, server)
    page.get_by_text("set-from-python").click()  # its on_click sets the widget's fields in Python
    page.locator(".counter-out", has_text="count=100").wait_for(timeout=20_000)
    page.locator(".counter-blob", has_text="blob=9,8").wait_for(timeout=20_000)
    page.locator(".counter-ping").click()  # JS sends [1, 2, 3]; Python replies with them reversed
    reply = page.locator(".counter-reply")
    reply.filter(has_text="reply=").wait_for(timeout=20_000)
    assert reply.inner_text() == 'reply={"echo":{"kind":"ping"},"n":1} buffers=3,2,1'
