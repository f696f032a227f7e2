"""Timestamp hooks for :mod:`benchmarks.lab_trace`, one set per process of a JupyterLab widget round trip.

This file is copied into the traced server's root (so jupyter_server and the kernel can import it as
``lab_trace_hooks``); it is never imported by anywidget-core. Every event is one JSON line
``[time.time(), where, what, msg_id, msg_type, parent_msg_id]`` appended to the file named by
``AWC_TRACE_DIR``/``<process>.jsonl``, so all processes share the wall clock the browser's
``performance.timeOrigin + performance.now()`` also reads.
"""

from __future__ import annotations

import json
import os
import threading
import time
from typing import Any

_lock = threading.Lock()
_files: dict[str, Any] = {}


def _log(
    process: str, what: str, header: dict[str, Any] | None, parent: dict[str, Any] | None, extra: Any = None
) -> None:
    now = time.time()
    h = header or {}
    row = [now, process, what, h.get("msg_id"), h.get("msg_type"), (parent or {}).get("msg_id"), extra]
    with _lock:
        out = _files.get(process)
        if out is None:
            out = _files[process] = open(  # noqa: SIM115  # open for the process's life, line-buffered
                os.path.join(os.environ["AWC_TRACE_DIR"], f"{process}-{os.getpid()}.jsonl"), "a", buffering=1
            )
        out.write(json.dumps(row) + "\n")


def _parts(frames: list[Any]) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """Header and parent header of a ZMQ wire message (identities, <IDS|MSG>, hmac, header, parent, ...)."""
    raw = [bytes(f.buffer) if hasattr(f, "buffer") else bytes(f) for f in frames]
    try:
        i = raw.index(b"<IDS|MSG>")
        return json.loads(raw[i + 2]), json.loads(raw[i + 3])
    except (ValueError, IndexError):
        return None, None


# --- jupyter_server (a server extension) -------------------------------------------------------------------


def _jupyter_server_extension_points() -> list[dict[str, str]]:
    return [{"module": "lab_trace_hooks"}]


def _load_jupyter_server_extension(serverapp: Any) -> None:
    from jupyter_server.services.kernels.connection.channels import ZMQChannelsWebsocketConnection as C

    incoming, outgoing = C.handle_incoming_message, C.handle_outgoing_message

    def handle_incoming_message(self: Any, ws_msg: Any) -> None:
        header = parent = None
        if isinstance(ws_msg, bytes):  # v1.kernel.websocket.jupyter.org: offsets, channel, header, parent, ...
            n = int.from_bytes(ws_msg[:8], "little")
            offsets = [int.from_bytes(ws_msg[8 * (i + 1) : 8 * (i + 2)], "little") for i in range(n)]
            header = json.loads(ws_msg[offsets[1] : offsets[2]])
            parent = json.loads(ws_msg[offsets[2] : offsets[3]])
        _log("server", "ws_in", header, parent)
        incoming(self, ws_msg)
        _log("server", "zmq_sent", header, parent)

    def handle_outgoing_message(self: Any, stream: Any, msg_list: list[Any]) -> None:
        header, parent = _parts(msg_list)
        channel = getattr(stream, "channel", stream)
        _log("server", "zmq_in", header, parent, channel)
        outgoing(self, stream, msg_list)
        _log("server", "ws_written", header, parent, channel)

    C.handle_incoming_message = handle_incoming_message
    C.handle_outgoing_message = handle_outgoing_message
    _log("server", "port", None, None, serverapp.port)  # to pick this server's frames out of a packet capture

    app = serverapp.web_app
    log_request = app.log_request

    def log_every_request(handler: Any) -> None:  # the HTTP requests the page makes meanwhile (polling)
        request = handler.request
        _log("server", "http", None, None, [request.method, request.path, round(request.request_time() * 1e3, 2)])
        log_request(handler)

    app.log_request = log_every_request


# --- ipykernel (installed from the notebook's cell) ---------------------------------------------------------


def install_kernel(kernel: Any) -> None:
    """Hooks the shell channel thread's receive, the main thread's dispatch and comm_msg handler, and the IOPub
    thread's queue and send. The shell channel thread's callback is bound at kernel start, so it is re-registered
    on that thread's own loop."""
    from ipykernel.connect import get_connection_info

    ports = {k: v for k, v in get_connection_info(unpack=True).items() if k.endswith("_port")}
    _log("kernel", "ports", None, None, ports)  # to pick the kernel's frames out of a packet capture
    thread = kernel.shell_channel_thread
    if thread is not None:
        original = kernel.shell_channel_thread_main

        async def shell_channel_thread_main(msg: Any) -> None:
            header, parent = _parts(msg)
            _log("kernel", "shell_thread_recv", header, parent)
            await original(msg)
            _log("kernel", "shell_thread_forwarded", header, parent)

        done = threading.Event()

        def rebind() -> None:
            kernel.shell_stream.on_recv(shell_channel_thread_main, copy=False)
            done.set()

        thread.io_loop.add_callback(rebind)
        done.wait(5)

    dispatch = kernel.dispatch_shell

    async def dispatch_shell(msg: Any, *args: Any, **kwargs: Any) -> None:
        header, parent = _parts(msg)
        _log("kernel", "dispatch_start", header, parent)
        await dispatch(msg, *args, **kwargs)
        _log("kernel", "dispatch_end", header, parent)

    kernel.dispatch_shell = dispatch_shell

    comm_msg = kernel.shell_handlers["comm_msg"]

    def comm_handler(stream: Any, ident: Any, msg: dict[str, Any]) -> Any:
        _log("kernel", "handler_start", msg["header"], msg["parent_header"])
        try:
            return comm_msg(stream, ident, msg)
        finally:
            _log("kernel", "handler_end", msg["header"], msg["parent_header"])

    kernel.shell_handlers["comm_msg"] = comm_handler

    pub = kernel.iopub_thread
    queue, really_send = pub.send_multipart, pub._really_send

    def send_multipart(msg: Any, *args: Any, **kwargs: Any) -> None:
        header, parent = _parts(msg)
        _log("kernel", "iopub_queued", header, parent, threading.current_thread().name)
        queue(msg, *args, **kwargs)

    def _really_send(msg: Any, *args: Any, **kwargs: Any) -> None:
        header, parent = _parts(msg)
        _log("kernel", "iopub_sending", header, parent)
        really_send(msg, *args, **kwargs)
        _log("kernel", "iopub_sent", header, parent)

    pub.send_multipart = send_multipart
    pub._really_send = _really_send
