"""``python -m benchmarks --cpu``: the libraries' own cost in workloads 1 and 2, in thread CPU time.

On a shared machine wall-clock medians of a few microseconds move by 2x between runs. This times each side in
thread CPU time (time spent preempted by other processes is not counted), takes the best of many batches (the
least disturbed), alternates the sides batch by batch, and excludes the wire as the "without the wire" notes
do. anywidget runs in the same process as the anchor. To compare two trees, run this once per tree, alternating.

The floors are what the ``comm`` package itself costs per message, paid before (handle_msg) or under (send)
any library: workload 2's "ours" is the anywidget-core line minus the handle_msg floor. Workload 2 is timed
again last with an IPython shell instance, as in a kernel, where that dispatch also fires IPython's events.
"""

from __future__ import annotations

import gc
import itertools
import os
import time
from collections.abc import Callable

from .capture import WIRE, _create, capturing, kernel_msg, wire_excluded
from .core_comm import comm_of
from .harness import Counts
from .libs import AwCounter, CoreCounter, show_aw, show_core

Batch = Callable[[int], object]


def _cpu_batch(fn: Batch, number: int) -> float:
    """Microseconds per operation of one batch, in this thread's CPU time, garbage collector paused."""
    gc.collect()
    gc.disable()
    try:
        start = time.thread_time()
        fn(number)
        return (time.thread_time() - start) / number * 1e6
    finally:
        gc.enable()
        WIRE.clear()  # the capture records every message type; keep it from growing over the run


def best_of(sides: dict[str, tuple[Batch, int]], repeat: int) -> dict[str, float]:
    """Best (lowest) per-operation time of each side over ``repeat`` batches, sides alternating."""
    best = {name: float("inf") for name in sides}
    names = list(sides)
    for round_ in range(repeat):
        for name in names if round_ % 2 == 0 else reversed(names):
            fn, number = sides[name]
            best[name] = min(best[name], _cpu_batch(fn, number))
    return best


def _updates(channel: object, seq: itertools.count[int]) -> Batch:
    comm_id = channel.comm_id  # type: ignore[attr-defined]
    handle = channel.handle_msg  # type: ignore[attr-defined]

    def feed(n: int) -> None:
        for _ in range(n):
            handle(kernel_msg(comm_id, {"method": "update", "state": {"value": next(seq)}, "buffer_paths": []}))

    return feed


def cpu_costs(counts: Counts) -> str:
    sets, updates, repeat = counts.n(2000, 200), counts.n(1000, 100), counts.n(60, 5)
    load = os.getloadavg()[0]
    with capturing(), wire_excluded():
        core, aw = CoreCounter(), AwCounter()
        show_core(core)
        show_aw(aw)
        seq = itertools.count(1)
        floor = _create(target_name="jupyter.widget", data={}, comm_id="f" * 32)
        floor.on_msg(lambda msg: None)
        sent = {"method": "update", "state": {"value": 1}, "buffer_paths": []}

        def set_core(n: int) -> None:
            for _ in range(n):
                core.value = next(seq)

        def set_aw(n: int) -> None:
            for _ in range(n):
                aw.value = next(seq)

        def send_floor(n: int) -> None:
            for _ in range(n):
                floor.send(sent, buffers=[])

        def build_only(n: int) -> None:
            for _ in range(n):
                kernel_msg(floor.comm_id, {"method": "update", "state": {"value": next(seq)}, "buffer_paths": []})

        one = best_of({"core": (set_core, sets), "anywidget": (set_aw, sets), "floor": (send_floor, sets)}, repeat)
        two = best_of(
            {
                "core": (_updates(comm_of(core.model_id), seq), updates),
                "anywidget": (_updates(aw.comm, seq), updates),
                "floor": (_updates(floor, seq), updates),
                "message": (build_only, updates),
            },
            repeat,
        )
        # In a kernel, get_ipython() returns the shell and the comm package fires pre_execute/post_execute
        # around every front-end message (IPython's own callbacks, and the adapter's post_execute flush).
        from IPython.core.interactiveshell import InteractiveShell

        from anywidget_core.hosts.jupyter.coalesce import hook_cell_end

        InteractiveShell.instance()
        hook_cell_end()  # what the adapter's first display does in a kernel
        shell = best_of(
            {
                "core": (_updates(comm_of(core.model_id), seq), updates),
                "anywidget": (_updates(aw.comm, seq), updates),
                "floor": (_updates(floor, seq), updates),
            },
            repeat,
        )
        core.close()
        aw.close()
        floor.close()
    return "\n".join(
        [
            f"thread CPU time, us per operation, best of {repeat} batches, wire excluded; load {load:.2f} -> "
            f"{os.getloadavg()[0]:.2f}",
            f"1 set int field:        core {one['core']:.3f}  anywidget {one['anywidget']:.3f}  "
            f"(floor: comm.send of one message {one['floor']:.3f})",
            f"2 front-end update:     core {two['core']:.3f}  anywidget {two['anywidget']:.3f}  "
            f"(floor: comm.handle_msg, do-nothing handler {two['floor']:.3f}, of which building the message "
            f"{two['message']:.3f})",
            f"2 ours (core - floor):  {two['core'] - two['floor']:.3f}",
            f"2 with an IPython shell: core {shell['core']:.3f}  anywidget {shell['anywidget']:.3f}  (floor "
            f"{shell['floor']:.3f}); ours {shell['core'] - shell['floor']:.3f}",
        ]
    )
