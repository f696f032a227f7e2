"""The protocol side of one Panel view: its links, and the envelopes it sends and receives.

A Panel view (one Bokeh root of the component: one browser session, one notebook output) is one front end.
It talks in envelopes ``{"model_id", "data", "buffers"}`` carried by Bokeh events; ``model_id`` null is about
the view itself. The view's envelopes also carry ``gen`` and ``seq``, so they are handled in the order sent
(see ``ordering.py``). The view says ``ready`` when its runtime listens (and again if Panel re-renders it); each
``ready`` starts the view afresh: its old links are closed, the widget is opened again with its current state
(children first), and the view is told which model to ``display``.

A message whose buffers exceed the view's chunk size goes both ways as ``chunked`` + ``chunk`` envelopes (SPEC
§8.6), under Bokeh's 20 MiB websocket message limit: out, one envelope per piece, each a slice of the message's
buffers; in, a :class:`~anywidget_core.chunks.Reassembler` per view puts them back together under the core's
limits before the message reaches its link.

Nothing here imports Panel: the component (``view.py``) turns envelopes into Bokeh events and back.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any

from anywidget_core import Widget
from anywidget_core.chunks import (
    DEFAULT_CHUNK_BYTES,
    Completed,
    Failed,
    Progress,
    Reassembler,
    Splitter,
    is_chunk_message,
)
from anywidget_core.errors import ErrorCode
from anywidget_core.link import Link
from anywidget_core.messages import Error, Frame, to_frame

from ..modules import ModuleTable
from .ordering import InOrder

log = logging.getLogger("anywidget_core.panel")

Envelope = dict[str, Any]
# emit(envelope, after): ``after`` (when given) runs once the envelope is handed to the view's transport
Emit = Callable[..., None]
MAX_ID_IN_ERROR = 80  # how much of an unknown model id an error message quotes
ENVELOPE_KEYS = frozenset({"model_id", "data", "buffers", "gen", "seq"})
MAX_PAGE_ID = 64  # a page id longer than this is ignored (the view then gets its own module table)


class Channel:
    """The links of one view. ``emit`` hands an envelope to the view's Bokeh model (from any thread)."""

    def __init__(
        self,
        widget: Widget,
        emit: Emit,
        page_modules: Callable[[str], ModuleTable] | None = None,
        chunk_bytes: int = DEFAULT_CHUNK_BYTES,
    ) -> None:
        self.widget = widget
        self.emit = emit
        self.page_modules = page_modules  # the module table of a page the view names in `ready` (view.py)
        self.links: dict[str, Link] = {}
        self.tuned = False  # the view's transport has been set up for small interactive messages (view.py)
        self._in_order: InOrder[Envelope] = InOrder(self._dispatch)
        self.modules = ModuleTable()  # widget code this view's runtime has been sent (SPEC §8.4)
        self.splitter = Splitter(chunk_bytes)
        self.reassembler = Reassembler()  # this view's inbound chunked messages (fed in the view's order)

    # ------------------------------------------------------------------ inbound (any of the server's threads)

    def handle(self, envelope: Any) -> None:
        """One envelope from the view. Never raises: bad input gets an error envelope."""
        try:
            gen, seq = _counter(envelope, "gen"), _counter(envelope, "seq")
        except ValueError as exc:
            self.send_error(str(exc))
            return
        self._in_order.put(gen, seq, envelope)  # the rest is checked in its turn, so a bad one leaves no gap

    def _dispatch(self, envelope: Envelope) -> None:
        try:
            model_id, data, buffers = _unpack(envelope)
        except ValueError as exc:
            self.send_error(str(exc))
            return
        if model_id is None:
            if isinstance(data, dict) and data.get("method") == "ready":
                page = data.get("page")
                self.start(page if isinstance(page, str) and 0 < len(page) <= MAX_PAGE_ID else None)
            else:
                self.send_error('an envelope with model_id null must be {"method": "ready"}')
            return
        link = self.links.get(model_id)
        if link is None:
            method = data.get("method") if isinstance(data, dict) else None
            self.send_error(
                f"unknown model_id {model_id[:MAX_ID_IN_ERROR]!r}: no such widget in this view",
                rejected=method if isinstance(method, str) and len(method) <= 64 else None,
            )
            return
        if is_chunk_message(data):
            whole = self._chunk(link, model_id, data, buffers)
            if whole is None:
                return
            data, buffers = whole
        link.receive(data, buffers)  # validates; errors for the model go back through its transport

    def _chunk(self, link: Link, model_id: str, data: Any, buffers: list[memoryview]) -> tuple[Any, Any] | None:
        """Feed one chunk envelope to the view's reassembler: the whole message once its last piece is in."""
        event = self.reassembler.feed(model_id, data, buffers, link.connection.limits)
        if isinstance(event, Failed):
            log.warning("rejected a chunk envelope for %s: %s", model_id, event.error.message)
            self.emit({"model_id": model_id, "data": event.frame.data, "buffers": []})
            return None
        if event is None:
            return None
        if link.widget.has_progress_handlers:
            loaded = event.total if isinstance(event, Completed) else event.loaded
            link.widget.report_progress(Progress(model_id, event.transfer, "receive", loaded, event.total))
        return (event.data, event.buffers) if isinstance(event, Completed) else None

    def start(self, page: str | None = None) -> None:
        """(Re)open the widget for this view: a re-rendered view starts from Python's current state. Widget code
        goes once per page the view names (its views share their modules), else once per ``ready``."""
        self.close_links()
        self.modules = self.page_modules(page) if page is not None and self.page_modules else ModuleTable()
        self._show(self.widget)
        self.emit({"model_id": None, "data": {"method": "display", "model_id": self.widget.model_id}, "buffers": []})

    def _show(self, widget: Widget) -> None:
        def open_transport(frame: Frame) -> ViewTransport:
            transport = ViewTransport(self, widget.model_id)
            transport.send({"method": "open", **frame.data}, frame.buffers)
            return transport

        self.links[widget.model_id] = widget.connect(self, open_transport, open_child=self._show)

    def close_links(self) -> None:
        """The view is gone (or starts again): its front end closed every link it had."""
        links, self.links = list(self.links.values()), {}
        self.reassembler.drop_all()
        for link in links:
            if not link.closed:  # a model the front end already closed has nothing left to close
                link.receive({"method": "close"})

    def send_model(self, model_id: str, data: dict[str, Any], buffers: list[memoryview]) -> None:
        """A model's envelope, its widget code by reference after any module this view still needs."""

        def emit(data: Any, modules: list[dict[str, Any]]) -> None:
            for module in modules:
                self.emit({"model_id": None, "data": module, "buffers": []})
            if not self.splitter.needs_split(buffers):
                self.emit({"model_id": model_id, "data": data, "buffers": buffers})
                return
            link = self.links.get(model_id)
            widget = link.widget if link is not None else None
            # Pieces are views of the buffers, sent on the loop's next tick: they must not change meanwhile.
            for piece in self.splitter.split(data, [_snapshot(b) for b in buffers]):
                after = None
                if widget is not None and widget.has_progress_handlers:
                    progress = Progress(model_id, piece.transfer or 0, "send", piece.loaded, piece.total)
                    after = functools.partial(widget.report_progress, progress)
                self.emit({"model_id": model_id, "data": piece.data, "buffers": piece.buffers}, after)

        self.modules.send(data, emit)

    def send_error(self, message: str, code: ErrorCode = ErrorCode.MALFORMED, rejected: str | None = None) -> None:
        frame = to_frame(Error(code=code, message=message, rejected=rejected))
        self.emit({"model_id": None, "data": frame.data, "buffers": []})


