"""The corpus: published anywidget packages from PyPI, pinned. Their wheels are downloaded at test time (never
committed).

Each entry names what the widget exercises, so the corpus as a whole covers the AFM surface (issue 14).
"""

from __future__ import annotations

from typing import NamedTuple


class Package(NamedTuple):
    dist: str
    version: str
    covers: str


PACKAGES: tuple[Package, ...] = (
    Package("bitjet", "1.0.0", "bytes field (DataView), 2D canvas drawing, <select>/<input> writes"),
    Package("drawdata", "0.5.2", "480 KB bundled ESM with d3, CSS variables on :root, SVG drawing, list-of-dict field"),
    Package("markmap-anywidget", "0.3.0", "750 KB bundled ESM (markmap + d3), SVG layout from a str field"),
    Package("p5widget", "0.1.0", "1 MB bundled ESM (p5.js), WebGL canvas, instance _css set in __init__"),
    Package("searchselect", "0.1.0", "CSS variables on :root, `initialize`, Python-side derived private field"),
    Package("wigglystuff", "0.5.36", "2D canvas drawing driven by mouse (Slider2D), tuple fields"),
    Package("quak", "0.3.5", "custom messages both ways, Arrow IPC in custom buffers, private fields"),
    Package("mopad", "0.4.0", "ESM inline in the Python source, list[float] and bool fields"),
    Package("manywidgets", "0.3.0", "child widgets through widget_manager, CSS variables injected by the ESM"),
    Package("mosaic-widget", "0.34.2", "1.4 MB bundled ESM (Mosaic, Arrow), custom messages with Arrow buffers"),
)

# Python-side dependencies of the originals that the test environment lacks (quak and mosaic-widget query DuckDB
# and answer with Arrow IPC); installed into the same cache, next to the widgets.
PYTHON_DEPS: tuple[tuple[str, str], ...] = (
    ("duckdb", "2.0.1"),
    ("pyarrow", "26.0.1"),
)


def requirements() -> list[str]:
    return [f"{p.dist}=={p.version}" for p in PACKAGES] + [f"{name}=={version}" for name, version in PYTHON_DEPS]
