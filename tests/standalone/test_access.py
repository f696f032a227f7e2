"""Who may use the standalone server, over real sockets: the per-run token (query, then cookie), the Host
allow-list against DNS rebinding (on loopback and on 0.0.0.0), and the WebSocket Origin check."""

from __future__ import annotations

import http.client
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from http.cookies import SimpleCookie
from typing import Any

import pytest
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import connect

from anywidget_core import Widget
from anywidget_core.hosts.standalone import StandaloneServer, serve
from anywidget_core.hosts.standalone.framing import decode_frame

from .widgets import COUNTER_PY


class Secret(Widget):
    value: int = 7


@pytest.fixture(scope="module")
def server() -> Iterator[StandaloneServer]:
    with serve({"secret": Secret()}) as running:
        yield running


def get(server: StandaloneServer, path: str, host: str | None = None, cookie: str | None = None) -> Any:
    """(status, body, set-cookie header) of one GET, with the Host and Cookie headers given."""
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    headers = {"Host": host or f"127.0.0.1:{server.port}"}
    if cookie:
        headers["Cookie"] = cookie
    try:
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        return response.status, response.read().decode(), response.getheader("set-cookie") or ""
    finally:
        conn.close()


def first_frame(url: str, **options: object) -> dict[str, object]:
    """The first message about a model (the widget code it refers to comes before it, SPEC §8.3)."""
    with connect(url, open_timeout=10, max_size=None, **options) as ws:  # type: ignore[arg-type]
        while True:
            model_id, data, _ = decode_frame(ws.recv(timeout=10), max_bytes=1 << 40)
            if model_id is not None:
                return data  # type: ignore[no-any-return]
            assert data["method"] == "module"


def ws_refused_reason(url: str, **options: object) -> str:
    """The close reason of a socket the server accepts and then closes with 1008."""
    with pytest.raises(ConnectionClosed) as closed, connect(url, open_timeout=10, **options) as ws:  # type: ignore[arg-type]
        ws.recv(timeout=10)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1008
    return closed.value.rcvd.reason


