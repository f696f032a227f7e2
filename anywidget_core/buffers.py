"""Binary values inside JSON state: the ``buffer_paths`` rules of Jupyter widget protocol 2.1.

Binary leaves are taken out of the state and sent as separate message buffers. A dict key holding one is
removed; a list (or tuple) slot holding one becomes ``None``; tuples become lists. ``buffer_paths[i]`` is the
path of ``buffers[i]``. Containers are copied only where something was taken out, so the caller's objects are
never changed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .errors import ErrorCode, ProtocolError

BINARY_TYPES = (bytes, bytearray, memoryview)

Path = list[str | int]


def as_buffer(value: Any) -> memoryview:
    """A flat byte view of any C-contiguous buffer-protocol object, without copying it."""
    view = value if type(value) is memoryview else memoryview(value)
    if view.ndim == 1 and view.format == "B":
        return view
    if not view.c_contiguous:
        raise ValueError("binary values must be C-contiguous buffers (try numpy.ascontiguousarray)")
    return view.cast("B")


def extract_buffers(state: dict[str, Any]) -> tuple[dict[str, Any], list[Path], list[memoryview]]:
    """Split ``state`` into JSON-only state, buffer paths and buffers."""
    paths: list[Path] = []
    buffers: list[memoryview] = []
    cleaned = _extract(state, [], paths, buffers)
    return cleaned, paths, buffers


def _extract(obj: Any, path: Path, paths: list[Path], buffers: list[memoryview]) -> Any:
    if isinstance(obj, dict):
        out: dict[str, Any] | None = None
        for key, value in obj.items():
            if isinstance(value, BINARY_TYPES):
                if out is None:
                    out = dict(obj)
                del out[key]
                paths.append([*path, key])
                buffers.append(as_buffer(value))
            elif isinstance(value, (dict, list, tuple)):
                new = _extract(value, [*path, key], paths, buffers)
                if new is not value:
                    if out is None:
                        out = dict(obj)
                    out[key] = new
        return obj if out is None else out
    if isinstance(obj, (list, tuple)):
        items: list[Any] | None = None if isinstance(obj, list) else list(obj)
        for index, value in enumerate(obj):
            if isinstance(value, BINARY_TYPES):
                if items is None:
                    items = list(obj)
                items[index] = None
                paths.append([*path, index])
                buffers.append(as_buffer(value))
            elif isinstance(value, (dict, list, tuple)):
                new = _extract(value, [*path, index], paths, buffers)
                if new is not value:
                    if items is None:
                        items = list(obj)
                    items[index] = new
        return obj if items is None else items
    return obj


def count_binary(value: Any) -> int:
    """How many binary leaves ``value`` holds, anywhere in its dicts, lists and tuples."""
    count = 0
    stack = [value]
    while stack:
        node = stack.pop()
        if isinstance(node, BINARY_TYPES):
            count += 1
        elif isinstance(node, dict):
            stack.extend(node.values())
        elif isinstance(node, (list, tuple)):
            stack.extend(item for item in node if isinstance(item, (dict, list, tuple, *BINARY_TYPES)))
    return count


def bytes_leaves(value: Any) -> Any:
    """``value`` with every binary leaf as ``bytes`` (copies; for validators that take nothing else)."""
    state, paths, views = extract_buffers({"value": value})
    insert_buffers(state, paths, [bytes(view) for view in views])
    return state["value"]


def insert_buffers(state: dict[str, Any], paths: Any, buffers: Sequence[Any]) -> None:
    """Put ``buffers`` into ``state`` (in place) at ``paths``; raise ProtocolError if they do not fit.

    Every path is checked before anything is written, so a bad message leaves ``state`` unchanged. A path may
    end at an absent dict key, or at a slot that already holds a placeholder (marimo sends base64 there).
    """
    if not isinstance(paths, list):
        raise ProtocolError(ErrorCode.BAD_BUFFERS, "buffer_paths must be a list of paths")
    if len(paths) != len(buffers):
        raise ProtocolError(
            ErrorCode.BAD_BUFFERS,
            f"{len(buffers)} buffer(s) arrived for {len(paths)} buffer path(s); the counts must match",
        )
    targets = [_resolve(state, path) for path in paths]
    for (container, key), buffer in zip(targets, buffers, strict=True):
        container[key] = buffer


def _resolve(state: dict[str, Any], path: Any) -> tuple[Any, Any]:
    if not isinstance(path, list) or not path:
        raise ProtocolError(ErrorCode.BAD_BUFFERS, f"buffer path {path!r} must be a non-empty list")
    node: Any = state
    for depth, key in enumerate(path):
        last = depth == len(path) - 1
        if isinstance(node, dict) and type(key) is str:
            if last:
                return node, key
            if key not in node:
                break
            node = node[key]
        elif isinstance(node, list) and type(key) is int and 0 <= key < len(node):
            if last:
                return node, key
            node = node[key]
        else:
            break
    raise ProtocolError(ErrorCode.BAD_BUFFERS, f"buffer path {path!r} does not resolve in the state")
