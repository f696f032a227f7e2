"""The ``jupyter.widget.control`` comm: how JupyterLab restores widgets after a page reload.

A reloaded page opens this comm and sends ``request_states``; the kernel answers with one ``update_states``
holding every model's class and full state (protocol 1.0 of the control comm, as ipywidgets implements it).
Without it Lab falls back to a per-model ``request_state`` whose answer the widget protocol defines as fields
only, which cannot name the model class, so restored views fail. If ipywidgets has registered its own handler,
it is kept and its answer is merged with ours, so both kinds of widget come back. ipywidgets registers its handler
when imported, replacing ours if that import comes after our first widget: the registration is checked again at
every cell end, so JupyterLab's restore (and a state saved after it) keeps our widgets.
"""

from __future__ import annotations

import contextlib
import logging
import sys
from typing import Any

from anywidget_core.widget import Widget

log = logging.getLogger("anywidget_core")

TARGET = "jupyter.widget.control"
VERSION_MAJOR = "1"


class _Captured:
    """A stand-in comm handed to another library's control handler, so its answer can be merged."""

    def __init__(self) -> None:
        self.callback: Any = None
        self.sent: list[tuple[dict[str, Any], list[Any]]] = []

    def on_msg(self, callback: Any) -> None:
        self.callback = callback

    def on_close(self, callback: Any) -> None:
        pass

    def send(self, data: Any = None, metadata: Any = None, buffers: Any = None) -> None:
        self.sent.append((data, list(buffers or [])))

    def close(self, *args: Any, **kwargs: Any) -> None:
        pass


_watched: set[int] = set()  # IPython shells whose cell ends re-check the registration


def ensure_registered(key: object) -> None:
    """Register the control target with the kernel's comm manager (again, if something replaced ours)."""
    import comm

    _recheck_after_cells(key)

    manager = comm.get_comm_manager()
    targets = getattr(manager, "targets", None)
    if not isinstance(targets, dict):
        return  # not a kernel comm manager (marimo and others have no control comm)
    current = targets.get(TARGET)
    if getattr(current, "_anywidget_core", False):
        return

    def opened(control: Any, msg: dict[str, Any]) -> None:
        _opened(control, msg, key, current)

    opened._anywidget_core = True  # type: ignore[attr-defined]
    manager.register_target(TARGET, opened)


def _recheck_after_cells(key: object) -> None:
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None  # type: ignore[attr-defined]
    if shell is None or id(shell) in _watched:
        return
    _watched.add(id(shell))

    def recheck() -> None:
        try:
            ensure_registered(key)
        except Exception:  # never break the user's cell
            log.exception("anywidget_core: failed to re-register the control comm target")

    shell.events.register("post_execute", recheck)


def _opened(control: Any, msg: dict[str, Any], key: object, previous: Any) -> None:
    version = str((msg.get("metadata") or {}).get("version", ""))
    if version.split(".")[0] != VERSION_MAJOR:
        log.warning("anywidget_core: control comm version %r is not supported; closing it", version)
        with contextlib.suppress(Exception):
            control.close()
        return
    other = _Captured() if previous is not None else None
    if other is not None:
        try:
            previous(other, msg)
        except Exception:
            log.exception("anywidget_core: another library's control comm handler failed")
            other = None

    def on_msg(message: dict[str, Any]) -> None:
        try:
            content = message.get("content") if isinstance(message, dict) else None
            data = content.get("data") if isinstance(content, dict) else None
            if not isinstance(data, dict) or data.get("method") != "request_states":
                return  # anything else on the control comm is ignored (SPEC §8.1.1), malformed or not
            states, paths, buffers = _answer_of(other, message)
            states_, paths_, buffers_ = collect_states(key)
            states.update(states_)
            control.send(
                data={"method": "update_states", "states": states, "buffer_paths": [*paths, *paths_]},
                buffers=[*buffers, *buffers_],
            )
        except Exception:  # a front end's message must never raise into the kernel's loop
            log.exception("anywidget_core: failed to answer request_states")

    control.on_msg(on_msg)


def _answer_of(other: _Captured | None, message: dict[str, Any]) -> tuple[dict[str, Any], list[Any], list[Any]]:
    """What the other library answers to the same request (its states, paths, buffers)."""
    if other is None or other.callback is None:
        return {}, [], []
    other.sent.clear()
    try:
        other.callback(message)
    except Exception:
        log.exception("anywidget_core: another library's control comm handler failed")
        return {}, [], []
    for data, buffers in other.sent:
        if isinstance(data, dict) and data.get("method") == "update_states":
            return dict(data.get("states") or {}), list(data.get("buffer_paths") or []), buffers
    return {}, [], []


def collect_states(key: object) -> tuple[dict[str, Any], list[list[Any]], list[memoryview]]:
    """Every widget open on ``key``: class and full state (protocol keys included, as in its open)."""
    states: dict[str, Any] = {}
    paths: list[list[Any]] = []
    buffers: list[memoryview] = []
    for widget in Widget.instances():
        link = widget.links.get(key)
        if link is None or link.closed:
            continue
        state, state_paths, state_buffers = widget.full_state()
        states[widget.model_id] = {
            "model_name": state["_model_name"],
            "model_module": state["_model_module"],
            "model_module_version": state["_model_module_version"],
            "state": state,
        }
        # Paths are into the "states" object: <model id>, "state", <path in the state>.
        paths.extend([widget.model_id, "state", *path] for path in state_paths)
        buffers.extend(state_buffers)
    return states, paths, buffers
