"""The wire both libraries are measured against: ``comm.create_comm`` replaced by a capturing comm.

Each published message is serialized exactly as ipykernel would put it on iopub (``Session.msg`` +
``Session.serialize`` with jupyter_client's default packer, HMAC signed), so the JSON/packing cost of what a
library sends counts. Buffers are kept as the views handed to the comm (Session.send appends them as extra
frames without copying or signing them), so a benchmark can check they share memory with the user's data.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import comm
from comm.base_comm import BaseComm
from jupyter_client.session import Session

SESSION = Session(key=b"benchmark-key")  # default packer: orjson when installed, else json


@dataclass
class Wire:
    """What went out: message types in order, the last message's frames and its buffers."""

    types: list[str] = field(default_factory=list)
    json_bytes: int = 0
    last_frames: list[Any] = field(default_factory=list)
    last_buffers: list[memoryview] = field(default_factory=list)
    serialize: bool = True  # False: record the type only, to time a library without the wire cost

    def clear(self) -> None:
        self.types.clear()
        self.json_bytes = 0
        self.last_frames = []
        self.last_buffers = []

    def count(self, msg_type: str) -> int:
        return sum(1 for t in self.types if t == msg_type)


WIRE = Wire()


class CapturingComm(BaseComm):
    """A comm whose ``publish_msg`` does ipykernel's serialization and records the result."""

    def publish_msg(
        self,
        msg_type: str,
        data: Any = None,
        metadata: Any = None,
        buffers: Any = None,
        **keys: Any,
    ) -> None:
        if not WIRE.serialize:
            WIRE.types.append(msg_type)
            return
        content = {"data": data or {}, "comm_id": self.comm_id, **keys}
        msg = SESSION.msg(msg_type, content=content, metadata=metadata or {})
        frames = SESSION.serialize(msg, ident=self.topic)
        # Session.send: buffers become extra zmq frames as memoryviews (no copy, not hashed).
        views = [b if isinstance(b, memoryview) else memoryview(b) for b in buffers or ()]
        WIRE.types.append(msg_type)
        WIRE.json_bytes += sum(len(f) for f in frames)
        WIRE.last_frames = frames
        WIRE.last_buffers = views


def _create(*args: Any, **kwargs: Any) -> CapturingComm:
    return CapturingComm(*args, **kwargs)


@contextlib.contextmanager
def wire_excluded() -> Iterator[None]:
    """Skip the serialization inside the capture: what is left is the library's own cost."""
    WIRE.serialize = False
    try:
        yield
    finally:
        WIRE.serialize = True


@contextlib.contextmanager
def capturing() -> Iterator[Wire]:
    """Route every ``comm.create_comm`` (ipywidgets and anywidget-core alike) to the capturing comm."""
    saved = comm.create_comm
    comm.create_comm = _create
    try:
        yield WIRE
    finally:
        comm.create_comm = saved


def kernel_msg(comm_id: str, data: dict[str, Any], buffers: list[Any] | None = None) -> dict[str, Any]:
    """A kernel-shaped ``comm_msg`` as ipykernel hands it to ``Comm.handle_msg``."""
    return {
        "header": {"msg_type": "comm_msg"},
        "parent_header": {},
        "metadata": {},
        "content": {"comm_id": comm_id, "data": data},
        "buffers": buffers or [],
    }
