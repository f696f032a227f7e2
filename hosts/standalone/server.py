"""The standalone page server: a Starlette app on uvicorn, in a background thread.

``/`` is the page that renders the widgets, ``/page.js`` its bootstrap, ``/static/`` the shared front-end
runtime, ``/ws`` the WebSocket every tab talks through (framing in :mod:`.framing`, per-socket logic in
:mod:`.session`). It binds 127.0.0.1 unless told otherwise. Every route needs the per-run token and an allowed
``Host``; WebSockets from another site's page are refused (:mod:`.access`).
"""

from __future__ import annotations

import asyncio
import dataclasses
import html
import itertools
import json
import logging
import os
import socket
import threading
import time
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

from .access import TRANSPORT, Access, AccessGuard, new_token
from .limits import OutputBudget, ServerLimits
from .naming import Widgets, named
from .session import Outgoing, Session

log = logging.getLogger("anywidget_core.standalone")

HERE = Path(__file__).parent
STATIC_DIR = Path(anywidget_core.__path__[0]) / "static"  # runtime.js, shared with the other hosts
POLL_SECONDS = 0.5  # how often a writer looks whether its client took the output it was handed
CLOSE_GRACE_SECONDS = 2.0  # a dropped client that reads within this gets the close reason; else it is cut
TRY_AGAIN_LATER = 1013  # close code of a dropped connection: reconnecting gets the current state
# A client that asks (?batch=1, the page does) gets queued text frames several to a WebSocket message (SPEC §8.3):
# each message costs the browser a task however small it is. Bounded so one message stays small to parse.
BATCH_FRAMES = 256
BATCH_BYTES = 256 * 1024


