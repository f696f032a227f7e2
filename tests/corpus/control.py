"""Reading and setting a widget that lives in another process's kernel (a ``marimo run`` session), so the corpus
checks (``checks.py``), written against a widget object, run unchanged there.

The kernel side (:func:`serve_control`) answers JSON lines on a local TCP port from a marimo thread
(``mo.Thread`` carries the kernel's context, so a field set there reaches the page as a set in a cell would);
the test side (:class:`RemoteWidget`) turns attribute reads and writes into those lines.
"""

from __future__ import annotations

import json
import socket
from typing import Any


def _plain(value: Any) -> Any:
    if isinstance(value, (bytes, bytearray, memoryview)):
        return list(bytes(value))
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    return value


def serve_control(widget: Any, port: int) -> None:
    """In the kernel: answer ``{"op": "get"|"set"|"reverse_children", "name": ..., "value": ..., "child": [i, ...]}``
    lines for ``widget`` (or, with ``child``, for ``widget.children[i]...``, a container's child)."""
    import marimo as mo

    listener = socket.create_server(("127.0.0.1", port))

    def answer(line: bytes) -> dict[str, Any]:
        try:
            request = json.loads(line)
            target = widget
            for index in request.get("child", []):
                target = target.children[index]
            if request["op"] == "set":
                setattr(target, request["name"], request["value"])
                return {"ok": True}
            if request["op"] == "reverse_children":
                target.children = target.children[::-1]
                return {"ok": True}
            return {"ok": True, "value": _plain(getattr(target, request["name"]))}
        except Exception as exc:  # reported to the test, which fails with it
            return {"ok": False, "error": f"{type(exc).__name__}: {exc}"}

    def loop() -> None:
        while True:
            connection, _ = listener.accept()
            with connection, connection.makefile("rwb") as stream:
                for line in stream:
                    stream.write(json.dumps(answer(line), default=str).encode() + b"\n")
                    stream.flush()

    mo.Thread(target=loop, daemon=True).start()


class RemoteWidget:
    """In the test: ``remote.count`` and ``remote.count = 3`` on the kernel's widget."""

    def __init__(self, port: int = 0, *, stream: Any = None, child: tuple[int, ...] = ()) -> None:
        if stream is None:
            stream = socket.create_connection(("127.0.0.1", port), timeout=20).makefile("rwb")
        object.__setattr__(self, "_stream", stream)
        object.__setattr__(self, "_child", child)

    def child(self, index: int) -> RemoteWidget:
        """The kernel widget's ``children[index]``, over the same connection."""
        return RemoteWidget(stream=self._stream, child=(*self._child, index))

    def reverse_children(self) -> None:
        self._ask({"op": "reverse_children"})

    def _ask(self, request: dict[str, Any]) -> Any:
        request["child"] = list(self._child)
        self._stream.write(json.dumps(request).encode() + b"\n")
        self._stream.flush()
        reply = json.loads(self._stream.readline())
        if not reply["ok"]:
            raise AssertionError(f"kernel: {reply['error']}")
        return reply.get("value")

    def __getattr__(self, name: str) -> Any:
        return self._ask({"op": "get", "name": name})

    def __setattr__(self, name: str, value: Any) -> None:
        self._ask({"op": "set", "name": name, "value": value})

    def close(self) -> None:
        self._stream.close()
