"""Opening corpus pages in Chromium and measuring a rendered widget the same way on every host."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

from anywidget_core.hosts.standalone import StandaloneServer

# Largest difference in px of a widget's key element from the original's in JupyterLab.
TOLERANCE = 4

# Widgets render in a container of this width on every host, so fluid widgets can be compared too.
WIDTH = 800
PAGE_WIDTH_CSS = f".awc-widget {{ width: {WIDTH}px; }}"

# What a JupyterLab output area passes down to a widget that sets no font or box model of its own (measured there:
# box-sizing border-box on every element, 13px text, line-height 1.5 (buttons too), Lab's UI font in
# --jp-ui-font-family). Widgets
# that inherit these ("lab_context" in checks.py) are compared with the original under them: that is the cause of
# their difference, and nothing else is.
LAB_CONTEXT_CSS = """
.awc-widget { font-size: 13px; line-height: 1.5; --jp-ui-font-family: system-ui, -apple-system, blinkmacsystemfont,
  "Segoe UI", helvetica, arial, sans-serif, "Apple Color Emoji", "Segoe UI Emoji", "Segoe UI Symbol"; }
.awc-widget *, .awc-widget *::before, .awc-widget *::after { box-sizing: border-box; }
.awc-widget button { line-height: inherit; }
"""

# LAB_CONTEXT_CSS, for a widget inside a host's shadow root (Panel's, marimo's): the host element passes it down.
SHADOW_LAB_CONTEXT_CSS = (
    LAB_CONTEXT_CSS.replace(".awc-widget *", "*")
    .replace(".awc-widget button", "button")
    .replace(".awc-widget {", ":host {")
)
# Adds css to the (open) shadow root holding the key element.
ADD_TO_SHADOW_ROOT = """([key, css]) => {
  const visit = (node) => {
    for (const el of node.querySelectorAll("*")) {
      if (!el.shadowRoot) continue;
      if (el.shadowRoot.querySelector(key)) {
        const style = document.createElement("style");
        style.textContent = css;
        el.shadowRoot.append(style);
        return true;
      }
      if (visit(el.shadowRoot)) return true;
    }
    return false;
  };
  return visit(document);
}"""

# Measured on every host: the size of the widget's key element, one computed style its CSS sets (``None`` when the
# widget has no CSS of its own), and whether the rendered subtree has content.
MEASURE = """([root, key, css]) => {
  // widgets may render into their own (open) shadow root: search through them, as Playwright's locators do
  const find = (node, selector) => {
    const hit = node.querySelector(selector);
    if (hit) return hit;
    for (const el of node.querySelectorAll("*")) {
      if (el.shadowRoot) { const deep = find(el.shadowRoot, selector); if (deep) return deep; }
    }
    return null;
  };
  const el = find(root, key);
  const box = el ? el.getBoundingClientRect() : null;
  let style = null;
  if (css) { const target = find(root, css[0]); style = target ? getComputedStyle(target)[css[1]] : "missing"; }
  const c = el ? getComputedStyle(el) : {};
  return { found: !!el, width: box ? box.width : 0, height: box ? box.height : 0, style,
           elements: root.querySelectorAll("*").length,
           computed: [c.boxSizing, c.fontFamily, c.fontSize, c.lineHeight, c.padding].join(" | ") };
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
    page.add_style_tag(content=PAGE_WIDTH_CSS)
    return page


def open_offline_file(context: Any, path: Path) -> tuple[Any, list[str]]:
    """A page opened from disk with every non-file request aborted (and recorded)."""
    attempted: list[str] = []

    def refuse(route: Any) -> None:
        attempted.append(route.request.url)
        route.abort()

    context.route(re.compile(r"^(?!file:|blob:|data:).*"), refuse)
    page = context.new_page()
    page.corpus_errors = watch_errors(page)
    page.goto(path.as_uri())
    return page, attempted


def open_offline(context: Any, path: Path) -> tuple[Any, list[str]]:
    """A static export opened from disk with every non-file request aborted (and recorded)."""
    page, attempted = open_offline_file(context, path)
    page.wait_for_selector("html[data-awc-rendered=true]")
    page.add_style_tag(content=PAGE_WIDTH_CSS)
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
