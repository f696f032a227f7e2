"""The Panel host: ``pn.panel(widget)``, or a widget inside any Panel layout, in ``panel serve`` apps and in
notebooks with ``pn.extension()``.

One Panel component per widget (:class:`~anywidget_core.hosts.panel.view.AnywidgetView`), running the shared
front-end runtime, so Panel users get the whole AFM contract. Panel is imported on first use only.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .probe import PanelHost, PanelProbe
    from .view import AnywidgetView, component

_WHERE = {
    "AnywidgetView": "view",
    "component": "view",
    "PanelHost": "probe",
    "PanelProbe": "probe",
}

__all__ = ["AnywidgetView", "PanelHost", "PanelProbe", "component"]


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)
