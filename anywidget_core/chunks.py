"""Chunked transfers (SPEC §8.6): a message whose buffers are larger than a transport's frames may travel
as one ``chunked`` announcement and a run of ``chunk`` pieces, reassembled on the other side. Sans-IO: nothing
here owns a transport or a widget, so every host (standalone socket, Panel view, a Jupyter comm) uses the same
splitter and reassembler.

Sending::

    splitter = Splitter(chunk_bytes=4 << 20)
    for piece in splitter.split(data, buffers):       # the message unchanged when it is small
        transport.send(piece.data, piece.buffers)       # piece.loaded / piece.total: send progress

Receiving (one :class:`Reassembler` per transport, i.e. per front end)::

    event = reassembler.feed(model_id, data, buffers, limits)   # only for is_chunk_message(data)
    # None (nothing yet), Progress, Completed (hand .data/.buffers to the link), or Failed (send .frame back)

A front end is untrusted: announced sizes are checked against the widget's :class:`Limits` before anything is
kept, memory grows only with bytes actually received (never with an announced size), a transport holds at most
``max_transfers`` transfers and ``max_held_bytes`` received bytes at once, and every broken rule drops the
transfer whole (nothing of it reaches the widget) and answers an ``error``; the transport stays up.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from typing import Any, Literal, NamedTuple

import msgspec

from .buffers import BINARY_TYPES, as_buffer
from .connection import DEFAULT_LIMITS, Limits
from .errors import ErrorCode, ProtocolError
from .messages import KNOWN_METHODS, Error, Frame, to_frame

MiB = 1 << 20
DEFAULT_CHUNK_BYTES = 4 * MiB  # under every transport's frame limit with headroom (Bokeh: 20 MiB, tornado: 10)
MAX_TRANSFERS = 4  # transfers in progress per transport
MAX_HELD_BYTES = 1 << 30  # received bytes all transfers of one transport may hold together
CHUNK_METHODS = frozenset({"chunked", "chunk", "chunk_abort"})
MAX_TRANSFER_ID = (1 << 53) - 1  # an integer both JavaScript and JSON carry exactly

Direction = Literal["send", "receive"]


def is_chunk_message(data: Any) -> bool:
    """Whether ``data`` is one of the chunked encoding's frames (``chunked``, ``chunk``, ``chunk_abort``)."""
    if type(data) is not dict:
        return False
    method = data.get("method")
    return type(method) is str and method in CHUNK_METHODS  # a list is not hashable


def _nbytes(buffers: Sequence[Any]) -> int:
    return sum(memoryview(b).nbytes for b in buffers)


# ---------------------------------------------------------------------------------------------------- sending


class Piece(NamedTuple):
    """One frame to hand to the transport, and the send progress once it is handed over. ``transfer`` is None
    for a message sent whole (then ``loaded == total``)."""

    data: dict[str, Any]
    buffers: list[memoryview]
    transfer: int | None
    loaded: int
    total: int


class Splitter:
    """Splits outgoing messages for one transport; transfer ids count up per splitter (one per sender)."""

    def __init__(self, chunk_bytes: int = DEFAULT_CHUNK_BYTES) -> None:
        if chunk_bytes < 1:
            raise ValueError("chunk_bytes must be at least 1")
        self.chunk_bytes = chunk_bytes
        self._ids = itertools.count(1)

    def needs_split(self, buffers: Sequence[Any]) -> bool:
        """Whether a message with these buffers is sent chunked (their total is over the chunk size)."""
        return bool(buffers) and _nbytes(buffers) > self.chunk_bytes

    def split(self, data: dict[str, Any], buffers: Sequence[Any]) -> Iterator[Piece]:
        """The frames for one message, lazily: the message itself when its buffers fit one chunk; else the
        ``chunked`` announcement, then ``chunk`` pieces that are slices of ``buffers`` (no copy: a piece never
        spans two buffers, so the caller must keep ``buffers`` unchanged until the last piece is sent)."""
        views = [as_buffer(b) for b in buffers]
        total = sum(v.nbytes for v in views)
        if not views or total <= self.chunk_bytes:
            yield Piece(data, views, None, total, total)
            return
        transfer = next(self._ids)
        announce = {"method": "chunked", "transfer": transfer, "message": data, "sizes": [v.nbytes for v in views]}
        yield Piece(announce, [], transfer, 0, total)
        loaded = 0
        size = self.chunk_bytes
        for view in views:
            for start in range(0, view.nbytes, size):
                piece = view[start : start + size]
                loaded += piece.nbytes
                yield Piece({"method": "chunk", "transfer": transfer}, [piece], transfer, loaded, total)


