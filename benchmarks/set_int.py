"""Workload 1: Python sets a small int field; time until the ``update`` is serialized for the wire."""

from __future__ import annotations

from .capture import WIRE, capturing
from .harness import Counts, Row, wire_and_bare, wire_row
from .libs import AwCounter, CoreCounter, show_aw, show_core

GOAL = 10.0


def run(counts: Counts) -> list[Row]:
    with capturing():
        core, aw = CoreCounter(), AwCounter()
        show_core(core)
        show_aw(aw)
        seq = [0]

        def set_core(n: int) -> None:
            start = seq[0]
            for i in range(start, start + n):
                core.value = i + 1
            seq[0] = start + n

        def set_aw(n: int) -> None:
            start = seq[0]
            for i in range(start, start + n):
                aw.value = i + 1
            seq[0] = start + n

        # Every set must put one comm_msg on the wire for both libraries, or the comparison is void.
        for fn in (set_core, set_aw):
            WIRE.clear()
            fn(10)
            if WIRE.count("comm_msg") != 10:
                raise AssertionError(f"{fn.__name__}: expected 10 comm_msg, got {WIRE.types}")
        WIRE.clear()
        first = seq[0]
        medians, bare = wire_and_bare(set_core, set_aw, counts.n(5000, 300), counts.n(15, 5))
        # The whole timed run, not just the check above: one comm_msg per operation (nothing merged).
        if WIRE.count("comm_msg") != seq[0] - first:
            raise AssertionError(f"{seq[0] - first} operations, {WIRE.count('comm_msg')} comm_msg")
        core.close()
        aw.close()
    return [wire_row("1", "set int field -> update on the wire", GOAL, medians, bare)]
