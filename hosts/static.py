"""Static HTML: one self-contained file that renders widgets with no server and no network.

The file holds the frames a front end would receive on display (each widget's ``open`` with its full state,
children first; custom messages sent before display follow) and the shared runtime.js, imported from a Blob
URL. Each distinct ``_esm``/``_css`` text is in the file once, as a ``module`` frame that the ``open``s refer to
(SPEC §8.5), so 50 instances of a class do not carry 50 copies of its code. Buffers are base64, gzip-compressed
first where that makes them smaller; the page decompresses them (``DecompressionStream``) before replaying any
frame, so widgets see the exact bytes from their first ``initialize``. Interaction works inside the page; what
the page sends goes nowhere. An ``_esm``/``_css`` given as an http(s) URL still needs the network, and so does
inline code that imports from one (``import ... from "https://..."``, ``import("https://...")``, CSS
``@import``): a warning lists those URLs, in Python and in an HTML comment.
"""

from __future__ import annotations

import base64
import gzip
import html
import json
import os
import re
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import anywidget_core
from anywidget_core import Widget
from anywidget_core.assets import is_url
from anywidget_core.hosts.standalone.naming import Widgets, named
from anywidget_core.link import Link
from anywidget_core.messages import Frame

from .modules import ModuleTable

RUNTIME = Path(anywidget_core.__path__[0]) / "static" / "runtime.js"


Encode = Callable[[memoryview], Any]


def base64_text(buffer: memoryview) -> str:
    return base64.b64encode(buffer).decode("ascii")


# gzip: every browser with DecompressionStream has it (deflate-raw came later). A level-6 pass over random
# data costs ~0.3 s per 10 MiB and is then thrown away; zeros shrink ~1000x.
GZIP_LEVEL = 6


def packed(buffer: memoryview) -> str | dict[str, str]:
    """A buffer for the page: ``{"gzip": base64}`` when compressing makes it smaller, else plain base64 text."""
    squeezed = gzip.compress(buffer, compresslevel=GZIP_LEVEL, mtime=0)  # mtime 0: the same bytes every export
    if len(squeezed) < buffer.nbytes:
        return {"gzip": base64.b64encode(squeezed).decode("ascii")}
    return base64_text(buffer)


class _Recorder:
    """A transport that keeps what it is sent, for the page to replay."""

    def __init__(self, model_id: str, frames: list[dict[str, Any]], encode: Encode) -> None:
        self.model_id = model_id
        self.frames = frames
        self.encode = encode

    def send(self, data: dict[str, Any], buffers: list[memoryview]) -> None:
        self.frames.append({"model_id": self.model_id, "data": data, "buffers": [self.encode(b) for b in buffers]})

    def close(self) -> None:
        pass  # nothing follows the snapshot


def snapshot(widgets: Widgets, encode: Encode = base64_text) -> tuple[dict[str, Widget], list[dict[str, Any]]]:
    """The widgets by name and the frames a new front end would receive for them, each buffer ``encode``d
    (base64 text by default), code inline."""
    shown = named(widgets)
    frames: list[dict[str, Any]] = []
    links: dict[int, Link] = {}
    key = ("static", os.urandom(4).hex())

    def show(widget: Widget) -> None:
        def open_transport(frame: Frame) -> _Recorder:
            recorder = _Recorder(widget.model_id, frames, encode)
            recorder.send({"method": "open", **frame.data}, frame.buffers)
            return recorder

        link = widget.connect(key, open_transport, open_child=show, keep_pending=True)
        links[id(link)] = link

    for widget in shown.values():
        show(widget)
    # A static page never hears from Python again: detach, the way a closed front end would.
    for link in links.values():
        link.receive({"method": "close"})
    return shown, frames


