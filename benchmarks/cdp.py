"""Headless Chromium over the DevTools protocol, for benchmarks that move large WebSocket frames.

Playwright is the test suite's driver, but it enables CDP's Network domain, which copies every WebSocket frame's
payload (base64) into its Node driver: at 200 MB that driver ran out of memory, and below that it slows the page
that is being measured. This driver sends only the Runtime and Page calls the benchmarks need.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import subprocess
import time
import urllib.request
from pathlib import Path
from typing import Any

from websockets.sync.client import connect

from anywidget_core.testing.browser import CHROMIUM_ARGS

from .browser import CHROMIUM


class CdpPage:
    """Headless Chromium driven over the DevTools protocol with only the Runtime calls this needs.

    Not Playwright: Playwright enables CDP's Network domain, which mirrors every WebSocket frame's payload into its
    driver (base64); at 200 MB its Node driver ran out of memory (a measurement artifact, not the libraries')."""

    def __init__(self, profile: Path) -> None:
        self._proc = subprocess.Popen(
            [CHROMIUM, "--headless=new", "--remote-debugging-port=0", f"--user-data-dir={profile}", *CHROMIUM_ARGS],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        port_file = profile / "DevToolsActivePort"
        deadline = time.monotonic() + 60
        while not port_file.exists() or not port_file.read_text().strip():
            if time.monotonic() > deadline:
                raise RuntimeError("Chromium did not open its DevTools port")
            time.sleep(0.1)
        port = port_file.read_text().split()[0]
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10) as response:
            targets = json.load(response)
        page = next(t for t in targets if t["type"] == "page")
        self._stack = contextlib.ExitStack()
        self._ws = self._stack.enter_context(connect(page["webSocketDebuggerUrl"], max_size=None, open_timeout=30))
        self._ids = itertools.count(1)

    def call(self, method: str, **params: Any) -> Any:
        msg_id = next(self._ids)
        self._ws.send(json.dumps({"id": msg_id, "method": method, "params": params}))
        while True:
            reply = json.loads(self._ws.recv())
            if reply.get("id") == msg_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply["result"]

    def evaluate(self, expression: str, args: Any = None) -> Any:
        """The value of a JS expression, or of ``(function)(args)`` when ``args`` is given (promises awaited)."""
        if args is not None:
            expression = f"({expression})({json.dumps(args)})"
        result = self.call("Runtime.evaluate", expression=expression, awaitPromise=True, returnByValue=True)
        if "exceptionDetails" in result:
            raise RuntimeError(str(result["exceptionDetails"])[:500])
        return result["result"].get("value")

    def wait_for(self, expression: str, timeout: float, interval: float = 0.2) -> None:
        deadline = time.monotonic() + timeout
        while not self.evaluate(f"!!({expression})"):
            if time.monotonic() > deadline:
                raise TimeoutError(expression)
            time.sleep(interval)

    def goto(self, url: str, ready: str, timeout: float = 60) -> None:
        """Navigate to ``url`` and wait until the JS expression ``ready`` is true there."""
        self.call("Page.navigate", url=url)
        self.wait_for(ready, timeout)

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self._stack.close()
        self._proc.terminate()
        try:
            self._proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()
