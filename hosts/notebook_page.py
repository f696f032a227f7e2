"""A notebook as one self-contained HTML page: its cells' outputs in order, its widgets live and offline.

Markdown is rendered with mistune (nbconvert's own renderer, so it is there wherever nbconvert is); outputs
keep Jupyter's choice of the richest representation. A widget view becomes a mount point that the static
runtime (:mod:`anywidget_core.hosts.static`) renders from the notebook's saved widget state. A view that cannot
render there (an ipywidgets control, or a model the saved state does not hold) shows its text with a note
saying why, never an empty space.
"""

from __future__ import annotations

import html
import json
import re
import warnings
from collections.abc import Mapping
from typing import Any

from anywidget_core.hosts import static
from anywidget_core.hosts.widget_state import VIEW_MIME, open_frames, renderable, saved_state

# Richest first, as Jupyter front ends choose.
_ORDER = (
    VIEW_MIME,
    "text/html",
    "image/svg+xml",
    "image/png",
    "image/jpeg",
    "image/gif",
    "text/markdown",
    "text/latex",
    "application/json",
    "text/plain",
)
_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
# URLs that HTML output makes the browser fetch: src= (scripts, images, frames) and <link href=> (stylesheets);
# a plain <a href> fetches nothing. A warning only.
_REMOTE = re.compile(r"""(?:\bsrc|<link\b[^>]*\bhref)\s*=\s*["']?((?:https?:)?//[^"'\s>]+)""", re.IGNORECASE)

STYLE = """<style>
  .awc-cell { margin: 0 0 1rem; max-width: 60rem; }
  .awc-input { background: rgb(127 127 127 / 0.08); border-left: 3px solid #94a3b8; }
  .awc-cell pre { margin: 0.25rem 0; padding: 0.4rem 0.6rem; overflow-x: auto; }
  .awc-cell pre { font: 0.85rem/1.4 ui-monospace, monospace; }
  .awc-stderr { background: rgb(220 38 38 / 0.08); }
  .awc-error { background: rgb(220 38 38 / 0.12); }
  .awc-output img { max-width: 100%; }
  .awc-fallback { border: 1px dashed #94a3b8; padding: 0.25rem 0.6rem; }
  .awc-fallback-note { font-size: 0.8rem; color: #64748b; margin: 0.25rem 0; }
</style>
"""


def notebook_html(nb: Mapping[str, Any], *, title: str, include_input: bool = True) -> str:
    """The page for a notebook (a dict or nbformat node); its widgets come from its saved widget state."""
    models = saved_state(nb.get("metadata") or {})
    page = _Page(models)
    cells = [page.cell(cell, include_input) for cell in nb.get("cells") or []]
    if page.unsaved:
        warnings.warn(
            f"{page.unsaved} widget view(s) have no saved state and show their text: execute the notebook, "
            "or save it with its widget state",
            stacklevel=2,
        )
    frames = open_frames(models)
    online = sorted({*static.network_sources(frames), *page.remote})
    if online:
        warnings.warn(
            "this page loads code or content from the network and will not be complete offline: " + ", ".join(online),
            stacklevel=2,
        )
    body = "\n".join(c for c in cells if c)
    html_page: str = static.page_html(frames, page.mounts, title=title, network=online, body=body, head=STYLE)
    return html_page


