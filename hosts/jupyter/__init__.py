"""Jupyter host: one ``jupyter.widget`` comm per widget, opened through ``comm.create_comm``.

Whatever kernel is running (ipykernel, or marimo, which replaces ``comm.create_comm``) supplies the comm; the
adapter only speaks widget protocol 2.1 over it. An open comm keeps its widget alive (a displayed widget works
with no other reference); closing it, from Python or the front end, releases it. Bursts of updates are merged
(:mod:`.coalesce`) so IOPub's high-water mark cannot leave a front end with a stale value.
"""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import Callable, Sequence
from typing import Any

from anywidget_core.host import Host, Probe, Received
from anywidget_core.messages import PROTOCOL_VERSION, Frame
from anywidget_core.widget import Widget

from . import colab
from .coalesce import Coalescer, flush_all, hook_cell_end

log = logging.getLogger("anywidget_core")

TARGET_NAME = "jupyter.widget"
VIEW_MIMETYPE = "application/vnd.jupyter.widget-view+json"
KEY = "jupyter"  # one model per kernel: every front end of the kernel shares the comm

CommFactory = Callable[..., Any]
_NO_KERNEL_ATTRIBUTE = object()


def _kernel_create_comm(**kwargs: Any) -> Any:
    import comm  # looked up per call: kernels (and marimo) replace comm.create_comm after import

    return comm.create_comm(**kwargs)


class CommTransport:
    """Sends a link's frames over one comm; routes the comm's inbound messages back to the link.

    The comm's callbacks hold the widget strongly: the kernel's comm manager keeps an open comm, so a widget
    shown with ``display(Counter())`` and no other reference lives while its view can use it, as with
    ipywidgets. ``widget.close()`` or a front-end ``comm_close`` unregisters the comm and frees the widget.
    """

    def __init__(self, widget: Widget, key: object, comm: Any) -> None:
        self.comm = comm
        self.widget = widget
        self._key = key
        self.coalescer = Coalescer(self._send)
        comm.on_msg(self._on_msg)
        comm.on_close(self._on_close)

    def send(self, data: dict[str, Any], buffers: list[memoryview]) -> None:
        self.coalescer.send(data, buffers)  # bursts of updates are merged (IOPub drops past 1000 queued)

    def _send(self, data: dict[str, Any], buffers: list[memoryview]) -> None:
        # As ipywidgets does: a comm that says it has no kernel has nobody to send to.
        comm = self.comm
        if getattr(comm, "kernel", _NO_KERNEL_ATTRIBUTE) is None:  # one lookup: a comm may have no such attribute
            return
        comm.send(data=data, buffers=buffers)

    def close(self) -> None:
        self.coalescer.flush()
        self.comm.close()

    # -------------------------------------------------------------- inbound (kernel message loop)

    def _link(self) -> Any:
        link = self.widget.links.get(self._key)
        # A comm left over from an earlier (closed) display must not drive a newer link.
        return link if link is not None and link.transport is self else None

    def _on_msg(self, msg: Any) -> None:
        try:
            link = self._link()
            if link is None:
                return
            content = msg.get("content") if isinstance(msg, dict) else None
            data = content.get("data") if isinstance(content, dict) else None
            buffers = msg.get("buffers") or [] if isinstance(msg, dict) else []
            link.receive(data, buffers)
        except Exception:  # a front end's message must never raise into the kernel's loop
            log.exception("anywidget_core: failed to handle a comm message")

    def _on_close(self, msg: Any) -> None:
        try:
            link = self._link()
            if link is not None:
                link.receive({"method": "close"})
        except Exception:
            log.exception("anywidget_core: failed to handle a comm close")


