"""Workload 9: the size of an exported static page (bytes, smaller is better; no timing).

anywidget-core's ``to_html`` against anywidget's nearest equivalent, ipywidgets' ``embed_minimal_html`` of the
same widgets (same ``_esm``, a ``traitlets.Bytes`` trait), with ``drop_defaults=False``: by default it leaves a
class-default ``_esm`` out, and anywidget's front end then has no code to run. That anchor is only roughly
fair: its page loads ``@jupyter-widgets/html-manager`` from a CDN (so it does not render offline, and the size
below excludes that script), while anywidget-core's page carries its ~43 KB runtime. The notes also give
anywidget-core's previous format (code inline in every ``open``, buffers plain base64), from the same export.

- 9a: 50 instances of one class whose ``_esm`` is ~20 KB;
- 9b: one widget holding 10 MiB of zeros;
- 9c: one widget holding 10 MiB of random bytes.
"""

from __future__ import annotations

import io
import json
import os
import warnings
from typing import Any

import anywidget
import traitlets

import anywidget_core as awc
from anywidget_core.hosts.static import _script_json, packed, share_modules, snapshot, to_html

from .capture import capturing
from .harness import Counts, Row

MIB = 1 << 20
INSTANCES = 50
MARKER = "static-size-module-marker"
BIG_ESM = (
    f"// {MARKER}\n"
    + "".join(f"const pad{i} = {json.dumps('x' * 180)};\n" for i in range(100))
    + ("export default { render({ model, el }) { el.textContent = String(model.get('value')); } };\n")
)


class CoreBig(awc.Widget):
    _esm = BIG_ESM
    value: int = 0


class AwBig(anywidget.AnyWidget):
    _esm = BIG_ESM
    value = traitlets.Int(0).tag(sync=True)


class CoreData(awc.Widget):
    _esm = BIG_ESM
    data: bytes = b""


class AwData(anywidget.AnyWidget):
    _esm = BIG_ESM
    data = traitlets.Bytes(b"").tag(sync=True)


def core_sizes(widgets: dict[str, awc.Widget]) -> tuple[int, int]:
    """The page's size now, and with the previous format's frames in its place (all else equal)."""
    page = to_html(widgets).encode()
    _, frames = snapshot(widgets)  # inline code in every open, plain base64: the previous format
    _, compressed = snapshot(widgets, encode=packed)
    now_frames = _script_json(share_modules(compressed))
    return len(page), len(page) - len(now_frames) + len(_script_json(frames))


def aw_size(widgets: list[Any]) -> int:
    from ipywidgets.embed import embed_minimal_html

    out = io.StringIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # drop_defaults=False: by default the embed leaves out a class-default `_esm`, and the page has no code
        embed_minimal_html(out, views=widgets, title="anywidget", state=None, drop_defaults=False)
    return len(out.getvalue().encode())


def run(counts: Counts) -> list[Row]:
    rows = []
    zeros, noise = bytes(10 * MIB), os.urandom(10 * MIB)
    cases = [
        ("9a", f"static page: {INSTANCES} instances of a 20 KB module", None),
        ("9b", "static page: 10 MiB of zeros in a binary field", zeros),
        ("9c", "static page: 10 MiB of random bytes in a binary field", noise),
    ]
    with capturing():
        for key, title, data in cases:
            if data is None:
                core = {f"w{i}": CoreBig(value=i) for i in range(INSTANCES)}
                aw = [AwBig(value=i) for i in range(INSTANCES)]
                goal, limit = "module in the page once", None
            else:
                core = {"w": CoreData(data=data)}
                aw = [AwData(data=data)]
                limit = 2 * MIB if data is zeros else int(1.4 * len(data))
                goal = f"< {limit / MIB:.3g} MiB"
            now, before = core_sizes(core)
            row = Row(key, title, float(now), float(aw_size(aw)), unit="B", goal=goal)
            if data is None:
                row.met = to_html(core).count(MARKER) == 1
            else:
                row.met = now < (limit or 0)
            row.notes.append(f"anywidget-core's previous format (code in every open, plain base64): {before:,} B")
            rows.append(row)
            for w in [*core.values(), *aw]:
                w.close()
    rows[0].notes.append(
        "anywidget column: ipywidgets.embed.embed_minimal_html of the same widgets; its page also loads "
        "@jupyter-widgets/html-manager from a CDN (not counted) and does not render offline"
    )
    return rows
