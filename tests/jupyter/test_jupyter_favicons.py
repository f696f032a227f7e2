"""The server extension hosts/jupyter/favicons.py, in a real Jupyter server: with it, the server tells the browser to
keep its favicons (JupyterLab swaps them on every kernel busy/idle, and with ``no-cache`` each swap was an HTTP
request on the server's one thread: benchmarks/README.md, workload 8); other static files keep ``no-cache``;
without it, the favicons are ``no-cache`` too. Under a base URL (JupyterHub) the prefix is the server's own."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path

import pytest
from jupyter_kernel_util import SERVER_ARGS, jupyter_app

EXTENSION = "anywidget_core.hosts.jupyter.favicons"


@pytest.mark.parametrize(
    ("enabled", "base_url"), [(True, "/"), (True, "/user/a/"), (False, "/")], ids=["extension", "base-url", "without"]
)
def test_favicons_cached(tmp_path: Path, enabled: bool, base_url: str) -> None:
    config = tmp_path / "config"
    config.mkdir()
    settings = {"ServerApp": {"jpserver_extensions": {EXTENSION: enabled}}}
    (config / "jupyter_server_config.json").write_text(json.dumps(settings))
    argv = ["jupyter_server", *SERVER_ARGS, f"--ServerApp.root_dir={tmp_path}", f"--ServerApp.base_url={base_url}"]
    prefix = base_url
    with jupyter_app(tmp_path, argv, ready=f"{prefix}api/status", JUPYTER_CONFIG_DIR=str(config)) as url:
        busy = _cache_control(f"{url}{prefix}static/favicons/favicon-busy-1.ico")
        idle = _cache_control(f"{url}{prefix}static/favicons/favicon.ico")
        other = _cache_control(f"{url}{prefix}static/logo/logo.png")
    if enabled:
        assert busy == idle == "public, max-age=31536000, immutable"
    else:
        assert busy == idle == "no-cache"
    assert other == "no-cache"  # only the favicons' folder changes


def _cache_control(url: str) -> str | None:
    with urllib.request.urlopen(url, timeout=30) as response:
        assert response.status == 200
        assert response.read()  # the file itself is still served
        return response.headers.get("Cache-Control")
