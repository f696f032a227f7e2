"""The corpus widgets ported to anywidget-core as an author would port them: the same ESM and CSS files (read from
the downloaded wheels, unchanged), each synced trait a typed field of the same name and default, and the custom
message handlers the originals register. Validators and observers the originals have are ported where they change
what the page sees (searchselect's matches); the rest are noted.
"""

from __future__ import annotations

import re
import sys
from typing import Any, Literal

import anywidget_core as awc

from .download import asset, class_attribute, site

# --------------------------------------------------------------------------------------------- binary and canvas


class BitView(awc.Widget):
    """bitjet.BitView: a ``bytes`` field drawn on a 2D canvas."""

    _esm = asset("bitjet/static/bitjet.js")
    data: bytes = b""
    datawidth: int = 64
    block_size: int = 4
    mode: Literal["bit", "byte"] = "bit"


class Slider2D(awc.Widget):
    """wigglystuff.Slider2D: a canvas the mouse drags a puck on. The original's ``min < max`` bounds validator has
    no field-level hook here yet (issue 14, porting friction), so it is not ported."""

    _esm = asset("wigglystuff/static/2dslider.js")
    x: float = 0.0
    y: float = 0.0
    x_bounds: tuple[float, float] = (-1.0, 1.0)
    y_bounds: tuple[float, float] = (-1.0, 1.0)
    width: int = 400
    height: int = 400


class P5Widget(awc.Widget):
    """p5widget.P5Widget: p5.js running a sketch given as source text. The original sets ``_css`` per instance
    (``center=True`` by default); here it is the class's, with that default."""

    _esm = asset("p5widget/p5widget.js")
    _css = """
            #p5-widget-wrapper canvas {
                visibility: visible !important;
            }
        #p5-widget-wrapper {
                    display: flex;
                    justify-content: center;
                    align-items: center;
                }"""
    sketch: str = ""


# ------------------------------------------------------------------------------- large bundles and CSS variables


class ScatterWidget(awc.Widget):
    """drawdata.ScatterWidget: d3 drawing on an SVG; CSS variables declared on ``:root``."""

    _esm = asset("drawdata/static/scatter_widget.js")
    _css = asset("drawdata/static/scatter_widget.css")
    data: list[dict[str, Any]] = []
    brushsize: int = 40
    width: int = 800
    height: int = 400
    n_classes: int = 4


class MarkmapWidget(awc.Widget):
    """markmap_anywidget.MarkmapWidget: a mind map laid out by markmap (d3) from markdown."""

    _esm = asset("markmap_anywidget/static/widget.js")
    _css = """
    .markmap-widget {
      width: 100%;
      height: 100%;
      background: transparent;
    }
    """
    markdown_content: str = ""


def _dedupe(values: list[str]) -> list[str]:
    return list(dict.fromkeys(values))


class SearchSelect(awc.Widget):
    """searchselect.SearchSelect: a filterable multi-select. Python computes the matches (``_matches``, private)
    whenever the query changes, as the original's observer does."""

    _esm = asset("searchselect/static/main.js")
    _css = asset("searchselect/static/main.css")
    items: list[str] = []
    selected: list[str] = []
    query: str = ""
    regex: bool = False
    case_sensitive: bool = True
    theme: Literal["auto", "light", "dark"] = "auto"
    query_error: str = ""
    _matches: list[str] = []

    def __init__(self, **values: Any) -> None:
        super().__init__(**values)
        self.observe(self._rematch, ["items", "query", "regex", "case_sensitive"])
        self._rematch()

    def _rematch(self, change: Any = None) -> None:
        query, error = self.query, ""
        if not query:
            matches: list[str] = []
        else:
            flags = 0 if self.case_sensitive else re.IGNORECASE
            try:
                pattern = re.compile(query if self.regex else re.escape(query), flags)
                matches = [item for item in self.items if pattern.search(item)]
            except re.error as exc:
                matches, error = [], str(exc)
        with self.hold_sync():
            self._matches = _dedupe(matches)
            self.query_error = error


class GamepadWidget(awc.Widget):
    """mopad.GamepadWidget: its ESM is a string in the original's class body, read from the wheel's source."""

    _esm = class_attribute("mopad/widget.py", "GamepadWidget", "_esm")
    current_button_press: int = -1
    current_timestamp: float = 0.0
    previous_timestamp: float = 0.0
    axes: list[float] = [0.0, 0.0, 0.0, 0.0]
    dpad_up: bool = False
    dpad_down: bool = False
    dpad_left: bool = False
    dpad_right: bool = False
    button_id: int = 0


