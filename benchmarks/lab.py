"""Workload 8, the comparison: both libraries in real JupyterLab through one real ipykernel, in headless Chromium.

The same ESM runs in anywidget's front end (its labextension) for both: it hands the page its model, and the page
times ping -> Python observer -> pong round trips exactly as :mod:`benchmarks.browser` does on the standalone
host. Both widgets live in the same kernel and page, and their batches alternate, so both see the same noise.
Here the host is Jupyter's stack (jupyter_server's WebSocket, ipykernel's shell dispatch and busy/idle, the
front end's one-message-in-flight throttle), which the library's own work is a small part of.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .browser import launch, round_trips_js

# Imported by the notebook's kernel (the cell below); anywidget-core's widget goes through its Jupyter adapter.
# "ipw" is plain ipywidgets, no anywidget in Python: an IntSlider's value answered by an IntText, reached in the
# page through anywidget's model.widget_manager and given the ping/pong shape the page's loop expects.
MODULE = '''\
import anywidget
import ipywidgets
import traitlets

import anywidget_core as awc

ESM = """
export default {
  render({ model, el }) {
    const lib = model.get("lib");
    el.className = "pingpong-" + lib;
    el.textContent = lib;
    (globalThis.__pingpong ??= {})[lib] = model;
    const ids = [model.get("ipw_ping"), model.get("ipw_pong")];
    if (ids[0]) {
      Promise.all(ids.map((id) => model.widget_manager.get_model(id))).then(([ping, pong]) => {
        globalThis.__pingpong.ipw = {
          get: () => pong.get("value"),
          set: (_, value) => ping.set("value", value),
          save_changes: () => ping.save_changes(),
          on: (_, handler) => pong.on("change:value", handler),
          off: (_, handler) => pong.off("change:value", handler),
        };
      });
    }
  },
};
"""


class CorePingPong(awc.Widget):
    _esm = ESM
    lib: str = "core"
    ping: int = 0
    pong: int = 0


class AwPingPong(anywidget.AnyWidget):
    _esm = ESM
    lib = traitlets.Unicode("aw").tag(sync=True)
    ping = traitlets.Int(0).tag(sync=True)
    pong = traitlets.Int(0).tag(sync=True)
    ipw_ping = traitlets.Unicode("").tag(sync=True)
    ipw_pong = traitlets.Unicode("").tag(sync=True)


def pair():
    core, aw = CorePingPong(), AwPingPong()
    core.observe(lambda change: setattr(core, "pong", change.new), "ping")
    aw.observe(lambda change: setattr(aw, "pong", change["new"]), names="ping")
    slider, text = ipywidgets.IntSlider(max=10**9), ipywidgets.IntText()
    slider.observe(lambda change: setattr(text, "value", change["new"]), names="value")
    aw.ipw_ping, aw.ipw_pong = slider.model_id, text.model_id
    return core, aw
'''

CELL = "from pingpong_bench import pair\ncore, aw = pair()\ndisplay(core, aw)"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


NODELAY_EXTENSION = "anywidget_core.hosts.jupyter.nodelay"
MESSAGE_SIZE_EXTENSION = "anywidget_core.hosts.jupyter.message_size"
FAVICONS_EXTENSION = "anywidget_core.hosts.jupyter.favicons"
COMM_BUSY_EXTENSION = "anywidget_core.hosts.jupyter.comm_busy"


@contextlib.contextmanager
def jupyterlab(
    root: Path,
    nodelay: bool = False,
    favicons: bool = False,
    comm_busy: bool = False,
    large_messages: bool = False,
    lab_settings: dict[str, dict[str, object]] | None = None,
    extensions: dict[str, bool] | None = None,
    env: dict[str, str] | None = None,
) -> Iterator[str]:
    """A JupyterLab server on loopback serving ``root`` (no token: loopback only, killed on exit); ``nodelay``,
    ``favicons``, ``comm_busy`` and ``large_messages`` (message_size) turn this package's server extensions on or
    off, whatever the installation enables; ``extensions`` turns other server extensions on or off, ``env`` adds
    environment variables (the server's and its kernels'). ``lab_settings``: user settings by plugin
    (``"@jupyterlab/notebook-extension/tracker"``), in a user-settings folder of its own, so the machine's own Lab
    settings neither reach the run nor are changed by it."""
    port = _free_port()
    path = os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", "")
    env = dict(os.environ, PATH=path, **(env or {}))
    config = root / "config"
    config.mkdir(exist_ok=True)
    enabled = {
        NODELAY_EXTENSION: nodelay,
        FAVICONS_EXTENSION: favicons,
        COMM_BUSY_EXTENSION: comm_busy,
        MESSAGE_SIZE_EXTENSION: large_messages,
    }
    enabled.update(extensions or {})
    settings = {"ServerApp": {"jpserver_extensions": enabled}}
    (config / "jupyter_server_config.json").write_text(json.dumps(settings))
    env["JUPYTER_CONFIG_DIR"] = str(config)
    user_settings = root / "user-settings"
    for plugin, values in (lab_settings or {}).items():
        settings_file = user_settings / f"{plugin}.jupyterlab-settings"
        settings_file.parent.mkdir(parents=True, exist_ok=True)
        settings_file.write_text(json.dumps(values))
    env["PYTHONPATH"] = os.pathsep.join([str(root), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "jupyterlab",
            "--no-browser",
            f"--port={port}",
            "--ServerApp.ip=127.0.0.1",
            "--IdentityProvider.token=",
            "--ServerApp.password=",
            "--ServerApp.disable_check_xsrf=True",
            f"--ServerApp.root_dir={root}",
            "--LabApp.expose_app_in_browser=True",
            f"--LabServerApp.workspaces_dir={root / 'ws'}",
            f"--LabServerApp.user_settings_dir={user_settings}",
            "--allow-root",
        ],
        env=env,
        cwd=root,
        stdout=open(root / "server.log", "w"),  # noqa: SIM115  # closed with the process
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            if server.poll() is not None:
                raise RuntimeError(f"JupyterLab exited: {(root / 'server.log').read_text()[-2000:]}")
            try:
                urllib.request.urlopen(f"{url}/api/status", timeout=1)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError("JupyterLab did not start in 90 s") from None
                time.sleep(0.1)
        yield url
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=10)


def measure(
    n: int, rounds: int, warmup: int, nodelay: bool = False, favicons: bool = False, comm_busy: bool = False
) -> dict[str, list[float]]:
    """Round-trip seconds per library (``core``, ``aw``, and ``ipw`` for plain ipywidgets): ``rounds`` batches of
    ``n // rounds`` each in turn, the order rotating, after a warm-up, with this package's server extensions
    (TCP_NODELAY, cached favicons) on or off."""
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="awc-bench-lab-") as tmp:
        root = Path(tmp)
        (root / "pingpong_bench.py").write_text(MODULE)
        write_notebook(root / "bench.ipynb", CELL)
        with jupyterlab(root, nodelay, favicons, comm_busy) as url, sync_playwright() as pw:
            browser = launch(pw)
            try:
                page = browser.new_page()
                open_notebook(page, url)
                seconds: dict[str, list[float]] = {lib: [] for lib in LIBS}
                start = dict.fromkeys(LIBS, 1)
                batch = max(1, n // rounds)
                for round_ in range(rounds + 1):  # round 0 is the warm-up
                    for lib in rotated(round_):
                        count = warmup if round_ == 0 else batch
                        millis = page.evaluate(round_trips_js(f"globalThis.__pingpong.{lib}"), [count, start[lib]])
                        start[lib] += count
                        if round_:
                            seconds[lib].extend(ms / 1000 for ms in millis)
            finally:
                browser.close()
    return seconds


LIBS = ("core", "aw", "ipw")


def rotated(round_: int) -> tuple[str, ...]:
    """The libraries in the order of this round: each goes first, second and last in turn."""
    shift = round_ % len(LIBS)
    return LIBS[shift:] + LIBS[:shift]


def write_notebook(path: Path, source: str) -> None:
    """A one-cell notebook with the python3 kernel."""
    cell = {"cell_type": "code", "id": "c1", "metadata": {}, "outputs": [], "execution_count": None, "source": source}
    kernelspec = {"name": "python3", "display_name": "Python 3", "language": "python"}
    notebook = {"nbformat": 4, "nbformat_minor": 5, "metadata": {"kernelspec": kernelspec}, "cells": [cell]}
    path.write_text(json.dumps(notebook))


def open_notebook(page: Any, url: str) -> None:
    """Opens bench.ipynb in JupyterLab, runs its cell and waits until both widgets are rendered."""
    page.goto(f"{url}/lab/tree/bench.ipynb")
    page.wait_for_function("window.jupyterapp && document.querySelector('.jp-Notebook')", timeout=90_000)
    with contextlib.suppress(Exception):  # Lab may ask which kernel; the preselected python3 is right
        page.click(".jp-Dialog .jp-mod-accept", timeout=5_000)
    page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=90_000)
    page.evaluate("() => { window.jupyterapp.commands.execute('notebook:run-all-cells'); }")
    page.wait_for_function("['core', 'aw', 'ipw'].every((lib) => globalThis.__pingpong?.[lib])", timeout=90_000)
