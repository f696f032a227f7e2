"""The standalone server over a real socket, driven by the `websockets` client: protocol, bad input, tabs."""

from __future__ import annotations

import asyncio
import json
import socket
import struct
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import ClientConnection, connect

from anywidget_core.hosts.standalone import StandaloneHost, StandaloneServer, serve
from anywidget_core.hosts.standalone.framing import decode_frame, encode_frame

from .widgets import Echo, counter_class

Counter = counter_class()

MAX_FRAME = 256 * 1024  # a small limit, so the oversized-frame test stays cheap


@pytest.fixture(scope="module")
def widgets() -> dict[str, Any]:
    return {"counter": Counter(value=3), "echo": Echo()}


@pytest.fixture(scope="module")
def server(widgets: dict[str, Any]) -> Iterator[StandaloneServer]:
    with serve(widgets, max_frame_bytes=MAX_FRAME) as running:
        yield running


class Client:
    """A raw front end: keeps every decoded frame it reads."""

    def __init__(self, server: StandaloneServer) -> None:
        self.ws: ClientConnection = connect(server.ws_url, max_size=None, open_timeout=10).__enter__()
        self.frames: list[tuple[str | None, Any, list[bytes]]] = []

    def send(self, model_id: str | None, data: Any, buffers: list[bytes] = ()) -> None:  # type: ignore[assignment]
        self.ws.send(encode_frame(model_id, data, [memoryview(b) for b in buffers]))

    def wait_for(self, match: Callable[[str | None, Any, list[bytes]], bool], timeout: float = 10) -> Any:
        """Read until a frame matches; returns its (model_id, data, buffers)."""
        deadline = time.monotonic() + timeout
        while True:
            raw = self.ws.recv(timeout=max(0.01, deadline - time.monotonic()))
            model_id, data, buffers = decode_frame(raw, max_bytes=1 << 40)
            frame = (model_id, data, [bytes(b) for b in buffers])
            self.frames.append(frame)
            if match(*frame):
                return frame

    def opened(self) -> dict[str, dict[str, Any]]:
        """Read the open frames of a fresh connection: model_id -> state."""
        states: dict[str, dict[str, Any]] = {}
        while len(states) < 2:
            model_id, data, _ = self.wait_for(lambda m, d, b: d.get("method") == "open")
            states[model_id] = data["state"]
        return states

    def error(self) -> dict[str, Any]:
        _, data, _ = self.wait_for(lambda m, d, b: d.get("method") == "error")
        return data  # type: ignore[no-any-return]

    def close(self) -> None:
        self.ws.close()


@pytest.fixture
def client(server: StandaloneServer) -> Iterator[Client]:
    c = Client(server)
    yield c
    c.close()


def healthy(server: StandaloneServer, widgets: dict[str, Any]) -> None:
    """A new client is served: it gets the open frames and a ping answered."""
    other = Client(server)
    try:
        states = other.opened()
        assert states[widgets["counter"].model_id]["value"] == widgets["counter"].value
        other.send(None, {"method": "ping", "id": 7})
        other.wait_for(lambda m, d, b: d == {"method": "pong", "id": 7})
    finally:
        other.close()


def test_open_carries_full_state_and_assets(client: Client, widgets: dict[str, Any]) -> None:
    states = client.opened()
    counter = states[widgets["counter"].model_id]
    assert counter["value"] == 3
    assert counter["_model_module"] == "anywidget"
    # the code comes once per socket, as module messages before the open that refers to them (SPEC §8.3)
    modules = {d["id"]: d["text"] for m, d, _ in client.frames if m is None and d["method"] == "module"}
    assert set(counter["_esm"]) == {"$module"} and set(counter["_css"]) == {"$module"}
    assert "awc-counter" in modules[counter["_esm"]["$module"]]
    assert "awc-counter" in modules[counter["_css"]["$module"]]
    assert modules[counter["_esm"]["$module"]] == type(widgets["counter"])._assets["_esm"].source


