"""WebSocket framing between the standalone page (runtime.js) and Python.

One WebSocket message carries one protocol message for one model:

- no buffers: a text frame, the JSON object ``{"model_id": ..., "data": ...}``;
- with buffers: a binary frame: uint32 LE part count ``N``, then ``N`` uint32 LE byte lengths, then the parts
  back to back. Part 0 is the UTF-8 JSON ``{"model_id", "data"}``, parts 1.. are the buffers.

``model_id`` is ``null`` for frames about the connection itself (an error about an undecodable frame, the
``ping``/``pong`` a probe uses to know the server has caught up). Everything here is pure: decoding untrusted
bytes raises :class:`FrameError` with a message fit to send back, never anything else.
"""

from __future__ import annotations

import json
import re
import struct
from typing import Any, NamedTuple

from anywidget_core.errors import ErrorCode

# The largest WebSocket message accepted from a front end. uvicorn enforces it (ws_max_size) before a frame
# is read into memory; decode_frame checks it again so every path (probes, other servers) has the same limit.
MAX_FRAME_BYTES = 64 * 1024 * 1024
MAX_PARTS = 1 + 1024  # the JSON part plus the core's default max_buffers
# Parsed JSON costs up to ~70 bytes of Python objects per 3 bytes of text ("{},"), so its size and its count of
# values are bounded well below the frame limit (binary data travels as buffers, which are never parsed).
MAX_JSON_BYTES = 16 * 1024 * 1024
MAX_JSON_VALUES = 250_000

_STRUCTURE = ("{", "[", ",", ":")  # one of these per value (a member has two), outside strings
_JSON_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"')

_U32 = struct.Struct("<I")


class FrameError(ValueError):
    """A WebSocket message that is not a valid frame; ``str(exc)`` says why, for the sender, and ``code`` is
    the protocol's error code (``too_large`` over the size limit, else ``malformed``)."""

    def __init__(self, message: str, code: ErrorCode = ErrorCode.MALFORMED) -> None:
        super().__init__(message)
        self.code = code


class Decoded(NamedTuple):
    model_id: str | None
    data: Any
    buffers: list[memoryview]


def encode_frame(
    model_id: str | None, data: Any, buffers: list[memoryview] | None = None, escaped: bool = False
) -> str | bytes:
    """The WebSocket message for one protocol message: ``str`` (text frame) or ``bytes`` (binary frame).

    Raises ``ValueError`` for data no front end could parse (NaN, infinities, strings with lone surrogates),
    here in the sender's thread, so the socket writer never meets it. ``escaped`` writes non-ASCII characters as
    ``\\u`` escapes, as a browser's ``JSON.stringify`` writes a lone surrogate (what a page can send, a test
    front end must be able to send).
    """
    head = json.dumps(
        {"model_id": model_id, "data": data}, separators=(",", ":"), ensure_ascii=escaped, allow_nan=False
    )
    if not buffers:
        if not head.isascii():
            head.encode("utf-8")  # UnicodeEncodeError (a ValueError) for a lone surrogate
        return head
    parts: list[bytes | memoryview] = [head.encode("utf-8"), *buffers]
    lengths = struct.pack(f"<{1 + len(parts)}I", len(parts), *(memoryview(part).nbytes for part in parts))
    return b"".join([lengths, *parts])  # one copy of the buffers (a bytearray grown, then copied, made two)


def decode_frame(
    message: str | bytes | bytearray | memoryview,
    max_bytes: int = MAX_FRAME_BYTES,
    max_json_bytes: int = MAX_JSON_BYTES,
    max_json_values: int = MAX_JSON_VALUES,
) -> Decoded:
    """Decode one WebSocket message from a front end; FrameError if it is malformed or too large."""
    if isinstance(message, str):
        if len(message) > max_bytes:  # characters <= bytes, so this never refuses a legal frame
            raise FrameError(f"frame is larger than the limit of {max_bytes} bytes", ErrorCode.TOO_LARGE)
        check_json_size(message, max_json_bytes, max_json_values)
        return _envelope(message, [])
    view = memoryview(message).cast("B")
    if view.nbytes > max_bytes:
        raise FrameError(f"frame is larger than the limit of {max_bytes} bytes", ErrorCode.TOO_LARGE)
    if view.nbytes < 4:
        raise FrameError("binary frame is shorter than its 4-byte part count")
    (count,) = _U32.unpack_from(view, 0)
    if not 1 <= count <= MAX_PARTS:
        raise FrameError(f"binary frame declares {count} parts; expected 1 to {MAX_PARTS}")
    header = 4 + 4 * count
    if view.nbytes < header:
        raise FrameError(f"binary frame is too short for the lengths of its {count} parts")
    lengths = [_U32.unpack_from(view, 4 + 4 * i)[0] for i in range(count)]
    if header + sum(lengths) != view.nbytes:
        raise FrameError(
            f"binary frame part lengths add up to {header + sum(lengths)} bytes but the frame has {view.nbytes}"
        )
    parts: list[memoryview] = []
    offset = header
    for length in lengths:
        parts.append(view[offset : offset + length])
        offset += length
    if parts[0].nbytes > max_json_bytes:  # before decoding it
        raise _json_too_large(max_json_bytes)
    try:
        text = str(parts[0], "utf-8")
    except UnicodeDecodeError as exc:
        raise FrameError(f"binary frame part 0 is not valid UTF-8: {exc.reason} at byte {exc.start}") from None
    check_json_size(text, max_json_bytes, max_json_values)
    return _envelope(text, parts[1:])


def check_json_size(text: str, max_bytes: int, max_values: int) -> None:
    """Refuse JSON too costly to parse, before parsing it: FrameError ``too_large``."""
    if len(text) > max_bytes:  # characters <= bytes
        raise _json_too_large(max_bytes)
    if json_values(text, max_values) > max_values:
        raise FrameError(f"the JSON of a frame has more than {max_values} values", ErrorCode.TOO_LARGE)


def _json_too_large(limit: int) -> FrameError:
    return FrameError(
        f"the JSON of a frame is larger than the limit of {limit} bytes (send binary data as buffers)",
        ErrorCode.TOO_LARGE,
    )


def json_values(text: str, enough: int) -> int:
    """How many values a JSON text holds, without parsing it: one structural character per value (a member
    has two), an upper bound. Strings are taken out only when the quick count is over ``enough``, so a
    string full of commas costs no false refusal."""
    count = sum(text.count(c) for c in _STRUCTURE) + 1
    if count > enough and '"' in text:
        bare = _JSON_STRING.sub("", text)
        count = sum(bare.count(c) for c in _STRUCTURE) + 1
    return count


def _envelope(text: str, buffers: list[memoryview]) -> Decoded:
    try:
        envelope = json.loads(text)
    except (ValueError, RecursionError) as exc:  # RecursionError: absurdly nested JSON
        raise FrameError(f"frame is not valid JSON: {exc}") from None
    if not isinstance(envelope, dict) or "data" not in envelope:
        raise FrameError('a frame must be a JSON object {"model_id": ..., "data": ...}')
    model_id = envelope.get("model_id")
    if model_id is not None and not isinstance(model_id, str):
        raise FrameError(f"model_id must be a string or null, not {type(model_id).__name__}")
    return Decoded(model_id, envelope["data"], buffers)
