"""Issue 13 on the standalone server over real sockets: a tab writing a value that cannot travel (a lone
surrogate, which ``JSON.stringify`` escapes as ``"\\ud800"``; NaN, which only a hostile client sends; 2**60) gets
an error; every tab stays connected and served, and a new tab renders from a state that can still be sent.

Before the fix the surrogate entered state and every connection's writer crashed on it (UnicodeEncodeError).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from websockets.sync.client import ClientConnection, connect

import anywidget_core as awc
from anywidget_core.hosts.standalone import StandaloneServer, serve
from anywidget_core.hosts.standalone.framing import decode_frame


class Label(awc.Widget):
    text: str = "start"
    x: float = 0.0
    n: int = 0


class Tab:
    """A raw tab that writes its frames as a browser does: ASCII JSON, lone surrogates escaped."""

    def __init__(self, server: StandaloneServer) -> None:
        self.ws: ClientConnection = connect(server.ws_url, max_size=None, open_timeout=10).__enter__()

    def send_text(self, model_id: str | None, data: Any) -> None:
        self.ws.send(json.dumps({"model_id": model_id, "data": data}, ensure_ascii=True))

    def wait_for(self, match: Callable[[str | None, Any], bool], timeout: float = 10) -> tuple[str | None, Any]:
        deadline = time.monotonic() + timeout
        while True:
            model_id, data, _ = decode_frame(self.ws.recv(timeout=max(0.01, deadline - time.monotonic())), 1 << 40)
            if match(model_id, data):
                return model_id, data

    def ping(self, token: int) -> None:
        self.send_text(None, {"method": "ping", "id": token})
        self.wait_for(lambda m, d: d == {"method": "pong", "id": token})


@pytest.fixture(scope="module")
def running() -> Iterator[tuple[StandaloneServer, Label, Label]]:
    poisoned, neighbour = Label(text="a"), Label(text="b")
    with serve({"poisoned": poisoned, "neighbour": neighbour}) as server:
        yield server, poisoned, neighbour


@pytest.mark.parametrize(
    "state", [{"text": "\ud800"}, {"x": float("nan")}, {"n": 2**60}], ids=["surrogate", "nan", "2**60"]
)
def test_a_poisoned_write_is_refused_and_every_tab_keeps_working(
    running: tuple[StandaloneServer, Label, Label], state: dict[str, Any]
) -> None:
    server, poisoned, neighbour = running
    writer, other = Tab(server), Tab(server)
    try:
        for tab in (writer, other):
            tab.wait_for(lambda m, d: m == neighbour.model_id and d.get("method") == "open")
        before = poisoned.get_state()
        writer.send_text(poisoned.model_id, {"method": "update", "state": state, "buffer_paths": []})
        _, error = writer.wait_for(lambda m, d: d.get("method") == "error")
        assert error["code"] == "invalid_value"
        assert poisoned.get_state() == before
        writer.ping(1)
        other.ping(2)
        # Later values still flow to every tab, and a new tab opens from a state that can be sent.
        new = f"ok😀{time.monotonic()}"
        writer.send_text(poisoned.model_id, {"method": "update", "state": {"text": new}, "buffer_paths": []})
        writer.wait_for(lambda m, d: d.get("method") == "echo_update" and d["state"] == {"text": new})
        other.wait_for(lambda m, d: d.get("method") == "echo_update" and d["state"] == {"text": new})
        neighbour.n = neighbour.n + 1
        for tab in (writer, other):
            tab.wait_for(lambda m, d: m == neighbour.model_id and d.get("state") == {"n": neighbour.n})
        fresh = Tab(server)
        try:
            _, opened = fresh.wait_for(lambda m, d: m == poisoned.model_id and d.get("method") == "open")
            assert opened["state"]["text"] == new
        finally:
            fresh.ws.close()
    finally:
        writer.ws.close()
        other.ws.close()
