"""Bursts: 20,000 sets in one cell reach a REAL kernel client (ipykernel over ZMQ) as the final state.

IOPub is a PUB socket with a high-water mark of 1000: a client that reads only after the cell finished (a busy
browser) loses what overflowed, the last update and the cell's ``idle`` included. The Jupyter adapter merges
updates past its budget, so what the client gets is few, in order, and ends with the final value.
"""

from __future__ import annotations

import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from jupyter_client.blocking.client import BlockingKernelClient
from jupyter_client.manager import start_new_kernel

from anywidget_core import Widget
from anywidget_core.hosts.jupyter import JupyterHost
from anywidget_core.hosts.jupyter import coalesce as jupyter_coalesce

# The kernel-client helpers live beside the Jupyter tests (not a package): import them from their folder.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "jupyter"))
from jupyter_kernel_util import execute, kernel_env, until_idle

N = 20_000


@pytest.fixture(scope="module")
def kc() -> Iterator[BlockingKernelClient]:
    km, client = start_new_kernel(kernel_name="python3", env=kernel_env())
    try:
        yield client
    finally:
        client.stop_channels()
        km.shutdown_kernel(now=True)


@pytest.mark.timeout(180)
def test_burst_reaches_a_slow_kernel_client_as_the_final_state(kc: BlockingKernelClient) -> None:
    iopub = execute(
        kc,
        """
        import anywidget_core as awc
        class Burst(awc.Widget):
            value: int = 0
            other: int = 0
            blob: bytes = b""
        w = Burst()
        display(w)
        """,
        timeout=60,
    )
    (opened,) = [m for m in iopub if m["msg_type"] == "comm_open"]
    comm_id = opened["content"]["comm_id"]
    # One cell: a burst on two fields and a binary one, then a custom message that must come after the values.
    code = f"""
        for i in range({N}):
            w.value = i + 1
            if i % 3 == 0:
                w.other = i
            if i % 1000 == 0:
                w.blob = str(i).encode()
        w.send({{"after": w.value}})
        w.value = -1
    """
    msg_id = kc.execute(textwrap.dedent(code))
    reply = kc.get_shell_msg(timeout=120)
    assert reply["content"]["status"] == "ok", reply["content"]
    time.sleep(1.0)  # the client is busy: the kernel's output queues up on IOPub meanwhile
    iopub = until_idle(kc, msg_id, 60)  # a lost idle would time out here
    msgs = [m for m in iopub if m["msg_type"] == "comm_msg" and m["content"]["comm_id"] == comm_id]
    datas = [m["content"]["data"] for m in msgs]
    values = [d["state"]["value"] for d in datas if d["method"] == "update" and "value" in d["state"]]
    customs = [i for i, d in enumerate(datas) if d["method"] == "custom"]
    print(f"{N} sets -> {len(msgs)} comm_msg received; last values {values[-3:]}", file=sys.stderr)
    assert len(msgs) < 1000  # under the high-water mark: nothing could be dropped
    assert values == [*sorted(values[:-1]), -1]  # in order, never a stale value after a newer one
    (custom,) = customs
    assert datas[custom]["content"] == {"after": N}
    before = [d["state"]["value"] for d in datas[:custom] if d["method"] == "update" and "value" in d["state"]]
    assert before[-1] == N  # the value set before the custom arrived before it
    last = {}
    blob = b""
    for m, d in zip(msgs, datas, strict=True):
        if d["method"] == "update":
            last.update(d["state"])
            if ["blob"] in d["buffer_paths"]:
                blob = bytes(m["buffers"][d["buffer_paths"].index(["blob"])])
    assert last["value"] == -1 and last["other"] == N - 1 - (N - 1) % 3
    assert blob == str((N - 1) // 1000 * 1000).encode()


def test_merged_updates_keep_order_with_custom_messages() -> None:
    """Through the adapter's real comm code (recording comms): over the budget, sets merge, and a custom
    message flushes them first."""

    class Pair(Widget):
        a: int = 0
        b: int = 0
        blob: bytes = b""

    widget = Pair()
    probe = JupyterHost().probe(widget)
    probe.frames.clear()
    for i in range(1, 501):
        widget.a = i
        widget.blob = bytes([i % 256])
    widget.b = 7
    widget.send("after")
    frames = [f.data for f in probe.frames]  # what left so far, no flush forced
    assert len(frames) < 200
    custom = frames.index({"method": "custom", "content": "after"})
    state: dict[str, Any] = {}
    for data in frames[:custom]:
        state.update(data["state"])
        state.update({p[0]: "buffer" for p in data["buffer_paths"]})
    assert state["a"] == 500 and state["b"] == 7 and state["blob"] == "buffer"
    last_blob = [f.buffers for f in probe.frames[:custom] if ["blob"] in f.data["buffer_paths"]][-1]
    assert last_blob == [bytes([500 % 256])]
    widget.a = 501  # after a burst, within the window: merged, sent when the window ends
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and probe.frames[-1].data.get("state") != {"a": 501}:
        time.sleep(0.01)
    assert probe.frames[-1].data == {"method": "update", "state": {"a": 501}, "buffer_paths": []}
    widget.close()
    deadline = time.monotonic() + jupyter_coalesce.IDLE_EXIT + 5
    while jupyter_coalesce.flusher_running() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not jupyter_coalesce.flusher_running()  # the flusher thread ends when idle
