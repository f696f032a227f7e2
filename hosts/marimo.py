"""marimo host: a widget shown in a marimo notebook is a ``mo.ui.anywidget`` element, reactive once bound.

How it works: the widget's model is opened with ``comm.create_comm`` on target ``jupyter.widget``, which
marimo turns into one of its own comms (a ``MarimoComm``, sending ``model-lifecycle`` notifications to the
browser). A small :class:`MarimoModel` adapter, not the widget, is then wrapped with ``mo.ui.anywidget``:
that element is what ``Widget._display_`` returns, so a browser edit re-runs the cells that reference the
element's variable::

    counter = Counter()
    view = display(counter)   # or just `counter` as a cell's last expression (synced, but no cell re-runs)
    view                      # shows it
    # another cell:
    mo.md(f"count is {view.value['count']}")   # re-runs on every change from the browser

``view.value`` is the widget's state as a JSON-friendly dict (binary values as ``bytes``, child widgets as
``"anywidget:<id>"``); ``view.count`` (or ``view["count"]``) reads and ``view.count = 3`` writes the widget's
field.

``view = mo.ui.anywidget(counter)``, as marimo documents for anywidget widgets, works too: the element then
wraps the widget itself (``Widget.comm`` opens the model here; ``view.value`` is ``counter.get_state()``, Python
values). marimo's element hands every browser update to ``widget.set_state`` after the comm has handled it;
the model claims that second delivery (:meth:`MarimoModel.claim_redelivery`), so browser data never takes
Python's trusted path (a rejected write of a private field stays rejected).

marimo specifics worth knowing:

- marimo drops ``echo_update`` and has no ``request_state``; a reloaded page gets the state marimo recorded.
- Custom messages are not replayed to late viewers (a second tab, a reload): keep what a view needs in state.
- A rejected browser update is never applied; marimo cannot carry the protocol's ``error`` message to the
  browser, so the reason is logged and written to the console of the cell that made the element.
- marimo closes the model when the cell that showed it re-runs; showing the widget again opens a new one.
- Hot reload: with ``ANYWIDGET_HMR=1``, edits to ``_esm``/``_css`` files reach ``marimo edit`` sessions.
- Binary values from JavaScript must be set as ``DataView`` (marimo's front end extracts only those).
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Sequence
from typing import Any, ClassVar

from anywidget_core.buffers import insert_buffers
from anywidget_core.host import Host, Probe, Received
from anywidget_core.link import Link
from anywidget_core.messages import PROTOCOL_VERSION, Frame
from anywidget_core.widget import Widget

from . import _marimo_private as private
from .shadow_css import root_to_host

log = logging.getLogger("anywidget_core")

KEY = "marimo"  # the link key of the widget's one model in a marimo kernel


class MarimoModel:
    """What ``mo.ui.anywidget`` wraps: the duck-typed surface it needs, and the link's transport.

    ``mo.ui.anywidget`` reads ``comm`` and ``_model_id``, shows ``get_state()`` as the element's value and
    calls ``set_state(partial)`` after every browser update. It forwards unknown attributes here, and this
    forwards public ones to the widget, so ``element.count`` is the widget's field.
    """

    def __init__(self, widget: Widget) -> None:
        object.__setattr__(self, "widget", widget)
        object.__setattr__(self, "comm", None)
        object.__setattr__(self, "_model_id", "")
        object.__setattr__(self, "link", None)
        object.__setattr__(self, "element", None)
        object.__setattr__(self, "_rejection", None)
        object.__setattr__(self, "_inbound", None)  # the last browser update's state, until marimo redelivers it

    # ------------------------------------------------------------------ the transport of the link

    def send(self, data: dict[str, Any], buffers: list[memoryview]) -> None:
        if data.get("method") == "error":
            # marimo's front end has no use for it (marimo logs "Unknown method" and drops it); keep the
            # reason for set_state, which marimo calls next inside the element's cell context.
            object.__setattr__(self, "_rejection", str(data.get("message", "rejected")))
            return
        comm = self.comm
        if comm is None or private.comm_closed(comm):
            return
        comm.send(data=_shadow_css(data), buffers=list(buffers))

    def close(self) -> None:
        comm = self.comm
        if comm is not None:
            comm.close()

    # ------------------------------------------------------------------ inbound (comm.on_msg)

    def _on_msg(self, msg: Any) -> None:
        """marimo calls this with ``{"content": {"data": {...}}, "buffers": [bytes]}``; never raise."""
        object.__setattr__(self, "_rejection", None)
        object.__setattr__(self, "_inbound", None)
        link: Link | None = self.link
        if link is None:
            return
        try:
            data = msg["content"]["data"]
            buffers = msg.get("buffers") or []
        except Exception:
            log.warning("anywidget_core: ignored a marimo comm message of unexpected shape")
            return
        if isinstance(data, dict) and data.get("method") == "update" and isinstance(data.get("state"), dict):
            object.__setattr__(self, "_inbound", data["state"])  # marimo hands this dict to set_state next
        # marimo's browser leaves a base64 string at each buffer path and sends the bytes as buffers; the
        # core puts the buffers back over those placeholders.
        link.receive(data, buffers)

    def _on_close(self, msg: Any) -> None:
        link: Link | None = self.link
        if link is not None:
            link.receive({"method": "close"})
        if self.comm is not None:
            private.forget_comm(self.comm)  # marimo's manager would keep the comm, and so this widget

    # ------------------------------------------------------------------ what mo.ui.anywidget uses

    def get_state(self) -> dict[str, Any]:
        """The widget's fields as JSON-friendly data (the element's ``value``)."""
        widget: Widget = self.widget
        state, paths, buffers = type(widget)._schema.encode(widget.get_state())
        insert_buffers(state, paths, [bytes(b) for b in buffers])
        return state

    def set_state(self, state: Any) -> None:
        """marimo's second delivery of a browser update (the element wraps this model)."""
        self.claim_redelivery(state)

    def claim_redelivery(self, state: Any) -> bool:
        """Whether ``state`` is marimo's second delivery of the last browser update, which the comm handler
        already applied or rejected: then only a rejection is reported, in the cell console of the element
        (where marimo runs this call). ``Widget.set_state`` asks first, for ``mo.ui.anywidget(widget)``."""
        inbound = self._inbound
        if inbound is None or not (state is inbound or state == inbound):
            return False
        object.__setattr__(self, "_inbound", None)
        reason = self._rejection
        if reason is not None:
            object.__setattr__(self, "_rejection", None)
            sys.stderr.write(f"anywidget_core: {type(self.widget).__name__} {reason}\n")
        return True

    # ------------------------------------------------------------------ forwarding to the widget

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):  # never the widget's internals: marimo probes private names
            raise AttributeError(name)
        return getattr(self.widget, name)

    def __setattr__(self, name: str, value: Any) -> None:
        if name in type(self.widget)._fields:
            setattr(self.widget, name, value)
        else:
            object.__setattr__(self, name, value)

    def __getitem__(self, name: str) -> Any:
        """``element["count"]``: marimo's element forwards item access here; a public field's value."""
        if not isinstance(name, str) or name.startswith("_") or name not in type(self.widget)._fields:
            raise KeyError(name)
        return getattr(self.widget, name)

    def __contains__(self, name: object) -> bool:
        """``"count" in element``: whether the widget has that public field."""
        return isinstance(name, str) and not name.startswith("_") and name in type(self.widget)._fields

    def __deepcopy__(self, memo: Any) -> MarimoModel:
        return self  # a live model is not copied (marimo deep-copies UI elements in some containers)

    def __repr__(self) -> str:
        return f"MarimoModel({self.widget!r})"


