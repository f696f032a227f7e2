"""Workload 2: a front-end ``update`` arrives (a kernel-shaped msg to the comm's handle_msg); it is
validated, applied and echoed (``echo_update`` serialized for the wire)."""

from __future__ import annotations

from typing import Any

from .capture import WIRE, capturing, kernel_msg
from .core_comm import comm_of
from .harness import Counts, Row, wire_and_bare, wire_row
from .libs import AwCounter, CoreCounter, show_aw, show_core

GOAL = 10.0


def _feeder(channel: Any, widget: Any, seq: list[int]) -> Any:
    def feed(n: int) -> None:
        start = seq[0]
        for i in range(start, start + n):
            channel.handle_msg(
                kernel_msg(channel.comm_id, {"method": "update", "state": {"value": i + 1}, "buffer_paths": []})
            )
        seq[0] = start + n

    return feed


def run(counts: Counts) -> list[Row]:
    with capturing():
        core, aw = CoreCounter(), AwCounter()
        show_core(core)
        show_aw(aw)
        seq = [0]
        feed_core = _feeder(comm_of(core.model_id), core, seq)
        feed_aw = _feeder(aw.comm, aw, seq)
        for name, fn, widget in (("core", feed_core, core), ("anywidget", feed_aw, aw)):
            WIRE.clear()
            fn(10)
            echoes = [m for m in WIRE.types if m == "comm_msg"]
            if len(echoes) != 10 or widget.value != seq[0]:
                raise AssertionError(f"{name}: update not applied/echoed ({WIRE.types}, value={widget.value})")
            if not _last_is_echo():
                raise AssertionError(f"{name}: the last message was not an echo_update")
        WIRE.clear()
        first = seq[0]
        medians, bare = wire_and_bare(feed_core, feed_aw, counts.n(3000, 200), counts.n(15, 5))
        # The whole timed run, not just the check above: one comm_msg per operation (nothing merged).
        if WIRE.count("comm_msg") != seq[0] - first:
            raise AssertionError(f"{seq[0] - first} operations, {WIRE.count('comm_msg')} comm_msg")
        core.close()
        aw.close()
    return [wire_row("2", "front-end update: validate, apply, echo", GOAL, medians, bare)]


def _last_is_echo() -> bool:
    from .capture import SESSION

    frames = WIRE.last_frames
    # frames: ident, delimiter, hmac, header, parent, metadata, content
    content = SESSION.unpack(frames[-1])
    return bool(content["data"].get("method") == "echo_update")
