"""A front end in memory for a widget: send what a browser would, read what Python sent.

It is the in-memory host's probe (the same link code every host runs) with the bookkeeping a test wants on
top: the state as the front end sees it (open and updates applied, buffers in place), custom messages and
errors Python sent, and updates and custom messages to send, binary values going out as buffers.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from anywidget_core.buffers import extract_buffers, insert_buffers
from anywidget_core.host import MemoryHost, Received
from anywidget_core.widget import Widget


class FrontEnd:
    """One simulated front end showing ``widget`` (and any child widgets it opens)."""

    def __init__(self, widget: Widget) -> None:
        self.widget = widget
        self.probe = MemoryHost().probe(widget)
        self.received: list[Received] = []  # every message from Python, in order
        self._states: dict[str, dict[str, Any]] = {}
        self._read = 0
        self._sync()

    # ------------------------------------------------------------------ what Python sent

    @property
    def state(self) -> dict[str, Any]:
        """The widget's state as this front end holds it: every field Python sent (binary values as bytes)."""
        return self.state_of(self.widget.model_id)

    def state_of(self, model: Widget | str) -> dict[str, Any]:
        """The state of a model this front end opened: a child widget, or a model id."""
        self._sync()
        model_id = model.model_id if isinstance(model, Widget) else model
        if model_id not in self._states:
            raise KeyError(f"this front end has no open model {model_id!r}")
        return copy.deepcopy(self._states[model_id])

    def messages(self) -> list[Received]:
        """Messages received since the last call (every model's)."""
        self._sync()
        new = self.received[self._read :]
        self._read = len(self.received)
        return new

    def custom(self) -> list[tuple[Any, list[bytes]]]:
        """Every custom message Python sent to the widget, as ``(content, buffers)``, oldest first."""
        self._sync()
        return [(m.data["content"], m.buffers) for m in self.received if _for(m, self.widget, "custom")]

    def errors(self) -> list[str]:
        """Every error Python answered this front end with (a refused update, an unknown message...)."""
        self._sync()
        return [str(m.data.get("message", m.data)) for m in self.received if m.data.get("method") == "error"]

    # ------------------------------------------------------------------ what the front end sends

    def set(self, **values: Any) -> None:
        """``model.set(...)`` and ``model.save_changes()``: bytes-like values go as buffers."""
        self.update(values)

    def update(self, values: Mapping[str, Any]) -> None:
        """Send an update of ``values`` (names may be any string: a front end can send anything)."""
        state, paths, buffers = extract_buffers(dict(values))
        self.deliver({"method": "update", "state": state, "buffer_paths": paths}, [bytes(b) for b in buffers])

    def send(self, content: Any, buffers: Sequence[bytes] = ()) -> None:
        """``model.send(content, callbacks, buffers)``: a custom message to Python."""
        self.deliver({"method": "custom", "content": content}, buffers)

    def deliver(self, data: Any, buffers: Sequence[bytes] = ()) -> None:
        """Send one raw protocol message (for malformed-message tests)."""
        self.probe.deliver(data, buffers)
        self._sync()

    def close(self) -> None:
        """The front end closes the model, as a closed notebook tab does."""
        self.probe.close()
        self._sync()

    # ------------------------------------------------------------------ bookkeeping

    def _sync(self) -> None:
        for message in self.probe.take():
            self.received.append(message)
            method = message.data.get("method")
            if method in ("open", "update", "echo_update"):
                state = copy.deepcopy(message.data.get("state", {}))
                insert_buffers(state, message.data.get("buffer_paths", []), message.buffers)
                if method == "open":
                    self._states[message.model_id] = state
                else:
                    self._states.setdefault(message.model_id, {}).update(state)
            elif method == "close":
                self._states.pop(message.model_id, None)


# The type of the awc_frontend fixture, for annotating tests: `def test_x(awc_frontend: ShowFrontEnd) -> None`.
ShowFrontEnd = Callable[[Widget], FrontEnd]


def _for(message: Received, widget: Widget, method: str) -> bool:
    return message.model_id == widget.model_id and message.data.get("method") == method
