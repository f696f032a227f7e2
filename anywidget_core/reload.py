"""Hot reload of ``_esm``/``_css`` files, opt-in with ``ANYWIDGET_HMR=1`` as in anywidget. Host-independent.

Hosts call :func:`watch` when they show a widget. If the widget's class reads an asset from a file outside
site-packages, one daemon thread (watchfiles) watches that file's folder; on a change it calls
``widget.reload_asset(name)`` on every live instance of the class, which sends just that source as an update
and the front end re-imports it. The folder is watched, not the file, so atomic saves (write a temporary file,
rename it over the original) are seen. Instances are held weakly: the watcher never keeps a widget alive, and
the thread ends once no watched widget is left (or on :func:`stop`).
"""

from __future__ import annotations

import logging
import os
import threading
import weakref
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .widget import Widget

log = logging.getLogger("anywidget_core")

ENV_VAR = "ANYWIDGET_HMR"
POLL_MS = 500  # how often an idle watcher wakes to see whether any watched widget is still alive


def enabled() -> bool:
    return os.environ.get(ENV_VAR) == "1"


def _installed(path: Path) -> bool:
    """Files of installed packages never change under a user's feet; anywidget skips them too."""
    return any(part in ("site-packages", "dist-packages") for part in path.parts)


class Reloader:
    """Watches asset files of shown widgets and pushes edits to the live instances."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        # file -> [(widget class, asset name)], and each class's live shown instances
        self._files: dict[Path, list[tuple[type[Widget], str]]] = {}
        self._instances: dict[type[Widget], weakref.WeakSet[Widget]] = {}
        self._last: dict[Path, str] = {}  # source last seen, so a touch or a no-op save sends nothing
        self._thread: threading.Thread | None = None
        self._stop: threading.Event | None = None
        self._dirs: frozenset[Path] = frozenset()

    def watch(self, widget: Widget) -> bool:
        """Reload ``widget``'s file assets on change; False if it has none to watch (or watchfiles is missing)."""
        cls = type(widget)
        files = {
            name: _key(asset.path)
            for name, asset in cls._assets.items()
            if asset.path is not None and not _installed(asset.path)
        }
        if not files:
            return False
        try:
            import watchfiles  # noqa: F401
        except ImportError:
            log.warning("anywidget_core: hot reload needs watchfiles (pip install 'anywidget-core[reload]')")
            return False
        with self._lock:
            self._instances.setdefault(cls, weakref.WeakSet()).add(widget)
            for name, path in files.items():
                entries = self._files.setdefault(path, [])
                if (cls, name) not in entries:
                    entries.append((cls, name))
                    self._last.setdefault(path, _read(path))
            dirs = frozenset(p.parent for p in self._files)
            if self._thread is None or not self._thread.is_alive() or dirs != self._dirs:
                self._restart(dirs)
        return True

    def stop(self) -> None:
        """Stop watching (the thread exits within about POLL_MS)."""
        with self._lock:
            if self._stop is not None:
                self._stop.set()
            self._thread = None
            self._files.clear()
            self._instances.clear()
            self._last.clear()
            self._dirs = frozenset()

    @property
    def running(self) -> bool:
        thread = self._thread
        return thread is not None and thread.is_alive()

    # ------------------------------------------------------------------ the watcher thread

    def _restart(self, dirs: frozenset[Path]) -> None:
        if self._stop is not None:
            self._stop.set()  # the old thread watches the old set of folders; let it go
        stop = threading.Event()
        self._stop, self._dirs = stop, dirs
        self._thread = threading.Thread(target=self._run, args=(dirs, stop), name="anywidget-core-hmr", daemon=True)
        self._thread.start()

    def _run(self, dirs: frozenset[Path], stop: threading.Event) -> None:
        import watchfiles

        try:
            for changes in watchfiles.watch(
                *dirs,
                watch_filter=None,
                recursive=False,
                stop_event=stop,
                rust_timeout=POLL_MS,
                yield_on_timeout=True,
                raise_interrupt=False,
            ):
                if changes:
                    self._changed({Path(path) for _, path in changes})
                if not self._alive(stop):
                    return
        except Exception:
            log.exception("anywidget_core: hot-reload watcher stopped")

    def _alive(self, stop: threading.Event) -> bool:
        """Whether this thread should go on; forgets classes without live instances."""
        with self._lock:
            if stop.is_set() or self._stop is not stop:
                return False
            for cls in [c for c, live in self._instances.items() if not live]:
                del self._instances[cls]
                for path in list(self._files):
                    self._files[path] = [e for e in self._files[path] if e[0] is not cls]
                    if not self._files[path]:
                        del self._files[path]
                        self._last.pop(path, None)
            if self._files:
                return True
            self._thread, self._stop, self._dirs = None, None, frozenset()
            return False

    def _changed(self, paths: set[Path]) -> None:
        targets: list[tuple[Widget, str]] = []
        with self._lock:
            for raw in paths:
                path = _key(raw)
                if path not in self._files or not path.is_file():
                    continue  # a deletion that an atomic save undoes shows up as its own "added"
                source = _read(path)
                if source == self._last.get(path):
                    continue
                self._last[path] = source
                for cls, name in self._files[path]:
                    targets.extend((widget, name) for widget in list(self._instances.get(cls, ())))
        for widget, name in targets:
            try:
                widget.reload_asset(name)
            except Exception:
                log.exception("anywidget_core: could not reload %s of %r", name, widget)


def _key(path: Path) -> Path:
    """A watched file as the watcher reports it: its folder resolved, its own name not. A symlinked asset is
    watched as the link, so re-pointing the link is a change of that file (resolving it once would keep
    watching the old target)."""
    try:
        return path.parent.resolve() / path.name
    except OSError:
        return path


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError:
        return ""


_reloader = Reloader()


def watch(widget: Widget) -> bool:
    """Hot-reload ``widget``'s file assets if ``ANYWIDGET_HMR=1``; hosts call this when they show a widget."""
    if not enabled():
        return False
    return _reloader.watch(widget)


def stop() -> None:
    """Stop the hot-reload watcher."""
    _reloader.stop()


def reloader() -> Reloader:
    """The process-wide reloader (for tests and hosts that manage it)."""
    return _reloader
