"""Who may use a standalone server: a per-run secret token, and the host names it answers to.

The server runs Python handlers for whoever drives its widgets, so, like Jupyter and ``marimo edit``, it asks
for a token: in the URL it prints (``?token=...``), then in an HttpOnly, SameSite=Strict cookie that the first
authenticated load sets. Every route needs it (the page, its scripts, the runtime, the WebSocket).

Independently, the ``Host`` header must name this server (DNS rebinding: a page on ``evil.example`` whose name
is re-pointed at this machine sends ``Host: evil.example``), and a browser's WebSocket must come from a page of
this server (``Origin``). An IP address in ``Host`` cannot be a rebinding (an origin that is an IP address is
that machine), so it is always allowed; names must be loopback names, the bind address or listed.

:class:`AccessGuard` is plain ASGI around the app, so nothing reaches a route without passing it.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from starlette.datastructures import Headers, QueryParams
from starlette.requests import cookie_parser
from starlette.types import ASGIApp, Receive, Scope, Send

log = logging.getLogger("anywidget_core.standalone")

TOKEN_PARAM = "token"
LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})
ANY_ADDRESS = frozenset({"0.0.0.0", "::", ""})  # a bind address that is no name anyone browses to
POLICY_VIOLATION = 1008  # WebSocket close code for a refused token
TRANSPORT = "anywidget_core.transport"  # scope key: the socket's asyncio transport, when the server has one

NEED_TOKEN = (
    "this anywidget-core server needs its token: open the URL it printed (it ends in ?token=...), "
    "or pass the token as ?token= (or the cookie the page sets)"
)


def new_token() -> str:
    """A fresh random token (256 bits, URL-safe)."""
    return secrets.token_urlsafe(32)


def host_name(host_header: str) -> str:
    """The name in a ``Host`` header, lower case, without port or IPv6 brackets."""
    host = host_header.strip().lower()
    if host.startswith("["):
        return host[1 : host.find("]")] if "]" in host else host
    if host.count(":") == 1:
        host = host.split(":", 1)[0]
    return host


def _is_ip(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


@dataclass(frozen=True)
class Access:
    """The rules of one server. ``token`` None means no authentication (``--no-token``)."""

    token: str | None
    allowed_hosts: frozenset[str]
    cookie_name: str

    @classmethod
    def for_server(cls, token: str | None, bind_host: str, port: int, allow_hosts: Iterable[str] = ()) -> Access:
        names = set(LOOPBACK_NAMES) | {host_name(h) for h in allow_hosts}
        if bind_host not in ANY_ADDRESS:
            names.add(host_name(bind_host))
        # cookies are per host, not per port: a port in the name keeps two servers on one machine apart
        return cls(token, frozenset(names), f"anywidget-core-token-{port}")

    def host_allowed(self, host_header: str | None) -> bool:
        if not host_header:
            return False
        name = host_name(host_header)
        return name in self.allowed_hosts or _is_ip(name)

    def token_valid(self, presented: str | None) -> bool:
        """Constant-time comparison, so response timing tells nothing about the token."""
        if self.token is None:
            return True
        if not presented:
            return False
        return hmac.compare_digest(presented.encode("utf-8", "replace"), self.token.encode("utf-8"))

    def presented(self, scope: Scope, headers: Headers) -> tuple[str | None, bool]:
        """The token a request carries and whether it came in the query (then the cookie is set)."""
        query = QueryParams(scope.get("query_string", b"")).get(TOKEN_PARAM)
        if query is not None:
            return query, True
        return cookie_parser(headers.get("cookie", "")).get(self.cookie_name), False

    def set_cookie(self) -> tuple[bytes, bytes]:
        value = f"{self.cookie_name}={self.token}; Path=/; HttpOnly; SameSite=Strict"
        return b"set-cookie", value.encode("latin-1")


def same_origin(headers: Headers) -> bool:
    """A browser's WebSocket must come from a page of this server. Browsers always send ``Origin``; other
    clients (scripts, tests) usually do not, and are no cross-site risk (they still need the token)."""
    origin = headers.get("origin")
    if origin is None:
        return True
    return urlsplit(origin).netloc.lower() == headers.get("host", "").lower()


class AccessGuard:
    """ASGI wrapper: refuse foreign ``Host`` names, cross-site WebSockets and requests without the token."""

    def __init__(self, app: ASGIApp, access: Access) -> None:
        self.app = app
        self.access = access

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        websocket = scope["type"] == "websocket"
        if not self.access.host_allowed(headers.get("host")):
            why = (
                f"host name {host_name(headers.get('host', ''))!r} is not allowed (a guard against DNS "
                "rebinding); start the server with --allow-host NAME to allow it"
            )
            await _refuse(scope, receive, send, 400, why)
            return
        if websocket and not same_origin(headers):
            await _refuse(scope, receive, send, 403, "cross-origin WebSocket refused")
            return
        token, in_query = self.access.presented(scope, headers)
        if not self.access.token_valid(token):
            log.warning("refused %s %s: no valid token", scope["type"], scope.get("path"))
            if websocket:
                # accepted, then closed: a page sees the reason (a refused handshake shows it nothing)
                await receive()  # websocket.connect
                await send({"type": "websocket.accept"})
                await send({"type": "websocket.close", "code": POLICY_VIOLATION, "reason": "token required"})
                return
            await _refuse(scope, receive, send, 403, NEED_TOKEN)
            return
        if in_query and self.access.token is not None and not websocket:
            send = _with_header(send, self.access.set_cookie())
        if websocket:
            scope[TRANSPORT] = _transport_of(send)
        await self.app(scope, receive, send)


def _transport_of(send: Send) -> Any:
    """uvicorn's transport for this connection: its ASGI ``send`` is a method of the connection's protocol.
    The writer needs it to see whether a client takes its output, and to cut one that reads nothing (an ASGI
    close waits until the client reads). None under servers that give no such handle."""
    transport = getattr(getattr(send, "__self__", None), "transport", None)
    return transport if callable(getattr(transport, "get_write_buffer_size", None)) else None


def _with_header(send: Send, header: tuple[bytes, bytes]) -> Send:
    async def sending(message: Any) -> None:
        if message["type"] == "http.response.start":
            message = {**message, "headers": [*message.get("headers", []), header]}
        await send(message)

    return sending


async def _refuse(scope: Scope, receive: Receive, send: Send, status: int, why: str) -> None:
    body = (why + "\n").encode("utf-8")
    head = [(b"content-type", b"text/plain; charset=utf-8"), (b"content-length", str(len(body)).encode())]
    if scope["type"] == "http":
        await send({"type": "http.response.start", "status": status, "headers": head})
        await send({"type": "http.response.body", "body": body})
        return
    await receive()  # websocket.connect
    if "websocket.http.response" in scope.get("extensions", {}):  # the reason, as an HTTP answer
        await send({"type": "websocket.http.response.start", "status": status, "headers": head})
        await send({"type": "websocket.http.response.body", "body": body})
    else:
        await send({"type": "websocket.close", "code": POLICY_VIOLATION})
