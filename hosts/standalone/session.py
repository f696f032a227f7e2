"""One WebSocket connection of the standalone page: its links, its outbound queue, its inbound dispatch.

Every connection (every browser tab, every reconnect) gets its own :class:`~anywidget_core.link.Link` per
widget, so it starts from an ``open`` with the current state and the core's broadcast reaches every tab.

Python sends from any thread (observers, user code, the server's worker threads). A transport therefore
never touches the socket: it encodes the frame in the caller's thread (a snapshot of the buffers), appends it
to a deque (in call order, which the widget's lock makes per-widget order), and wakes the writer task on the
event loop without blocking. Blocking there could deadlock: the caller holds the widget's lock, which the
inbound worker may be waiting for.

What a connection holds for output is charged to the server's :class:`~.limits.OutputBudget` until the client
has taken it; a connection that makes the total exceed it (the one holding the most) is dropped. A
``request_state`` while an earlier full state of that model has not yet been taken by the client is dropped:
the front end gets that one, then every later change in order, so its model ends up current all the same.

Large messages move chunked (SPEC §8.6, :mod:`anywidget_core.chunks`). Out: a message whose buffers exceed
``ServerLimits.chunk_bytes`` is queued as one lazy :class:`_Chunks` item; the writer encodes one piece at a
time as it sends, so the socket holds the message's buffers (not a copy when they are immutable ``bytes``) and
one piece's frame, never the whole message framed a second time; the budget is charged the message's size when it
is queued and released as the client takes the pieces. In: a :class:`~anywidget_core.chunks.Reassembler` per
socket puts pieces back together under the core's limits before the message reaches its link.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import functools
import logging
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Any, NamedTuple

from anywidget_core import Widget
from anywidget_core.chunks import Completed, Failed, Piece, Progress, Reassembler, Splitter, is_chunk_message
from anywidget_core.errors import ErrorCode
from anywidget_core.link import Link
from anywidget_core.messages import Error, Frame, to_frame

from ..modules import ModuleTable
from .framing import FrameError, decode_frame, encode_frame
from .limits import OutputBudget, ServerLimits

log = logging.getLogger("anywidget_core.standalone")

MAX_ID_IN_ERROR = 80  # how much of an unknown model id an error message quotes
# Messages whose JSON would cost more than this to parse wait for one of LARGE_DECODES slots, so many sockets
# sending large JSON at once cannot multiply the server's peak memory by their number.
LARGE_JSON = 1024 * 1024
LARGE_DECODES = threading.BoundedSemaphore(2)


class Outgoing(NamedTuple):
    frame: str | bytes
    size: int  # bytes charged to the output budget for it
    full_state: str | None  # the model id when this frame carries that model's whole state (open, answer)
    report: Callable[[], None] | None = None  # send progress to report once the frame is handed to the socket


class _Chunks:
    """A chunked message waiting in the outbox: its pieces are framed one at a time, as the writer needs them."""

    __slots__ = ("full_state", "model_id", "pieces", "remaining", "widget")

    def __init__(self, model_id: str, pieces: Iterator[Piece], total: int, full_state: str | None, widget: Any) -> None:
        self.model_id = model_id
        self.pieces = pieces
        self.remaining = total  # charged to the budget and not yet framed
        self.full_state = full_state
        self.widget = widget

    def next(self) -> Outgoing | None:
        piece = next(self.pieces, None)
        if piece is None:
            return None
        frame = encode_frame(self.model_id, piece.data, piece.buffers)
        size = sum(b.nbytes for b in piece.buffers)
        self.remaining -= size
        last = piece.loaded == piece.total and bool(piece.buffers)
        report = None
        if self.widget is not None and self.widget.has_progress_handlers:
            progress = Progress(self.model_id, piece.transfer or 0, "send", piece.loaded, piece.total)
            report = functools.partial(self.widget.report_progress, progress)
        return Outgoing(frame, size, self.full_state if last else None, report)


def _held(item: Outgoing | _Chunks) -> int:
    return item.remaining if isinstance(item, _Chunks) else item.size


def _snapshot(view: memoryview) -> memoryview:
    """The bytes of ``view`` as they are now: sent later, piece by piece, they must not change meanwhile. An
    immutable ``bytes`` needs no copy; anything else (a numpy array the caller may write to) is copied once."""
    return view if view.readonly and type(view.obj) is bytes else memoryview(bytes(view))


class Session:
    """Protocol state of one socket; the async side (reading, writing) lives in the server."""

    def __init__(
        self,
        key: object,
        loop: asyncio.AbstractEventLoop,
        limits: ServerLimits | None = None,
        budget: OutputBudget | None = None,
    ) -> None:
        self.key = key
        self.loop = loop
        self.limits = limits or ServerLimits()
        self.budget = budget or OutputBudget(self.limits.output_bytes)
        self.links: dict[str, Link] = {}
        self.outbox: collections.deque[Outgoing | _Chunks] = collections.deque()
        self.splitter = Splitter(self.limits.chunk_bytes)
        self.reassembler = Reassembler()  # inbound chunked messages of this socket (worker thread only)
        self.dropped: str | None = None  # why the server drops this connection (a close reason)
        self.closed = False
        self.wakeup = asyncio.Event()
        self.on_drop: Callable[[], None] = lambda: None  # set by the writer: interrupts a blocked send
        self._lock = threading.Lock()
        # model id -> full states of it queued or not yet taken by the client
        self._pending_states: collections.Counter[str] = collections.Counter()
        self._answering: tuple[int, str] | None = None  # (thread, model id) while a request_state is answered
        self.modules = ModuleTable()  # widget code this socket has been sent (one front end: one socket)

    # ------------------------------------------------------------------ outbound (any thread)

    def enqueue(self, model_id: str | None, data: Any, buffers: list[memoryview] | None = None) -> None:
        """Queue one message for this socket. Never raises: a message that cannot be encoded is logged and
        reported to this socket alone, so one bad value cannot stop other widgets, tabs or sends."""
        if buffers and model_id is not None and self.splitter.needs_split(buffers):
            self._enqueue_chunked(model_id, data, buffers)
            return
        try:
            frame = encode_frame(model_id, data, buffers)
        except Exception as exc:
            log.error("cannot send %s for model %s on %s: %s", _method(data), model_id, self.key, exc)
            if model_id is not None:
                why = f"the server could not send a {_method(data)} message for model {model_id}: {exc}"
                self.send_error(why[:1000], ErrorCode.INVALID_VALUE)
            return
        state_of = model_id if _method(data) == "open" or self._is_answer(model_id) else None
        size = len(frame)
        with self._lock:
            if self.closed or self.dropped is not None:
                return
            self.outbox.append(Outgoing(frame, size, state_of))
            if state_of is not None:
                self._pending_states[state_of] += 1
        drop = self.budget.add(self, size, self.drop)
        if drop is not None:
            drop("the server's output budget is exhausted and this connection holds the most: reconnect")
        with contextlib.suppress(RuntimeError):  # the loop has stopped: the server is gone, nobody reads this
            self.loop.call_soon_threadsafe(self.wakeup.set)

    def _enqueue_chunked(self, model_id: str, data: Any, buffers: list[memoryview]) -> None:
        try:
            encode_frame(model_id, data)  # what could not be sent whole cannot be sent chunked either
        except Exception as exc:
            log.error("cannot send %s for model %s on %s: %s", _method(data), model_id, self.key, exc)
            why = f"the server could not send a {_method(data)} message for model {model_id}: {exc}"
            self.send_error(why[:1000], ErrorCode.INVALID_VALUE)
            return
        views = [_snapshot(b) for b in buffers]
        total = sum(v.nbytes for v in views)
        state_of = model_id if _method(data) == "open" or self._is_answer(model_id) else None
        link = self.links.get(model_id)
        item = _Chunks(model_id, self.splitter.split(data, views), total, state_of, link.widget if link else None)
        with self._lock:
            if self.closed or self.dropped is not None:
                return
            self.outbox.append(item)
            if state_of is not None:
                self._pending_states[state_of] += 1
        drop = self.budget.add(self, total, self.drop)
        if drop is not None:
            drop("the server's output budget is exhausted and this connection holds the most: reconnect")
        with contextlib.suppress(RuntimeError):
            self.loop.call_soon_threadsafe(self.wakeup.set)

    def send_model(self, model_id: str, data: Any, buffers: list[memoryview]) -> None:
        """Queue a model's message, its widget code by reference after any module this socket still needs."""

        def queue(data: Any, modules: list[dict[str, Any]]) -> None:
            for module in modules:
                self.enqueue(None, module)
            self.enqueue(model_id, data, buffers)

        self.modules.send(data, queue)

    def _is_answer(self, model_id: str | None) -> bool:
        return self._answering is not None and self._answering == (threading.get_ident(), model_id)

    def next_frames(self, max_frames: int, max_bytes: int) -> list[Outgoing]:
        """What the writer task (on the loop) writes next: the next frame and, when it is text, the text frames
        queued right after it (at most ``max_frames`` and ``max_bytes`` in all), in queue order, for one batch
        (SPEC §8.3); empty when nothing is queued."""
        with self._lock:
            first = self._pop_next()
            if first is None:
                self.wakeup.clear()
                return []
            taken, size = [first], first.size
            if isinstance(first.frame, str):
                while self.outbox and len(taken) < max_frames:
                    following = self.outbox[0]
                    if (
                        not isinstance(following, Outgoing)  # a chunked message: its pieces go alone
                        or not isinstance(following.frame, str)
                        or size + following.size > max_bytes
                    ):
                        break
                    self.outbox.popleft()
                    taken.append(following)
                    size += following.size
            return taken

    def _pop_next(self) -> Outgoing | None:
        """The outbox's next frame (lock held): a queued one, or the next piece of a chunked message, framed now."""
        while self.outbox:
            head = self.outbox[0]
            if isinstance(head, Outgoing):
                self.outbox.popleft()
                return head
            item = head.next()
            if item is not None:
                return item
            self.outbox.popleft()
        return None

    def taken(self, model_id: str) -> None:
        """The client has taken a full state of ``model_id``: a later ``request_state`` is answered again."""
        with self._lock:
            self._pending_states[model_id] -= 1

    def release(self, nbytes: int) -> None:
        """The client has taken ``nbytes`` of output (or they are gone with the socket)."""
        self.budget.release(self, nbytes)

    def drop(self, reason: str) -> None:
        """Drop this connection (any thread): its queued output is freed now; the writer closes the socket
        with ``reason`` (close code 1013), or aborts it if the client does not read even that."""
        with self._lock:
            if self.dropped is not None or self.closed:
                return
            self.dropped = reason
            freed = sum(_held(item) for item in self.outbox)
            self.outbox.clear()
            self._pending_states.clear()
        log.warning("dropping connection %s: %s", self.key, reason)
        self.release(freed)
        with contextlib.suppress(RuntimeError):
            self.loop.call_soon_threadsafe(self._interrupt)

    def _interrupt(self) -> None:
        self.wakeup.set()
        self.on_drop()

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
            freed = sum(_held(item) for item in self.outbox)
            self.outbox.clear()
        self.release(freed)
        self.reassembler.drop_all()
        for link in list(self.links.values()):
            if not link.closed:  # one the page or Python already closed needs no second close (nor its warning)
                link.receive({"method": "close"})
        self.links.clear()

    # ------------------------------------------------------------------ inbound (worker thread)

    def handle(self, message: str | bytes) -> None:
        """One WebSocket message from the front end. Never raises: bad input gets an error frame."""
        large = len(message) > LARGE_JSON and (isinstance(message, str) or _json_part_size(message) > LARGE_JSON)
        with LARGE_DECODES if large else contextlib.nullcontext():
            self._handle(message)

    def _handle(self, message: str | bytes) -> None:
        limits = self.limits
        try:
            decoded = decode_frame(message, limits.frame_bytes, limits.json_bytes, limits.json_values)
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
        if is_chunk_message(data):
            whole = self._chunk(link, decoded.model_id, data, decoded.buffers)
            if whole is None:
                return
            data, buffers = whole
        else:
            buffers = decoded.buffers
        if _method(data) == "request_state":
            with self._lock:
                if self._pending_states[decoded.model_id] > 0:
                    return  # the full state it asks for is already on its way
            self._answering = (threading.get_ident(), decoded.model_id)
            try:
                link.receive(data, buffers)
            finally:
                self._answering = None
            return
        link.receive(data, buffers)  # validates; errors for the model go back through its transport

    def _chunk(self, link: Link, model_id: str, data: Any, buffers: list[memoryview]) -> tuple[Any, Any] | None:
        """Feed one chunk frame to this socket's reassembler: the whole message once its last piece is in."""
        event = self.reassembler.feed(model_id, data, buffers, link.connection.limits)
        if isinstance(event, Failed):
            log.warning("rejected a chunk frame for %s on %s: %s", model_id, self.key, event.error.message)
            self.enqueue(model_id, event.frame.data)
            return None
        if event is None:
            return None
        widget = link.widget
        if widget.has_progress_handlers:
            total = event.total
            loaded = total if isinstance(event, Completed) else event.loaded
            widget.report_progress(Progress(model_id, event.transfer, "receive", loaded, total))
        return (event.data, event.buffers) if isinstance(event, Completed) else None

    def _control(self, data: Any) -> None:
        """Frames about the connection: ``ping`` is answered with ``pong`` after everything before it."""
        if isinstance(data, dict) and data.get("method") == "ping":
            token = data.get("id")
            self.enqueue(None, {"method": "pong", "id": token if isinstance(token, (int, str)) else None})
        else:
            self.send_error("a frame with model_id null must be a ping; model messages need a model_id")


def _method(data: Any) -> str | None:
    method = data.get("method") if isinstance(data, dict) else None
    return method if isinstance(method, str) else None


def _json_part_size(message: bytes) -> int:
    """The length of part 0 of a binary frame (its JSON), as declared; 0 when it declares none."""
    return int.from_bytes(message[4:8], "little") if len(message) >= 8 else 0


class SocketTransport:
    """The core's Transport for one widget on one socket."""

    __slots__ = ("model_id", "session")

    def __init__(self, session: Session, model_id: str) -> None:
        self.session = session
        self.model_id = model_id

    def send(self, data: dict[str, Any], buffers: list[memoryview]) -> None:
        self.session.send_model(self.model_id, data, buffers)

    def close(self) -> None:
        self.session.enqueue(self.model_id, {"method": "close"})
