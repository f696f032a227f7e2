"""Chunked transfers on the Panel host (SPEC §8.6): a real Panel server and headless Chromium, with a 64 KiB chunk
size so a few MB move in many Bokeh events quickly. Bytes are checked by SHA-256 on the other side."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
from chunk_probe import (
    Blob,
    check_progress,
    page_custom_shas,
    page_field_sha,
    page_progress,
    page_ready,
    page_sends_buffers,
    page_sets_field,
    sha,
    wait_until,
)

from anywidget_core.hosts.panel import component
from anywidget_core.testing import panel_server

pytestmark = pytest.mark.browser

CHUNK = 64 * 1024
MB = 1_000_000


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[list[Blob], str]]:

    made: list[Blob] = []

    def app() -> Any:
        blob = Blob()
        made.append(blob)
        return component(blob, chunk_bytes=CHUNK)

    with panel_server({"blob": app}) as url:
        yield made, f"{url}/blob"


@pytest.fixture
def session(browser: Any, served: tuple[list[Blob], str]) -> Iterator[tuple[Any, Blob, list[str]]]:
    made, url = served
    context = browser.new_context()
    page = context.new_page()
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text))
    page.on("pageerror", lambda error: console.append(f"pageerror: {error}"))
    before = len(made)
    page.goto(url)
    blob = wait_until(lambda: next((w for w in made[before:] if w.links), None))
    page_ready(page, blob.model_id)
    yield page, blob, console
    context.close()


def test_a_field_both_ways_with_progress(session: tuple[Any, Blob, list[str]]) -> None:
    page, blob, console = session
    sent = page_sets_field(page, blob.model_id, 3 * MB + 5)
    check_progress(sent["progress"], "send", 3 * MB + 5)
    wait_until(lambda: sha(blob.data) == sent["sha"])
    check_progress(wait_until(lambda: list(blob.progress)), "receive", 3 * MB + 5)

    blob.progress.clear()
    page_progress(page, blob.model_id, clear=True)
    data = os.urandom(2 * MB + 3)
    blob.data = data
    assert page_field_sha(page, blob.model_id, len(data)) == sha(data)
    check_progress(page_progress(page, blob.model_id), "receive", len(data))
    wait_until(lambda: blob.progress and blob.progress[-1].loaded == len(data))
    check_progress(blob.progress, "send", len(data))
    assert not [line for line in console if "pageerror" in line or "error" in line.lower()]


def test_custom_buffers_both_ways(session: tuple[Any, Blob, list[str]]) -> None:
    page, blob, _ = session
    sent = page_sends_buffers(page, blob.model_id, [MB + 7, 0, 700_001])
    check_progress(sent["progress"], "send", MB + 700_008)
    wait_until(lambda: blob.received)
    assert blob.received == [({"kind": "up"}, sent["shas"])]

    first, second = os.urandom(MB + 1), os.urandom(300_000)
    blob.send({"kind": "down"}, [first, second])
    assert page_custom_shas(page, blob.model_id, 1) == [[{"kind": "down"}, [sha(first), sha(second)]]]


def test_an_invalid_chunked_update_is_refused_whole(session: tuple[Any, Blob, list[str]]) -> None:
    page, blob, _ = session
    blob.data, blob.label = b"before", "kept"
    page.wait_for_function("(id) => globalThis.chunkModels[id].model.get('label') === 'kept'", arg=blob.model_id)
    with page.expect_console_message(lambda m: "invalid_value" in m.text, timeout=20_000):
        page_sets_field(page, blob.model_id, MB, {"label": 5})
    with page.expect_console_message(lambda m: "private_field" in m.text, timeout=20_000):
        page_sets_field(page, blob.model_id, MB, {"_css": "body{display:none}"})
    assert blob.data == b"before" and blob.label == "kept"
    assert page_field_sha(page, blob.model_id, len(b"before")) == sha(b"before")  # the page took Python's back
    sent = page_sets_field(page, blob.model_id, MB, {"label": "new"})
    wait_until(lambda: blob.label == "new" and sha(blob.data) == sent["sha"])
