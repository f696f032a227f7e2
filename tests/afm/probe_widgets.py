"""The AFM probe's Python side, once per host API: anywidget-core's ``Widget``, ``anywidget.AnyWidget`` and Panel's
``AnyWidgetComponent``. Each only echoes (see protocol/afm/probe.js): every result is measured in the page."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

# a new module text, so the runtime sees `_esm` change
RELOADED = "\n// reloaded\n"
PROBE = Path(__file__).resolve().parents[2] / "protocol" / "afm" / "probe.js"
ESM = PROBE.read_text(encoding="utf-8")
CSS = ".afm-css { color: rgb(1, 2, 3); }"
NESTED = {"a": [b"\x01\x02\x03", {"b": b"\x04\x05"}]}
HELLO = ({"kind": "hello", "n": 2}, [b"\x01\x02\x03", b"\xff"])
CHILD_ESM = "export default { render({ model, el }) { el.textContent = model.get('label'); } };"


def pong(content: dict[str, Any], buffers: list[Any]) -> dict[str, Any]:
    return {"kind": "pong", "id": content.get("id"), "got": [list(bytes(b)) for b in buffers]}


def double(msg: Any, buffers: list[Any]) -> tuple[Any, list[bytes]]:
    return {"y": msg["x"] * 2}, [bytes(b)[::-1] for b in buffers]


def slow() -> tuple[Any, list[bytes]]:
    time.sleep(1.5)  # longer than the probe's 300 ms timeout
    return {"slow": True}, []


def awc_probe(esm: Path | None = None) -> tuple[Any, Any]:
    """(probe class, child class) for anywidget-core; ``esm``: a copy of the probe in a file, for hot reload."""
    import anywidget_core as awc

    class AfmChild(awc.Widget):
        _esm = CHILD_ESM
        label: str = "child"

    if esm is not None:
        esm.write_text(ESM, encoding="utf-8")

    class AfmProbe(awc.Widget):
        _esm = esm or ESM
        _css = CSS
        label: str = "probe"
        from_js: str = ""
        echo: str = ""
        nested: dict[str, Any] = awc.field(default_factory=lambda: NESTED)
        child: AfmChild | None = None

        def __init__(self, **values: Any) -> None:
            super().__init__(**values)
            self.observe(self._echo, names=["from_js"])
            self.on_msg(self._custom)

        def _echo(self, change: Any) -> None:
            self.echo = f"echo:{change.new}"
            self.send(*HELLO)

        def _custom(self, widget: Any, content: Any, buffers: list[memoryview]) -> None:
            if isinstance(content, dict) and content.get("kind") == "ping":
                self.send(pong(content, buffers))

        @awc.command
        def double(self, msg: Any, buffers: list[memoryview]) -> tuple[Any, list[bytes]]:
            return double(msg, buffers)

        @awc.command
        def fail(self, msg: Any, buffers: list[memoryview]) -> tuple[Any, list[bytes]]:
            raise ValueError("the probe's failing command")

        @awc.command
        def slow(self, msg: Any, buffers: list[memoryview]) -> tuple[Any, list[bytes]]:
            return slow()

    return AfmProbe, AfmChild


def anywidget_probe(esm: Path | None = None) -> tuple[Any, Any]:
    """(probe class, child class) for anywidget 0.11's own Python API; ``esm`` as in :func:`awc_probe` (anywidget
    watches such a file when ANYWIDGET_HMR=1)."""
    import anywidget
    import traitlets
    from anywidget.experimental import command
    from ipywidgets import widget_serialization

    class AfmChild(anywidget.AnyWidget):
        _esm = CHILD_ESM
        label = traitlets.Unicode("child").tag(sync=True)

    if esm is not None:
        esm.write_text(ESM, encoding="utf-8")

    class AfmProbe(anywidget.AnyWidget):
        _esm = esm or ESM
        _css = CSS
        label = traitlets.Unicode("probe").tag(sync=True)
        from_js = traitlets.Unicode("").tag(sync=True)
        echo = traitlets.Unicode("").tag(sync=True)
        nested = traitlets.Dict(NESTED).tag(sync=True)
        child = traitlets.Instance(AfmChild, allow_none=True).tag(sync=True, **widget_serialization)

        def __init__(self, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            self.on_msg(self._custom)

        @traitlets.observe("from_js")
        def _echo(self, change: Any) -> None:
            self.echo = f"echo:{change['new']}"
            self.send(HELLO[0], HELLO[1])

        def _custom(self, widget: Any, content: Any, buffers: list[Any]) -> None:
            if isinstance(content, dict) and content.get("kind") == "ping":
                self.send(pong(content, buffers))

        @command  # type: ignore[misc]
        def double(self, msg: Any, buffers: list[Any]) -> tuple[Any, list[bytes]]:
            return double(msg, buffers)

        @command  # type: ignore[misc]
        def fail(self, msg: Any, buffers: list[Any]) -> tuple[Any, list[bytes]]:
            raise ValueError("the probe's failing command")

        @command  # type: ignore[misc]
        def slow(self, msg: Any, buffers: list[Any]) -> tuple[Any, list[bytes]]:
            return slow()

    return AfmProbe, AfmChild


def panel_probe(nested_bytes: bool = False, esm: Path | None = None) -> Any:
    """The probe as Panel's own ``AnyWidgetComponent`` (no child models, no commands: the page reports what is
    missing). Bytes inside a ``param.Dict`` stop the whole component from rendering, so they are measured in
    a component of their own (``nested_bytes=True``). ``esm``: a file Panel watches (``_debug``), for hot
    reload."""
    import param
    from panel.custom import AnyWidgetComponent

    if esm is not None:
        esm.write_text(ESM, encoding="utf-8")

    class AfmPanelProbe(AnyWidgetComponent):  # type: ignore[misc]
        _esm = esm or ESM
        _debug = esm is not None  # Panel watches the `_esm` file as in `panel serve --dev`, for this class only
        _stylesheets = [CSS]
        label = param.String(default="probe")
        from_js = param.String(default="")
        echo = param.String(default="")
        nested = param.Dict(default=NESTED if nested_bytes else {})
        child = param.String(default="")

        @param.depends("from_js", watch=True)
        def _echo(self) -> None:
            self.echo = f"echo:{self.from_js}"
            self.send(HELLO[0])  # Panel's send takes no buffers

        def _handle_msg(self, msg: Any) -> None:
            if isinstance(msg, dict) and msg.get("kind") == "ping":
                self.send(pong(msg, []))

    return AfmPanelProbe
