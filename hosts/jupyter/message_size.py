"""A Jupyter server extension that lets a page send its kernel a widget message larger than 10 MiB.

jupyter_server never sets tornado's ``websocket_max_message_size``, so tornado's default (10 MiB) applies to every
frame a browser sends on a kernel WebSocket. A larger one (``model.set("data", big); model.save_changes()``, or
``model.send(msg, undefined, [big])``) makes tornado close the socket with 1009 "message too big": the message is
lost, Lab reconnects, and nothing tells the widget (benchmarks/README.md, workload 11). Python -> page has no such
limit. This extension raises the cap to the widget protocol's own bound, ``Limits.max_buffer_bytes`` (1 GiB), so
the kernel side's limits decide what is too large, as on the other hosts.

Why a higher cap rather than chunking in the page (the reasoning is in benchmarks/README.md): anywidget's front end
renders these widgets in Jupyter and sends each ``save_changes`` as one comm message, so a widget author's plain
``model.set`` + ``save_changes`` works only if that one frame is accepted. The cost is memory: the server holds a
whole frame while it reads it (and copies it once for the kernel), so its peak grows by about twice the largest
message; only users who can already run code in the kernel can send such frames.

An administrator's own choice wins: with ``c.ServerApp.tornado_settings = {"websocket_max_message_size": N}`` set,
this extension leaves it. Enabled by the ``jupyter`` extra's config file
(``jupyter_server_config.d/anywidget_core.json``); off with
``jupyter server extension disable anywidget_core.hosts.jupyter.message_size``.
"""

from __future__ import annotations

from typing import Any

from anywidget_core.connection import DEFAULT_LIMITS

SETTING = "websocket_max_message_size"  # read by tornado's WebSocketHandler from the application's settings
# The largest message the kernel side accepts, plus room for its JSON header and the v1 wire's offsets.
MAX_MESSAGE_BYTES = DEFAULT_LIMITS.max_buffer_bytes + (1 << 20)


def _jupyter_server_extension_points() -> list[dict[str, str]]:
    return [{"module": "anywidget_core.hosts.jupyter.message_size"}]


def _load_jupyter_server_extension(serverapp: Any) -> None:
    raise_cap(serverapp.web_app.settings)


def raise_cap(settings: dict[str, Any]) -> None:
    """Set the WebSocket message cap in a tornado application's ``settings`` unless one is configured already."""
    settings.setdefault(SETTING, MAX_MESSAGE_BYTES)
