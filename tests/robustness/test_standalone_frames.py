"""Raw WebSocket frames against the standalone server: random bytes, non-JSON text, truncated and garbled
binary frames, invalid UTF-8, oversized frames. Each bad frame gets one error (or, past the WebSocket limit, a
1009 close of that socket only); the widget keeps its state and keeps working."""

from __future__ import annotations

import itertools
import json
import os
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from anywidget_core import Widget
from anywidget_core.hosts.standalone import StandaloneServer, decode_frame, encode_frame, serve

from .hostile import ERROR_CODES, EXAMPLES

LIMIT = 64 * 1024


class Panel(Widget):
    value: int = 0
    blob: bytes = b""


@pytest.fixture(scope="module")
def running() -> Iterator[tuple[StandaloneServer, Panel]]:
    widget = Panel()
    with serve([widget], max_frame_bytes=LIMIT) as server:
        yield server, widget


def _open(server: StandaloneServer, widget: Panel) -> ClientConnection:
    ws = connect(server.socket_url(widget.model_id), max_size=None, open_timeout=10).__enter__()
    decode_frame(ws.recv(timeout=10), max_bytes=1 << 40)  # the open
    return ws


_pings = itertools.count(1)


def _sync(ws: ClientConnection) -> list[dict[str, Any]]:
    """Everything the server sent before answering a ping sent now."""
    token = next(_pings)
    ws.send(encode_frame(None, {"method": "ping", "id": token}))
    out = []
    while True:
        _, data, _ = decode_frame(ws.recv(timeout=10), max_bytes=1 << 40)
        if data.get("method") == "pong" and data.get("id") == token:
            return out
        out.append(data)


def _valid(model_id: str) -> bytes:
    frame = encode_frame(model_id, {"method": "update", "state": {}, "buffer_paths": [["blob"]]}, [memoryview(b"ok")])
    assert isinstance(frame, bytes)
    return frame


def raw_frames(model_id: str) -> st.SearchStrategy[str | bytes]:
    valid = _valid(model_id)
    return st.one_of(
        st.binary(max_size=64),  # random bytes
        st.text(max_size=40),  # text that is rarely JSON
        st.integers(0, len(valid) - 1).map(lambda n: valid[:n]),  # truncated
        st.tuples(st.integers(0, len(valid) - 1), st.integers(0, 255)).map(  # one byte garbled
            lambda t: valid[: t[0]] + bytes([t[1]]) + valid[t[0] + 1 :]
        ),
        st.binary(min_size=1, max_size=16).map(  # part 0 is not UTF-8
            lambda junk: b"\x01\x00\x00\x00" + len(b"\xff" + junk).to_bytes(4, "little") + b"\xff" + junk
        ),
        st.just(json.dumps({"model_id": model_id, "data": {"method": "update", "state": {"value": "x"}}})),
        st.just(json.dumps({"model_id": "nope" * 100, "data": {"method": "custom"}})),
        st.just('{"model_id": null, "data": [1, 2]}'),
        st.just("[" * 60_000),  # deeper than the JSON parser will go, under the frame limit
    )


def test_raw_frames(running: tuple[StandaloneServer, Panel]) -> None:
    server, widget = running
    ws = _open(server, widget)
    tried = {"frames": 0}

    @settings(max_examples=EXAMPLES * 4, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(raw_frames(widget.model_id))
    def attack(frame: str | bytes) -> None:
        before = widget.get_state()
        ws.send(frame)
        replies = _sync(ws)
        tried["frames"] += 1
        errors = [r for r in replies if r.get("method") == "error"]
        if widget.get_state() != before:  # a frame that is still valid (intact, or a garbled blob byte)
            assert not errors, replies
            widget.blob = b""
            return
        assert len(errors) == 1, (frame, replies)
        for error in errors:
            assert error["code"] in ERROR_CODES
            assert len(error["message"]) > 8

    attack()
    assert tried["frames"] > 0
    ws.send(encode_frame(widget.model_id, {"method": "update", "state": {"value": 42}, "buffer_paths": []}))
    _sync(ws)
    assert widget.value == 42  # still works
    ws.close()


def test_invalid_utf8_text_frame_closes_only_that_socket(running: tuple[StandaloneServer, Panel]) -> None:
    server, widget = running
    bad = _open(server, widget)
    good = _open(server, widget)
    bad.send(b"\xff\xfe{", text=True)  # a text frame must be UTF-8: a WebSocket protocol error (1007)
    with pytest.raises(ConnectionClosed) as closed:
        while True:
            bad.recv(timeout=10)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1007
    good.send(encode_frame(widget.model_id, {"method": "update", "state": {"value": 7}, "buffer_paths": []}))
    assert [r for r in _sync(good) if r.get("method") == "error"] == []
    assert widget.value == 7
    good.close()


def test_oversized_frame_is_refused_with_its_limit(running: tuple[StandaloneServer, Panel]) -> None:
    server, widget = running
    big = _open(server, widget)
    big.send(os.urandom(LIMIT + 1))
    with pytest.raises(ConnectionClosed) as closed:
        while True:
            big.recv(timeout=10)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1009
    assert str(LIMIT) in closed.value.rcvd.reason  # the reason names the limit
    ok = _open(server, widget)  # the server and the widget are fine
    ok.send(encode_frame(widget.model_id, {"method": "update", "state": {"value": 9}, "buffer_paths": []}))
    _sync(ok)
    assert widget.value == 9
    ok.close()
    # decode_frame's own check (for other servers and probes) names the code too_large
    with pytest.raises(Exception) as refused:
        decode_frame(b"x" * (LIMIT + 1), max_bytes=LIMIT)
    assert getattr(refused.value, "code", None) == "too_large"