def _shadow_css(data: dict[str, Any]) -> dict[str, Any]:
    """marimo's front end puts ``_css`` in the widget's shadow root, where ``:root`` matches nothing."""
    state = data.get("state")
    if not isinstance(state, dict) or not isinstance(state.get("_css"), str):
        return data
    return {**data, "state": {**state, "_css": root_to_host(state["_css"])}}


def _model(link: Link | None) -> MarimoModel | None:
    if link is None or link.closed:
        return None
    transport = link.transport
    return transport if isinstance(transport, MarimoModel) else None


def open_model(
    widget: Widget,
    key: object = KEY,
    comm_id: str | None = None,
    open_child: Callable[[Widget], Any] | None = None,
) -> MarimoModel:
    """Open ``widget``'s model on a marimo comm (or return the open one for ``key``)."""
    model = _model(widget.links.get(key))
    if model is not None and not private.comm_closed(model.comm):
        return model
    if model is not None and model.link is not None:
        # marimo closed the comm (its cell re-ran); drop the stale link before opening a new model
        model.link.receive({"method": "close"})
    private.install_comm_provider()
    model = MarimoModel(widget)

    def open_transport(frame: Frame) -> MarimoModel:
        import comm

        data = {k: v for k, v in _shadow_css(frame.data).items() if k != "method"}  # comm_open data has no method
        marimo_comm = comm.create_comm(
            target_name="jupyter.widget",
            data=data,
            metadata={"version": PROTOCOL_VERSION},
            buffers=list(frame.buffers),
            comm_id=comm_id or widget.model_id,  # the model id, so "anywidget:<id>" references resolve
        )
        if not private.is_marimo_comm(marimo_comm):
            raise RuntimeError(
                "anywidget_core: comm.create_comm did not return a marimo comm; is another library "
                "(Panel's ipywidgets support, say) patching comm.create_comm in this process?"
            )
        object.__setattr__(model, "comm", marimo_comm)
        object.__setattr__(model, "_model_id", marimo_comm.comm_id)
        marimo_comm.on_msg(model._on_msg)
        marimo_comm.on_close(model._on_close)
        return model

    child_opener = open_child if open_child is not None else _open_child
    link = widget.connect(key, open_transport, open_child=child_opener)
    object.__setattr__(model, "link", link)
    return model