def abort_message(transfer: int) -> dict[str, Any]:
    """The data of a ``chunk_abort`` for ``transfer`` (a sender giving up on a transfer it started)."""
    return {"method": "chunk_abort", "transfer": transfer}


# -------------------------------------------------------------------------------------------------- receiving


class Progress(msgspec.Struct, frozen=True):
    """How far one transfer has come: ``loaded`` of ``total`` bytes, in ``direction`` as seen from Python."""

    model_id: str
    transfer: int
    direction: Direction
    loaded: int
    total: int


class Completed(msgspec.Struct, frozen=True):
    """A transfer arrived whole: hand ``data`` and ``buffers`` to the normal receive path (``Link.receive``),
    which validates them as any message. ``total`` is the bytes moved (for a last progress report)."""

    model_id: str
    transfer: int
    data: Any
    buffers: list[memoryview]
    total: int


class Failed(msgspec.Struct, frozen=True):
    """A chunk frame broke a rule; its transfer (if any) is dropped and nothing of it applies. ``frame`` is the
    ``error`` to send back to that front end, for ``model_id``."""

    model_id: str
    error: ProtocolError
    frame: Frame


ChunkEvent = Progress | Completed | Failed | None


class _Transfer:
    __slots__ = ("message", "model_id", "parts", "received", "sizes", "total")

    def __init__(self, model_id: str, message: dict[str, Any], sizes: list[int]) -> None:
        self.model_id = model_id
        self.message = message
        self.sizes = sizes
        self.total = sum(sizes)
        self.received = 0
        # One bytearray per buffer, grown as its bytes arrive: memory follows what was sent, not what was announced
        # (large bytearrays grow by realloc, which moves pages rather than copying them).
        self.parts: list[bytearray] = [bytearray()]

    def add(self, piece: memoryview) -> None:
        offset = 0
        while offset < piece.nbytes:
            index = len(self.parts) - 1
            room = self.sizes[index] - len(self.parts[index])
            if room == 0:  # the current buffer is full: the piece goes on into the next one
                self.parts.append(bytearray())
                continue
            take = min(room, piece.nbytes - offset)
            self.parts[index] += piece[offset : offset + take]
            offset += take
        self.received += piece.nbytes

    def buffers(self) -> list[memoryview]:
        parts = self.parts + [bytearray() for _ in range(len(self.sizes) - len(self.parts))]
        return [memoryview(part) for part in parts]


