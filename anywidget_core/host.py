"""The host interface every adapter implements, the adapter registry, and the in-memory host.

An adapter is one module with a :class:`Host` subclass, registered under the entry-point group
``anywidget_core.hosts``. It shows widgets its own way and, for conformance, can attach a :class:`Probe`: a
simulated front end that talks to the widget through the adapter's real transport code, so the conformance
runner checks the adapter itself, not the core behind it.
"""

from __future__ import annotations

import abc
import itertools
import json
from collections.abc import Sequence
from typing import Any, ClassVar, NamedTuple

from .messages import Frame
from .widget import Widget

ENTRY_POINT_GROUP = "anywidget_core.hosts"
_frontend_ids = itertools.count()


class Received(NamedTuple):
    """One message a probe's front end received, for the model ``model_id``."""

    model_id: str
    data: dict[str, Any]
    buffers: list[bytes]


class Probe(abc.ABC):
    """A front end for tests: sends as a browser would, records what it receives."""

    @abc.abstractmethod
    def deliver(self, data: Any, buffers: Sequence[bytes] = ()) -> None:
        """Send one message from this front end (``data`` in the protocol's shape) through the adapter."""

    @abc.abstractmethod
    def take(self) -> list[Received]:
        """Messages received since the last call, in the protocol's shape: ``open`` and ``close`` appear
        as messages with those methods, buffers as ``bytes``."""

    def close(self) -> None:
        """The front end closes the model (a Jupyter ``comm_close`` from the browser)."""
        self.deliver({"method": "close"})


class Host(abc.ABC):
    """A place widgets are shown."""

    name: ClassVar[str]
    # Kernel -> front end methods this host's transport does not deliver (the conformance runner leaves them
    # out of expected streams), and protocol features its front end cannot use (vectors requiring them: n/a).
    drops: ClassVar[tuple[str, ...]] = ()
    unsupported: ClassVar[tuple[str, ...]] = ()

    @classmethod
    def missing(cls) -> str | None:
        """Why this host cannot run here (a missing package), or None if it can."""
        return None

    @abc.abstractmethod
    def probe(self, widget: Widget) -> Probe:
        """Show ``widget`` to a new simulated front end through this adapter."""


def available_hosts() -> dict[str, type[Host]]:
    """Installed host adapters by name (the ``anywidget_core.hosts`` entry points)."""
    from importlib import metadata  # not at import time: it is slow to import

    hosts: dict[str, type[Host]] = {}
    for entry in metadata.entry_points(group=ENTRY_POINT_GROUP):
        hosts[entry.name] = entry.load()
    return hosts


# ----------------------------------------------------------------------------- in-memory host


class MemoryTransport:
    """Records frames as a wire would carry them: the JSON part goes through a strict JSON round trip (as
    jupyter_client's packer does, NaN refused), so anything a real transport could not send fails here too."""

    def __init__(self, model_id: str, frames: list[Received]) -> None:
        self.model_id = model_id
        self.frames = frames

    def send(self, data: dict[str, Any], buffers: list[memoryview]) -> None:
        wire = json.loads(json.dumps(data, allow_nan=False))
        self.frames.append(Received(self.model_id, wire, [bytes(b) for b in buffers]))

    def close(self) -> None:
        self.frames.append(Received(self.model_id, {"method": "close"}, []))


class MemoryFrontEnd(Probe):
    """One simulated front end of the in-memory host; ``frames`` is the full stream it received."""

    def __init__(self, widget: Widget, key: object) -> None:
        self.frames: list[Received] = []
        self._seen = 0

        def show(target: Widget) -> None:
            def open_transport(frame: Frame) -> MemoryTransport:
                transport = MemoryTransport(target.model_id, self.frames)
                transport.send({"method": "open", **frame.data}, frame.buffers)
                return transport

            target.connect(key, open_transport, open_child=show)

        show(widget)
        self.link = widget.links[key]

    def deliver(self, data: Any, buffers: Sequence[bytes] = ()) -> None:
        self.link.receive(data, list(buffers))

    def take(self) -> list[Received]:
        new = self.frames[self._seen :]
        self._seen = len(self.frames)
        return new


class MemoryHost(Host):
    """Keeps everything in memory: the reference host for tests and for the conformance kit."""

    name = "memory"
    # Jupyter's jupyter.widget.control comm is a binding of the Jupyter host (SPEC §8.1.1), not of this one.
    unsupported: ClassVar[tuple[str, ...]] = ("control_comm",)

    def probe(self, widget: Widget) -> MemoryFrontEnd:
        return MemoryFrontEnd(widget, ("memory", next(_frontend_ids)))

    show = probe
