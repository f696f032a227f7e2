"""``python -m benchmarks --breakdown``: where anywidget-core's time goes in workloads 1 and 2, without a profiler.

cProfile inflates small Python calls several times over, so this times each stage of the path directly, from
the outside in: every stage's time includes the stages listed under it. The wire (Session.msg/serialize) is
excluded throughout, as in the "without the wire" notes, and the floors show what the comm package itself
costs per message, which any library sending through a comm pays.
"""

from __future__ import annotations

import itertools
import time
import timeit
from collections.abc import Callable

from .capture import _create, capturing, kernel_msg, wire_excluded
from .core_comm import comm_of
from .harness import Counts
from .libs import AwCounter, CoreCounter, show_aw, show_core


def _best(fn: Callable[[], object], number: int, repeat: int) -> float:
    """Microseconds per call, the best of ``repeat`` batches (the least disturbed by other processes)."""
    # thread CPU time: on a shared machine, time spent preempted by other processes is not counted
    return min(timeit.repeat(fn, number=number, repeat=repeat, timer=time.thread_time)) / number * 1e6


def breakdown(counts: Counts) -> str:
    number, repeat = counts.n(20_000, 2_000), counts.n(7, 3)
    lines: list[str] = []
    with capturing(), wire_excluded():
        core, aw = CoreCounter(), AwCounter()
        show_core(core)
        show_aw(aw)
        (link,) = core.links.values()
        transport, connection = link.transport, link.connection
        assert transport is not None
        channel = comm_of(core.model_id)
        seq = itertools.count(1)
        floor = _create(target_name="jupyter.widget", data={}, comm_id="f" * 32)
        floor.on_msg(lambda msg: None)
        from anywidget_core.messages import Update

        update = Update(state={"value": 1}, buffer_paths=[])
        frame = connection.send(update)

        def set_core() -> None:
            core.value = next(seq)

        def set_aw() -> None:
            aw.value = next(seq)

        def inbound(value: int) -> dict[str, object]:
            return {"method": "update", "state": {"value": value}, "buffer_paths": []}

        codec = core._fields["value"].codec
        one = [
            ("anywidget: `w.value = i`", set_aw),
            ("anywidget-core: `w.value = i` (Field.__set__)", set_core),
            ("  codec.from_python of i (the field's validation)", lambda: codec.from_python(7)),
            (
                "  Widget._set_one (compare, assign, deliver; no observers)",
                lambda: core._set_one("value", next(seq)),
            ),
            (
                "    Link.deliver_flat (Connection.send_flat + transport)",
                lambda: link.deliver_flat("update", {"value": 1}),
            ),
            (
                "      Connection.send_flat (phase check, the message's data)",
                lambda: connection.send_flat("update", {"value": 1}),
            ),
            ("      Jupyter adapter transport.send (burst control, comm.send)", lambda: transport.send(frame.data, [])),
            ("        floor: comm.send of one message (comm package)", lambda: floor.send(frame.data, buffers=[])),
        ]
        two = [
            (
                "anywidget: comm.handle_msg(update)",
                lambda: aw.comm.handle_msg(kernel_msg(aw.comm.comm_id, inbound(next(seq)))),
            ),
            (
                "anywidget-core: comm.handle_msg(update)",
                lambda: channel.handle_msg(kernel_msg(channel.comm_id, inbound(next(seq)))),
            ),
            ("  Link.receive (all below + dispatch)", lambda: link.receive(inbound(next(seq)), [])),
            ("    Connection.receive (decode + validate)", lambda: connection.receive(inbound(next(seq)), [])),
            ("      Schema.decode of {'value': i}", lambda: connection.schema.decode({"value": 5})),
            (
                "    Widget._apply_frontend (assign, echo, observers)",
                lambda: core._apply_frontend(link, {"value": next(seq)}),
            ),
            (
                "      Link.deliver_flat(echo_update)",
                lambda: link.deliver_flat("echo_update", {"value": 1}),
            ),
            (
                "  floor: comm.handle_msg with a do-nothing handler (comm package)",
                lambda: floor.handle_msg(kernel_msg(floor.comm_id, inbound(1))),
            ),
            (
                "  building the kernel-shaped message (benchmark's own cost, in both)",
                lambda: kernel_msg(channel.comm_id, inbound(1)),
            ),
        ]
        for title, stages in (
            ("workload 1 (set int field), wire excluded", one),
            ("workload 2 (front-end update), wire excluded", two),
        ):
            lines.append(f"{title}: us per call, best of {repeat} x {number}")
            lines.extend(f"{_best(fn, number, repeat):8.2f}  {name}" for name, fn in stages)
            lines.append("")
        core.close()
        aw.close()
        floor.close()
    return "\n".join(lines)
