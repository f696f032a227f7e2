"""What one standalone server lets its sockets cost it, in total and per message.

A front end's bytes can make the server allocate far more than it sent: JSON of tiny values (``[{},{},...]``
becomes ~70 bytes of Python objects per 3 bytes of text), the full state resent for every ``request_state``,
output queued for a tab that never reads. :class:`ServerLimits` bounds each; :class:`OutputBudget` holds every
socket's queued and unsent output to one total, dropping the socket that holds the most when it is exceeded.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

from anywidget_core.chunks import DEFAULT_CHUNK_BYTES

from .framing import MAX_FRAME_BYTES, MAX_JSON_BYTES, MAX_JSON_VALUES

MiB = 1024 * 1024


@dataclass(frozen=True)
class ServerLimits:
    """Bounds of one standalone server (``serve(..., limits=ServerLimits(...))``)."""

    #: largest WebSocket message from a front end (refused by the WebSocket library before it is buffered)
    frame_bytes: int = MAX_FRAME_BYTES
    #: largest JSON text in one message (a text frame, or part 0 of a binary one); data belongs in buffers
    json_bytes: int = MAX_JSON_BYTES
    #: most JSON values (objects, arrays, members, items) in one message, counted before parsing
    json_values: int = MAX_JSON_VALUES
    #: output all sockets together may hold (queued, or handed to the socket but not yet taken by the client)
    output_bytes: int = 512 * MiB
    #: a socket whose client takes none of its pending output for this long is dropped
    stall_seconds: float = 30.0
    #: messages whose buffers are larger go both ways in pieces of at most this many bytes (SPEC §8.6)
    chunk_bytes: int = DEFAULT_CHUNK_BYTES


class OutputBudget:
    """Bytes of output held for all sockets of one server. Thread-safe: sessions add from any thread.

    Over budget, ``add`` returns the drop function of the holder that holds the most, so one tab that stopped
    reading cannot make the server drop the tabs that keep up.
    """

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.total = 0
        self._held: dict[object, tuple[int, Callable[[str], None]]] = {}  # holder -> (bytes, drop)
        self._lock = threading.Lock()

    def add(self, holder: object, nbytes: int, drop: Callable[[str], None]) -> Callable[[str], None] | None:
        with self._lock:
            held, _ = self._held.get(holder, (0, drop))
            self._held[holder] = (held + nbytes, drop)
            self.total += nbytes
            if self.total <= self.limit:
                return None
            victim = max(self._held, key=lambda key: self._held[key][0])
            return self._held[victim][1]

    def release(self, holder: object, nbytes: int) -> None:
        with self._lock:
            held, drop = self._held.get(holder, (0, None))
            if drop is None:
                return
            nbytes = min(nbytes, held)
            self.total -= nbytes
            if held - nbytes:
                self._held[holder] = (held - nbytes, drop)
            else:
                del self._held[holder]

    def held(self, holder: object) -> int:
        with self._lock:
            return self._held.get(holder, (0, None))[0]
