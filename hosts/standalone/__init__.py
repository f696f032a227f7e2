"""The standalone host: widgets on a local web page, no notebook (``anywidget-core serve``).

``serve(widgets)`` starts a server in a background thread and returns it (``.url``, ``.stop()``). Names are
imported on first use, so ``framing`` and ``naming`` stay usable without the web server's packages.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .framing import MAX_FRAME_BYTES, FrameError, decode_frame, encode_frame
    from .limits import ServerLimits
    from .probe import SocketProbe, StandaloneHost
    from .server import StandaloneServer, serve

_WHERE = {
    "MAX_FRAME_BYTES": "framing",
    "FrameError": "framing",
    "decode_frame": "framing",
    "encode_frame": "framing",
    "ServerLimits": "limits",
    "SocketProbe": "probe",
    "StandaloneHost": "probe",
    "StandaloneServer": "server",
    "serve": "server",
}

__all__ = [
    "MAX_FRAME_BYTES",
    "FrameError",
    "ServerLimits",
    "SocketProbe",
    "StandaloneHost",
    "StandaloneServer",
    "decode_frame",
    "encode_frame",
    "serve",
]


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)
