"""A Jupyter server extension that keeps a kernel's short ``busy`` for a comm message from the browser.

ipykernel publishes ``busy`` and ``idle`` around every shell message, a widget's comm messages included, and
JupyterLab redraws its status display (notebook toolbar, execution indicator, status bar, favicon) on every change:
about 10 ms of the page's CPU per widget round trip, on the same thread that then handles the reply. Measured in
benchmarks/README.md (workload 8): with that ``busy`` kept from the page, the round trip's p50 went from 14.8 to
6.5 ms. The ``idle`` still goes through (the widget front end's one-update-in-flight throttle waits for it; to a
page that never saw ``busy`` it changes nothing). A ``busy`` is only held back, for ``HOLD`` seconds: if the
kernel is still busy with that comm message then, it is sent late, so a slow widget callback still shows as busy.

Enabled by the ``jupyter`` extra's config file (``jupyter_server_config.d/anywidget_core.json``); off with
``jupyter server extension disable anywidget_core.hosts.jupyter.comm_busy``.
"""

from __future__ import annotations

import json
from typing import Any

SETTING = "kernel_websocket_connection_class"
HOLD = 0.1  # seconds a comm message's busy waits for its idle before it is sent anyway


def _jupyter_server_extension_points() -> list[dict[str, str]]:
    return [{"module": "anywidget_core.hosts.jupyter.comm_busy"}]


def _load_jupyter_server_extension(serverapp: Any) -> None:
    settings = serverapp.web_app.settings
    settings[SETTING] = quiet_comm_busy(settings[SETTING])


def comm_status(parts: list[Any]) -> tuple[str, str] | None:
    """``(execution_state, parent msg_id)`` if the message (wire parts from the header on) is a status whose parent
    is a comm_msg, else None."""
    header = json.loads(bytes(parts[0]))
    if header.get("msg_type") != "status":
        return None
    parent = json.loads(bytes(parts[1]))
    if parent.get("msg_type") != "comm_msg" or not isinstance(parent.get("msg_id"), str):
        return None
    state = json.loads(bytes(parts[3])).get("execution_state")
    return (state, parent["msg_id"]) if isinstance(state, str) else None


def quiet_comm_busy(base: type) -> type:
    """A subclass of the server's kernel WebSocket connection class that holds a comm message's ``busy`` until its
    ``idle`` (then the idle goes and the busy is dropped) or for ``HOLD`` seconds (then the busy goes, late).
    Classes other than jupyter_server's ZMQ one (a gateway's messages arrive in another shape) are left as they are.
    """
    from jupyter_server.services.kernels.connection.channels import ZMQChannelsWebsocketConnection

    if not issubclass(base, ZMQChannelsWebsocketConnection) or getattr(base, "_quiet_comm_busy", False):
        return base

    class QuietCommBusyConnection(base):  # type: ignore[misc, valid-type]
        _quiet_comm_busy = True

        def handle_outgoing_message(self, stream: Any, outgoing_msg: list[Any]) -> None:
            held: dict[str, Any] = self.__dict__.setdefault("_held_busy", {})
            if getattr(stream, "channel", stream) == "iopub":
                _, parts = self.session.feed_identities(outgoing_msg)
                try:
                    status = comm_status(parts[1:])  # parts[0] is the signature
                except (ValueError, IndexError, AttributeError):
                    status = None  # not ours to judge: the server handles it as before
                if status is not None:
                    state, parent = status
                    if state == "busy" and parent not in held:
                        timer = _call_later(HOLD, self._send_held_busy, parent)
                        held[parent] = (stream, outgoing_msg, timer)
                        return
                    if state == "idle" and parent in held:
                        _cancel(held.pop(parent)[2])  # the busy never reaches the page
            super().handle_outgoing_message(stream, outgoing_msg)

        def _send_held_busy(self, parent: str) -> None:
            entry = self.__dict__.get("_held_busy", {}).pop(parent, None)
            if entry is not None and self.channels:
                super().handle_outgoing_message(entry[0], entry[1])

        def disconnect(self) -> Any:
            for entry in self.__dict__.pop("_held_busy", {}).values():
                _cancel(entry[2])
            return super().disconnect()

    QuietCommBusyConnection.__qualname__ = QuietCommBusyConnection.__name__ = f"QuietCommBusy{base.__name__}"
    return QuietCommBusyConnection


def _call_later(delay: float, callback: Any, *args: Any) -> Any:
    from tornado.ioloop import IOLoop

    loop = IOLoop.current()
    return loop, loop.call_later(delay, callback, *args)


def _cancel(timer: Any) -> None:
    loop, handle = timer
    loop.remove_timeout(handle)
