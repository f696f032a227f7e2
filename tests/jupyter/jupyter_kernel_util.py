"""Talking to a real ipykernel over ZMQ as a front end does (jupyter_client)."""

from __future__ import annotations

import contextlib
import json
import os
import queue
import signal
import subprocess
import sys
import textwrap
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
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


# ------------------------------------------------------------------------------------ a real JupyterLab server


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def jupyter_app(root: Path, argv: list[str], ready: str = "/api/status", **env: str) -> Iterator[str]:
    """A Jupyter web app (``python -m <argv...>``) on loopback serving ``root``; yields its URL once ``ready``
    answers (any HTTP status).

    ``argv`` is the module and its own arguments; the port is appended. Kernel connection files go to
    ``root/runtime`` (see :func:`second_client`); ``env`` adds variables for the server and its kernels. The
    whole process group is killed on exit.
    """
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", *argv, f"--port={port}"],
        env=kernel_env(JUPYTER_RUNTIME_DIR=str(root / "runtime"), **env),
        cwd=root,
        stdout=open(root / "server.log", "w"),  # noqa: SIM115  # closed with the process
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert server.poll() is None, (root / "server.log").read_text()
            try:
                urllib.request.urlopen(f"{url}{ready}", timeout=1)
                break
            except urllib.error.HTTPError:  # it answers: it is up
                break
            except OSError:
                assert time.monotonic() < deadline, f"{argv[0]} did not start: " + (root / "server.log").read_text()
                time.sleep(0.1)
        yield url
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=10)


# A jupyter_server on loopback with no token (loopback only), serving the current directory.
SERVER_ARGS = [
    "--no-browser",
    "--ServerApp.ip=127.0.0.1",
    "--IdentityProvider.token=",
    "--ServerApp.password=",
    "--ServerApp.disable_check_xsrf=True",
    "--allow-root",
]


@contextlib.contextmanager
def jupyterlab(root: Path, app: str = "jupyterlab", **env: str) -> Iterator[str]:
    """A JupyterLab server (or, with ``app="notebook"``, Notebook 7, built on the same LabServerApp) on loopback
    serving ``root`` (no token: loopback only); yields its URL. ``window.jupyterapp`` is exposed in both.

    Kernel connection files go to ``root/runtime`` (see :func:`second_client`); ``env`` adds variables for the
    server and its kernels. The whole process group is killed on exit.
    """
    argv = [
        app,
        *SERVER_ARGS,
        f"--ServerApp.root_dir={root}",
        f"--{'LabApp' if app == 'jupyterlab' else 'JupyterNotebookApp'}.expose_app_in_browser=True",
        f"--LabServerApp.workspaces_dir={root / 'ws'}",
    ]
    with jupyter_app(root, argv, **env) as url:
        yield url


def second_client(url: str, root: Path) -> BlockingKernelClient:
    """A client of the one kernel the JupyterLab at ``url`` (serving ``root``) runs, beside the page's."""
    with urllib.request.urlopen(f"{url}/api/kernels") as response:
        (kernel,) = json.load(response)
    kc = BlockingKernelClient(connection_file=str(root / "runtime" / f"kernel-{kernel['id']}.json"))
    kc.load_connection_file()
    kc.start_channels()
    kc.wait_for_ready(timeout=30)
    return kc


def run_all_in_lab(page: Any, url: str, notebook: str, path: str = "lab/tree") -> float:
    """Open ``notebook`` in the JupyterLab (or, with ``path="notebooks"``, Notebook 7) at ``url`` in ``page``
    (Playwright), wait for its kernel, run every cell; returns when run-all was issued (``time.perf_counter()``)."""
    page.goto(f"{url}/{path}/{notebook}")
    page.wait_for_function("window.jupyterapp && document.querySelector('.jp-Notebook')", timeout=60_000)
    with contextlib.suppress(Exception):  # Lab may ask which kernel to use; the preselected python3 is right
        page.click(".jp-Dialog .jp-mod-accept", timeout=5_000)
    if path == "lab/tree":
        page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=60_000)
    else:  # Notebook 7's toolbar has no execution indicator: ask its one notebook's session
        page.wait_for_function(
            "window.jupyterapp.shell.currentWidget?.sessionContext?.session?.kernel?.status === 'idle'",
            timeout=60_000,
        )
    started = time.perf_counter()
    page.evaluate("() => { window.jupyterapp.commands.execute('notebook:run-all-cells'); }")
    return started
