"""Messages over 10 MiB in real JupyterLab, both ways, with the server extension hosts/jupyter/message_size.py.

Without the extension, tornado closes a kernel WebSocket on any browser frame over 10 MiB (1009 "message too big"):
``test_server_closes_large_frame_without_extension`` shows that limit on a real server. With it, a page's
``model.set(...); model.save_changes()`` and ``model.send(..., [buffer])`` of 12 MB reach Python with the exact
bytes (SHA-256 on both sides), and Python's 12 MB field and custom buffers reach the page.
"""

from __future__ import annotations

import hashlib
import json
import time
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from jupyter_kernel_util import (
    SERVER_ARGS,
    evaluate,
    execute,
    jupyter_app,
    jupyterlab,
    run_all_in_lab,
    second_client,
)
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from anywidget_core.hosts.jupyter import message_size

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]

EXTENSION = "anywidget_core.hosts.jupyter.message_size"
SIZE = 12_000_000  # over tornado's 10 MiB default (a multiple of 256)

MODULE = """\
import hashlib

import anywidget_core as awc

ESM = '''
export default {
  render({ model, el }) {
    el.className = "awc-large";
    globalThis.__large = model;
  },
};
'''


class Large(awc.Widget):
    _esm = ESM
    data: bytes = b""


def sha(buf):
    return hashlib.sha256(memoryview(buf).cast("B")).hexdigest()
"""

CELL = """\
from large_widget import Large, sha
w = Large()
got = []
w.on_msg(lambda _w, content, buffers: got.append(sha(buffers[0])))
w"""

# The page's bytes: a pattern Python rebuilds to compare (i * 7 mod 256).
PAGE_BYTES_JS = "n => { const b = new Uint8Array(n); for (let i = 0; i < n; i++) b[i] = (i * 7) & 255; return b; }"
SHA_JS = """async (v) => [...new Uint8Array(await crypto.subtle.digest("SHA-256",
  new Uint8Array(v.buffer, v.byteOffset, v.byteLength)))].map((b) => b.toString(16).padStart(2, "0")).join("")"""