def raw_handshake(port: int, host: str, path: str = "/ws") -> bytes:
    """A WebSocket handshake by hand (client libraries always write the real Host); the status line."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
        raw.sendall(
            f"GET {path} HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n".encode()
        )
        return raw.recv(4096)


def test_url_carries_a_random_token_per_run(server: StandaloneServer) -> None:
    assert server.token and len(server.token) >= 40
    assert server.url == f"{server.root}?token={server.token}"
    with serve({"other": Secret()}) as other:
        assert other.token != server.token


@pytest.mark.parametrize("path", ["/", "/page.js", "/static/runtime.js", "/nothing-here"])
def test_every_route_needs_the_token(server: StandaloneServer, path: str) -> None:
    status, body, _ = get(server, path)
    assert status == 403
    assert "token" in body and "secret" not in body and Secret.__name__ not in body
    assert get(server, f"{path}?token=wrong{server.token}")[0] == 403
    assert get(server, path, cookie=f"{server.access.cookie_name}=wrong")[0] == 403
    # another server's cookie (same host, other port) is not this one's
    assert get(server, path, cookie=f"anywidget-core-token-1={server.token}")[0] == 403


def test_first_load_sets_an_httponly_strict_cookie_that_then_suffices(server: StandaloneServer) -> None:
    status, body, set_cookie = get(server, f"/?token={server.token}")
    assert status == 200 and "awc-widgets" in body
    cookie = SimpleCookie(set_cookie)[server.access.cookie_name]
    assert cookie.value == server.token
    assert cookie["httponly"] and cookie["samesite"] == "Strict" and cookie["path"] == "/"
    jar = f"{server.access.cookie_name}={cookie.value}"
    for path in ("/", "/page.js", "/static/runtime.js"):
        assert get(server, path, cookie=jar)[0] == 200, path
    bare = server.root.replace("http", "ws", 1) + "ws"
    assert first_frame(bare, additional_headers={"Cookie": jar})["method"] == "open"


def test_websocket_without_a_valid_token_is_closed_with_a_reason(server: StandaloneServer) -> None:
    plain = server.root.replace("http", "ws", 1) + "ws"
    assert "token" in ws_refused_reason(plain)
    assert "token" in ws_refused_reason(plain + "?token=" + server.token[:-1])
    assert "token" in ws_refused_reason(plain, additional_headers={"Cookie": f"{server.access.cookie_name}=x"})
    assert first_frame(server.ws_url)["method"] == "open"  # the token in the query


def test_explicit_token_and_no_token() -> None:
    with serve([Secret()], token="chosen-token") as chosen:
        assert chosen.url.endswith("?token=chosen-token")
        assert get(chosen, "/")[0] == 403
        assert get(chosen, "/?token=chosen-token")[0] == 200
    with serve([Secret()], token=False) as open_server:
        assert open_server.url == open_server.root and open_server.token is None
        status, _, set_cookie = get(open_server, "/")
        assert status == 200 and set_cookie == ""
        assert first_frame(open_server.ws_url)["method"] == "open"
    with pytest.raises(ValueError, match="token=False"):
        serve([Secret()], token="")


def test_foreign_host_names_are_refused_on_loopback(server: StandaloneServer) -> None:
    """DNS rebinding: a page on evil.example re-pointed at 127.0.0.1 sends Host: evil.example."""
    status, body, _ = get(server, f"/?token={server.token}", host=f"evil.example:{server.port}")
    assert status == 400 and "--allow-host" in body
    assert raw_handshake(server.port, "evil.example", f"/ws?token={server.token}").startswith(b"HTTP/1.1 400")
    for host in ("localhost", "127.0.0.1", "[::1]"):
        assert get(server, f"/?token={server.token}", host=f"{host}:{server.port}")[0] == 200, host


def test_any_address_keeps_the_host_check_and_allow_host_extends_it() -> None:
    with serve([Secret()], host="0.0.0.0", allow_hosts=["Box.LAN"]) as wide:
        query = f"/?token={wide.token}"
        assert get(wide, query, host=f"evil.example:{wide.port}")[0] == 400
        assert raw_handshake(wide.port, "evil.example", f"/ws?token={wide.token}").startswith(b"HTTP/1.1 400")
        assert get(wide, query, host=f"box.lan:{wide.port}")[0] == 200  # allowed by name, any case
        assert get(wide, query, host=f"10.1.2.3:{wide.port}")[0] == 200  # an IP address cannot be rebound
        assert get(wide, query, host=f"localhost:{wide.port}")[0] == 200


def test_cross_origin_websocket_is_refused_even_with_the_token(server: StandaloneServer) -> None:
    with pytest.raises(InvalidStatus) as refused:
        connect(server.ws_url, origin="http://evil.example", open_timeout=10).__enter__()  # type: ignore[arg-type]
    assert refused.value.response.status_code == 403
    assert b"cross-origin" in refused.value.response.body
    with pytest.raises(InvalidStatus):
        connect(server.ws_url, origin="null", open_timeout=10).__enter__()  # type: ignore[arg-type]
    assert first_frame(server.ws_url, origin=server.root.rstrip("/"))["method"] == "open"


def _serve_cli(*args: str, env: dict[str, str] | None = None, check: Any = None) -> str:
    """Start `anywidget-core serve` with args; return its printed URL (``check(url)`` runs while it serves)."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "anywidget_core", "serve", str(COUNTER_PY), "--no-browser", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
    )
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().strip()
        if check is not None:
            check(url)
        return url
    finally:
        proc.terminate()
        proc.communicate(timeout=30)


def test_cli_token_options() -> None:
    assert _serve_cli("--token", "from-flag").endswith("/?token=from-flag")
    assert _serve_cli(env={"ANYWIDGET_CORE_TOKEN": "from-env"}).endswith("/?token=from-env")
    url = _serve_cli("--no-token")
    assert url.endswith("/") and "token" not in url


def test_cli_allow_host_on_any_address() -> None:
    def check(url: str) -> None:
        port = int(url.split(":")[2].split("/")[0])
        token = url.split("?token=")[1]
        for host, status in (("box.lan", 200), ("evil.example", 400)):
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            try:
                conn.request("GET", f"/?token={token}", headers={"Host": f"{host}:{port}"})
                assert conn.getresponse().status == status, host
            finally:
                conn.close()

    assert _serve_cli("--host", "0.0.0.0", "--allow-host", "box.lan", check=check).startswith("http://0.0.0.0:")
