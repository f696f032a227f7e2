"""Many writers on one widget at once: 8 threads, anyio tasks and a front end, with observers running.

What every front end saw, replayed in order, must equal Python's final state; each writer's values must reach
the front ends in the order it set them; nothing may deadlock (every wait has a timeout).
"""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

import anyio
import pytest

from anywidget_core import Change, Widget
from anywidget_core.host import MemoryHost, Received
from anywidget_core.hosts.jupyter import JupyterHost
from anywidget_core.hosts.jupyter import coalesce as jupyter_coalesce
from anywidget_core.hosts.standalone import StandaloneHost

THREADS = 8
PER_WRITER = 10_000
STRIDE = 1_000_000  # writer k writes k * STRIDE + i, so a value says who wrote it and when


class Shared(Widget):
    value: int = 0  # threads and the front end
    other: int = 0  # anyio tasks
    seen: int = 0  # observers write here (a change made inside an observer)


def _replay(frames: list[Received]) -> dict[str, Any]:
    state: dict[str, Any] = {}
    for frame in frames:
        if frame.data.get("method") in ("open", "update", "echo_update"):
            state.update(frame.data["state"])
    return state


def _writers_in_order(frames: list[Received], field: str) -> None:
    last: dict[int, int] = {}
    for frame in frames:
        if frame.data.get("method") == "update" and field in frame.data["state"]:
            value = frame.data["state"][field]
            writer, step = divmod(value, STRIDE)
            assert step >= last.get(writer, -1), f"writer {writer} went back from {last[writer]} to {step}"
            last[writer] = step


@pytest.mark.timeout(300)
def test_threads_tasks_and_a_front_end_at_once() -> None:
    widget = Shared()
    memory = MemoryHost().probe(widget)
    jupyter = JupyterHost().probe(widget)
    observed = {"sync": 0, "async": 0}
    lock = threading.Lock()

    def count(change: Change) -> None:
        with lock:
            observed["sync"] += 1
        if change.name == "value" and change.new % 997 == 0:
            widget.seen = change.new  # an observer's own write, racing with everyone else's

    async def count_async(change: Change) -> None:
        await anyio.sleep(0)
        with lock:
            observed["async"] += 1

    widget.observe(count)
    widget.observe(count_async, "other")
    errors: list[BaseException] = []

    def guarded(target: Any, *args: Any) -> None:
        try:
            target(*args)
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)

    def thread_writer(k: int) -> None:
        for i in range(PER_WRITER):
            widget.value = k * STRIDE + i
            if i % 500 == 0:
                with widget.hold_sync():
                    widget.value = k * STRIDE + i
                    widget.seen = -k

    def front_end_writer() -> None:
        k = THREADS + 1
        for i in range(PER_WRITER):
            memory.deliver({"method": "update", "state": {"value": k * STRIDE + i}, "buffer_paths": []})

    async def tasks_writer() -> None:
        async def one(i: int) -> None:
            widget.other = STRIDE * 0 + i  # writer 0 is the anyio side
            await anyio.sleep(0)

        async with anyio.create_task_group() as group:
            for i in range(PER_WRITER):
                group.start_soon(one, i)

    threads = [threading.Thread(target=guarded, args=(thread_writer, k + 1)) for k in range(THREADS)]
    threads.append(threading.Thread(target=guarded, args=(front_end_writer,)))
    threads.append(threading.Thread(target=guarded, args=(anyio.run, tasks_writer)))
    for t in threads:
        t.start()
    deadline = time.monotonic() + 240
    for t in threads:
        t.join(max(0.0, deadline - time.monotonic()))
    assert not any(t.is_alive() for t in threads), "deadlock: a writer never finished"
    assert not errors, errors
    jupyter_coalesce.flush_all()  # what the Jupyter front end gets when the burst window ends

    final = widget.get_state()
    for name, probe in (("memory", memory), ("jupyter", jupyter)):
        frames = probe.take() if name == "memory" else jupyter.frames
        seen = _replay(frames if name == "jupyter" else memory.frames)
        assert {k: seen[k] for k in final} == final, f"{name} front end ended on a different state"
        _writers_in_order(memory.frames if name == "memory" else jupyter.frames, "value")
    assert observed["sync"] > 0 and observed["async"] > 0
    widget.close()


def test_async_handlers_do_not_block_the_standalone_loop() -> None:
    """An ``async def`` handler waiting on the next message: if it ran to completion where the message was
    handled, that next message could never arrive (the probe's delivery would time out)."""

    class Gate(Widget):
        value: int = 0

    widget = Gate()
    gate: dict[str, asyncio.Event] = {}

    async def handler(w: Widget, content: Any, buffers: list[memoryview]) -> None:
        event = gate.setdefault("event", asyncio.Event())
        if content == "wait":
            await event.wait()
            widget.value += 1
        elif content == "open":
            event.set()

    widget.on_msg(handler)
    host = StandaloneHost()
    try:
        probe = host.probe(widget)
        probe.take()
        probe.deliver({"method": "custom", "content": "wait"})
        probe.deliver({"method": "custom", "content": "wait"})
        assert widget.value == 0
        probe.deliver({"method": "custom", "content": "open"})
        deadline = time.monotonic() + 10
        while widget.value < 2 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert widget.value == 2
        updates = [r.data["state"] for r in probe.take() if r.data.get("method") == "update"]
        assert {"value": 2} in updates
    finally:
        host.shutdown()
