"""Chunked transfers on the standalone host (SPEC §8.6): a real server, headless Chromium and a raw socket, with a
64 KiB chunk size so a few MB move in many pieces quickly. Bytes are checked by SHA-256 on the other side."""

from __future__ import annotations

import os
import time
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
    page_sent,
    page_sets_field,
    sha,
    wait_until,
)

from anywidget_core.chunks import Completed, Failed, Reassembler, is_chunk_message
from anywidget_core.hosts.standalone import ServerLimits, StandaloneServer, serve

from .test_server import Client
from .widgets import Echo

CHUNK = 64 * 1024
MB = 1_000_000


@pytest.fixture(scope="module")
def widgets() -> dict[str, Any]:
    return {"blob": Blob(), "echo": Echo()}


@pytest.fixture(scope="module")
def server(widgets: dict[str, Any]) -> Iterator[StandaloneServer]:
    with serve(widgets, limits=ServerLimits(chunk_bytes=CHUNK)) as running:
        yield running


def open_page(page: Any, server: StandaloneServer, blob: Blob) -> Any:
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(server.url)
    page_ready(page, blob.model_id)
    page.js_errors = errors
    return page


@pytest.mark.browser
def test_a_field_both_ways_with_progress(page: Any, server: StandaloneServer, widgets: dict[str, Any]) -> None:
    blob: Blob = widgets["blob"]
    p = open_page(page, server, blob)
    blob.progress.clear()
    sent = page_sets_field(p, blob.model_id, 3 * MB + 5)
    check_progress(page_sent(p, blob.model_id, 3 * MB + 5), "send", 3 * MB + 5)
    wait_until(lambda: sha(blob.data) == sent["sha"])
    check_progress(wait_until(lambda: list(blob.progress)), "receive", 3 * MB + 5)

    blob.progress.clear()
    page_progress(p, blob.model_id, clear=True)
    data = os.urandom(2 * MB + 3)
    blob.data = data
    assert page_field_sha(p, blob.model_id, len(data)) == sha(data)
    check_progress(page_progress(p, blob.model_id), "receive", len(data))
    wait_until(lambda: blob.progress and blob.progress[-1].loaded == len(data))
    check_progress(blob.progress, "send", len(data))
    assert p.js_errors == []


@pytest.mark.browser
def test_custom_buffers_both_ways(page: Any, server: StandaloneServer, widgets: dict[str, Any]) -> None:
    blob: Blob = widgets["blob"]
    p = open_page(page, server, blob)
    blob.received.clear()
    sent = page_sends_buffers(p, blob.model_id, [MB + 7, 0, 700_001])
    check_progress(page_sent(p, blob.model_id, MB + 700_008), "send", MB + 700_008)
    wait_until(lambda: blob.received)
    assert blob.received == [({"kind": "up"}, sent["shas"])]

    first, second = os.urandom(MB + 1), os.urandom(300_000)
    blob.send({"kind": "down"}, [first, second])
    assert page_custom_shas(p, blob.model_id, 1) == [[{"kind": "down"}, [sha(first), sha(second)]]]
    assert p.js_errors == []


@pytest.mark.browser
def test_a_mutable_value_is_sent_as_it_was_when_set(
    page: Any, server: StandaloneServer, widgets: dict[str, Any]
) -> None:
    # pieces leave later than the set: a value the caller may write to (a bytearray, a numpy array) is copied
    # once when queued, so the page gets the bytes of the set, whole, not a mix with what was written after
    blob: Blob = widgets["blob"]
    p = open_page(page, server, blob)
    value = bytearray(os.urandom(MB + 1))
    expected = sha(value)
    blob.data = value
    value[:] = bytes(len(value))
    assert page_field_sha(p, blob.model_id, len(value)) == expected


@pytest.mark.browser
def test_off_removes_a_progress_listener(page: Any, server: StandaloneServer, widgets: dict[str, Any]) -> None:
    blob: Blob = widgets["blob"]
    p = open_page(page, server, blob)
    counts = p.evaluate(
        """(id) => {
          const model = globalThis.chunkModels[id].model;
          let on = 0, off = 0;
          const keep = () => on++;
          const drop = () => off++;
          model.on("progress", keep);
          model.on("progress", drop);
          model.off("progress", drop);
          model.send({ kind: "up" }, undefined, [new Uint8Array(300_000)]);
          // the standalone page paces its pieces: wait for the first transfer's last report before off
          const sent = () => globalThis.chunkModels[id].progress.some((p) => p.loaded === 300_000);
          return new Promise((resolve) => {
            const check = () => {
              if (!sent()) return setTimeout(check, 5);
              model.off("progress", keep);
              model.send({ kind: "up" }, undefined, [new Uint8Array(300_000)]);
              setTimeout(() => resolve([on, off]), 300);
            };
            check();
          });
        }""",
        blob.model_id,
    )
    assert counts[0] > 2 and counts[1] == 0


