"""Opening corpus pages in Chromium and measuring a rendered widget the same way on every host."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

from anywidget_core.hosts.standalone import StandaloneServer

# Measured on every host: the size of the widget's key element, one computed style its CSS sets (``None`` when the
# widget has no CSS of its own), and whether the rendered subtree has content.
MEASURE = """([root, key, css]) => {
  const el = root.querySelector(key);
  const box = el ? el.getBoundingClientRect() : null;
  let style = null;
  if (css) { const target = root.querySelector(css[0]); style = target ? getComputedStyle(target)[css[1]] : "missing"; }
  return { found: !!el, width: box ? box.width : 0, height: box ? box.height : 0, style,
           elements: root.querySelectorAll("*").length };
}"""


def watch_errors(page: Any) -> list[str]:
    """Uncaught errors and console errors of ``page``, as they happen."""
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(f"pageerror: {e}"))
    page.on("console", lambda m: m.type == "error" and errors.append(f"console: {m.text[:400]}"))
    return errors


def open_standalone(context: Any, server: StandaloneServer) -> Any:
    """The one place the corpus opens a standalone page (the URL may gain a token: change it here)."""
    page = context.new_page()
    page.corpus_errors = watch_errors(page)
    page.goto(server.url)
    page.wait_for_selector("#awc-status[data-state=open]")
    return page


def open_offline(context: Any, path: Path) -> tuple[Any, list[str]]:
    """A static export opened from disk with every non-file request aborted (and recorded)."""
    attempted: list[str] = []

    def refuse(route: Any) -> None:
        attempted.append(route.request.url)
        route.abort()

    context.route(re.compile(r"^(?!file:|blob:|data:).*"), refuse)
    page = context.new_page()
    page.corpus_errors = watch_errors(page)
    page.goto(path.as_uri())
    page.wait_for_selector("html[data-awc-rendered=true]")
    return page, attempted


def section(page: Any) -> Any:
    """The element a standalone or static page of one widget renders it in."""
    return page.locator(".awc-widget").first


def wait_until(check: Any, timeout: float = 15.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} not reached in {timeout} s")
        time.sleep(0.05)
