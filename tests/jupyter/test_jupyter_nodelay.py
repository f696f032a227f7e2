"""The server extension hosts/jupyter/nodelay.py, in a real Jupyter server: with it, the server's end of a kernel
WebSocket has TCP_NODELAY; without it, it does not (Nagle's algorithm then holds the server's small frames for the
browser's delayed ACK, ~40 ms per widget round trip: benchmarks/README.md, workload 8c).

The option is read off the server's own socket: its file descriptor is duplicated into this process with
pidfd_getfd (Linux 5.6+), found through the socket inode /proc/net/tcp gives for the client's port."""

from __future__ import annotations

import ctypes
import json
import os
import socket
import urllib.request
import uuid
from pathlib import Path

import pytest
from jupyter_kernel_util import jupyterlab
from websockets.sync.client import connect

EXTENSION = "anywidget_core.hosts.jupyter.nodelay"
SYS_PIDFD_GETFD = 438  # the same number on every Linux architecture (the generic syscall table)


@pytest.mark.parametrize("enabled", [True, False], ids=["extension", "without"])
def test_kernel_websocket_nodelay(tmp_path: Path, enabled: bool) -> None:
    config = tmp_path / "config"
    config.mkdir()
    settings = {"ServerApp": {"jpserver_extensions": {EXTENSION: enabled}}}
    (config / "jupyter_server_config.json").write_text(json.dumps(settings))
    with jupyterlab(tmp_path, JUPYTER_CONFIG_DIR=str(config)) as url:
        request = urllib.request.Request(f"{url}/api/kernels", data=b"{}", method="POST")
        with urllib.request.urlopen(request, timeout=60) as response:
            kernel = json.load(response)["id"]
        channels = f"{url.replace('http', 'ws', 1)}/api/kernels/{kernel}/channels?session_id={uuid.uuid4().hex}"
        with connect(channels, open_timeout=60, max_size=None) as ws:
            _kernel_info(ws)  # the server has run the connection's connect() by the time the kernel answers
            client_port = ws.socket.getsockname()[1]
            assert _server_nodelay(client_port) is enabled


def _kernel_info(ws: object) -> None:
    msg_id = uuid.uuid4().hex
    header = {"msg_id": msg_id, "msg_type": "kernel_info_request", "session": "s", "username": "t", "version": "5.3"}
    message = {"header": header, "parent_header": {}, "metadata": {}, "content": {}, "channel": "shell"}
    ws.send(json.dumps(message))  # type: ignore[attr-defined]
    while True:
        reply = json.loads(ws.recv(timeout=60))  # type: ignore[attr-defined]
        if reply["msg_type"] == "kernel_info_reply" and reply["parent_header"].get("msg_id") == msg_id:
            return


def _server_nodelay(client_port: int) -> bool:
    """TCP_NODELAY on the server-side socket whose peer is ``client_port`` on loopback."""
    inode = _peer_socket_inode(client_port)
    pid, fd = _owner(inode)
    libc = ctypes.CDLL(None, use_errno=True)
    pidfd = os.pidfd_open(pid)
    try:
        copied = libc.syscall(SYS_PIDFD_GETFD, pidfd, fd, 0)
        assert copied >= 0, os.strerror(ctypes.get_errno())
    finally:
        os.close(pidfd)
    with socket.socket(fileno=copied) as sock:
        return bool(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))


def _peer_socket_inode(client_port: int) -> str:
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            remote_port = int(fields[2].rsplit(":", 1)[1], 16)
            if remote_port == client_port:
                return fields[9]
    raise AssertionError(f"no server socket with peer port {client_port}")


def _owner(inode: str) -> tuple[int, int]:
    target = f"socket:[{inode}]"
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            for fd in (proc / "fd").iterdir():
                if os.readlink(fd) == target:
                    return int(proc.name), int(fd.name)
        except OSError:  # processes come and go; others' fds may be unreadable
            continue
    raise AssertionError(f"no process holds {target}")