def _open_child(child: Widget) -> None:
    open_model(child)


def display(widget: Widget) -> Any:
    """The marimo element showing ``widget`` (what ``Widget._display_`` returns); one per open model."""
    import marimo as mo

    model = open_model(widget)
    if model.element is None:
        object.__setattr__(model, "element", mo.ui.anywidget(model))  # type: ignore[arg-type]  # duck-typed
        _watch(widget)
    return model.element


def comm_of(widget: Widget) -> Any:
    """``widget.comm`` in a marimo notebook: the marimo comm of its model, opened on first use. This is what
    ``mo.ui.anywidget(widget)`` reads; its element then hands browser updates to ``widget.set_state``, which
    the model claims (``MarimoModel.claim_redelivery``) so they stay untrusted."""
    model = open_model(widget)
    _watch(widget)
    return model.comm


def _watch(widget: Widget) -> None:
    try:
        from anywidget_core import reload
    except ImportError:  # older core without hot reload
        return
    reload.watch(widget)


# ----------------------------------------------------------------------------- host and probe


class MarimoProbe(Probe):
    """A simulated marimo browser: messages go in as marimo's server hands them to the kernel (ModelCommand
    into marimo's comm manager, then the element's second ``set_state``), and come out as the JSON marimo
    would send to the browser, mapped back to the protocol's canonical shape."""

    def __init__(self, widget: Widget, key: object) -> None:
        self._key = key
        self._received: list[Received] = []
        self._ids: dict[str, str] = {}  # comm id -> widget model id
        self._models: list[MarimoModel] = []
        self._suffix = f"-{abs(hash(key)):x}"
        self.model = self._show(widget)

    def _show(self, widget: Widget) -> MarimoModel:
        comm_id = widget.model_id + self._suffix  # several probes of one widget: one comm each
        if comm_id not in self._ids:
            self._ids[comm_id] = widget.model_id
            private.capture_model(comm_id, self._sink)
        model = open_model(widget, self._key, comm_id=comm_id, open_child=self._show)
        self._models.append(model)
        return model

    def _sink(self, notification: dict[str, Any]) -> None:
        model_id = self._ids.get(str(notification.get("model_id")), "")
        self._received.append(_canonical(model_id, notification.get("message") or {}))

    def deliver(self, data: Any, buffers: Sequence[bytes] = ()) -> None:
        comm_id = str(self.model._model_id)
        bufs = [bytes(b) for b in buffers]
        method = data.get("method") if isinstance(data, dict) else None
        if method == "update" and isinstance(data.get("state"), dict) and isinstance(data.get("buffer_paths"), list):
            state = _with_base64_placeholders(data["state"], data["buffer_paths"], bufs)
            element_state = private.deliver_update(comm_id, state, data["buffer_paths"], bufs)
            if element_state:  # what marimo's kernel does next for a bound element
                self.model.set_state(element_state)
        elif method == "custom" and set(data) <= {"method", "content"}:
            private.deliver_custom(comm_id, data.get("content"), bufs)
        elif method == "close" and len(data) == 1:
            private.deliver_close(comm_id)
        else:  # what marimo's browser cannot send; still through the comm's own handler
            private.deliver_raw(comm_id, data, bufs)

    def take(self) -> list[Received]:
        taken, self._received = self._received, []
        return taken

    def release(self) -> None:
        for comm_id in self._ids:
            private.release_model(comm_id)


