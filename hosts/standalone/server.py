"""The standalone page server: a Starlette app on uvicorn, in a background thread.

``/`` is the page that renders the widgets, ``/page.js`` its bootstrap, ``/static/`` the shared front-end
runtime, ``/ws`` the WebSocket every tab talks through (framing in :mod:`.framing`, per-socket logic in
:mod:`.session`). It binds 127.0.0.1 unless told otherwise. Every route needs the per-run token and an allowed
``Host``; WebSockets from another site's page are refused (:mod:`.access`).
"""

from __future__ import annotations

import asyncio
import html
import itertools
import json
import logging
import os
import socket
import threading
import webbrowser
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import anyio
import anyio.to_thread
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, Response
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.websockets import WebSocket, WebSocketDisconnect

import anywidget_core
from anywidget_core import Widget

from .access import Access, AccessGuard, new_token
from .framing import MAX_FRAME_BYTES
from .naming import Widgets, named
from .session import Session

log = logging.getLogger("anywidget_core.standalone")

HERE = Path(__file__).parent
STATIC_DIR = Path(anywidget_core.__path__[0]) / "static"  # runtime.js, shared with the other hosts


class StandaloneServer:
    """Serves widgets to any number of tabs. Start with :func:`serve`; ``url``; ``stop()``.

    ``token``: ``True`` (default) makes a random one per run, a string sets it, ``False`` turns authentication
    off (anyone who can reach the port drives the widgets). ``allow_hosts``: host names, besides loopback names,
    the bind address and IP addresses, that browsers may use to reach the server.
    """

    def __init__(
        self,
        widgets: Widgets | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        title: str = "anywidget-core",
        max_frame_bytes: int = MAX_FRAME_BYTES,
        token: str | bool = True,
        allow_hosts: Iterable[str] = (),
    ) -> None:
        if token == "":
            raise ValueError("an empty token: pass token=False to turn authentication off")
        self.widgets: dict[str, Widget] = {} if widgets is None else named(widgets)
        self.title = title
        self.max_frame_bytes = max_frame_bytes
        self.token: str | None = new_token() if token is True else (token or None)
        self.server_id = os.urandom(4).hex()
        self._sockets = itertools.count(1)
        self._sock = socket.create_server((host, port))  # bound now, so the URL is known before serving
        bound_host, bound_port = self._sock.getsockname()[:2]
        self.host, self.port = bound_host, int(bound_port)
        self.access = Access.for_server(self.token, host, self.port, allow_hosts)
        shown = f"[{bound_host}]" if ":" in bound_host else bound_host
        self.root = f"http://{shown}:{self.port}/"
        self.url = self.root + self._query()  # the URL to open: it carries the token
        config = uvicorn.Config(
            AccessGuard(self.app(), self.access),
            ws_max_size=max_frame_bytes,  # enforced by the WebSocket library before a frame is buffered
            ws_ping_interval=20.0,
            log_level="warning",
            lifespan="off",
            timeout_graceful_shutdown=2,
        )
        self._uvicorn = uvicorn.Server(config)
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> StandaloneServer:
        self._thread = threading.Thread(target=self._run, name=f"anywidget-core-{self.port}", daemon=True)
        self._thread.start()
        while not self._uvicorn.started:
            if not self._thread.is_alive():
                raise RuntimeError(f"the standalone server on {self.url} failed to start (see the log)")
            self._thread.join(0.01)
        return self

    def _run(self) -> None:
        self._uvicorn.run(sockets=[self._sock])

    def stop(self) -> None:
        """Stop serving; open tabs see their socket close. Safe to call twice."""
        self._uvicorn.should_exit = True
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(10)
        self._sock.close()

    def __enter__(self) -> StandaloneServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def add(self, widget: Widget, name: str | None = None) -> str:
        """Serve one more widget (on tabs that connect from now on); returns its name."""
        name = name or widget.model_id
        self.widgets[name] = widget
        return name

    @property
    def ws_url(self) -> str:
        """The WebSocket URL, with the token."""
        return self.socket_url()

    def socket_url(self, *widgets: str) -> str:
        """The WebSocket URL for a client that shows only ``widgets`` (names or model ids; all when none)."""
        return "ws" + self.root[len("http") :] + "ws" + self._query(widget=list(widgets))

    def _query(self, **params: list[str]) -> str:
        pairs = [("token", self.token)] if self.token is not None else []
        pairs += [(key, value) for key, values in params.items() for value in values]
        return "?" + urlencode(pairs) if pairs else ""

    # ------------------------------------------------------------------ the app

    def app(self) -> Starlette:
        routes = [
            Route("/", self._page),
            Route("/page.js", self._page_js),
            WebSocketRoute("/ws", self._socket),
            Mount("/static", StaticFiles(directory=STATIC_DIR, check_dir=False), name="static"),
        ]
        return Starlette(routes=routes)

    async def _page(self, request: Request) -> Response:
        entries = [{"name": name, "model_id": w.model_id} for name, w in self.widgets.items()]
        page = (HERE / "page.html").read_text(encoding="utf-8")
        page = page.replace("{{title}}", html.escape(self.title))
        page = page.replace("{{widgets}}", _script_json(entries))
        # no-referrer: the URL may carry the token, and widget code may fetch from other sites
        return HTMLResponse(page, headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"})

    async def _page_js(self, request: Request) -> Response:
        return FileResponse(HERE / "page.js", media_type="text/javascript", headers={"Cache-Control": "no-store"})

    async def _socket(self, websocket: WebSocket) -> None:
        await websocket.accept()
        only = set(websocket.query_params.getlist("widget"))
        widgets = [w for name, w in self.widgets.items() if not only or name in only or w.model_id in only]
        key = ("standalone", self.server_id, next(self._sockets))
        session = Session(key, asyncio.get_running_loop(), self.max_frame_bytes)
        async with anyio.create_task_group() as tasks:
            tasks.start_soon(_writer, websocket, session, tasks.cancel_scope)
            try:
                # Links are made and messages handled in a worker thread: they take widget locks and run
                # observers (user code), which must not stall the loop that serves every other tab.
                await anyio.to_thread.run_sync(session.open, widgets)
                while True:
                    message = await websocket.receive()
                    if message["type"] == "websocket.disconnect":
                        break
                    raw = message.get("text")
                    if raw is None:
                        raw = message.get("bytes") or b""
                    await anyio.to_thread.run_sync(session.handle, raw)
            except WebSocketDisconnect:
                pass
            finally:
                with anyio.CancelScope(shield=True):
                    await anyio.to_thread.run_sync(session.close_links)
                tasks.cancel_scope.cancel()


async def _writer(websocket: WebSocket, session: Session, scope: anyio.CancelScope) -> None:
    """Write queued frames in order; drop the socket if the client cannot keep up."""
    try:
        while True:
            await session.wakeup.wait()
            if session.overflowed:
                await websocket.close(code=1013, reason="client too slow: reconnect for the current state")
                break
            for frame in session.drain():
                if isinstance(frame, str):
                    await websocket.send_text(frame)
                else:
                    await websocket.send_bytes(frame)
    except (WebSocketDisconnect, RuntimeError, OSError):
        pass  # the socket closed under us; the reader sees it too
    scope.cancel()


def _script_json(value: Any) -> str:
    """JSON safe inside a <script> element: no "</script>" or "<!--" can appear."""
    return json.dumps(value).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def serve(
    widgets: Widgets,
    host: str = "127.0.0.1",
    port: int = 0,
    open_browser: bool = False,
    title: str = "anywidget-core",
    max_frame_bytes: int = MAX_FRAME_BYTES,
    token: str | bool = True,
    allow_hosts: Iterable[str] = (),
) -> StandaloneServer:
    """Serve ``widgets`` on a page in a background thread; returns the running server (``.url``, with its
    token, and ``.stop()``). See :class:`StandaloneServer` for ``token`` and ``allow_hosts``."""
    server = StandaloneServer(widgets, host, port, title, max_frame_bytes, token, allow_hosts).start()
    if open_browser:
        webbrowser.open(server.url)
    return server
