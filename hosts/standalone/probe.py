"""The standalone host for the conformance kit: each probe is a real WebSocket client of a real server."""

from __future__ import annotations

import itertools
import math
import weakref
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from anywidget_core import Widget
from anywidget_core.host import Host, Probe, Received

from ..modules import ModuleResolver
from .framing import decode_frame, encode_frame

if TYPE_CHECKING:  # the server's packages may be absent (Pyodide): missing() says so, and nothing imports them
    from .server import StandaloneServer

TAKE_TIMEOUT = 10.0  # seconds to wait for the server to answer a ping


def _as_a_page_would(value: Any) -> Any:
    """What a page's ``JSON.stringify`` makes of ``value``: NaN and the infinities become null (a page cannot
    send them; the server refuses them from any other sender, framing.py)."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {key: _as_a_page_would(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_as_a_page_would(item) for item in value]
    return value


class SocketProbe(Probe):
    """A front end on its own socket. ``deliver`` and ``take`` return once the server has caught up.

    The server handles a socket's frames in order and queues replies in order, so once the pong for a ping
    sent now arrives, every earlier delivery has been applied (observers and handlers have run) and every
    reply to it, and every Python-side send made before, has arrived. That makes a delivery synchronous, as
    a conformance vector expects when it checks Python's side right after.
    """

    def __init__(self, server: StandaloneServer, widget: Widget) -> None:
        from websockets.sync.client import connect

        self.model_id = widget.model_id
        # entered as a context manager: websockets 17 deprecates bare connect(); disconnect() closes it
        self.socket = connect(server.socket_url(widget.model_id), max_size=None, open_timeout=10).__enter__()
        self._pings = itertools.count(1)
        self._inbox: list[Received] = []
        self.modules = ModuleResolver()  # widget code comes once per socket, by reference (SPEC §8.3)
        weakref.finalize(self, self.socket.close)  # a forgotten probe does not keep its socket (and links) open

    def deliver(self, data: Any, buffers: Sequence[bytes] = ()) -> None:
        frame = encode_frame(self.model_id, _as_a_page_would(data), [memoryview(b) for b in buffers], escaped=True)
        self.socket.send(frame)
        self._sync()

    def take(self) -> list[Received]:
        self._sync()
        received, self._inbox = self._inbox, []
        return received

    def _sync(self) -> None:
        token = next(self._pings)
        self.socket.send(encode_frame(None, {"method": "ping", "id": token}))
        while True:
            model_id, data, buffers = decode_frame(self.socket.recv(timeout=TAKE_TIMEOUT), max_bytes=1 << 62)
            if model_id is None and isinstance(data, dict) and data.get("method") == "pong":
                if data.get("id") == token:
                    return
                continue
            if self.modules.take(model_id, data):
                continue
            data = self.modules.resolve(data)
            self._inbox.append(Received(model_id or "", data, [bytes(b) for b in buffers]))

    def disconnect(self) -> None:
        """Drop the socket (a closed tab); the server closes this front end's links."""
        self.socket.close()


class StandaloneHost(Host):
    """The standalone page host. Probes share one server, started on first use."""

    name = "standalone"
    unsupported: ClassVar[tuple[str, ...]] = ("control_comm",)  # Jupyter's control comm (SPEC §8.1.1)

    def __init__(self) -> None:
        self._server: StandaloneServer | None = None
        self._probes: weakref.WeakSet[SocketProbe] = weakref.WeakSet()

    @classmethod
    def missing(cls) -> str | None:
        for module in ("starlette", "uvicorn", "websockets"):
            try:
                __import__(module)
            except ImportError:
                return f"the standalone host needs {module}: pip install 'anywidget-core[standalone]'"
        return None

    def probe(self, widget: Widget) -> SocketProbe:
        if self._server is None:
            from .server import StandaloneServer

            self._server = StandaloneServer().start()
        self._server.add(widget)
        probe = SocketProbe(self._server, widget)
        self._probes.add(probe)
        return probe

    def shutdown(self) -> None:
        for probe in list(self._probes):
            probe.disconnect()
        self._probes.clear()
        if self._server is not None:
            self._server.stop()
            self._server = None
