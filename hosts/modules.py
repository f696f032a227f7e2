"""Widget code sent once per front end, by content (SPEC §8.3-8.5), for the hosts that run runtime.js.

A page showing 50 widgets of one class would otherwise carry 50 copies of its ``_esm`` and ``_css``, one in each
``open``. These hosts instead send each distinct text once per front end, as the connection-level message
``{"method": "module", "id": <sha256 hex of its UTF-8>, "text": ...}`` (model id null), before the first message
that needs it, and put ``{"$module": id}`` where the text was. A new text (hot reload) has a new id, so it is
sent like any other. A front end is a standalone socket, a static page, or a browser page of a Panel document.
The Jupyter and marimo wires are untouched: anywidget's front end needs the text itself.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable
from functools import lru_cache
from typing import Any

CODE_KEYS = ("_esm", "_css")
CARRIES_CODE = frozenset({"open", "update"})  # the only kernel-side messages whose state may hold them


@lru_cache(maxsize=256)  # the same text object is sent for every instance and every front end
def module_id(text: str) -> str:
    # surrogatepass: a lone surrogate (refused later, when the frame is encoded) must not raise here
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def module_message(text: str) -> dict[str, Any]:
    return {"method": "module", "id": module_id(text), "text": text}


def carries_code(data: Any) -> bool:
    """Whether a message's state holds widget code that could travel by reference."""
    if not isinstance(data, dict) or data.get("method") not in CARRIES_CODE:
        return False
    state = data.get("state")
    return isinstance(state, dict) and any(isinstance(state.get(k), str) and state[k] for k in CODE_KEYS)


class ModuleTable:
    """The module texts one front end has been sent. Thread-safe: hosts send from any thread.

    ``send`` holds a lock while it sends a message's missing modules and then the message itself, so another
    thread can never send a reference to a module whose definition is still behind it.
    """

    def __init__(self) -> None:
        self._sent: set[str] = set()
        self._lock = threading.Lock()

    def send(self, data: Any, send: Callable[[Any, list[dict[str, Any]]], None]) -> None:
        """Call ``send(data, modules)`` with ``data``'s code replaced by references and the module messages this
        front end still needs (to be sent first, in order). Messages without code pass through unchanged."""
        if not carries_code(data):
            send(data, [])
            return
        with self._lock:
            state = dict(data["state"])
            needed = []
            for key in CODE_KEYS:
                text = state.get(key)
                if not isinstance(text, str) or not text:
                    continue
                ident = module_id(text)
                if ident not in self._sent:
                    self._sent.add(ident)
                    needed.append(module_message(text))
                state[key] = {"$module": ident}
            send({**data, "state": state}, needed)

    def reset(self) -> None:
        """The front end starts afresh (a new runtime): it has no modules."""
        with self._lock:
            self._sent.clear()


class ModuleResolver:
    """The receiving side, for probes that stand in for a front end: keeps definitions, resolves references."""

    def __init__(self) -> None:
        self.texts: dict[str, str] = {}
        self.received = 0  # how many module messages arrived (tests count them)

    def take(self, model_id: str | None, data: Any) -> bool:
        """Keep a module message; True when ``data`` was one (it is then no model's message)."""
        if model_id is not None or not isinstance(data, dict) or data.get("method") != "module":
            return False
        self.texts[data["id"]] = data["text"]
        self.received += 1
        return True

    def resolve(self, data: Any) -> Any:
        """``data`` with every ``{"$module": id}`` under ``_esm``/``_css`` replaced by its text."""
        state = data.get("state") if isinstance(data, dict) else None
        if not isinstance(state, dict):
            return data
        refs = {k: v for k, v in state.items() if k in CODE_KEYS and isinstance(v, dict)}
        if not refs:
            return data
        resolved = {**state, **{k: self.texts[v["$module"]] for k, v in refs.items()}}
        return {**data, "state": resolved}
