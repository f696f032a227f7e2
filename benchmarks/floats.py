"""Workload 6: 1e6 floats sent as a numpy array in a binary field vs as a ``list[float]`` field.

The array path should run at memory speed: no slower than one memcpy of the 8 MB (measured alongside as the
yardstick). The list path is the JSON cost both libraries pay for the same data.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .capture import WIRE, capturing
from .harness import Batch, Counts, Row, interleaved, timed
from .libs import AwBlob, AwFloats, CoreBlob, CoreFloats, show_aw, show_core

N = 1_000_000
LIST_VS_ARRAY_GOAL = 100.0


def run(counts: Counts) -> list[Row]:
    arrays = [np.random.default_rng(k).random(N) for k in range(2)]
    lists = [a.tolist() for a in arrays]
    flip = [0]

    def alternating(assign: Callable[[int], object]) -> Batch:
        def batch(n: int) -> None:
            for _ in range(n):
                flip[0] ^= 1
                assign(flip[0])

        return batch

    with capturing():
        cb, ab, cf, af = CoreBlob(), AwBlob(), CoreFloats(), AwFloats()
        show_core(cb)
        show_core(cf)
        show_aw(ab)
        show_aw(af)
        arr_core = alternating(lambda k: setattr(cb, "data", arrays[k]))
        arr_aw = alternating(lambda k: setattr(ab, "data", arrays[k].tobytes()))
        list_core = alternating(lambda k: setattr(cf, "values", lists[k]))
        list_aw = alternating(lambda k: setattr(af, "values", lists[k]))
        json_sizes = {}
        for name, fn in (("core", list_core), ("aw", list_aw)):
            WIRE.clear()
            fn(1)
            json_sizes[name] = len(WIRE.last_frames[-1])
            if WIRE.count("comm_msg") != 1 or json_sizes[name] < 8 * N:
                raise AssertionError(f"{name}: the list did not go out as JSON ({WIRE.types})")

        arr = interleaved({"core": arr_core, "aw": arr_aw}, counts.n(50, 5), counts.n(9, 3))
        lst = interleaved({"core": list_core, "aw": list_aw}, 1, counts.n(7, 3))
        memcpy = min(timed(lambda n: [arrays[0].copy() for _ in range(n)], 10) / 10 for _ in range(5))
        for w in (cb, ab, cf, af):
            w.close()

    r1 = Row("6a", "1e6 floats: numpy array -> binary field", arr["core"], arr["aw"])
    r1.goal = f"<= 1 memcpy of 8 MB ({memcpy * 1e3:.2f} ms)"
    r1.met = arr["core"] <= memcpy
    r1.notes.append("anywidget side uses its traitlets.Bytes trait (arr.tobytes())")
    r2 = Row("6b", "1e6 floats: list[float] field (JSON)", lst["core"], lst["aw"])
    r2.goal = f"list/array >= {LIST_VS_ARRAY_GOAL:g}x (core)"
    r2.met = lst["core"] / arr["core"] >= LIST_VS_ARRAY_GOAL
    r2.notes.append(
        f"core list path is {lst['core'] / arr['core']:,.0f}x its array path; JSON frame "
        f"{json_sizes['core'] / 1e6:.1f} MB (core) vs {json_sizes['aw'] / 1e6:.1f} MB (anywidget)"
    )
    return [r1, r2]