class MarimoHost(Host):
    """marimo notebooks (``marimo edit``/``marimo run``)."""

    name = "marimo"
    # What marimo's transport does not deliver to the browser (conformance leaves them out of the expected
    # stream): marimo itself drops echo_update, and error has no marimo message type.
    drops: ClassVar[tuple[str, ...]] = ("echo_update", "error")
    # marimo's browser never sends request_state (a reloaded page gets marimo's recorded state instead).
    # Nor does it have Jupyter's control comm (SPEC §8.1.1): the control target is not registered under marimo.
    unsupported: ClassVar[tuple[str, ...]] = ("request_state", "control_comm")

    def __init__(self) -> None:
        self._count = 0

    @classmethod
    def missing(cls) -> str | None:
        try:
            import comm  # noqa: F401
            import marimo  # noqa: F401
        except ImportError as exc:
            return f"{exc.name} is not installed (pip install 'anywidget-core[marimo]')"
        return None

    def probe(self, widget: Widget) -> MarimoProbe:
        self._count += 1
        return MarimoProbe(widget, ("marimo-probe", id(self), self._count))


def _canonical(model_id: str, message: dict[str, Any]) -> Received:
    """A marimo model message (browser JSON) in the protocol's shape; base64 buffers back to bytes."""
    import base64

    method = message.get("method")
    buffers = [base64.b64decode(b) for b in message.get("buffers") or []]
    data: dict[str, Any] = {"method": method}
    if method in ("open", "update"):
        state = dict(message.get("state") or {})
        spec = message.get("esm_spec")
        if spec:  # marimo moves _esm out of the state into an import spec
            state["_esm"] = private.esm_from_spec(spec)
        data["state"] = state
        data["buffer_paths"] = message.get("buffer_paths") or []
    elif method == "custom":
        data["content"] = message.get("content")
    return Received(model_id, data, buffers)


def _with_base64_placeholders(state: dict[str, Any], paths: list[Any], buffers: list[bytes]) -> dict[str, Any]:
    """What marimo's browser sends: the state with each buffer also left, base64, at its path."""
    import base64
    import copy

    state = copy.deepcopy(state)
    for path, buffer in zip(paths, buffers, strict=False):
        node: Any = state
        try:
            for key in path[:-1]:
                node = node[key]
            node[path[-1]] = base64.b64encode(buffer).decode()
        except (KeyError, IndexError, TypeError):
            continue  # a path that does not fit is the adapter's to reject, as sent
    return state
