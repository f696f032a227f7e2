"""Burst control for Jupyter comms: merge state updates a front end could not receive anyway.

IOPub is a ZMQ PUB socket with a high-water mark of 1000 messages: past it, messages to a slow client are
dropped silently, the last ones included, so a loop of 20,000 sets can leave the page showing a stale value
forever. jupyter_server also drops IOPub traffic above 1000 messages/s. So each comm may send ``BUDGET``
messages per ``WINDOW`` at once (every ordinary set goes straight out); ``update`` messages beyond that are
merged, last value per field winning, and the merged update is sent when the window ends, at the end of the
cell (IPython's ``post_execute``), or before the next non-update message of the same comm, which keeps a
custom message sent after a set behind that set's value.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from typing import Any

log = logging.getLogger("anywidget_core")

WINDOW = 0.1  # seconds
BUDGET = 50  # messages per comm per window sent at once: 500/s, under jupyter_server's 1000/s IOPub limit
ENV_VAR = "ANYWIDGET_COALESCE"  # "0" turns merging off (every update is sent, as ipywidgets does)
IDLE_EXIT = 5.0  # seconds the flusher thread waits for work before it exits

Send = Callable[[dict[str, Any], list[memoryview]], None]


class _Pending:
    """Updates merged by top-level field: a field's JSON value and the buffers under it travel together."""

    __slots__ = ("buffers", "state")

    def __init__(self) -> None:
        self.state: dict[str, Any] = {}
        self.buffers: dict[str, list[tuple[list[Any], memoryview]]] = {}

    def merge(self, data: dict[str, Any], buffers: list[memoryview]) -> None:
        state = data.get("state") or {}
        paths = data.get("buffer_paths") or []
        for name in {*state, *(path[0] for path in paths)}:
            self.state.pop(name, None)
            self.buffers.pop(name, None)
        self.state.update(state)
        for path, buffer in zip(paths, buffers, strict=True):
            self.buffers.setdefault(path[0], []).append((path, buffer))

    def message(self) -> tuple[dict[str, Any], list[memoryview]]:
        parts = [part for parts in self.buffers.values() for part in parts]
        data = {"method": "update", "state": self.state, "buffer_paths": [p for p, _ in parts]}
        return data, [b for _, b in parts]


class Coalescer:
    """Sends one comm's messages in order, merging ``update`` bursts over the budget."""

    def __init__(self, send: Send) -> None:
        self._send = send
        self._lock = threading.Lock()
        self._window_end = 0.0
        self._count = 0
        self._budget = BUDGET if os.environ.get(ENV_VAR) != "0" else 1 << 62
        self._pending: _Pending | None = None

    def send(self, data: dict[str, Any], buffers: list[memoryview]) -> None:
        with self._lock:
            now = time.monotonic()
            if now >= self._window_end:
                self._window_end, self._count = now + WINDOW, 0
            # the method is read only past the budget or behind a merged update: an ordinary send skips it
            if (self._pending is not None or self._count >= self._budget) and data.get("method") == "update":
                if self._pending is None:
                    self._pending = _Pending()
                self._pending.merge(data, buffers)
                if self._count < self._budget:
                    self._flush_locked()
                else:
                    _flusher.schedule(self, self._window_end)
                return
            if self._pending is not None:
                self._flush_locked()  # the merged update goes before what was sent after it
            self._count += 1
            self._send(data, buffers)

    def flush(self) -> None:
        """Send the merged update now, if there is one."""
        with self._lock:
            self._flush_locked()

    @property
    def pending(self) -> bool:
        return self._pending is not None

    def _flush_locked(self) -> None:
        pending, self._pending = self._pending, None
        if pending is not None:
            self._count += 1
            self._send(*pending.message())


class _Flusher:
    """One daemon thread sending merged updates when their window ends; it exits when idle."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._due: dict[Coalescer, float] = {}
        self._thread: threading.Thread | None = None

    def schedule(self, coalescer: Coalescer, due: float) -> None:
        with self._cond:
            if coalescer in self._due:
                return
            self._due[coalescer] = due
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="anywidget-core-coalesce", daemon=True)
                self._thread.start()
            self._cond.notify()

    def flush_all(self) -> None:
        # Called after every cell and, through the comm package's post_execute trigger, after every front-end
        # message: usually nothing is merged. Reading the dict unlocked is as good as locked: an update another
        # thread merges just after this read would equally be missed just after the lock was released.
        if not self._due:
            return
        with self._cond:
            ready = list(self._due)
            self._due.clear()
        _flush(ready)

    def _run(self) -> None:
        while True:
            with self._cond:
                if not self._due:
                    self._cond.wait(IDLE_EXIT)
                    if not self._due:
                        self._thread = None
                        return
                now = time.monotonic()
                ready = [c for c, due in self._due.items() if due <= now]
                if not ready:
                    self._cond.wait(min(self._due.values()) - now)
                    continue
                for coalescer in ready:
                    del self._due[coalescer]
            _flush(ready)
            del ready  # this thread waits next: it must not keep flushed comms (and their widgets) alive

    @property
    def running(self) -> bool:
        return self._thread is not None


def _flush(coalescers: list[Coalescer]) -> None:
    for coalescer in coalescers:
        try:
            coalescer.flush()
        except Exception:  # a closed kernel socket, say: the others still go out
            log.exception("anywidget_core: could not send a merged update")


_flusher = _Flusher()


def flush_all(*_: Any) -> None:
    """Send every merged update now (registered as IPython's ``post_execute`` hook)."""
    _flusher.flush_all()


def flusher_running() -> bool:
    return _flusher.running


_hooked: set[int] = set()


def hook_cell_end() -> None:
    """Flush at the end of every cell of the running IPython shell, so a cell's last value arrives before
    its ``idle``. Does nothing outside IPython."""
    import sys

    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None  # type: ignore[attr-defined]
    if shell is None or id(shell) in _hooked:
        return
    _hooked.add(id(shell))
    shell.events.register("post_execute", flush_all)
