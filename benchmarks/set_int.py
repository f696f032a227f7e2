"""Workload 1: Python sets a small int field; time until the ``update`` is serialized for the wire."""

from __future__ import annotations

from .capture import WIRE, capturing, wire_excluded
from .harness import Counts, Row, interleaved
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
        medians = interleaved({"core": set_core, "aw": set_aw}, counts.n(5000, 300), counts.n(15, 5))
        with wire_excluded():
            bare = interleaved({"core": set_core, "aw": set_aw}, counts.n(5000, 300), counts.n(15, 5))
        core.close()
        aw.close()
    row = Row("1", "set int field -> update on the wire", medians["core"], medians["aw"], goal=f">= {GOAL:g}x")
    row.met = (row.ratio or 0) >= GOAL
    row.notes.append(
        f"without the wire (no Session.msg/serialize): core {bare['core'] * 1e6:.2f} us, anywidget "
        f"{bare['aw'] * 1e6:.2f} us ({bare['aw'] / bare['core']:.3g}x); the wire alone is about "
        f"{(medians['core'] - bare['core']) * 1e6:.1f} us of the core median"
    )
    return [row]
