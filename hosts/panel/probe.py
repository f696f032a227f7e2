"""The Panel host for the conformance kit.

A probe is one view of the widget's component in its own Bokeh document, as a session of ``panel serve`` has.
What goes between the view and Python is serialized the way Bokeh sends it (its own serializer, binary buffers
beside the JSON), and arrives through the component's real event handling, so the adapter is what is checked.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from anywidget_core import Widget
from anywidget_core.host import Host, Probe, Received

from ..modules import ModuleResolver


def _bokeh_wire(value: Any) -> Any:
    """``value`` after a trip through Bokeh's serializer and back, as it is on the other side of a socket."""
    from bokeh.core.serialization import Deserializer, Serializer

    serialized = Serializer(deferred=True).serialize(value)
    return Deserializer().deserialize(serialized)


class PanelProbe(Probe):
    """One Panel view (one Bokeh root) of a widget."""

    def __init__(self, widget: Widget) -> None:
        from bokeh.document import Document
        from bokeh.document.events import MessageSentEvent

        from .view import component

        self.view = component(widget)
        self.document = Document()
        self._inbox: list[Received] = []
        self.modules = ModuleResolver()  # widget code comes once per view, by reference (SPEC §8.4)

        def sent(event: Any) -> None:
            if isinstance(event, MessageSentEvent) and event.msg_type == "bokeh_event":
                self._receive(_bokeh_wire(event.msg_data.data))  # type: ignore[union-attr]

        self.document.on_change(sent)
        self.model = self.view.get_root(self.document)
        self._seq = 0
        self._send({"model_id": None, "data": {"method": "ready"}, "buffers": []})

    def _send(self, envelope: Any) -> None:
        """Send an envelope as the page's view does: numbered, in its first render (``gen`` 1)."""
        if isinstance(envelope, dict) and "seq" not in envelope:
            envelope = {**envelope, "gen": 1, "seq": self._seq}
            self._seq += 1
        self._send_raw(envelope)

    def _send_raw(self, envelope: Any) -> None:
        from panel.models.esm import DataEvent

        # What Bokeh's document does with an event from the browser, once decoded: the model's handlers run
        self.model._trigger_event(DataEvent(model=self.model, data=_bokeh_wire(envelope)))  # type: ignore[no-untyped-call]

    def _receive(self, envelope: dict[str, Any]) -> None:
        model_id, data = envelope["model_id"], envelope["data"]
        buffers = [bytes(memoryview(b).cast("B")) for b in envelope["buffers"]]
        if self.modules.take(model_id, data):
            return
        data = self.modules.resolve(data)
        if model_id is None:
            if data.get("method") == "error":  # about the view, not a model: the runtime's console shows it
                self._inbox.append(Received("", data, buffers))
            return
        self._inbox.append(Received(model_id, data, buffers))

    def deliver(self, data: Any, buffers: Sequence[bytes] = ()) -> None:
        self._send({"model_id": self.view.widget.model_id, "data": data, "buffers": list(buffers)})

    def take(self) -> list[Received]:
        received, self._inbox = self._inbox, []
        return received

    def disconnect(self) -> None:
        """The session ends: what Panel does then (``Viewable._server_destroy``), which closes this view's links."""
        from panel.io.state import state

        self.view._cleanup(self.model)
        state._views.pop(self.model.ref["id"], None)


class PanelHost(Host):
    """Panel: ``pn.panel(widget)`` in ``panel serve`` apps and notebooks."""

    name = "panel"
    drops: ClassVar[tuple[str, ...]] = ()
    unsupported: ClassVar[tuple[str, ...]] = ("control_comm",)  # Jupyter's control comm (SPEC §8.1.1)

    @classmethod
    def missing(cls) -> str | None:
        try:
            import panel  # noqa: F401
        except ImportError:
            return "panel is not installed (pip install 'anywidget-core[panel]')"
        return None

    def probe(self, widget: Widget) -> PanelProbe:
        return PanelProbe(widget)
