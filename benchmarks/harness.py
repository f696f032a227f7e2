"""Timing and the result table.

Both libraries run in the same process, alternating batch by batch (the order flips every round), and each
side's median per-operation time is reported, as ``timeit.repeat`` does: on a shared 2-core machine the
interleaving exposes both sides to the same noise, and the median ignores the outliers.
"""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

Batch = Callable[[int], object]  # runs an operation n times


@dataclass(frozen=True)
class Counts:
    """How hard each workload works: ``--quick`` uses small counts (for the test), otherwise full."""

    quick: bool

    def n(self, full: int, quick: int) -> int:
        return quick if self.quick else full


def interleaved(sides: dict[str, Batch], number: int, repeat: int) -> dict[str, float]:
    """Median seconds per operation of each side, batches alternated; one warm-up batch each first."""
    for fn in sides.values():
        fn(max(1, number // 10))
    samples: dict[str, list[float]] = {name: [] for name in sides}
    names = list(sides)
    for round_ in range(repeat):
        for name in names if round_ % 2 == 0 else reversed(names):
            samples[name].append(timed(sides[name], number) / number)
    return {name: statistics.median(values) for name, values in samples.items()}


def timed(fn: Batch, number: int) -> float:
    """Seconds for ``fn(number)`` with the garbage collector paused (as timeit does)."""
    gc.collect()
    enabled = gc.isenabled()
    gc.disable()
    try:
        start = time.perf_counter()
        fn(number)
        return time.perf_counter() - start
    finally:
        if enabled:
            gc.enable()


@dataclass
class Row:
    """One line of the table. ``core``/``anywidget`` are seconds (``unit="s"``) or rates (``unit="/s"``)."""

    key: str
    workload: str
    core: float
    anywidget: float | None
    unit: str = "s"
    goal: str = "n/a"
    met: bool | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def ratio(self) -> float | None:
        """How many times better anywidget-core is (time, size, memory: anywidget/core; rate: core/anywidget)."""
        if self.anywidget is None or self.core <= 0 or self.anywidget <= 0:
            return None
        return self.core / self.anywidget if self.unit == "/s" else self.anywidget / self.core


def fmt_value(value: float | None, unit: str) -> str:
    if value is None:
        return "-"
    if unit == "s":
        for scale, suffix in ((1.0, "s"), (1e-3, "ms"), (1e-6, "us")):
            if value >= scale:
                return f"{value / scale:.3g} {suffix}"
        return f"{value * 1e9:.3g} ns"
    if unit == "B":  # sizes (workload 9)
        for scale, suffix in ((1 << 20, "MiB"), (1 << 10, "KiB")):
            if value >= scale:
                return f"{value / scale:.3g} {suffix}"
        return f"{value:.0f} B"
    if unit == "/s":
        return f"{value / 1e3:.3g}k/s" if value >= 1e3 else f"{value:.3g}/s"
    return f"{value:.3g} {unit}"


HEADER = ("workload", "anywidget-core median", "anywidget 0.11 median", "ratio", "goal", "met?")


def table(rows: Sequence[Row]) -> str:
    """The one table the benchmark prints (GitHub markdown, readable as plain text)."""
    lines = [HEADER]
    for row in rows:
        ratio = "-" if row.ratio is None else f"{row.ratio:.3g}x"
        met = "n/a" if row.met is None else ("yes" if row.met else "NO")
        lines.append(
            (
                f"{row.key}. {row.workload}",
                fmt_value(row.core, row.unit),
                fmt_value(row.anywidget, row.unit),
                ratio,
                row.goal,
                met,
            )
        )
    widths = [max(len(line[i]) for line in lines) for i in range(len(HEADER))]
    out = []
    for index, line in enumerate(lines):
        out.append("| " + " | ".join(cell.ljust(widths[i]) for i, cell in enumerate(line)) + " |")
        if index == 0:
            out.append("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(out)


def notes(rows: Sequence[Row]) -> str:
    return "\n".join(f"- {row.key}: {note}" for row in rows for note in row.notes)


def wire_and_bare(core: Batch, aw: Batch, number: int, repeat: int) -> tuple[dict[str, float], dict[str, float]]:
    """Medians with the wire (Session.msg/serialize) counted, then without it."""
    from .capture import wire_excluded

    with_wire = interleaved({"core": core, "aw": aw}, number, repeat)
    with wire_excluded():
        bare = interleaved({"core": core, "aw": aw}, number, repeat)
    return with_wire, bare


def wire_row(key: str, title: str, goal: float, with_wire: dict[str, float], bare: dict[str, float]) -> Row:
    """A ratio row judged with the wire counted, noting the wire-excluded times beside it."""
    row = Row(key, title, with_wire["core"], with_wire["aw"], goal=f">= {goal:g}x")
    row.met = (row.ratio or 0) >= goal
    row.notes.append(
        f"without the wire (no Session.msg/serialize): core {bare['core'] * 1e6:.2f} us, anywidget "
        f"{bare['aw'] * 1e6:.2f} us ({bare['aw'] / bare['core']:.3g}x); the wire alone is about "
        f"{(with_wire['core'] - bare['core']) * 1e6:.1f} us of the core median"
    )
    return row