@pytest.mark.browser
def test_an_invalid_chunked_update_is_refused_whole(
    page: Any, server: StandaloneServer, widgets: dict[str, Any]
) -> None:
    blob: Blob = widgets["blob"]
    p = open_page(page, server, blob)
    blob.data, blob.label = b"before", "kept"
    page.wait_for_function("(id) => globalThis.chunkModels[id].model.get('label') === 'kept'", arg=blob.model_id)
    page_sets_field(p, blob.model_id, MB, {"label": 5})  # a wrong type beside the big field
    p.locator("#awc-errors", has_text="invalid_value").wait_for(timeout=10_000)
    page_sets_field(p, blob.model_id, MB, {"_css": "body{display:none}"})  # a private field beside it
    p.locator("#awc-errors", has_text="private_field").wait_for(timeout=10_000)
    assert blob.data == b"before" and blob.label == "kept"
    assert "display:none" not in blob.full_state()[0].get("_css", "")
    # the page took Python's state back, and the widget keeps working, chunked or not
    assert page_field_sha(p, blob.model_id, len(b"before")) == sha(b"before")
    sent = page_sets_field(p, blob.model_id, MB, {"label": "new"})
    wait_until(lambda: blob.label == "new" and sha(blob.data) == sent["sha"])


# ---------------------------------------------------------------------------------------- a hostile raw socket


class ChunkClient(Client):
    """A raw front end that puts chunked frames from the server back together (a large open comes chunked)."""

    def __init__(self, server: StandaloneServer) -> None:
        super().__init__(server)
        self.reassembler = Reassembler()

    def wait_for(self, match: Any, timeout: float = 10) -> Any:
        def whole(model_id: str | None, data: Any, buffers: list[bytes]) -> bool:
            if model_id is None or not is_chunk_message(data):
                return bool(match(model_id, data, buffers))
            event = self.reassembler.feed(model_id, data, buffers)
            assert not isinstance(event, Failed), event
            if isinstance(event, Completed):
                self.frames.append((model_id, event.data, [bytes(b) for b in event.buffers]))
                return bool(match(model_id, event.data, [bytes(b) for b in event.buffers]))
            return False

        super().wait_for(whole, timeout)
        return self.frames[-1]


def _chunked(transfer: int, sizes: list[int], state: dict[str, Any] | None = None) -> dict[str, Any]:
    message = {"method": "update", "state": state or {}, "buffer_paths": [["data"]] if sizes else []}
    return {"method": "chunked", "transfer": transfer, "message": message, "sizes": sizes}


def _chunk(transfer: int) -> dict[str, Any]:
    return {"method": "chunk", "transfer": transfer}


def _error(client: ChunkClient, model_id: str) -> dict[str, Any]:
    _, data, _ = client.wait_for(lambda m, d, b: m == model_id and d.get("method") == "error")
    return data  # type: ignore[no-any-return]


def _healthy(server: StandaloneServer, blob: Blob) -> bytes:
    """Another tab is served: it gets the open frames, and a chunked update from it applies."""
    other = ChunkClient(server)
    try:
        other.opened()
        payload = os.urandom(3 * CHUNK + 11)
        other.send(blob.model_id, _chunked(1, [len(payload)]))
        for start in range(0, len(payload), CHUNK):
            other.send(blob.model_id, _chunk(1), [payload[start : start + CHUNK]])
        wait_until(lambda: blob.data == payload)
        return payload
    finally:
        other.close()


def test_hostile_chunk_frames_get_errors_and_other_tabs_keep_working(
    server: StandaloneServer, widgets: dict[str, Any]
) -> None:
    blob: Blob = widgets["blob"]
    client = ChunkClient(server)
    try:
        client.opened()
        mid = blob.model_id
        # announced over the core's 1 GiB limit: refused before anything is kept
        client.send(mid, _chunked(1, [2 << 30]))
        assert _error(client, mid)["code"] == "too_large"
        # announced big, then nothing sent: costs nothing, and the server goes on serving
        client.send(mid, _chunked(2, [900 << 20]))
        applied = _healthy(server, blob)
        # a piece past the announced total: the transfer is dropped whole
        client.send(mid, _chunked(3, [10]))
        client.send(mid, _chunk(3), [b"x" * 11])
        error = _error(client, mid)
        assert error["code"] == "malformed" and "overrun" in error["message"] and error["rejected"] == "update"
        # a piece for a transfer nobody announced (or one just dropped)
        client.send(mid, _chunk(3), [b"x"])
        assert "not in progress" in _error(client, mid)["message"]
        # interleaved garbage: a second announce of a transfer in use, two buffers, text instead of binary
        client.send(mid, _chunked(4, [10]))
        client.send(mid, _chunked(4, [10]))
        assert "already in progress" in _error(client, mid)["message"]
        client.send(mid, _chunked(5, [10]))
        client.send(mid, _chunk(5), [b"12345", b"67890"])
        assert _error(client, mid)["code"] == "bad_buffers"
        client.send(mid, {"method": "chunk", "transfer": 6, "text": "x" * 100})
        assert _error(client, mid)["code"] == "malformed"
        # more transfers in progress than a socket may hold (2 is still open from above)
        for transfer in (10, 11, 12, 13):
            client.send(mid, _chunked(transfer, [10]))
        assert "transfers in progress" in _error(client, mid)["message"]
        assert blob.data == applied  # nothing of this socket's broken transfers applied
        _healthy(server, blob)
        # this socket, too, still works: its open transfer completes and applies
        client.send(mid, _chunk(10), [b"0123456789"])
        wait_until(lambda: blob.data == b"0123456789")
    finally:
        client.close()