def test_update_applies_and_reaches_every_tab(server: StandaloneServer, widgets: dict[str, Any]) -> None:
    counter = widgets["counter"]
    a, b = Client(server), Client(server)
    try:
        a.opened(), b.opened()
        a.send(counter.model_id, {"method": "update", "state": {"value": 41}, "buffer_paths": []})
        a.wait_for(lambda m, d, _: d.get("method") == "echo_update" and d["state"] == {"value": 41})
        b.wait_for(lambda m, d, _: m == counter.model_id and d["state"] == {"value": 41})
        assert counter.value == 41
        counter.value = 42  # from this thread, not the server's
        for c in (a, b):
            c.wait_for(lambda m, d, _: d.get("method") == "update" and d["state"] == {"value": 42})
    finally:
        a.close()
        b.close()


def test_custom_message_with_buffers_both_ways(client: Client, widgets: dict[str, Any]) -> None:
    echo = widgets["echo"]
    client.opened()
    client.send(echo.model_id, {"method": "custom", "content": {"kind": "bytes"}}, [b"\x00\x01\xff"])
    _, data, buffers = client.wait_for(lambda m, d, b: d.get("method") == "custom")
    assert data["content"] == {"kind": "reversed"}
    assert buffers == [b"\xff\x01\x00"]
    assert echo.received[-1] == ({"kind": "bytes"}, [b"\x00\x01\xff"])


def test_binary_state_travels_as_buffer(client: Client, widgets: dict[str, Any]) -> None:
    echo = widgets["echo"]
    client.opened()
    echo.blob = bytes(range(256)) * 4
    _, data, buffers = client.wait_for(lambda m, d, b: m == echo.model_id and d.get("method") == "update")
    assert data["buffer_paths"] == [["blob"]]
    assert buffers == [bytes(range(256)) * 4]
    client.send(echo.model_id, {"method": "update", "state": {}, "buffer_paths": [["blob"]]}, [b"from js"])
    client.wait_for(lambda m, d, b: d.get("method") == "echo_update" and b == [b"from js"])
    assert echo.blob == b"from js"


def test_request_state_answers_the_asker(client: Client, widgets: dict[str, Any]) -> None:
    counter = widgets["counter"]
    client.opened()
    client.send(counter.model_id, {"method": "request_state"})
    _, data, _ = client.wait_for(lambda m, d, b: d.get("method") == "update" and "step" in d["state"])
    assert data["state"]["value"] == counter.value


def test_reconnect_gets_current_state(server: StandaloneServer, widgets: dict[str, Any]) -> None:
    counter = widgets["counter"]
    first = Client(server)
    first.opened()
    first.close()
    counter.value = 1234  # changed while no tab is connected
    again = Client(server)
    try:
        assert again.opened()[counter.model_id]["value"] == 1234
    finally:
        again.close()


def test_closed_socket_drops_its_links(server: StandaloneServer, widgets: dict[str, Any]) -> None:
    counter = widgets["counter"]
    before = set(counter.links)  # an earlier test's socket may still be closing: follow this socket's own link
    c = Client(server)
    c.opened()
    (mine,) = set(counter.links) - before
    c.close()
    deadline = time.monotonic() + 10
    while mine in counter.links and time.monotonic() < deadline:
        time.sleep(0.02)
    assert mine not in counter.links


BAD_FRAMES: list[tuple[str, Callable[[str], str | bytes], str]] = [
    ("truncated binary", lambda mid: struct.pack("<II", 2, 10) + b"abc", "too short"),
    ("lengths disagree", lambda mid: struct.pack("<II", 1, 99) + b"{}", "add up to"),
    ("invalid UTF-8", lambda mid: struct.pack("<II", 1, 3) + b"\xc3\x28{", "not valid UTF-8"),
    ("non-JSON text", lambda mid: "{model_id: 1", "not valid JSON"),
    ("JSON but no envelope", lambda mid: json.dumps([mid, {}]), "must be a JSON object"),
    ("model_id of wrong type", lambda mid: json.dumps({"model_id": 5, "data": {}}), "model_id must be"),
    ("unknown model", lambda mid: encode_frame("f" * 32, {"method": "update", "state": {}}), "unknown model_id"),
    ("data not an object", lambda mid: encode_frame(mid, [1, 2]), "must be a JSON object"),
    ("unknown method", lambda mid: encode_frame(mid, {"method": "explode"}), "unknown method"),
    ("state of wrong type", lambda mid: encode_frame(mid, {"method": "update", "state": [1]}), "malformed"),
    ("value of wrong type", lambda mid: encode_frame(mid, {"method": "update", "state": {"value": "9"}}), "value"),
    ("private field", lambda mid: encode_frame(mid, {"method": "update", "state": {"_esm": "alert(1)"}}), "private"),
    ("control frame", lambda mid: encode_frame(None, {"method": "update"}), "must be a ping"),
]