class _Page:
    """Renders cells; collects the widget mount points the runtime fills."""

    def __init__(self, models: Mapping[str, Any]) -> None:
        self.models = models
        self.mounts: list[dict[str, str]] = []
        self.unsaved = 0  # widget views the saved state does not hold
        self.remote: set[str] = set()  # what HTML and SVG outputs load from the network (a library's CDN script)

    def cell(self, cell: Mapping[str, Any], include_input: bool) -> str:
        source = _text(cell.get("source"))
        kind = cell.get("cell_type")
        if kind == "markdown":
            source = _inline_attachments(source, cell.get("attachments") or {})
            return f'<div class="awc-cell awc-markdown">{_markdown(source)}</div>'
        if kind != "code":
            return ""  # raw cells are for other converters
        # nbconvert's TagRemovePreprocessor marks inputs to drop (remove_input_tags) this way
        transient = (cell.get("metadata") or {}).get("transient") or {}
        shown = include_input and source and not transient.get("remove_source")
        parts = [f'<pre class="awc-input">{html.escape(source)}</pre>'] if shown else []
        parts += [self.output(output) for output in cell.get("outputs") or []]
        return f'<div class="awc-cell awc-code">{"".join(parts)}</div>' if parts else ""

    def output(self, output: Mapping[str, Any]) -> str:
        kind = output.get("output_type")
        if kind == "stream":
            css = "awc-stream awc-stderr" if output.get("name") == "stderr" else "awc-stream"
            return f'<pre class="{css}">{html.escape(_ANSI.sub("", _text(output.get("text"))))}</pre>'
        if kind == "error":
            trace = "\n".join(output.get("traceback") or [f"{output.get('ename')}: {output.get('evalue')}"])
            return f'<pre class="awc-error">{html.escape(_ANSI.sub("", trace))}</pre>'
        data = output.get("data") or {}
        mime = next((m for m in _ORDER if m in data), None)
        if mime is None:
            return ""
        return f'<div class="awc-output">{self.rich(mime, data)}</div>'

    def rich(self, mime: str, data: Mapping[str, Any]) -> str:
        value = data[mime]
        if mime == VIEW_MIME:
            return self.widget(value, data)
        if mime in ("text/html", "image/svg+xml"):
            markup = _text(value)
            self.remote.update(_REMOTE.findall(markup))
            return markup
        if mime.startswith("image/"):
            return f'<img src="data:{mime};base64,{_text(value).strip()}" alt="">'
        if mime == "text/markdown":
            return _markdown(_text(value))
        if mime == "application/json":
            return f"<pre>{html.escape(json.dumps(value, indent=2))}</pre>"
        return f"<pre>{html.escape(_ANSI.sub('', _text(value)))}</pre>"

    def widget(self, view: Mapping[str, Any], data: Mapping[str, Any]) -> str:
        model_id = str(view.get("model_id", ""))
        entry = self.models.get(model_id)
        if entry is not None and renderable(entry):
            mount = f"awc-view-{len(self.mounts)}"
            self.mounts.append({"name": model_id, "model_id": model_id, "mount": mount})
            return f'<div class="awc-widget" id="{mount}" data-model-id="{html.escape(model_id)}"></div>'
        if entry is None:
            why = "The notebook holds no saved state for this widget (execute it, or save the widget state)."
            self.unsaved += 1
        else:
            name = f"{entry.get('model_name')} ({entry.get('model_module')})"
            why = f"{name} is not an anywidget widget: this offline page cannot render it and shows its text."
        text = html.escape(_text(data.get("text/plain", "")))
        return (
            f'<div class="awc-fallback" data-model-id="{html.escape(model_id)}">'
            f'<pre>{text}</pre><p class="awc-fallback-note">{html.escape(why)}</p></div>'
        )


def _text(value: Any) -> str:
    """nbformat stores multi-line strings as lists of lines."""
    return "".join(value) if isinstance(value, list) else str(value or "")


def _inline_attachments(source: str, attachments: Mapping[str, Any]) -> str:
    """``attachment:NAME`` links (images pasted into a markdown cell) become data URLs: the page has no files."""
    for name, bundle in attachments.items():
        mime = next((m for m in bundle if m.startswith("image/")), None)
        if mime is not None:
            data = _text(bundle[mime]).strip()
            source = source.replace(f"attachment:{name}", f"data:{mime};base64,{data}")
    return source


def _markdown(source: str) -> str:
    import mistune

    return str(mistune.html(source))