def _page_bytes(n: int) -> bytes:
    return bytes((i * 7) & 255 for i in range(256)) * (n // 256) + bytes((i * 7) & 255 for i in range(n % 256))


def _config(root: Path, enabled: bool) -> str:
    config = root / "config"
    config.mkdir()
    settings = {"ServerApp": {"jpserver_extensions": {EXTENSION: enabled}}}
    (config / "jupyter_server_config.json").write_text(json.dumps(settings))
    return str(config)


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    root = tmp_path_factory.mktemp("lab-large")
    (root / "large_widget.py").write_text(MODULE)
    cell: dict[str, Any] = {
        "cell_type": "code",
        "id": "c1",
        "metadata": {},
        "outputs": [],
        "execution_count": None,
        "source": CELL,
    }
    notebook = {
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
        "cells": [cell],
    }
    (root / "large.ipynb").write_text(json.dumps(notebook))
    with jupyterlab(root, JUPYTER_CONFIG_DIR=_config(root, True)) as url:
        yield {"url": url, "root": root}


def _wait_until(check: Any, timeout: float = 60.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result or time.monotonic() > deadline:
            return result
        time.sleep(0.2)


def test_large_messages_both_ways_in_jupyterlab(lab: dict[str, Any], page: Any) -> None:
    closes: list[int] = []
    page.on("websocket", lambda ws: ws.on("close", lambda _ws: closes.append(1)))
    run_all_in_lab(page, lab["url"], "large.ipynb")
    page.wait_for_function("globalThis.__large", timeout=60_000)
    expected = hashlib.sha256(_page_bytes(SIZE)).hexdigest()
    kc = second_client(lab["url"], lab["root"])
    try:
        # page -> Python, a binary field: the author's plain set + save_changes
        page.evaluate(
            f"""() => {{ const b = ({PAGE_BYTES_JS})({SIZE});
                globalThis.__large.set("data", new DataView(b.buffer)); globalThis.__large.save_changes(); }}"""
        )
        assert _wait_until(lambda: evaluate(kc, "len(w.data)") == SIZE)
        assert evaluate(kc, "sha(w.data)") == expected

        # page -> Python, a custom message's buffer
        page.evaluate(f"() => globalThis.__large.send({{kind: 'big'}}, undefined, [({PAGE_BYTES_JS})({SIZE})])")
        assert _wait_until(lambda: evaluate(kc, "got") == [expected])

        # Python -> page, a field and a custom message's buffer
        # a length the page's upload did not have, so the wait below cannot match the old value
        execute(kc, f"w.data = bytes(range(256)) * {SIZE // 256 + 4}")
        page.wait_for_function(f"globalThis.__large.get('data').byteLength === {SIZE + 1024}", timeout=60_000)
        python_sha = evaluate(kc, "sha(w.data)")
        assert page.evaluate(f"async () => ({SHA_JS})(globalThis.__large.get('data'))") == python_sha
        page.evaluate(
            """() => { globalThis.__gotBuffer = null;
                globalThis.__large.on("msg:custom", (m, buffers) => { globalThis.__gotBuffer = buffers[0]; }); }"""
        )
        execute(kc, "w.send({'kind': 'big'}, buffers=[w.data])")
        page.wait_for_function("globalThis.__gotBuffer !== null", timeout=60_000)
        assert page.evaluate(f"async () => ({SHA_JS})(globalThis.__gotBuffer)") == python_sha
    finally:
        kc.stop_channels()
    assert not closes, "a kernel WebSocket closed"


def test_server_closes_large_frame_without_extension(tmp_path: Path) -> None:
    """The limit the extension lifts, on a real jupyter_server: a browser frame over 10 MiB closes the socket."""
    # a bare jupyter_server (the same kernel WebSocket handler as Lab's) starts faster than JupyterLab
    argv = ["jupyter_server", *SERVER_ARGS, f"--ServerApp.root_dir={tmp_path}"]
    with jupyter_app(tmp_path, argv, JUPYTER_CONFIG_DIR=_config(tmp_path, False)) as url:
        request = urllib.request.Request(f"{url}/api/kernels", data=b"{}", method="POST")
        with urllib.request.urlopen(request, timeout=60) as response:
            kernel = json.load(response)["id"]
        channels = f"{url.replace('http', 'ws', 1)}/api/kernels/{kernel}/channels?session_id={uuid.uuid4().hex}"
        with connect(channels, open_timeout=60, max_size=None) as ws:
            # Control: a kernel message just under the cap is answered.
            _kernel_info(ws, pad=10 * 1024 * 1024 - 2048)
            with pytest.raises(ConnectionClosed) as closed:
                _kernel_info(ws, pad=10 * 1024 * 1024 + 1)
        # tornado answers 1009 and drops the TCP connection, often before our sender has finished writing the
        # frame; then no close frame arrives and the sender sees a reset instead
        assert closed.value.rcvd is None or closed.value.rcvd.code == 1009, closed.value


def _kernel_info(ws: Any, pad: int) -> None:
    """A kernel_info request padded to about ``pad`` bytes (its metadata), and its reply."""
    msg_id = uuid.uuid4().hex
    header = {"msg_id": msg_id, "msg_type": "kernel_info_request", "session": "s", "username": "t", "version": "5.3"}
    metadata = {"pad": "x" * pad}
    ws.send(
        json.dumps({"header": header, "parent_header": {}, "metadata": metadata, "content": {}, "channel": "shell"})
    )
    while True:
        reply = json.loads(ws.recv(timeout=60))
        if reply["msg_type"] == "kernel_info_reply" and reply["parent_header"].get("msg_id") == msg_id:
            return


def test_an_administrators_cap_wins() -> None:
    settings: dict[str, Any] = {}
    message_size.raise_cap(settings)
    assert settings[message_size.SETTING] == message_size.MAX_MESSAGE_BYTES > 1 << 30
    chosen = {message_size.SETTING: 5 << 20}  # c.ServerApp.tornado_settings lands in the same settings
    message_size.raise_cap(chosen)
    assert chosen[message_size.SETTING] == 5 << 20
