"""Workload 4: create one widget and display it (its mimebundle); count the comms each library opens."""

from __future__ import annotations

from typing import Any

from .capture import WIRE, capturing
from .harness import Counts, Row, interleaved
from .libs import AwCounter, CoreCounter, show_aw, show_core

GOAL = 10.0


def run(counts: Counts) -> list[Row]:
    alive: list[Any] = []  # kept until after timing, so no comm is closed (by __del__) inside a batch

    def make_core(n: int) -> None:
        for _ in range(n):
            w = CoreCounter()
            show_core(w)
            alive.append(w)

    def make_aw(n: int) -> None:
        for _ in range(n):
            w = AwCounter()
            show_aw(w)
            alive.append(w)

    def close_all() -> None:
        for w in alive:
            w.close()
        alive.clear()

    with capturing():
        opens = {}
        for name, fn in (("core", make_core), ("aw", make_aw)):
            WIRE.clear()
            fn(10)
            opens[name] = WIRE.count("comm_open") / 10
            close_all()

        medians = interleaved({"core": make_core, "aw": make_aw}, counts.n(300, 30), counts.n(11, 3))
        close_all()
    row = Row("4", "create + display one widget", medians["core"], medians["aw"])
    row.goal = f"1 comm (anywidget: 2), >= {GOAL:g}x"
    row.met = opens["core"] == 1 and (row.ratio or 0) >= GOAL
    row.notes.append(f"comm_open per widget: anywidget-core {opens['core']:g}, anywidget {opens['aw']:g}")
    return [row]
