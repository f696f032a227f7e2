"""The server extension hosts/jupyter/comm_busy.py, in a real Jupyter server with a real ipykernel, seen from a
WebSocket client as a browser sees it: with the extension, a comm message the kernel handles at once gets its
``idle`` but no ``busy`` (JupyterLab redraws its status display for each ``busy``: benchmarks/README.md, workload
8), and a comm message the kernel is slow with still shows ``busy``, then ``idle``; execute requests keep both.
Without the extension every comm message gets both."""

from __future__ import annotations

import json
import urllib.request
import uuid
from pathlib import Path
from typing import Any

import pytest
from jupyter_kernel_util import SERVER_ARGS, jupyter_app
from jupyter_server.gateway.connections import GatewayWebSocketConnection
from jupyter_server.services.kernels.connection.channels import ZMQChannelsWebsocketConnection
from websockets.sync.client import connect

from anywidget_core.hosts.jupyter.comm_busy import quiet_comm_busy

EXTENSION = "anywidget_core.hosts.jupyter.comm_busy"

# A comm target whose handler sleeps as long as the message asks, then answers.
TARGET = """
import time
def _open(comm, msg):
    @comm.on_msg
    def _(msg):
        time.sleep(msg["content"]["data"]["sleep"])
        comm.send({"pong": msg["content"]["data"]["sleep"]})
get_ipython().kernel.comm_manager.register_target("awc_busy_test", _open)
"""


@pytest.mark.parametrize("enabled", [True, False], ids=["extension", "without"])
def test_comm_busy(tmp_path: Path, enabled: bool) -> None:
    config = tmp_path / "config"
    config.mkdir()
    settings = {"ServerApp": {"jpserver_extensions": {EXTENSION: enabled}}}
    (config / "jupyter_server_config.json").write_text(json.dumps(settings))
    argv = ["jupyter_server", *SERVER_ARGS, f"--ServerApp.root_dir={tmp_path}"]
    with jupyter_app(tmp_path, argv, JUPYTER_CONFIG_DIR=str(config)) as url:
        request = urllib.request.Request(f"{url}/api/kernels", data=b"{}", method="POST")
        with urllib.request.urlopen(request, timeout=60) as response:
            kernel = json.load(response)["id"]
        channels = f"{url.replace('http', 'ws', 1)}/api/kernels/{kernel}/channels?session_id={uuid.uuid4().hex}"
        with connect(channels, open_timeout=60, max_size=None) as ws:
            execute = _request(ws, "execute_request", {"code": TARGET, "silent": False, "store_history": False})
            comm_id = uuid.uuid4().hex
            _request(ws, "comm_open", {"comm_id": comm_id, "target_name": "awc_busy_test", "data": {}})
            fast = _request(ws, "comm_msg", {"comm_id": comm_id, "data": {"sleep": 0}})
            slow = _request(ws, "comm_msg", {"comm_id": comm_id, "data": {"sleep": 0.5}})
    assert _states(execute) == ["busy", "idle"]  # only comm messages are touched
    assert _states(slow) == ["busy", "idle"]  # a slow widget callback still shows the kernel busy
    assert _states(fast) == (["idle"] if enabled else ["busy", "idle"])
    assert [m["content"]["data"] for m in fast if m["msg_type"] == "comm_msg"] == [{"pong": 0}]
    assert [m["content"]["data"] for m in slow if m["msg_type"] == "comm_msg"] == [{"pong": 0.5}]


def test_only_the_zmq_connection_class_is_wrapped() -> None:
    """A gateway's connection gets kernel messages as JSON text, not ZMQ parts: it is left alone; wrapping twice
    (the setting already wrapped) changes nothing."""
    assert quiet_comm_busy(GatewayWebSocketConnection) is GatewayWebSocketConnection
    wrapped = quiet_comm_busy(ZMQChannelsWebsocketConnection)
    assert issubclass(wrapped, ZMQChannelsWebsocketConnection) and wrapped is not ZMQChannelsWebsocketConnection
    assert quiet_comm_busy(wrapped) is wrapped


def _request(ws: Any, msg_type: str, content: dict[str, Any]) -> list[dict[str, Any]]:
    """Sends a shell request; returns the IOPub messages it caused, in order, up to and including its ``idle``."""
    msg_id = uuid.uuid4().hex
    header = {"msg_id": msg_id, "msg_type": msg_type, "session": "s", "username": "t", "version": "5.3", "date": ""}
    message = {"header": header, "parent_header": {}, "metadata": {}, "content": content, "channel": "shell"}
    ws.send(json.dumps(message))
    caused = []
    while True:
        reply = json.loads(ws.recv(timeout=60))
        if reply.get("channel") != "iopub" or reply["parent_header"].get("msg_id") != msg_id:
            continue
        caused.append(reply)
        if reply["msg_type"] == "status" and reply["content"]["execution_state"] == "idle":
            return caused


def _states(replies: list[dict[str, Any]]) -> list[str]:
    return [m["content"]["execution_state"] for m in replies if m["msg_type"] == "status"]