@pytest.mark.parametrize(("label", "make", "why"), BAD_FRAMES, ids=[b[0] for b in BAD_FRAMES])
def test_bad_input_gets_an_error_and_the_server_keeps_serving(
    server: StandaloneServer,
    widgets: dict[str, Any],
    client: Client,
    label: str,
    make: Callable[[str], str | bytes],
    why: str,
) -> None:
    counter = widgets["counter"]
    value, esm = counter.value, counter._assets["_esm"].source
    client.opened()
    client.ws.send(make(counter.model_id))
    error = client.error()
    assert error["method"] == "error"
    assert why in error["message"] or why in error["code"], error
    # nothing was applied, and the same socket and a new one both still work
    assert counter.value == value
    assert counter._assets["_esm"].source == esm
    client.send(counter.model_id, {"method": "update", "state": {"value": value + 1}, "buffer_paths": []})
    client.wait_for(lambda m, d, b: d.get("method") == "echo_update")
    assert counter.value == value + 1
    healthy(server, widgets)


def test_private_field_error_names_the_model(client: Client, widgets: dict[str, Any]) -> None:
    counter = widgets["counter"]
    client.opened()
    client.send(counter.model_id, {"method": "update", "state": {"_esm": "alert(1)"}, "buffer_paths": []})
    model_id, data, _ = client.wait_for(lambda m, d, b: d.get("method") == "error")
    assert model_id == counter.model_id
    assert data["code"] == "private_field"


def test_oversized_frame_closes_only_that_socket(server: StandaloneServer, widgets: dict[str, Any]) -> None:
    big = Client(server)
    big.opened()
    big.send(widgets["echo"].model_id, {"method": "custom", "content": None}, [b"x" * (MAX_FRAME + 1)])
    with pytest.raises(ConnectionClosed) as closed:
        while True:
            big.ws.recv(timeout=10)
    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == 1009  # "message too big", from uvicorn's ws_max_size
    assert widgets["echo"].received[-1:] != [(None, [b"x" * (MAX_FRAME + 1)])]
    healthy(server, widgets)


def test_cross_origin_socket_is_refused(server: StandaloneServer, widgets: dict[str, Any]) -> None:
    with pytest.raises((InvalidStatus, ConnectionClosed)):
        ws = connect(server.ws_url, origin="http://evil.example", open_timeout=10).__enter__()  # type: ignore[arg-type]
        ws.recv(timeout=10)
    same = connect(server.ws_url, origin=server.root.rstrip("/"), open_timeout=10).__enter__()  # type: ignore[arg-type]
    try:
        methods = [json.loads(same.recv(timeout=10))["data"]["method"]]
        while methods[-1] == "module":  # the widget code comes first (SPEC §8.3)
            methods.append(json.loads(same.recv(timeout=10))["data"]["method"])
        assert methods[-1] == "open"
    finally:
        same.close()


