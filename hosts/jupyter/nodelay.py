"""A Jupyter server extension that turns off Nagle's algorithm on kernel WebSockets.

jupyter_server never sets TCP_NODELAY on the browser's kernel WebSocket. A widget round trip (the page's update, the
kernel's reply) is a few small frames each way, and Nagle's algorithm holds a small frame while an earlier one is
unacknowledged; the browser delays its ACK by up to 40 ms, so nearly every round trip waited that long (measured in
benchmarks/README.md, workload 8c). With the option set, frames leave at once. This helps every widget library on
the server, not only this one.

Enabled by the ``jupyter`` extra's config file (``jupyter_server_config.d/anywidget_core.json``); off with
``jupyter server extension disable anywidget_core.hosts.jupyter.nodelay``.
"""

from __future__ import annotations

from typing import Any

SETTING = "kernel_websocket_connection_class"


def _jupyter_server_extension_points() -> list[dict[str, str]]:
    return [{"module": "anywidget_core.hosts.jupyter.nodelay"}]


def _load_jupyter_server_extension(serverapp: Any) -> None:
    settings = serverapp.web_app.settings
    settings[SETTING] = no_delay(settings[SETTING])


def no_delay(base: type) -> type:
    """A subclass of the server's kernel WebSocket connection class (whichever is configured, gateway included) that
    sets TCP_NODELAY on its socket when it connects."""
    if getattr(base, "_sets_nodelay", False):
        return base

    class NoDelayConnection(base):  # type: ignore[misc, valid-type]
        _sets_nodelay = True

        def connect(self) -> Any:
            self.websocket_handler.set_nodelay(True)
            return super().connect()

    NoDelayConnection.__qualname__ = NoDelayConnection.__name__ = f"NoDelay{base.__name__}"
    return NoDelayConnection
