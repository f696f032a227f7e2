"""``python -m benchmarks --profile N``: where anywidget-core's time goes in a workload (cProfile).

Runs anywidget-core's side of workload N under cProfile over the same capturing comm and prints the functions
with the most own time, in microseconds per operation, so a missed goal points at code.
"""

from __future__ import annotations

import cProfile
import io
import pstats
from collections.abc import Callable

import numpy as np

from .capture import capturing, kernel_msg
from .core_comm import comm_of
from .harness import Counts
from .libs import CoreBlob, CoreCounter, CoreFloats, show_core


def _workload(key: str, n: int) -> Callable[[], None]:
    if key == "1":
        w = CoreCounter()
        show_core(w)

        def set_int() -> None:
            for i in range(n):
                w.value = i + 1

        return set_int
    if key == "2":
        w = CoreCounter()
        show_core(w)
        channel = comm_of(w.model_id)
        msgs = [
            kernel_msg(w.model_id, {"method": "update", "state": {"value": i + 1}, "buffer_paths": []})
            for i in range(n)
        ]

        def feed() -> None:
            for m in msgs:
                channel.handle_msg(m)

        return feed
    if key in ("3", "6"):
        size = 50 * 1024 * 1024 // 8 if key == "3" else 1_000_000
        arrays = [np.full(size, float(k)) for k in range(2)]
        b = CoreBlob()
        show_core(b)

        def set_blob() -> None:
            for i in range(n):
                b.data = arrays[i % 2]  # type: ignore[assignment]  # a bytes field takes any buffer

        return set_blob
    if key == "4":
        keep: list[CoreCounter] = []

        def create() -> None:
            for _ in range(n):
                w = CoreCounter()
                show_core(w)
                keep.append(w)  # no close (and comm_close) inside the profile

        return create
    raise SystemExit(f"--profile supports workloads 1, 2, 3, 4, 6 (in-process); got {key}")


def profile(key: str, counts: Counts) -> str:
    n = counts.n(20_000, 1000) if key in ("1", "2", "4") else counts.n(200, 20)
    with capturing():
        if key == "6":
            lists = [np.random.default_rng(k).random(1_000_000).tolist() for k in range(2)]
            f = CoreFloats()
            show_core(f)
            n = counts.n(5, 2)

            def fn() -> None:
                for i in range(n):
                    f.values = lists[i % 2]

        else:
            fn = _workload(key, n)
        fn()  # warm up
        prof = cProfile.Profile()
        prof.runcall(fn)
    stream = io.StringIO()
    stats = pstats.Stats(prof, stream=stream)
    total = stats.total_tt  # type: ignore[attr-defined]
    stream.write(f"workload {key}: {n} operations, {total / n * 1e6:.1f} us per operation under cProfile\n")
    stream.write("own time per operation (us), cumulative per operation (us), calls per operation, function\n")
    entries = sorted(stats.stats.items(), key=lambda kv: kv[1][2], reverse=True)  # type: ignore[attr-defined]
    for (filename, line, name), (_cc, ncalls, tottime, cumtime, _callers) in entries[:25]:
        where = filename.split("/work/main/")[-1] if "/work/main/" in filename else filename.rsplit("/", 1)[-1]
        stream.write(f"{tottime / n * 1e6:9.2f} {cumtime / n * 1e6:9.2f} {ncalls / n:6.2f}  {where}:{line}({name})\n")
    return stream.getvalue()