def show(widget: Widget, key: object = KEY, create_comm: CommFactory = _kernel_create_comm) -> Any:
    """Open the widget's comm (children first) unless it is open already; returns the link."""

    def open_child(child: Widget) -> None:
        show(child, key, create_comm)

    def open_transport(frame: Frame) -> CommTransport:
        # comm_open carries no "method": the message type itself says "open".
        data = {k: v for k, v in frame.data.items() if k != "method"}
        comm = create_comm(
            target_name=TARGET_NAME,
            data=data,
            buffers=frame.buffers,
            metadata={"version": PROTOCOL_VERSION},
            comm_id=widget.model_id,
        )
        return CommTransport(widget, key, comm)

    if create_comm is _kernel_create_comm:
        # Colab's custom widget manager must be on before a comm of a third-party module opens (anywidget
        # switches it on when a widget is created; ours open their comm here, on first display).
        colab.enable_custom_widget_manager_once()
    link = widget.connect(key, open_transport, open_child=open_child)
    from anywidget_core import reload  # hot reload is opt-in (ANYWIDGET_HMR=1); a no-op otherwise

    reload.watch(widget)
    if create_comm is _kernel_create_comm:
        from . import control  # lets a reloaded page restore the widget

        control.ensure_registered(key)
        hook_cell_end()
    return link


MimeBundle = dict[str, Any] | tuple[dict[str, Any], dict[str, Any]]


def mimebundle(widget: Widget) -> MimeBundle:
    """What IPython displays: a widget view of the widget's (single, shared) model.

    In Colab it is ``(data, metadata)``, the metadata naming Colab's custom widget manager (:mod:`.colab`);
    elsewhere just ``data``, as before.
    """
    if widget.closed:
        return {"text/plain": repr(widget)}
    show(widget)
    data = {
        "text/plain": repr(widget),
        VIEW_MIMETYPE: {"version_major": 2, "version_minor": 1, "model_id": widget.model_id},
    }
    metadata = colab.view_metadata(VIEW_MIMETYPE)
    return (data, metadata) if metadata else data


# ----------------------------------------------------------------------------- conformance probe


