"""A Jupyter server extension that lets the browser keep JupyterLab's favicons instead of asking for them again.

JupyterLab shows the kernel's state in the page's icon: on every ``busy`` and every ``idle`` it swaps the icon's
``<link>``, and jupyter_server serves ``/static/favicons/`` with ``Cache-Control: no-cache``, so the browser asks the
server again each time. A widget round trip is one busy and one idle, so each cost two HTTP requests, handled on
the server's one thread, the one that also relays the kernel's messages (measured in benchmarks/README.md,
workload 8). The icons are static files of the installed server; this adds their folder to jupyter_server's
``static_immutable_cache`` setting (the one JupyterLab uses for its hashed bundles), so the browser keeps them. The
price: after an upgrade that changes the icons, a browser may show the old ones until its cache lets them go.

Enabled by the ``jupyter`` extra's config file (``jupyter_server_config.d/anywidget_core.json``); off with
``jupyter server extension disable anywidget_core.hosts.jupyter.favicons``.
"""

from __future__ import annotations

from typing import Any

SETTING = "static_immutable_cache"


def _jupyter_server_extension_points() -> list[dict[str, str]]:
    return [{"module": "anywidget_core.hosts.jupyter.favicons"}]


def _load_jupyter_server_extension(serverapp: Any) -> None:
    settings = serverapp.web_app.settings
    settings[SETTING] = with_favicons(settings.get(SETTING) or [], settings.get("base_url") or "/")


def with_favicons(paths: list[str], base_url: str) -> list[str]:
    """``paths`` (URL prefixes the browser may cache for good) with the server's favicon folder added."""
    favicons = base_url.rstrip("/") + "/static/favicons/"
    return paths if favicons in paths else [*paths, favicons]
