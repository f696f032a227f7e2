"""The Panel component that shows one anywidget-core widget: a ``JSComponent`` whose ESM is the runtime.

Panel's own ``AnyWidgetComponent`` maps state to Bokeh properties and implements part of the AFM model. This
component instead carries the anywidget-core protocol itself over Bokeh events (``send_msg`` one way, ``ESMEvent``
the other), and the browser runs the same runtime as the standalone page. So the whole AFM contract holds
(send with buffers, ``on("change")``, initialize's cleanup, invoke, hot reload), the core validates every message,
and the widget's field names never meet Panel's parameters (``width``, ``name``, ``visible`` stay the widget's).

Each Bokeh root (a browser session, a notebook output) is a front end of its own: it gets a :class:`Channel` with
its own links when its view says ``ready``, and loses them when Panel cleans the root up. Widget code is the
exception: the views of one browser page share it, so each distinct ``_esm``/``_css`` goes once per document and
page (``ready`` names the page), and a document's envelopes share one queue so that module comes first. A
document nothing will answer (``.save()``, embed) carries what the view would have been sent instead
(``offline_frames``), its widget code once per document for all its components (``offline_modules``).
"""

from __future__ import annotations

import collections
import threading
import weakref
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any

import param
import pyviz_comms
from bokeh.models import ColumnDataSource
from panel.custom import JSComponent
from panel.io.state import state
from panel.models.esm import DataEvent, ESMEvent

from anywidget_core import Widget
from anywidget_core.chunks import DEFAULT_CHUNK_BYTES

from ..modules import ModuleTable
from ..static import share_modules, snapshot
from ._bokeh_private import send_without_delay
from .channel import Channel, Envelope

if TYPE_CHECKING:
    from collections.abc import Callable

    from bokeh.document import Document
    from bokeh.events import Event
    from bokeh.model import Model
    from pyviz_comms import Comm


@cache
def view_module() -> str:
    """The component's ESM: the shared runtime followed by the Panel view (one module, no imports)."""
    runtime = resources.files("anywidget_core").joinpath("static/runtime.js").read_text(encoding="utf-8")
    view = resources.files(__package__).joinpath("view.js").read_text(encoding="utf-8")
    return f"{runtime}\n{view}"


