"""Display names for the widgets a page shows (shared by the server and the static export; no web deps)."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping

from anywidget_core import Widget

Widgets = Widget | Iterable[Widget] | Mapping[str, Widget]


def named(widgets: Widgets) -> dict[str, Widget]:
    """Widgets by display name: a mapping as given, otherwise the class name (numbered when repeated)."""
    if isinstance(widgets, Widget):
        widgets = [widgets]
    if isinstance(widgets, Mapping):
        out = dict(widgets)
    else:
        out = {}
        for widget in widgets:
            base = type(widget).__name__
            name = base
            for n in itertools.count(2):
                if name not in out:
                    break
                name = f"{base} {n}"
            out[name] = widget
    for name, widget in out.items():
        if not isinstance(widget, Widget):
            raise TypeError(f"{name!r} is a {type(widget).__name__}, not an anywidget_core.Widget")
    if not out:
        raise ValueError("no widgets to show")
    return out