class JupyterProbe(Probe):
    """A simulated Jupyter front end: the adapter opens real ``comm.base_comm.BaseComm`` comms whose
    ``publish_msg`` records the kernel's iopub traffic; ``deliver`` feeds kernel-shaped shell messages to
    the comm as ipykernel's CommManager does."""

    def __init__(self, widget: Widget, key: object) -> None:
        from comm.base_comm import BaseComm

        probe = self
        self.frames: list[Received] = []
        self._seen = 0
        self.comms: dict[str, Any] = {}

        class RecordingComm(BaseComm):  # type: ignore[misc]
            def publish_msg(
                self,
                msg_type: str,
                data: dict[str, Any] | None = None,
                metadata: dict[str, Any] | None = None,
                buffers: Sequence[Any] | None = None,
                **keys: Any,
            ) -> None:
                probe._record(self, msg_type, data, metadata, buffers, keys)

            def close(self, *args: Any, **kwargs: Any) -> None:
                # Several probes of one widget share its comm id in the process-wide manager.
                with contextlib.suppress(KeyError):
                    super().close(*args, **kwargs)

        def create(**kwargs: Any) -> Any:
            comm = RecordingComm(**kwargs)
            self.comms[comm.comm_id] = comm
            return comm

        self.opens: list[dict[str, Any]] = []  # raw comm_open messages (target, metadata) for wire tests
        self._comm_class = RecordingComm
        self.control: Any = None  # this front end's jupyter.widget.control comm, once opened
        self.control_ids: set[str] = set()  # every control comm it opened: a replaced one's close is no model's
        self.control_frames: list[Received] = []
        self.key = key
        self.link = show(widget, key, create)
        self.model_id = widget.model_id

    def _record(
        self,
        comm: Any,
        msg_type: str,
        data: dict[str, Any] | None,
        metadata: dict[str, Any] | None,
        buffers: Sequence[Any] | None,
        keys: dict[str, Any],
    ) -> None:
        bufs = [bytes(b) for b in buffers or ()]
        # What a front end gets went through the kernel session's JSON packer (tuples arrive as lists).
        data = json.loads(json.dumps(data, allow_nan=False))
        if comm.comm_id in self.control_ids:
            method = {"comm_close": {"method": "close"}}.get(msg_type)
            self.control_frames.append(Received(comm.comm_id, method or dict(data or {}), bufs))
        elif msg_type == "comm_open":
            self.opens.append({"comm_id": comm.comm_id, "data": data, "metadata": metadata, **keys})
            self.frames.append(Received(comm.comm_id, {"method": "open", **(data or {})}, bufs))
        elif msg_type == "comm_msg":
            self.frames.append(Received(comm.comm_id, dict(data or {}), bufs))
        elif msg_type == "comm_close":
            self.frames.append(Received(comm.comm_id, {"method": "close"}, bufs))

    def deliver(self, data: Any, buffers: Sequence[bytes] = (), model_id: str | None = None) -> None:
        target: Any = self.comms[model_id or self.model_id]
        msg = {
            "msg_type": "comm_msg",
            "content": {"comm_id": target.comm_id, "data": data},
            "metadata": {},
            "buffers": [memoryview(b) for b in buffers],
        }
        if data == {"method": "close"}:  # anything else with method "close" is a (malformed) comm_msg
            # A front end closes with comm_close; do what ipykernel's CommManager.comm_close does.
            msg["msg_type"] = "comm_close"
            if target._closed:
                return
            target._closed = True
            import comm as comm_pkg

            manager: Any = comm_pkg.get_comm_manager()
            if manager.comms.get(target.comm_id) is target:
                del manager.comms[target.comm_id]
            target.handle_close(msg)
        else:
            target.handle_msg(msg)

    def take(self) -> list[Received]:
        flush_all()  # time passes for this front end: merged updates of a burst arrive
        new = self.frames[self._seen :]
        self._seen = len(self.frames)
        return new

    # -------------------------------------------------------------- the control comm (SPEC §8.1.1)

    def control_open(self, version: str) -> None:
        """The front end opens ``jupyter.widget.control`` as a reloaded JupyterLab page does: ipykernel's
        CommManager makes a non-primary comm and calls the target with the ``comm_open`` message.

        The target is :func:`control._opened`, the handler ``control.ensure_registered`` registers, called with
        this probe's key: the registration itself lives in the process-wide comm manager, bound to the first key
        registered, so each probe (one key each) cannot go through it. No other library's handler is merged.
        """
        from . import control

        self.control = self._comm_class(primary=False, target_name=control.TARGET)
        self.control_ids.add(self.control.comm_id)
        msg = {
            "msg_type": "comm_open",
            "content": {"comm_id": self.control.comm_id, "target_name": control.TARGET, "data": {}},
            "metadata": {"version": version},
            "buffers": [],
        }
        control._opened(self.control, msg, self.key, None)

    def control_send(self, data: Any) -> None:
        if self.control is None or self.control._closed:
            return  # ipykernel drops a comm_msg for a comm it no longer has
        msg = {"msg_type": "comm_msg", "content": {"comm_id": self.control.comm_id, "data": data}, "metadata": {}}
        self.control.handle_msg({**msg, "buffers": []})

    def control_take(self) -> list[Received]:
        new, self.control_frames = self.control_frames, []
        return new


class JupyterHost(Host):
    """Jupyter kernels (ipykernel and anything that provides ``comm.create_comm``)."""

    name = "jupyter"

    def __init__(self) -> None:
        self._count = 0

    @classmethod
    def missing(cls) -> str | None:
        try:
            import comm  # noqa: F401
        except ImportError:
            return "the 'comm' package is not installed (pip install 'anywidget-core[jupyter]')"
        return None

    def probe(self, widget: Widget) -> JupyterProbe:
        self._count += 1
        return JupyterProbe(widget, ("jupyter-probe", id(self), self._count))
