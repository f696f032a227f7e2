"""One WebSocket connection of the standalone page: its links, its outbound queue, its inbound dispatch.

Every connection (every browser tab, every reconnect) gets its own :class:`~anywidget_core.link.Link` per
widget, so it starts from an ``open`` with the current state and the core's broadcast reaches every tab.

Python sends from any thread (observers, user code, the server's worker threads). A transport therefore
never touches the socket: it encodes the frame in the caller's thread (a snapshot of the buffers), appends it
to a deque (in call order, which the widget's lock makes per-widget order), and wakes the writer task on the
event loop without blocking. Blocking there could deadlock: the caller holds the widget's lock, which the
inbound worker may be waiting for.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
import threading
from collections.abc import Iterable
from typing import Any

from anywidget_core import Widget
from anywidget_core.errors import ErrorCode
from anywidget_core.link import Link
from anywidget_core.messages import Error, Frame, to_frame

from .framing import MAX_FRAME_BYTES, FrameError, decode_frame, encode_frame

log = logging.getLogger("anywidget_core.standalone")

# Frames waiting for a slow client, in bytes. Past this the connection is dropped (close code 1013); the page
# reconnects and gets the current state, which is cheaper than holding an unbounded backlog.
MAX_PENDING_BYTES = 256 * 1024 * 1024
MAX_ID_IN_ERROR = 80  # how much of an unknown model id an error message quotes


class Session:
    """Protocol state of one socket; the async side (reading, writing) lives in the server."""

    def __init__(self, key: object, loop: asyncio.AbstractEventLoop, max_frame_bytes: int = MAX_FRAME_BYTES) -> None:
        self.key = key
        self.loop = loop
        self.max_frame_bytes = max_frame_bytes
        self.links: dict[str, Link] = {}
        self.outbox: collections.deque[str | bytes] = collections.deque()
        self.pending_bytes = 0
        self.overflowed = False
        self.closed = False
        self.wakeup = asyncio.Event()
        self._lock = threading.Lock()

    # ------------------------------------------------------------------ outbound (any thread)

    def enqueue(self, model_id: str | None, data: Any, buffers: list[memoryview] | None = None) -> None:
        frame = encode_frame(model_id, data, buffers)
        with self._lock:
            if self.closed or self.overflowed:
                return
            self.outbox.append(frame)
            self.pending_bytes += len(frame)
            if self.pending_bytes > MAX_PENDING_BYTES:
                self.overflowed = True
        with contextlib.suppress(RuntimeError):  # the loop has stopped: the server is gone, nobody reads this
            self.loop.call_soon_threadsafe(self.wakeup.set)

    def drain(self) -> list[str | bytes]:
        """Frames to write now (called by the writer task on the loop)."""
        with self._lock:
            frames = list(self.outbox)
            self.outbox.clear()
            self.pending_bytes = 0
            self.wakeup.clear()
        return frames

    def send_error(self, message: str, code: ErrorCode = ErrorCode.MALFORMED, rejected: str | None = None) -> None:
        """An error about a frame no model could take: ``model_id`` null, sent to this socket only."""
        frame = to_frame(Error(code=code, message=message, rejected=rejected))
        self.enqueue(None, frame.data)

    # ------------------------------------------------------------------ links (worker thread)

    def open(self, widgets: Iterable[Widget]) -> None:
        """Show widgets (children first, by the core's open_child) on this socket."""
        for widget in widgets:
            self._show(widget)

    def _show(self, widget: Widget) -> None:
        def open_transport(frame: Frame) -> SocketTransport:
            transport = SocketTransport(self, widget.model_id)
            transport.send({"method": "open", **frame.data}, frame.buffers)
            return transport

        self.links[widget.model_id] = widget.connect(self.key, open_transport, open_child=self._show)

    def close_links(self) -> None:
        """The socket is gone: the front end of every link closed (the core drops the links)."""
        with self._lock:
            self.closed = True
            self.outbox.clear()
        for link in list(self.links.values()):
            if not link.closed:  # one the page or Python already closed needs no second close (nor its warning)
                link.receive({"method": "close"})
        self.links.clear()

    # ------------------------------------------------------------------ inbound (worker thread)

    def handle(self, message: str | bytes) -> None:
        """One WebSocket message from the front end. Never raises: bad input gets an error frame."""
        try:
            decoded = decode_frame(message, self.max_frame_bytes)
        except FrameError as exc:
            self.send_error(str(exc), exc.code)
            return
        data = decoded.data
        if decoded.model_id is None:
            self._control(data)
            return
        link = self.links.get(decoded.model_id)
        if link is None:
            method = data.get("method") if isinstance(data, dict) else None
            self.send_error(
                f"unknown model_id {decoded.model_id[:MAX_ID_IN_ERROR]!r}: no such widget on this connection",
                rejected=method if isinstance(method, str) and len(method) <= 64 else None,
            )
            return
        link.receive(data, decoded.buffers)  # validates; errors for the model go back through its transport

    def _control(self, data: Any) -> None:
        """Frames about the connection: ``ping`` is answered with ``pong`` after everything before it."""
        if isinstance(data, dict) and data.get("method") == "ping":
            token = data.get("id")
            self.enqueue(None, {"method": "pong", "id": token if isinstance(token, (int, str)) else None})
        else:
            self.send_error("a frame with model_id null must be a ping; model messages need a model_id")


class SocketTransport:
    """The core's Transport for one widget on one socket."""

    __slots__ = ("model_id", "session")

    def __init__(self, session: Session, model_id: str) -> None:
        self.session = session
        self.model_id = model_id

    def send(self, data: dict[str, Any], buffers: list[memoryview]) -> None:
        self.session.enqueue(self.model_id, data, buffers)

    def close(self) -> None:
        self.session.enqueue(self.model_id, {"method": "close"})
