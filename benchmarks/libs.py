"""The same widgets written for both libraries; every workload uses these."""

from __future__ import annotations

from typing import Any

import anywidget
import traitlets

import anywidget_core as awc

from .core_comm import show

ESM = "export default { render({ model, el }) { el.textContent = String(model.get('value')); } }"


class CoreCounter(awc.Widget):
    _esm = ESM
    value: int = 0


class CoreBlob(awc.Widget):
    _esm = ESM
    data: bytes = b""


class CoreFloats(awc.Widget):
    _esm = ESM
    values: list[float] = []  # fields copy mutable defaults per instance


class AwCounter(anywidget.AnyWidget):
    _esm = ESM
    value = traitlets.Int(0).tag(sync=True)


class AwBlob(anywidget.AnyWidget):
    """anywidget's idiomatic binary trait: ``traitlets.Bytes`` (only ``bytes`` validates)."""

    _esm = ESM
    data = traitlets.Bytes(b"").tag(sync=True)


class AwAny(anywidget.AnyWidget):
    """anywidget's zero-copy route: an untyped trait holding a memoryview."""

    _esm = ESM
    data = traitlets.Any(None).tag(sync=True)


class AwFloats(anywidget.AnyWidget):
    _esm = ESM
    values = traitlets.List(traitlets.Float()).tag(sync=True)


def show_core(widget: awc.Widget) -> Any:
    return show(widget)


def show_aw(widget: Any) -> Any:
    return widget._repr_mimebundle_()
