"""The WebSocket framing: round trips, and every malformed shape refused with a FrameError."""

from __future__ import annotations

import json
import struct

import pytest
from hypothesis import given
from hypothesis import strategies as st

from anywidget_core.hosts.standalone.framing import MAX_FRAME_BYTES, FrameError, decode_frame, encode_frame

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53), 2**53) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


@given(
    model_id=st.none() | st.text(max_size=40),
    data=json_values,
    buffers=st.lists(st.binary(max_size=64), max_size=5),
)
def test_round_trip(model_id: str | None, data: object, buffers: list[bytes]) -> None:
    frame = encode_frame(model_id, data, [memoryview(b) for b in buffers])
    assert isinstance(frame, bytes if buffers else str)
    decoded = decode_frame(frame)
    assert decoded.model_id == model_id
    assert decoded.data == data
    assert [bytes(b) for b in decoded.buffers] == buffers


def test_binary_layout_is_the_documented_one() -> None:
    frame = encode_frame("m", {"method": "custom"}, [memoryview(b"ab"), memoryview(b"")])
    assert isinstance(frame, bytes)
    head = json.dumps({"model_id": "m", "data": {"method": "custom"}}, separators=(",", ":")).encode()
    assert frame == struct.pack("<4I", 3, len(head), 2, 0) + head + b"ab"


def binary(*parts: bytes, count: int | None = None, lengths: list[int] | None = None) -> bytes:
    n = len(parts) if count is None else count
    sizes = [len(p) for p in parts] if lengths is None else lengths
    return struct.pack(f"<{1 + len(sizes)}I", n, *sizes) + b"".join(parts)


HEAD = b'{"model_id":"m","data":{}}'


@pytest.mark.parametrize(
    ("message", "why"),
    [
        (b"", "shorter than its 4-byte part count"),
        (b"\x01\x00", "shorter than its 4-byte part count"),
        (binary(count=0, lengths=[]), "declares 0 parts"),
        (struct.pack("<I", 10**6), "declares 1000000 parts"),
        (struct.pack("<II", 2, 5), "too short for the lengths"),
        (binary(HEAD, lengths=[len(HEAD) + 1]), "add up to"),
        (binary(HEAD, b"xyz", lengths=[len(HEAD), 2]), "add up to"),
        (binary(b"\xff\xfe{}"), "not valid UTF-8"),
        (binary(b"not json"), "not valid JSON"),
        ("not json", "not valid JSON"),
        ("[1, 2]", "must be a JSON object"),
        ('{"model_id": "m"}', "must be a JSON object"),
        ('{"model_id": 5, "data": {}}', "model_id must be a string or null"),
        ("[" * 100_000 + "]" * 100_000, "not valid JSON"),
    ],
)
def test_malformed_frames_are_refused(message: str | bytes, why: str) -> None:
    with pytest.raises(FrameError, match=why):
        decode_frame(message)


def test_size_limit() -> None:
    assert MAX_FRAME_BYTES == 64 * 1024 * 1024
    frame = encode_frame("m", {}, [memoryview(b"x" * 100)])
    assert decode_frame(frame, max_bytes=len(frame)).model_id == "m"
    with pytest.raises(FrameError, match="larger than the limit of 50 bytes"):
        decode_frame(frame, max_bytes=50)
    with pytest.raises(FrameError, match="larger than the limit"):
        decode_frame('{"model_id": null, "data": "' + "x" * 100 + '"}', max_bytes=50)