class AnywidgetView(JSComponent):  # type: ignore[misc]
    """One widget in Panel. Made by ``pn.panel(widget)`` (through ``Widget.__panel__``) or :func:`component`."""

    _esm = view_module()

    # Set only on the Bokeh model of a document nothing will answer (Panel's save and embed): the envelopes a
    # live view would get after ``ready``, buffers base64, so the saved file shows the widget with its state.
    offline_frames = param.List(default=[], doc="anywidget-core's recorded envelopes for saved files (internal)")
    # Messages with larger buffers go both ways in pieces (SPEC §8.6), under Bokeh's websocket_max_message_size.
    chunk_bytes = param.Integer(default=DEFAULT_CHUNK_BYTES, bounds=(1, None), doc="largest piece of a message")
    # Their widget code: one ColumnDataSource (columns id, text) per saved document, shared by every component in
    # it. Bokeh writes a model that many others refer to once in the file, so each distinct module is saved once
    # per page however many components use it; every view defines them all before it replays its envelopes.
    offline_modules = param.Parameter(default=None, doc="anywidget-core's widget code for saved files (internal)")

    def __init__(self, widget: Widget, **params: Any) -> None:
        super().__init__(**params)  # type: ignore[no-untyped-call]
        self.widget = widget
        self._channels: dict[str, Channel] = {}  # root ref -> the links of that view

    def __repr__(self, depth: int = 0) -> str:
        return f"AnywidgetView({self.widget!r})"

    # ------------------------------------------------------------------ Bokeh roots

    def _get_model(
        self, doc: Document, root: Model | None = None, parent: Model | None = None, comm: Comm | None = None
    ) -> Model:
        model = super()._get_model(doc, root, parent, comm)
        ref = (root or model).ref["id"]
        previous = self._channels.get(ref)
        if previous is not None:  # a new model for the same root replaces the old view, and its front end
            previous.close_links()
        self._channels[ref] = Channel(
            self.widget,
            lambda envelope, after=None: self._emit(ref, envelope, after),
            lambda page: _page_modules(doc, page),
            self.chunk_bytes,
        )
        if _offline(doc, comm):
            modules = _saved_modules(doc)
            model.data.offline_frames = offline_frames(self.widget, modules)  # type: ignore[attr-defined]
            model.data.offline_modules = modules  # type: ignore[attr-defined]
        return model

    def _cleanup(self, root: Model | None = None) -> None:
        if root is not None:
            channel = self._channels.pop(root.ref["id"], None)  # its queued envelopes find no view and go
            if channel is not None:
                channel.close_links()
        super()._cleanup(root)

    # ------------------------------------------------------------------ browser -> Python

    def _process_event(self, event: Event) -> None:
        if not isinstance(event, DataEvent):
            super()._process_event(event)
            return
        for ref, (model, _) in list(self._models.items()):
            if model is event.model:
                channel = self._channels.get(ref)
                if channel is None:
                    return
                if not channel.tuned:  # the view's first message: its session's socket is connected now
                    channel.tuned = True
                    view = state._views.get(ref)
                    if view is not None and view[3] is None:  # a server session (a notebook has a comm)
                        send_without_delay(view[2])
                channel.handle(event.data)
                return

    # ------------------------------------------------------------------ Python -> browser

    def _emit(self, ref: str, envelope: Envelope, after: Callable[[], None] | None = None) -> None:
        """Send an envelope to one view, from any thread, never blocking (the widget's lock may be held);
        ``after`` runs once it is handed to Bokeh (send progress of a chunked message)."""
        if envelope["buffers"]:
            envelope = {**envelope, "buffers": [_bokeh_bytes(b) for b in envelope["buffers"]]}
        view = state._views.get(ref)
        entry = self._models.get(ref)
        if view is None or entry is None:
            return
        _, root, doc, comm = view
        if comm is not None or doc.session_context is None:
            # A notebook comm or a bare document: Panel sends these at once, from the caller's thread.
            self._send(entry[0], doc, comm, root, [envelope])
            if after is not None:
                after()
            return
        # A server session: the document belongs to the server's loop. One queue per document, flushed on the
        # loop's next tick, keeps the messages to all its views in the order they were sent from any thread: a
        # module sent to one view comes before the open of another view that refers to it (SPEC §8.4).
        with _OUTBOX_LOCK:
            outbox = _OUTBOXES.get(doc)
            if outbox is None:
                outbox = _OUTBOXES[doc] = collections.deque()
            outbox.append((self, ref, envelope, after))
            first = len(outbox) == 1
        if first:
            try:
                doc.add_next_tick_callback(lambda: _flush(doc))
            except Exception:  # the session ended meanwhile: nobody to send to, and a set in Python must not fail
                with _OUTBOX_LOCK:
                    _OUTBOXES.pop(doc, None)

    @staticmethod
    def _send(model: Model, doc: Document, comm: Comm | None, root: Model, envelopes: list[Envelope]) -> None:
        for envelope in envelopes:
            doc.callbacks.send_event(ESMEvent(model=model, data=envelope))  # type: ignore[no-untyped-call]
        if comm is not None and "embedded" not in root.tags:
            from panel.io.notebook import push

            push(doc, comm)


