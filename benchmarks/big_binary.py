"""Workload 3: update a 50 MB binary field from a numpy array.

anywidget-core takes the array itself (a ``bytes`` field accepts any C-contiguous buffer) and hands the comm a
view of it. anywidget is measured two ways: its idiomatic ``traitlets.Bytes`` trait (which only accepts
``bytes``, so the user pays ``arr.tobytes()``), and ``traitlets.Any`` holding a memoryview (its no-copy route).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .capture import WIRE, capturing
from .harness import Batch, Counts, Row, interleaved
from .libs import AwAny, AwBlob, CoreBlob, show_aw, show_core

GOAL = 100.0
SIZE = 50 * 1024 * 1024


def _shares(buffers: list[memoryview], array: np.ndarray) -> bool:
    return len(buffers) == 1 and bool(np.shares_memory(np.frombuffer(buffers[0], dtype=np.uint8), array))


def run(counts: Counts) -> list[Row]:
    size = counts.n(SIZE, SIZE)  # the size is the point of this workload; quick mode only repeats less
    arrays = [np.full(size // 8, float(k)) for k in range(2)]  # alternate two arrays: every set is a change
    with capturing():
        core, blob, anyv = CoreBlob(), AwBlob(), AwAny()
        for w in (core, blob, anyv):
            (show_core if w is core else show_aw)(w)
        flip = [0]

        def setter(assign: Callable[[np.ndarray], object]) -> Batch:
            def batch(n: int) -> None:
                for _ in range(n):
                    flip[0] ^= 1
                    assign(arrays[flip[0]])

            return batch

        set_core = setter(lambda a: setattr(core, "data", a))
        set_bytes = setter(lambda a: setattr(blob, "data", a.tobytes()))
        set_any = setter(lambda a: setattr(anyv, "data", memoryview(a.data)))

        # Proof of no copy: the buffer handed to the comm is a view of the user's array.
        WIRE.clear()
        core.data = arrays[1]  # type: ignore[assignment]  # a bytes field takes any buffer
        core_shares = _shares(WIRE.last_buffers, arrays[1])
        core.data = arrays[0]  # type: ignore[assignment]  # a bytes field takes any buffer
        core_shares = core_shares and _shares(WIRE.last_buffers, arrays[0]) and WIRE.count("comm_msg") == 2
        WIRE.clear()
        blob.data = arrays[1].tobytes()
        bytes_shares = _shares(WIRE.last_buffers, arrays[1])
        WIRE.clear()
        anyv.data = memoryview(arrays[1].data)
        any_shares = _shares(WIRE.last_buffers, arrays[1])

        number, repeat = counts.n(10, 2), counts.n(9, 3)
        medians = interleaved({"core": set_core, "bytes": set_bytes, "any": set_any}, number, repeat)
        # Constant time: a 1 MB array must cost about the same as 50 MB (no per-byte work).
        small = [np.full(1024 * 1024 // 8, float(k)) for k in range(2)]
        flip_small = [0]

        def set_small(n: int) -> None:
            for _ in range(n):
                flip_small[0] ^= 1
                core.data = small[flip_small[0]]  # type: ignore[assignment]

        small_median = interleaved({"core": set_small}, counts.n(200, 20), repeat)["core"]
        for w in (core, blob, anyv):
            w.close()

    const = medians["core"] < 5 * small_median + 20e-6
    share_note = f"core buffer shares memory with the user's array: {core_shares}"
    r1 = Row("3a", "50 MB array -> binary field (vs traitlets.Bytes)", medians["core"], medians["bytes"])
    r1.goal = f">= {GOAL:g}x, no copy, constant"
    r1.met = (r1.ratio or 0) >= GOAL and core_shares and const
    r1.notes += [
        share_note + f"; anywidget Bytes trait (arr.tobytes()): {bytes_shares}",
        f"core 1 MB vs 50 MB set: {small_median * 1e6:.1f} us vs {medians['core'] * 1e6:.1f} us (constant: {const})",
    ]
    r2 = Row("3b", "50 MB array -> binary field (vs traitlets.Any+memoryview)", medians["core"], medians["any"])
    r2.goal = r1.goal
    r2.met = (r2.ratio or 0) >= GOAL and core_shares and const
    r2.notes.append(f"anywidget Any+memoryview buffer shares memory with the array: {any_shares}")
    return [r1, r2]
