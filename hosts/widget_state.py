"""Jupyter's saved widget state (``application/vnd.jupyter.widget-state+json``, @jupyter-widgets/schema v2).

A notebook keeps it in ``metadata.widgets``: JupyterLab writes it on "Save widget state", nbclient after an
execution with ``store_widget_state``. This module converts between that document, the control comm's
``update_states`` answer, and the ``open`` frames the static runtime replays. Only models of the ``anywidget``
module can render in the runtime; others (ipywidgets' controls) are reported so the page can say why they are
missing.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from typing import Any

MIME = "application/vnd.jupyter.widget-state+json"
VIEW_MIME = "application/vnd.jupyter.widget-view+json"
RENDERABLE_MODULE = "anywidget"  # our models and anywidget's own: both carry their _esm in their state


def from_update_states(
    states: Mapping[str, Any], buffer_paths: Sequence[Sequence[Any]], buffers: Sequence[bytes | memoryview]
) -> dict[str, Any]:
    """The v2 state document for a control comm ``update_states`` answer (paths start with model id, "state")."""
    models: dict[str, Any] = {
        model_id: {
            "model_name": entry["model_name"],
            "model_module": entry["model_module"],
            "model_module_version": entry["model_module_version"],
            "state": dict(entry["state"]),
        }
        for model_id, entry in states.items()
    }
    for path, buffer in zip(buffer_paths, buffers, strict=True):
        model_id, _state, *inner = path
        encoded = base64.b64encode(bytes(buffer)).decode("ascii")
        models[model_id].setdefault("buffers", []).append({"path": inner, "encoding": "base64", "data": encoded})
    return {"version_major": 2, "version_minor": 0, "state": models}


def saved_state(metadata: Mapping[str, Any]) -> dict[str, Any]:
    """The models of a notebook's saved widget state (empty when it has none)."""
    document = (metadata.get("widgets") or {}).get(MIME) or {}
    state = document.get("state")
    return dict(state) if isinstance(state, Mapping) else {}


def renderable(entry: Mapping[str, Any]) -> bool:
    """Whether the static runtime can render this saved model."""
    return entry.get("model_module") == RENDERABLE_MODULE and isinstance(entry.get("state"), Mapping)


def open_frames(models: Mapping[str, Any]) -> list[dict[str, Any]]:
    """An ``open`` frame per renderable model, buffers as :func:`anywidget_core.hosts.static.snapshot` packs them."""
    frames: list[dict[str, Any]] = []
    for model_id, entry in models.items():
        if not renderable(entry):
            continue
        paths: list[list[Any]] = []
        encoded: list[str | dict[str, str]] = []
        for buffer in entry.get("buffers") or []:
            paths.append(list(buffer["path"]))
            encoded.append(_packed(buffer))
        data = {"method": "open", "state": dict(entry["state"]), "buffer_paths": paths}
        frames.append({"model_id": model_id, "data": data, "buffers": encoded})
    return frames


def _packed(buffer: Mapping[str, Any]) -> str | dict[str, str]:
    """A saved buffer as the static page carries one: gzip-compressed where that is smaller (static.packed)."""
    from .static import packed  # the static host imports the standalone naming helpers: only when a page is made

    raw = bytes.fromhex(buffer["data"]) if buffer.get("encoding") == "hex" else base64.b64decode(buffer["data"])
    return packed(memoryview(raw))
