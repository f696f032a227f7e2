"""Google Colab: switch on its custom widget manager and point each widget view at it, as anywidget does.

Colab's own widget manager renders only the built-in ipywidgets; third-party modules such as ``anywidget`` need
its "custom widget manager", which ``google.colab.output.enable_custom_widget_manager()`` installs (it records the
manager's URL in ``google.colab.output._widgets._installed_url`` and adds a display-publisher hook). That hook
covers ``display()`` but not a cell's ``execute_result``, so, like anywidget 0.11 (``_util.get_repr_metadata``),
the widget view's own mimebundle metadata names the manager too.

Detection is anywidget's: ``google.colab.output`` in ``sys.modules`` (Colab's kernel imports it at start-up);
nothing is imported here, so outside Colab this costs one dictionary lookup.
"""

from __future__ import annotations

import logging
import sys
import threading
from typing import Any

log = logging.getLogger("anywidget_core")

COLAB_OUTPUT = "google.colab.output"

_lock = threading.Lock()
_enabled = False


def in_colab() -> bool:
    return COLAB_OUTPUT in sys.modules


def enable_custom_widget_manager_once() -> None:
    """Call Colab's ``enable_custom_widget_manager()`` the first time a widget is shown in this kernel.

    Once per process even if it fails: the call emits Colab output and a second failure would say nothing new.
    """
    global _enabled
    with _lock:
        if _enabled or not in_colab():
            return
        _enabled = True
    try:
        sys.modules[COLAB_OUTPUT].enable_custom_widget_manager()
    except Exception:  # a Colab API change must not stop the widget from being shown (as plain text at worst)
        log.exception("anywidget_core: google.colab.output.enable_custom_widget_manager() failed")


def view_metadata(mimetype: str) -> dict[str, Any]:
    """The mimebundle metadata Colab's front end reads: the custom widget manager's URL, or nothing."""
    if not in_colab():
        return {}
    enable_custom_widget_manager_once()
    widgets = getattr(sys.modules[COLAB_OUTPUT], "_widgets", None)
    url = getattr(widgets, "_installed_url", None)
    if not url:  # not installed (the call failed, or was undone with disable_custom_widget_manager())
        return {}
    return {mimetype: {"colab": {"custom_widget_manager": {"url": url}}}}