def test_sends_from_many_threads_keep_per_widget_order(client: Client, widgets: dict[str, Any]) -> None:
    counter, echo = widgets["counter"], widgets["echo"]
    client.opened()
    n = 300

    def count() -> None:
        for i in range(n):
            counter.value = 10_000 + i

    def talk() -> None:
        for i in range(n):
            echo.send({"seq": i})

    threads = [threading.Thread(target=count), threading.Thread(target=talk)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # read until both last messages are in, in whichever order the two widgets' streams interleave
    lasts = [("state", {"value": 10_000 + n - 1}), ("content", {"seq": n - 1})]
    while not all(any(f[1].get(key) == last for f in client.frames) for key, last in lasts):
        client.wait_for(lambda m, d, b: True)
    values = [d["state"]["value"] for m, d, _ in client.frames if m == counter.model_id and d["method"] == "update"]
    seqs = [d["content"]["seq"] for m, d, _ in client.frames if m == echo.model_id and d["method"] == "custom"]
    assert values == [10_000 + i for i in range(n)]
    assert seqs == list(range(n))


def test_page_lists_widgets_and_serves_the_runtime_route(server: StandaloneServer, widgets: dict[str, Any]) -> None:
    import urllib.request

    with urllib.request.urlopen(server.url, timeout=10) as response:
        page = response.read().decode()
    assert widgets["counter"].model_id in page and '"counter"' in page
    with urllib.request.urlopen(f"{server.root}page.js?token={server.token}", timeout=10) as response:
        assert "WebSocket" in response.read().decode()


def test_probe_goes_through_the_socket() -> None:
    host = StandaloneHost()
    try:
        counter = Counter()
        probe = host.probe(counter)
        (opened,) = probe.take()
        assert opened.model_id == counter.model_id and opened.data["method"] == "open"
        probe.deliver({"method": "update", "state": {"value": 5}, "buffer_paths": []})
        (echo,) = probe.take()
        assert echo.data == {"method": "echo_update", "state": {"value": 5}, "buffer_paths": []}
        assert counter.value == 5
        probe.deliver({"method": "custom", "content": {"kind": "reset"}})
        kinds = [r.data.get("content", r.data.get("state")) for r in probe.take()]
        assert kinds == [{"value": 0}, {"kind": "was"}]
        probe.close()
        assert probe.take() == []
        assert not counter.links
    finally:
        host.shutdown()


def test_a_client_over_the_output_budget_is_dropped_with_a_reason(
    server: StandaloneServer, widgets: dict[str, Any]
) -> None:
    from anywidget_core.hosts.standalone import ServerLimits

    with serve(widgets, limits=ServerLimits(output_bytes=1)) as tight:  # even the open frames are more than this
        slow = Client(tight)
        with pytest.raises(ConnectionClosed) as closed:
            while True:
                slow.ws.recv(timeout=10)
        assert closed.value.rcvd is not None
        assert closed.value.rcvd.code == 1013
        assert "output budget" in closed.value.rcvd.reason and "reconnect" in closed.value.rcvd.reason
        wait_until_released = time.monotonic() + 10  # the writer lets go of a frame it was sending as it ends
        while tight.output.total and time.monotonic() < wait_until_released:
            time.sleep(0.02)
        assert tight.output.total == 0  # everything it held is released
    healthy(server, widgets)  # the module's other server never noticed


def test_children_open_before_their_parent_and_when_added() -> None:
    from .widgets import Box

    first, later = Counter(value=1), Counter(value=2)
    box = Box(children=[first])
    with serve({"box": box}) as running:
        c = Client(running)
        try:
            ids = [c.wait_for(lambda m, d, b: d.get("method") == "open")[0] for _ in range(2)]
            assert ids == [first.model_id, box.model_id]
            box.children = [first, later]
            model_id, data, _ = c.wait_for(lambda m, d, b: d.get("method") in ("open", "update"))
            assert (model_id, data["method"]) == (later.model_id, "open")  # the new child is opened first
            model_id, data, _ = c.wait_for(lambda m, d, b: d.get("method") == "update")
            assert model_id == box.model_id
            assert data["state"]["children"] == [f"anywidget:{first.model_id}", f"anywidget:{later.model_id}"]
            c.send(later.model_id, {"method": "update", "state": {"value": 9}, "buffer_paths": []})
            c.wait_for(lambda m, d, b: m == later.model_id and d.get("method") == "echo_update")
            assert later.value == 9  # a child opened later is reachable on the same socket
        finally:
            c.close()


def test_foreign_host_header_is_refused(server: StandaloneServer) -> None:
    """DNS rebinding: a page on another name that resolves to 127.0.0.1 gets nothing."""
    import http.client

    conn = http.client.HTTPConnection(server.host, server.port, timeout=10)
    try:
        conn.request("GET", "/", headers={"Host": f"evil.example:{server.port}"})
        assert conn.getresponse().status == 400
    finally:
        conn.close()
    # The WebSocket handshake, by hand: the client library always writes the real Host.
    with socket.create_connection((server.host, server.port), timeout=10) as raw:
        raw.sendall(
            b"GET /ws HTTP/1.1\r\nHost: evil.example\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
        )
        status = raw.recv(1024).split(b"\r\n", 1)[0]
    assert b" 101 " not in status, status
    assert status.startswith(b"HTTP/1.1 4") or status.startswith(b"HTTP/1.1 5"), status


@pytest.mark.parametrize("bad", ["\ud800", float("nan")], ids=["lone surrogate", "NaN"])
def test_a_message_that_cannot_be_encoded_harms_only_itself(
    server: StandaloneServer, widgets: dict[str, Any], bad: Any, caplog: pytest.LogCaptureFixture
) -> None:
    """Whatever lets such a value reach a transport (the core refuses them in state), the socket writer never
    sees it: the sender's tab gets an error for that message, and every tab, widget and send keeps working."""
    echo, counter = widgets["echo"], widgets["counter"]
    a, b = Client(server), Client(server)
    try:
        a.opened(), b.opened()
        link = echo.links[max(echo.links, key=lambda key: key[-1])]  # the newest socket's: b's
        assert link.transport is not None
        link.transport.send({"method": "custom", "content": {"text": bad}}, [])  # straight to b's socket
        _, error, _ = b.wait_for(lambda m, d, _: d.get("method") == "error")
        assert error["code"] == "invalid_value" and "could not send" in error["message"]
        assert any("cannot send" in r.getMessage() for r in caplog.records if r.levelname == "ERROR")
        counter.value += 1  # both tabs, the bad one included, still get every later message
        for c in (a, b):
            c.wait_for(lambda m, d, _: d.get("state") == {"value": counter.value})
        echo.send({"kind": "after"})
        b.wait_for(lambda m, d, _: d.get("content") == {"kind": "after"})
        healthy(server, widgets)
    finally:
        a.close()
        b.close()


def _messages(url: str, opens: int) -> list[str | bytes]:
    """The raw WebSocket messages of a fresh connection until ``opens`` opens have come."""
    got: list[str | bytes] = []
    with connect(url, max_size=None, open_timeout=10) as ws:
        while sum(m.count('"method":"open"') if isinstance(m, str) else 1 for m in got) < opens:
            got.append(ws.recv(timeout=10))
    return got


def _frames(messages: list[str | bytes]) -> list[tuple[str | None, str]]:
    """(model_id, method) of every message, batches unpacked in order; a batch holds text frames only."""
    out: list[tuple[str | None, str]] = []
    for raw in messages:
        parsed = json.loads(raw) if isinstance(raw, str) else None
        for one in parsed if isinstance(parsed, list) else [None]:
            frame = raw if one is None else json.dumps(one)
            model_id, data, _ = decode_frame(frame, max_bytes=1 << 40)
            out.append((model_id, data["method"]))
    return out


def test_a_client_that_asks_gets_text_frames_batched_in_the_same_order() -> None:
    """SPEC §8.3: with ?batch=1 consecutive text frames may share a WebSocket message (a JSON array); binary
    frames stay alone and the order of everything is the unbatched one. Clients that do not ask get one each."""
    shown: dict[str, Any] = {f"c{i}": Counter(value=i) for i in range(200)}
    shown["echo"] = Echo(blob=b"\x01\x02")  # its open has a buffer: a binary frame amid the text ones
    shown.update({f"d{i}": Counter(value=i) for i in range(50)})
    with serve(shown) as server:
        plain = _messages(server.ws_url, len(shown))
        batched = _messages(server.ws_url + "&batch=1", len(shown))
    assert all(not (isinstance(m, str) and m.startswith("[")) for m in plain)
    assert _frames(batched) == _frames(plain)
    assert len(batched) < len(plain)  # 251 opens and a module per class: a handful of messages
    assert any(isinstance(m, bytes) for m in batched)


def test_next_frames_takes_consecutive_text_frames_within_its_bounds() -> None:
    from anywidget_core.hosts.standalone.session import Outgoing, Session

    loop = asyncio.new_event_loop()
    session = Session("k", loop)
    loop.close()  # never run: next_frames only clears the wakeup event
    kinds = ["t", "t", "t", "b", "t", "t", "t"]
    for i, kind in enumerate(kinds):
        frame: str | bytes = f'{{"n":{i}}}' if kind == "t" else b"\x00" * 8
        session.outbox.append(Outgoing(frame, 10, None))
    sizes = [len(session.next_frames(2, 1000)), len(session.next_frames(8, 1000)), len(session.next_frames(8, 1000))]
    assert sizes == [2, 1, 1]  # at most 2; the rest of the text run stops at the binary frame, which goes alone
    assert len(session.next_frames(8, 25)) == 2  # 3 text frames of 10 bytes, 25 bytes allowed
    assert len(session.next_frames(8, 25)) == 1
    assert session.next_frames(8, 25) == []
