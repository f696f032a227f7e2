"""Testing widgets: a front end in memory (:class:`FrontEnd`) and one in Chromium (:class:`WidgetPage`).

Both are pytest fixtures of the plugin this package registers (``awc_frontend``, ``awc_page``); the classes also
work without pytest. Names load on first use, so the browser module (and Playwright) load only for ``WidgetPage``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .browser import ShowPage, WidgetPage
    from .memory import FrontEnd, ShowFrontEnd

_WHERE = {"FrontEnd": "memory", "ShowFrontEnd": "memory", "WidgetPage": "browser", "ShowPage": "browser"}

__all__ = ["FrontEnd", "ShowFrontEnd", "ShowPage", "WidgetPage"]


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)