def test_a_chunked_message_is_validated_as_a_whole_message(server: StandaloneServer, widgets: dict[str, Any]) -> None:
    blob: Blob = widgets["blob"]
    blob.data = b"unchanged"
    client = ChunkClient(server)
    try:
        client.opened()
        mid = blob.model_id
        client.send(mid, _chunked(1, [CHUNK + 1], {"_esm": "alert(1)"}))
        client.send(mid, _chunk(1), [b"x" * CHUNK])
        client.send(mid, _chunk(1), [b"x"])
        assert _error(client, mid)["code"] == "private_field"
        client.send(mid, {**_chunked(2, [3]), "message": {"method": "explode"}})
        client.send(mid, _chunk(2), [b"abc"])
        assert _error(client, mid)["code"] == "unknown_method"
        assert blob.data == b"unchanged"
    finally:
        client.close()


# ---------------------------------------------------------------------------------- paced sends (standalone page)

PACED = 8 * MB


@pytest.mark.browser
def test_page_send_progress_follows_what_python_received(
    page: Any, server: StandaloneServer, widgets: dict[str, Any]
) -> None:
    # The page awaits its socket's bufferedAmount between pieces, so its send reports are spread over the
    # transfer: some report (short of the total) comes after Python already had part of it. Handing every piece
    # to the socket at once would report the total before Python received its first piece.
    blob: Blob = widgets["blob"]
    p = open_page(page, server, blob)
    received: list[tuple[float, int]] = []

    def note(_: Any, progress: Any) -> None:
        if progress.direction == "receive" and progress.total == PACED:
            received.append((time.time() * 1000, progress.loaded))

    blob.on_progress(note)
    try:
        sent = page_sets_field(p, blob.model_id, PACED)
        reports = [r for r in page_sent(p, blob.model_id, PACED) if r["direction"] == "send"]
        wait_until(lambda: sha(blob.data) == sent["sha"])
    finally:
        blob.on_progress(note, remove=True)
    check_progress(reports, "send", PACED)
    # the page's last report short of the total came after Python had most of the transfer (with every piece
    # handed over at once it comes before Python has much: the socket still holds nearly all of it)
    last_partial = max(r["at"] for r in reports if r["loaded"] < PACED)
    had = max((loaded for at, loaded in received if at <= last_partial), default=0)
    assert had >= PACED // 2, f"Python had {had} of {PACED} bytes when the page reported its last piece"
    assert p.js_errors == []


@pytest.mark.browser
def test_a_small_save_after_a_paced_upload_arrives_after_it(
    page: Any, server: StandaloneServer, widgets: dict[str, Any]
) -> None:
    # SPEC §5: a message sent after a paced transfer began waits behind it, whatever model it is for (the
    # runtime keeps one queue for all models).
    blob: Blob = widgets["blob"]
    p = open_page(page, server, blob)
    seen: list[str] = []

    def on_label(change: Any) -> None:
        seen.append(sha(blob.data))

    blob.observe(on_label, "label")
    try:
        p.evaluate(
            """(id) => {
              const model = globalThis.chunkModels[id].model;
              const bytes = new Uint8Array(4_000_000).fill(7);
              model.set({ data: new DataView(bytes.buffer) });
              model.save_changes();
              model.set({ label: "after the upload" });
              model.save_changes();
            }""",
            blob.model_id,
        )
        wait_until(lambda: blob.label == "after the upload")
    finally:
        blob.unobserve(on_label, "label")
    assert seen == [sha(bytes([7]) * 4_000_000)]
    assert p.js_errors == []


@pytest.mark.browser
def test_closing_the_page_mid_upload_leaves_the_server_working(
    page: Any, server: StandaloneServer, widgets: dict[str, Any]
) -> None:
    blob: Blob = widgets["blob"]
    p = open_page(page, server, blob)
    before = sha(blob.data)
    p.evaluate(
        """(id) => {
          const model = globalThis.chunkModels[id].model;
          model.set({ data: new DataView(new Uint8Array(40_000_000).buffer) });
          model.save_changes();
        }""",
        blob.model_id,
    )
    p.wait_for_function(
        "(id) => globalThis.chunkModels[id].progress.some((r) => r.direction === 'send' && r.loaded > 0)",
        arg=blob.model_id,
    )
    context = p.context
    p.close()
    assert sha(blob.data) == before  # nothing half-applied

    other = open_page(context.new_page(), server, blob)
    try:
        sent = page_sets_field(other, blob.model_id, MB + 1)
        wait_until(lambda: sha(blob.data) == sent["sha"])
        assert other.js_errors == []
    finally:
        other.close()