class Reassembler:
    """Reassembles the chunked messages of one transport (one front end). Not thread-safe: feed it from the
    thread (or in the order) the transport delivers, which is what ordered transports give."""

    def __init__(self, max_transfers: int = MAX_TRANSFERS, max_held_bytes: int = MAX_HELD_BYTES) -> None:
        self.max_transfers = max_transfers
        self.max_held_bytes = max_held_bytes
        self._transfers: dict[int, _Transfer] = {}

    @property
    def held_bytes(self) -> int:
        """Bytes received and kept for transfers still in progress."""
        return sum(t.received for t in self._transfers.values())

    @property
    def in_progress(self) -> int:
        return len(self._transfers)

    def drop_all(self) -> None:
        """The transport closed: every transfer in progress is gone."""
        self._transfers.clear()

    def drop_model(self, model_id: str) -> None:
        """A model closed: its transfers in progress are gone."""
        for transfer in [k for k, t in self._transfers.items() if t.model_id == model_id]:
            del self._transfers[transfer]

    def feed(
        self, model_id: str, data: Any, buffers: Sequence[Any] = (), limits: Limits = DEFAULT_LIMITS
    ) -> ChunkEvent:
        """Take one chunk frame (``is_chunk_message(data)``) for ``model_id``. Never raises."""
        try:
            return self._feed(model_id, data, buffers, limits)
        except ProtocolError as exc:
            return self._fail(model_id, exc, None)

    def _feed(self, model_id: str, data: Any, buffers: Sequence[Any], limits: Limits) -> ChunkEvent:
        method = data.get("method") if type(data) is dict else None
        transfer = data.get("transfer") if type(data) is dict else None
        if type(transfer) is not int or not 0 <= transfer <= MAX_TRANSFER_ID:
            raise ProtocolError(ErrorCode.MALFORMED, f"a {method} frame needs an integer transfer id")
        if method == "chunked":
            return self._announce(model_id, transfer, data, buffers, limits)
        current = self._transfers.get(transfer)
        if method == "chunk_abort":
            if current is not None and current.model_id == model_id:
                del self._transfers[transfer]
            return None
        if method != "chunk":
            raise ProtocolError(ErrorCode.UNKNOWN_METHOD, f"unknown chunk method {method!r}")
        if current is None or current.model_id != model_id:
            raise ProtocolError(ErrorCode.MALFORMED, f"a chunk for transfer {transfer}, which is not in progress")
        if set(data) != {"method", "transfer"}:
            return self._fail(
                model_id, ProtocolError(ErrorCode.MALFORMED, "a chunk has only method and transfer"), transfer
            )
        if type(buffers) not in (list, tuple) or len(buffers) != 1 or not isinstance(buffers[0], BINARY_TYPES):
            return self._fail(
                model_id, ProtocolError(ErrorCode.BAD_BUFFERS, "a chunk carries exactly one buffer"), transfer
            )
        piece = memoryview(buffers[0]).cast("B")
        if current.received + piece.nbytes > current.total:
            err = ProtocolError(ErrorCode.MALFORMED, f"chunks of transfer {transfer} overrun its {current.total} bytes")
            return self._fail(model_id, err, transfer)
        if self.held_bytes + piece.nbytes > self.max_held_bytes:
            err = ProtocolError(ErrorCode.TOO_LARGE, f"transfers in progress exceed {self.max_held_bytes} bytes")
            return self._fail(model_id, err, transfer)
        current.add(piece)
        if current.received < current.total:
            return Progress(model_id, transfer, "receive", current.received, current.total)
        del self._transfers[transfer]
        return Completed(model_id, transfer, current.message, current.buffers(), current.total)

    def _announce(
        self, model_id: str, transfer: int, data: dict[str, Any], buffers: Sequence[Any], limits: Limits
    ) -> ChunkEvent:
        if transfer in self._transfers:
            # the transfer in use is dropped too: a sender that reuses ids cannot be told which one it meant
            err = ProtocolError(ErrorCode.MALFORMED, f"transfer {transfer} is already in progress")
            return self._fail(model_id, err, transfer)
        if set(data) != {"method", "transfer", "message", "sizes"}:
            raise ProtocolError(ErrorCode.MALFORMED, "a chunked frame has exactly method, transfer, message, sizes")
        if buffers:
            raise ProtocolError(ErrorCode.BAD_BUFFERS, "a chunked frame carries no buffers (its chunks do)")
        message, sizes = data["message"], data["sizes"]
        if type(message) is not dict or is_chunk_message(message):
            raise ProtocolError(ErrorCode.MALFORMED, "a chunked frame's message must be a protocol message")
        if type(sizes) is not list:
            raise ProtocolError(ErrorCode.MALFORMED, "sizes must be a list of byte counts")
        if len(sizes) > limits.max_buffers:
            raise ProtocolError(ErrorCode.TOO_LARGE, f"more than {limits.max_buffers} buffers")
        if not all(type(s) is int and s >= 0 for s in sizes):
            raise ProtocolError(ErrorCode.MALFORMED, "sizes must be a list of byte counts")
        total = sum(sizes)
        if total > limits.max_buffer_bytes:
            raise ProtocolError(ErrorCode.TOO_LARGE, f"buffers exceed {limits.max_buffer_bytes} bytes")
        if len(self._transfers) >= self.max_transfers:
            raise ProtocolError(ErrorCode.TOO_LARGE, f"more than {self.max_transfers} transfers in progress")
        started = _Transfer(model_id, message, sizes)
        if total == 0:
            return Completed(model_id, transfer, message, started.buffers(), 0)
        self._transfers[transfer] = started
        return Progress(model_id, transfer, "receive", 0, total)

    def _fail(self, model_id: str, error: ProtocolError, transfer: int | None) -> Failed:
        dropped = self._transfers.pop(transfer, None) if transfer is not None else None
        # Say which message was lost when it is known, so a front end can resync (the runtime asks for the
        # state again after a rejected update).
        inner = dropped.message.get("method") if dropped is not None else None
        rejected = inner if isinstance(inner, str) and inner in KNOWN_METHODS else None
        frame = to_frame(Error(code=error.code, message=error.message, rejected=rejected))
        return Failed(model_id, error, frame)
