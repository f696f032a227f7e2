"""Talking to a real ipykernel over ZMQ as a front end does (jupyter_client)."""

from __future__ import annotations

import os
import queue
import sys
import textwrap
import time
from typing import Any

from jupyter_client.blocking.client import BlockingKernelClient


def kernel_env(**extra: str) -> dict[str, str]:
    """The kernelspec's argv may be plain "python": make it this interpreter."""
    bindir = os.path.dirname(sys.executable)
    return dict(os.environ, PATH=bindir + os.pathsep + os.environ.get("PATH", ""), **extra)


def until_idle(kc: BlockingKernelClient, parent_id: str, timeout: float = 30) -> list[dict[str, Any]]:
    """IOPub messages caused by ``parent_id`` up to its ``status: idle``."""
    out: list[dict[str, Any]] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            msg = kc.get_iopub_msg(timeout=0.5)
        except queue.Empty:
            continue
        if msg["parent_header"].get("msg_id") != parent_id:
            continue
        out.append(msg)
        if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
            return out
    raise TimeoutError(f"no idle for {parent_id}; got {[m['msg_type'] for m in out]}")


def execute(kc: BlockingKernelClient, code: str, timeout: float = 30) -> list[dict[str, Any]]:
    """Run code; fail on an error; return its IOPub messages."""
    msg_id = kc.execute(textwrap.dedent(code))
    iopub = until_idle(kc, msg_id, timeout)
    errors = [m["content"] for m in iopub if m["msg_type"] == "error"]
    assert not errors, errors[0]["traceback"]
    return iopub


def evaluate(kc: BlockingKernelClient, expr: str) -> Any:
    """The value of a literal-able expression in the kernel."""
    import ast

    iopub = execute(kc, f"print(repr({expr}))")
    text = "".join(m["content"]["text"] for m in iopub if m["msg_type"] == "stream")
    return ast.literal_eval(text.strip())


def send_comm(
    kc: BlockingKernelClient, msg_type: str, content: dict[str, Any], buffers: list[Any] | None = None
) -> str:
    """Send comm_open/comm_msg/comm_close on the shell channel; the buffers become extra ZMQ frames."""
    msg = kc.session.msg(msg_type, content=content)
    if buffers:
        msg["buffers"] = buffers
    kc.shell_channel.send(msg)
    return str(msg["header"]["msg_id"])


def comm_msgs(iopub: list[dict[str, Any]], *types: str) -> list[dict[str, Any]]:
    wanted = types or ("comm_open", "comm_msg", "comm_close")
    return [m for m in iopub if m["msg_type"] in wanted]


def summarize(msg: dict[str, Any]) -> str:
    """One line per wire message, for the test log."""
    content = msg["content"]
    data = dict(content.get("data") or {})
    state = data.pop("state", None)
    if isinstance(state, dict):
        data["state"] = {k: (v if len(repr(v)) < 40 else repr(v)[:37] + "...") for k, v in state.items()}
    sizes = [len(bytes(b)) for b in msg.get("buffers", [])]
    extra = f" target={content.get('target_name')} metadata={msg['metadata']}" if msg["msg_type"] == "comm_open" else ""
    return f"{msg['msg_type']} {content.get('comm_id', '')[:8]}{extra} data={data} buffers={sizes}"