# ------------------------------------------------------------------------------------------------ child widgets


class Button(awc.Widget):
    """manywidgets.Button: a click counter styled by CSS variables its ESM injects."""

    _esm = asset("manywidgets/button/dist/widget.js")
    _css = asset("manywidgets/button/style.css")
    widget_id: str = ""
    theme_vars: dict[str, Any] = {}
    clicks: int = 0
    label: str = "Button"


class Column(awc.Widget):
    """manywidgets.Column: renders its children through ``model.widget_manager``. Its ``children`` is an ipywidgets
    ``widget_serialization`` trait in the original, so they travel in ipywidgets' form, which its code strips."""

    _esm = asset("manywidgets/column/dist/widget.js")
    _css = asset("manywidgets/column/style.css")
    widget_id: str = ""
    theme_vars: dict[str, Any] = {}
    children: list[awc.Widget] = awc.field(default_factory=list, references="ipywidgets")
    gap: str = "8px"
    align: str = "stretch"
    _myst_child_traits: list[str] = ["children"]


# --------------------------------------------------------------------------- custom messages with Arrow buffers


def _duckdb() -> Any:
    """DuckDB and pyarrow come from the corpus cache (the originals' Python dependencies), not the test extra."""
    if str(site()) not in sys.path:
        sys.path.append(str(site()))
    import duckdb

    return duckdb


def _arrow_ipc(relation: Any) -> bytes:
    import pyarrow as pa

    table = relation.arrow()
    if isinstance(table, pa.RecordBatchReader):
        table = table.read_all()
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return bytes(sink.getvalue().to_pybytes())


class _Queries:
    """The query protocol quak and mosaic-widget share: ``{type: "arrow" | "exec" | "json", sql, uuid}`` from the
    page, answered with ``{type, uuid}`` and one Arrow IPC buffer, or ``{error, uuid}``."""

    conn: Any
    send: Any

    # ipywidgets' override point, with the originals' signature: anywidget-core calls it for each custom message
    # (the originals' `self.on_msg(self._handle_custom_msg)` is kept as they have it; there, as here, the override
    # replaces the method that would call on_msg handlers, so that registration never fires).
    def _handle_custom_msg(self, content: Any, buffers: list[memoryview]) -> None:
        uuid = content["uuid"]
        try:
            if content["type"] == "arrow":
                self.send({"type": "arrow", "uuid": uuid}, buffers=[_arrow_ipc(self.conn.query(content["sql"]))])
            elif content["type"] == "exec":
                self.conn.execute(content["sql"])
                self.send({"type": "exec", "uuid": uuid})
            elif content["type"] == "json":
                rows = self.conn.query(content["sql"]).df().to_dict(orient="records")
                self.send({"type": "json", "uuid": uuid, "result": rows})
            else:
                raise ValueError(f"Unknown command {content['type']}")
        except Exception as exc:
            self.send({"error": str(exc), "uuid": uuid})


class Quak(_Queries, awc.Widget):
    """quak.Widget: a data table whose page asks Python for Arrow IPC through custom messages."""

    _esm = asset("quak/widget.js")
    _table_name: str = ""
    _columns: list[str] = []
    sql: str = ""

    def __init__(self, data: Any, *, table: str = "df") -> None:
        self.conn = _duckdb().connect(":memory:")
        self.conn.register(table, data)
        columns = [row[0] for row in self.conn.execute(f"DESCRIBE {table}").fetchall()]
        super().__init__(_table_name=table, _columns=columns, sql=f'SELECT * FROM "{table}"')
        self.on_msg(self._handle_custom_msg)


class Mosaic(_Queries, awc.Widget):
    """mosaic_widget.MosaicWidget: a Mosaic spec rendered by vgplot, querying DuckDB through custom messages."""

    _esm = asset("mosaic_widget/static/index.js")
    _css = asset("mosaic_widget/static/index.css")
    spec: dict[str, Any] = awc.field(default={}, echo=False)
    params: dict[str, Any] = awc.field(default={}, echo=False)
    preagg_schema: str = awc.field(default="", echo=False)

    def __init__(self, spec: dict[str, Any], data: dict[str, Any]) -> None:
        self.conn = _duckdb().connect()
        for name, frame in data.items():
            self.conn.register(name, frame)
        super().__init__(spec=spec)
        self.on_msg(self._handle_custom_msg)
