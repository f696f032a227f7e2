"""The state each corpus widget is shown with, built twice from one description: the port (here, in Python) and
the original (as source for JupyterLab's kernel, importing the downloaded package)."""

from __future__ import annotations

from typing import Any

import anywidget_core as awc

from . import ports

P5_SKETCH = """export default function (p) {
  p.setup = () => { p.createCanvas(240, 160, p.WEBGL); };
  p.draw = () => { p.background(200, 220, 255); p.rotateY(0.5); p.normalMaterial(); p.box(60); };
}"""

MARKDOWN = "# Corpus\n## Binary\n- bitjet\n## Bundles\n- drawdata\n- markmap"

ITEMS = ["apple", "apricot", "banana", "blueberry", "cherry"]

# Every case: how to build the port, and the original's constructor call as kernel source. A row per widget of
# the README's table.
CASES: dict[str, dict[str, str]] = {
    "bitjet": {
        "port": "ports.BitView(data=bytes(range(256)), datawidth=64, block_size=4)",
        "original": "__import__('bitjet').BitView(data=bytes(range(256)), datawidth=64, block_size=4)",
    },
    "slider2d": {
        "port": "ports.Slider2D(x=0.5, y=-0.25, width=300, height=300)",
        "original": "__import__('wigglystuff').Slider2D(x=0.5, y=-0.25, width=300, height=300)",
    },
    "p5": {
        "port": "ports.P5Widget(sketch=P5_SKETCH)",
        "original": "__import__('p5widget').P5Widget(sketch=P5_SKETCH)",
    },
    "drawdata": {
        "port": "ports.ScatterWidget(width=600, height=300)",
        "original": "__import__('drawdata').ScatterWidget(width=600, height=300)",
    },
    "markmap": {
        "port": "ports.MarkmapWidget(markdown_content=MARKDOWN)",
        "original": "__import__('markmap_anywidget').MarkmapWidget(markdown_content=MARKDOWN)",
    },
    "searchselect": {
        "port": "ports.SearchSelect(items=ITEMS, theme='light')",
        "original": "__import__('searchselect').SearchSelect(items=ITEMS, theme='light')",
    },
    "mopad": {
        "port": "ports.GamepadWidget()",
        "original": "__import__('mopad').GamepadWidget()",
    },
    "manywidgets": {
        "port": "ports.Button(label='Go')",
        "original": "__import__('manywidgets').Button(label='Go')",
    },
    "column": {
        "port": "ports.Column(children=[ports.Button(label='One'), ports.Button(label='Two')])",
        "original": "(lambda mw: mw.Column(mw.Button(label='One'), mw.Button(label='Two')))(__import__('manywidgets'))",
    },
    "quak": {
        "port": "ports.Quak(frame())",
        "original": "__import__('quak').Widget(frame())",
    },
    "mosaic": {
        "port": "ports.Mosaic(MOSAIC_SPEC, {'df': frame()})",
        "original": "__import__('mosaic_widget').MosaicWidget(MOSAIC_SPEC, data={'df': frame()})",
    },
}

MOSAIC_SPEC: dict[str, Any] = {
    "plot": [{"mark": "dot", "data": {"from": "df"}, "x": "x", "y": "y", "fill": "steelblue"}],
    "width": 320,
    "height": 200,
}


def frame() -> Any:
    import pandas as pd

    return pd.DataFrame(
        {"x": list(range(20)), "y": [i * i % 7 for i in range(20)], "name": [f"r{i}" for i in range(20)]}
    )


def namespace() -> dict[str, Any]:
    return {
        "ports": ports,
        "P5_SKETCH": P5_SKETCH,
        "MARKDOWN": MARKDOWN,
        "ITEMS": ITEMS,
        "MOSAIC_SPEC": MOSAIC_SPEC,
        "frame": frame,
    }


def build_port(name: str) -> awc.Widget:
    widget: awc.Widget = eval(CASES[name]["port"], namespace())
    return widget


def kernel_prelude() -> str:
    """Source that defines, in a kernel, the names the originals' constructor calls use."""
    return "\n".join(
        [
            "import pandas as pd",
            f"P5_SKETCH = {P5_SKETCH!r}",
            f"MARKDOWN = {MARKDOWN!r}",
            f"ITEMS = {ITEMS!r}",
            f"MOSAIC_SPEC = {MOSAIC_SPEC!r}",
            "def frame():",
            "    return pd.DataFrame({'x': list(range(20)), 'y': [i * i % 7 for i in range(20)],"
            " 'name': [f'r{i}' for i in range(20)]})",
        ]
    )