class StandaloneServer:
    """Serves widgets to any number of tabs. Start with :func:`serve`; ``url``; ``stop()``.

    ``token``: ``True`` (default) makes a random one per run, a string sets it, ``False`` turns authentication
    off (anyone who can reach the port drives the widgets). ``allow_hosts``: host names, besides loopback names,
    the bind address and IP addresses, that browsers may use to reach the server. ``limits``: what sockets may
    cost the server (:class:`~.limits.ServerLimits`); ``max_frame_bytes`` overrides its ``frame_bytes``.
    """

    def __init__(
        self,
        widgets: Widgets | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        title: str = "anywidget-core",
        max_frame_bytes: int | None = None,
        token: str | bool = True,
        allow_hosts: Iterable[str] = (),
        limits: ServerLimits | None = None,
    ) -> None:
        if token == "":
            raise ValueError("an empty token: pass token=False to turn authentication off")
        self.widgets: dict[str, Widget] = {} if widgets is None else named(widgets)
        self.title = title
        self.limits = limits or ServerLimits()
        if max_frame_bytes is not None:
            self.limits = dataclasses.replace(self.limits, frame_bytes=max_frame_bytes)
        self.max_frame_bytes = self.limits.frame_bytes
        self.output = OutputBudget(self.limits.output_bytes)  # shared by every socket of this server
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
            ws_max_size=self.limits.frame_bytes,  # enforced by the WebSocket library before a frame is buffered
            ws_ping_interval=20.0,
            # no permessage-deflate: compressing a large frame ran on the event loop, stalling every tab for
            # seconds (50 MB: ~6 s), and binary buffers rarely compress
            ws_per_message_deflate=False,
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
        page = page.replace("{{config}}", _script_json({"chunk_bytes": self.limits.chunk_bytes}))
        # no-referrer: the URL may carry the token, and widget code may fetch from other sites
        return HTMLResponse(page, headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"})

    async def _page_js(self, request: Request) -> Response:
        return FileResponse(HERE / "page.js", media_type="text/javascript", headers={"Cache-Control": "no-store"})

    async def _socket(self, websocket: WebSocket) -> None:
        await websocket.accept()
        only = set(websocket.query_params.getlist("widget"))
        widgets = [w for name, w in self.widgets.items() if not only or name in only or w.model_id in only]
        key = ("standalone", self.server_id, next(self._sockets))
        session = Session(key, asyncio.get_running_loop(), self.limits, self.output)
        async with anyio.create_task_group() as tasks:
            batch = websocket.query_params.get("batch") == "1"
            tasks.start_soon(_writer, websocket, session, tasks.cancel_scope, batch)
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


async def _writer(websocket: WebSocket, session: Session, scope: anyio.CancelScope, batch: bool = False) -> None:
    """Write queued frames in order, one WebSocket message at a time (with ``batch``, consecutive text frames
    share one, as a JSON array); drop the socket if its client stops taking them.

    Output handed to the socket stays charged to the budget until the client has taken it (the transport's
    buffer has drained), so a client that never reads cannot make the server hold more than one frame for it
    beyond the budget; one that takes nothing for ``stall_seconds`` is dropped.
    """
    sink = _Sink(websocket.scope.get(TRANSPORT), session)
    sending: list[anyio.CancelScope] = []

    def interrupt() -> None:  # a drop interrupts a send that waits for the client
        for waiting in sending:
            waiting.cancel()

    session.on_drop = interrupt
    try:
        while session.dropped is None:
            items = session.next_frames(BATCH_FRAMES if batch else 1, BATCH_BYTES)
            if not items:
                with anyio.move_on_after(POLL_SECONDS):
                    await session.wakeup.wait()
                sink.settle()
                continue
            message = items[0].frame if len(items) == 1 else "[" + ",".join(str(i.frame) for i in items) + "]"
            while session.dropped is None:
                with anyio.move_on_after(POLL_SECONDS) as wait:
                    sending.append(wait)
                    await _send(websocket, message)
                sending.clear()
                if not wait.cancelled_caught:
                    for item in items:
                        sink.handed(item)
                        if item.report is not None:  # the widget's progress handlers: user code, off the loop
                            await anyio.to_thread.run_sync(item.report)
                    break
                sink.settle()  # the send waited for the client to read: has it read anything lately?
            else:  # dropped while these frames waited: taken from the queue, so the drop did not free them
                session.release(sum(item.size for item in items))
        if session.dropped is not None:
            await sink.close(websocket, session.dropped)
    except (WebSocketDisconnect, OSError):
        pass  # the socket closed under us; the reader sees it too
    except Exception:
        log.exception("writer of connection %s failed; closing that connection only", session.key)
    finally:
        sink.release_all()
        scope.cancel()


async def _send(websocket: WebSocket, message: str | bytes) -> None:
    if isinstance(message, str):
        await websocket.send_text(message)
    else:
        await websocket.send_bytes(message)


class _Sink:
    """What one socket's client has not taken yet, seen through the transport's write buffer (uvicorn's,
    when there is one: other servers give no handle, and then a frame counts as taken once it is sent)."""

    def __init__(self, transport: asyncio.WriteTransport | None, session: Session) -> None:
        self.transport = transport
        self.session = session
        self.held = 0  # bytes handed to the socket and charged to the budget
        self.states: list[str] = []  # models whose full state was handed to the socket, not yet all taken
        self.size = 0
        self.since = self.checked = time.monotonic()  # when the client last took something; last looked

    def handed(self, item: Outgoing) -> None:
        self.held += item.size
        if item.full_state is not None:
            self.states.append(item.full_state)  # the id, not the frame: the frame is freed once handed
        self.settle()

    def settle(self) -> None:
        """Release what the client took; drop the connection if it took nothing for too long."""
        size = self.transport.get_write_buffer_size() if self.transport is not None else 0
        now = time.monotonic()
        if size < self.size or size == 0 or now - self.checked > 4 * POLL_SECONDS:
            self.since = now  # progress, or this loop was too busy to look (then the client is not to blame)
        self.checked = now
        self.size = size
        if self.held > size:
            self.session.release(self.held - size)
            self.held = size
        if size == 0:  # the client has taken every full state handed to it: it may ask again
            for model_id in self.states:
                self.session.taken(model_id)
            self.states.clear()
        stall = self.session.limits.stall_seconds
        if size and now - self.since > stall:
            self.session.drop(f"client too slow: it took no data for {stall:g} s; reconnect for the current state")

    async def close(self, websocket: WebSocket, reason: str) -> None:
        """Close with ``reason`` when the client reads it soon enough; otherwise cut the connection, which frees
        what it holds (an orderly close would wait for a client that does not read)."""
        with anyio.move_on_after(CLOSE_GRACE_SECONDS):
            await websocket.close(code=TRY_AGAIN_LATER, reason=reason[:120])  # a close reason is <= 123 bytes
            while self.transport is not None and self.transport.get_write_buffer_size() > 0:
                await anyio.sleep(0.05)  # until the client has the close frame (and the reason)
        if self.transport is not None and self.transport.get_write_buffer_size() > 0:
            self.transport.abort()

    def release_all(self) -> None:
        self.session.release(self.held)
        self.held = 0


def _script_json(value: Any) -> str:
    """JSON safe inside a <script> element: no "</script>" or "<!--" can appear."""
    return json.dumps(value).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def serve(
    widgets: Widgets,
    host: str = "127.0.0.1",
    port: int = 0,
    open_browser: bool = False,
    title: str = "anywidget-core",
    max_frame_bytes: int | None = None,
    token: str | bool = True,
    allow_hosts: Iterable[str] = (),
    limits: ServerLimits | None = None,
) -> StandaloneServer:
    """Serve ``widgets`` on a page in a background thread; returns the running server (``.url``, with its
    token, and ``.stop()``). See :class:`StandaloneServer` for ``token`` and ``allow_hosts``."""
    server = StandaloneServer(widgets, host, port, title, max_frame_bytes, token, allow_hosts, limits).start()
    if open_browser:
        webbrowser.open(server.url)
    return server
