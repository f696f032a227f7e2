"""Testing widgets: a front end in memory (:class:`FrontEnd`) and one in Chromium (:class:`WidgetPage`); a real
Panel server in a thread (:func:`panel_server`).

The first two are pytest fixtures of the plugin this package registers (``awc_frontend``, ``awc_page``); the
classes also work without pytest. Names load on first use, so the browser module (and Playwright) load only for
``WidgetPage``, and Panel only for ``panel_server``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .browser import ShowPage, WidgetPage
    from .memory import FrontEnd, ShowFrontEnd
    from .panel import panel_server

_WHERE = {
    "FrontEnd": "memory",
    "ShowFrontEnd": "memory",
    "WidgetPage": "browser",
    "ShowPage": "browser",
    "panel_server": "panel",
}

__all__ = ["FrontEnd", "ShowFrontEnd", "ShowPage", "WidgetPage", "panel_server"]


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)