class ViewTransport:
    """The core's Transport for one widget in one view."""

    __slots__ = ("channel", "model_id")

    def __init__(self, channel: Channel, model_id: str) -> None:
        self.channel = channel
        self.model_id = model_id

    def send(self, data: dict[str, Any], buffers: list[memoryview]) -> None:
        self.channel.send_model(self.model_id, data, buffers)

    def close(self) -> None:
        self.channel.links.pop(self.model_id, None)
        self.channel.emit({"model_id": self.model_id, "data": {"method": "close"}, "buffers": []})


def _snapshot(view: memoryview) -> memoryview:
    """An immutable ``bytes`` as it is; anything else (a numpy array the caller may write to) copied once."""
    return view if view.readonly and type(view.obj) is bytes else memoryview(bytes(view))


def _unpack(envelope: Envelope) -> tuple[str | None, Any, list[memoryview]]:
    """Check an envelope's shape (the message inside is the link's to check)."""
    extra = set(envelope) - ENVELOPE_KEYS
    if extra:
        names = ", ".join(sorted(repr(k)[:40] for k in extra)[:5])
        raise ValueError(f"unknown envelope keys: {names}")
    model_id = envelope.get("model_id")
    if model_id is not None and not isinstance(model_id, str):
        raise ValueError(f"model_id must be a string or null, not {type(model_id).__name__}")
    raw = envelope.get("buffers", [])
    if not isinstance(raw, list):
        raise ValueError(f"buffers must be a list, not {type(raw).__name__}")
    buffers = []
    for i, buffer in enumerate(raw):
        try:
            buffers.append(memoryview(buffer).cast("B"))
        except TypeError:
            raise ValueError(f"buffer {i} is not binary ({type(buffer).__name__})") from None
    return model_id, envelope.get("data"), buffers


def _counter(envelope: Any, name: str) -> int:
    if not isinstance(envelope, dict):
        raise ValueError(f"an envelope must be an object, not {type(envelope).__name__}")
    number = envelope.get(name)
    if type(number) is not int or not 0 <= number < 1 << 53:
        raise ValueError(f"{name} must be a whole number from 0 to 2**53")
    return number
