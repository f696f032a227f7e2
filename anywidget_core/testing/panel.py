"""A real Panel server for tests: ``with panel_server({"app": make_app}) as url: ...``.

Panel (Bokeh) serves in a thread of this process, so a test can hold the widgets its apps made and check them in
Python while a browser drives the page. Panel is imported only when a server starts.
"""

from __future__ import annotations

import socket
import time
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _responds(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return bool(response.status == 200)
    except OSError:
        return False


@contextmanager
def panel_server(apps: Mapping[str, Callable[[], Any]], *, timeout: float = 30.0, **options: Any) -> Iterator[str]:
    """Serve ``apps`` (route -> function making a page's contents) on 127.0.0.1; yield the base URL.

    The URL is yielded once the first route answers. ``options`` go to ``pn.serve`` (Bokeh's session settings,
    say). On exit the server stops and Panel's record of its sessions is reset, so the next server starts clean.
    """
    import panel as pn
    from panel.io.state import state

    port = free_port()
    server = pn.serve(  # type: ignore[no-untyped-call]
        dict(apps),
        port=port,
        address="127.0.0.1",
        websocket_origin=f"127.0.0.1:{port}",
        threaded=True,
        show=False,
        **options,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        first = f"{url}/{next(iter(apps))}"
        deadline = time.monotonic() + timeout
        while not _responds(first):
            if time.monotonic() > deadline:
                raise TimeoutError(f"the Panel server did not answer {first} in {timeout:g} s")
            time.sleep(0.1)
        yield url
    finally:
        server.stop()
        server.join(timeout=10)
        state.reset()  # type: ignore[no-untyped-call]