def share_modules(frames: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The frames with each distinct ``_esm``/``_css`` text moved into one ``module`` frame (model id null)
    before the first frame that refers to it (SPEC §8.4, §8.5): what one front end is sent live."""
    table = ModuleTable()
    out: list[dict[str, Any]] = []
    for frame in frames:

        def keep(data: Any, modules: list[dict[str, Any]], frame: dict[str, Any] = frame) -> None:
            out.extend({"model_id": None, "data": module, "buffers": []} for module in modules)
            out.append({**frame, "data": data})

        table.send(frame["data"], keep)
    return out


def to_html(widgets: Widgets, path: str | os.PathLike[str] | None = None, title: str = "anywidget-core") -> str:
    """A self-contained HTML page rendering ``widgets`` (a Widget, a list, or a dict name -> Widget).

    Written to ``path`` when given; the HTML is returned either way.
    """
    shown, frames = snapshot(widgets, encode=packed)
    online = network_sources(frames)
    if online:
        warnings.warn(
            "this static HTML loads widget code from the network and will not render offline: " + ", ".join(online),
            stacklevel=2,
        )
    entries = [{"name": name, "model_id": widget.model_id} for name, widget in shown.items()]
    page = page_html(frames, entries, title=title, network=online)
    if path is not None:
        Path(path).write_text(page, encoding="utf-8")
    return page


def page_html(
    frames: list[dict[str, Any]],
    entries: list[dict[str, Any]],
    *,
    title: str,
    network: Sequence[str] = (),
    body: str = "",
    head: str = "",
) -> str:
    """The page for recorded ``frames``: each entry (``name``, ``model_id``) is rendered in a section of its own,
    or, when it names a ``mount`` element id, inside that element of ``body`` (HTML placed before the sections;
    an exported notebook puts its cells there). ``head`` is extra markup for <head> (styles)."""
    return _TEMPLATE.format(
        title=html.escape(title),
        network_note=_comment(list(network)),
        head=head,
        body=body,
        widgets=_script_json(entries),
        frames=_script_json(share_modules(frames)),
        runtime=_script_json(RUNTIME.read_text(encoding="utf-8")),
        bootstrap=_BOOTSTRAP,
    )


# What inline code fetches from the network when it runs: JavaScript's static and dynamic imports and re-exports
# (`from "https://..."`, `import "https://..."`, `import("https://...")`), CSS's `@import "..."` / `@import url(...)`.
# A warning only, so a match inside a comment or a string is a false alarm at worst.
_JS_IMPORT = re.compile(r"""\b(?:from|import)\s*\(?\s*["'`](https?://[^"'`\s]+)""")
_CSS_IMPORT = re.compile(r"""@import\s+(?:url\(\s*)?["']?(https?://[^"')\s;]+)""", re.IGNORECASE)


def network_sources(frames: list[dict[str, Any]]) -> list[str]:
    """Every URL the recorded widgets' code loads: ``_esm``/``_css`` given as URLs, and imports inside inline code."""
    urls: set[str] = set()
    for frame in frames:
        if frame["data"].get("method") != "open":
            continue
        for name, pattern in (("_esm", _JS_IMPORT), ("_css", _CSS_IMPORT)):
            source = frame["data"]["state"].get(name)
            if not isinstance(source, str):
                continue
            if is_url(source):
                urls.add(source)
            else:
                urls.update(pattern.findall(source))
    return sorted(urls)


def _comment(urls: list[str]) -> str:
    if not urls:
        return ""
    listed = " ".join(u.replace("--", "%2D%2D") for u in urls)  # "--" cannot appear inside a comment
    return f"<!-- WARNING: this page is not offline: it loads widget code from {listed} -->\n"


def _script_json(value: Any) -> str:
    """JSON that is safe inside <script type="application/json">: no "</script>" or "<!--" can form."""
    return json.dumps(value, separators=(",", ":")).replace("<", "\\u003c").replace(">", "\\u003e")


# The runtime ships as a JSON string and is imported from a Blob URL: inlined as module text, its own
# `export`s and names would mix with the bootstrap's.
_BOOTSTRAP = """
const read = (id) => JSON.parse(document.getElementById(id).textContent);
function fromBase64(text) {
  if (Uint8Array.fromBase64) return Uint8Array.fromBase64(text);
  const binary = atob(text);
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i); // a plain loop: fast for MiBs
  return out;
}
// A buffer is base64 text, or {"gzip": base64} where compressing made it smaller (to_html's packed()).
async function unpack(buffer) {
  if (typeof buffer === "string") return fromBase64(buffer).buffer;
  const stream = new Blob([fromBase64(buffer.gzip)]).stream().pipeThrough(new DecompressionStream("gzip"));
  return new Response(stream).arrayBuffer();
}
const errors = document.getElementById("awc-errors");
const runtimeUrl = URL.createObjectURL(new Blob([read("awc-runtime")], { type: "text/javascript" }));
const { createRuntime } = await import(runtimeUrl);
URL.revokeObjectURL(runtimeUrl);
const runtime = createRuntime({
  send() {}, // no Python behind a static page: sends go nowhere
  onError({ modelId, code, message, source }) {
    if (source === "python") return;
    const line = document.createElement("div");
    line.textContent = `${code} in ${modelId.slice(0, 8)}: ${message}`;
    errors.append(line);
  },
});
// Decompression is asynchronous: every buffer is ready before the first frame is replayed, so no widget's
// initialize or render can run before its bytes are there.
const frames = read("awc-frames");
const buffers = await Promise.all(frames.map((frame) => Promise.all(frame.buffers.map(unpack))));
frames.forEach((frame, i) => runtime.receive(frame.model_id, frame.data, buffers[i]));
const widgets = read("awc-widgets");
const main = document.getElementById("awc-main");
await Promise.all(widgets.map(({ name, model_id, mount }) => {
  const target = mount && document.getElementById(mount);
  if (target) return runtime.render(model_id, target).catch((e) => errors.append(`${name}: ${e}`));
  const section = document.createElement("section");
  section.className = "awc-widget";
  section.dataset.modelId = model_id;
  if (widgets.length > 1) {
    const heading = document.createElement("h2");
    heading.textContent = name;
    section.append(heading);
  }
  const el = document.createElement("div");
  section.append(el);
  main.append(section);
  return runtime.render(model_id, el).catch((e) => errors.append(`${name}: ${e}`));
}));
document.documentElement.dataset.awcRendered = "true";
globalThis.anywidgetCoreStatic = { runtime };
"""

_TEMPLATE = """<!doctype html>
{network_note}<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="anywidget-core">
<link rel="icon" href="data:,">
<title>{title}</title>
<style>
  :root {{ color-scheme: light dark; font-family: system-ui, -apple-system, "Segoe UI", sans-serif; }}
  body {{ margin: 0; padding: 1.5rem 2rem 3rem; }}
  .awc-widget {{ margin-bottom: 2rem; }}
  .awc-widget > h2 {{ font: 500 0.85rem ui-monospace, monospace; color: #64748b; margin: 0 0 0.5rem; }}
  #awc-errors:empty {{ display: none; }}
  #awc-errors {{ font: 0.8rem ui-monospace, monospace; color: #991b1b; white-space: pre-wrap; }}
</style>
{head}</head>
<body>
<main id="awc-main">{body}</main>
<div id="awc-errors" role="log"></div>
<script type="application/json" id="awc-widgets">{widgets}</script>
<script type="application/json" id="awc-frames">{frames}</script>
<script type="application/json" id="awc-runtime">{runtime}</script>
<script type="module">{bootstrap}</script>
</body>
</html>
"""