# Server sessions: per document, the envelopes waiting for the loop's next tick, and per document and page the
# widget code that page's views have been sent. Weak: a document that ends takes its entries with it.
_Queued = tuple["AnywidgetView", str, Envelope, "Callable[[], None] | None"]
_OUTBOXES: weakref.WeakKeyDictionary[Document, collections.deque[_Queued]] = weakref.WeakKeyDictionary()
_OUTBOX_LOCK = threading.Lock()
_PAGES: weakref.WeakKeyDictionary[Document, dict[str, ModuleTable]] = weakref.WeakKeyDictionary()
_PAGES_LOCK = threading.Lock()
# Page names come from the browser (`ready`): a document remembers this many, the oldest forgotten first, so a
# client naming endless pages (or a notebook reloaded all day) costs bounded memory. A forgotten page that comes
# back is sent its modules again, which is always correct.
MAX_PAGES_PER_DOCUMENT = 32


def _flush(doc: Document) -> None:
    with _OUTBOX_LOCK:
        outbox = _OUTBOXES.get(doc)
        items = list(outbox) if outbox else []
        if outbox:
            outbox.clear()
    for component, ref, envelope, after in items:
        view, entry = state._views.get(ref), component._models.get(ref)
        if view is not None and entry is not None:
            component._send(entry[0], view[2], view[3], view[1], [envelope])
            if after is not None:
                after()


def _page_modules(doc: Document, page: str) -> ModuleTable:
    """The widget code sent to one page's views of ``doc`` (they share one module registry in the browser).
    A page is named by its views; a reloaded page has a new name, so it gets everything again."""
    with _PAGES_LOCK:
        pages = _PAGES.setdefault(doc, {})
        table = pages.get(page)
        if table is None:
            while len(pages) >= MAX_PAGES_PER_DOCUMENT:
                pages.pop(next(iter(pages)))
            table = pages[page] = ModuleTable()
        return table


def _offline(doc: Document, comm: Comm | None) -> bool:
    """Whether no Python will answer this document's views: it has no server session and no comm, or the base
    ``pyviz_comms.Comm`` whose ``send`` does nothing, which is what Panel's ``save`` and ``embed`` pass (a
    notebook's comm is a subclass)."""
    return doc.session_context is None and (comm is None or type(comm) is pyviz_comms.Comm)


def offline_frames(widget: Widget, modules: ColumnDataSource) -> list[Envelope]:
    """What a live view gets after ``ready`` (the widget's open, children first, then messages sent before
    display, then ``display``), recorded the way the static export records it, code by reference; the module
    texts go to ``modules`` (the saved document's, once each) instead of into the envelopes."""
    _, frames = snapshot(widget)
    kept: list[Envelope] = []
    ids, texts = list(modules.data["id"]), list(modules.data["text"])
    for frame in share_modules(frames):
        data = frame["data"]
        if frame["model_id"] is None and data.get("method") == "module":
            if data["id"] not in ids:
                ids.append(data["id"])
                texts.append(data["text"])
        else:
            kept.append(frame)
    if len(ids) > len(modules.data["id"]):
        modules.data = {"id": ids, "text": texts}
    display = {"method": "display", "model_id": widget.model_id}
    return [*kept, {"model_id": None, "data": display, "buffers": []}]


# Saved documents: the one ColumnDataSource of widget code all their components refer to (see offline_modules).
_SAVED_MODULES: weakref.WeakKeyDictionary[Document, ColumnDataSource] = weakref.WeakKeyDictionary()


def _saved_modules(doc: Document) -> ColumnDataSource:
    with _PAGES_LOCK:
        modules = _SAVED_MODULES.get(doc)
        if modules is None:
            modules = _SAVED_MODULES[doc] = ColumnDataSource(data={"id": [], "text": []})
        return modules


def _bokeh_bytes(buffer: memoryview) -> Any:
    """Bokeh serializes ``bytes`` and numpy arrays, not memoryviews; a uint8 array over the same memory is no
    copy on the Python side (Bokeh requires numpy, so it is there)."""
    import numpy as np

    return np.frombuffer(buffer, dtype=np.uint8)


def component(widget: Widget, **params: Any) -> AnywidgetView:
    """The Panel component for ``widget`` (``pn.panel(widget)`` calls this through ``Widget.__panel__``)."""
    return AnywidgetView(widget, **params)
