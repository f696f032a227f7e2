"""The README's JupyterLab install line, followed as a new user would, to a widget that renders and talks back.

A brand-new venv (this interpreter's ``python -m venv``, no system site packages), then exactly
``pip install "<this checkout>[jupyter]" jupyterlab``; JupyterLab from that venv on loopback, with Jupyter's
user and config folders empty so only the venv supplies front ends; examples/counter.ipynb run in Chromium.
The widget must render (not ``<Counter model_id=...>``), and a click must reach the kernel.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from example_hosts import EXAMPLES, click_through_counter, free_port, server, wait_http

pytestmark = [pytest.mark.browser, pytest.mark.timeout(1800)]

CHECKOUT = EXAMPLES.parent


# sys.prefix of the notebook's kernel, asked through the page's own kernel connection
KERNEL_PREFIX = """async () => {
  const kernel = window.jupyterapp.shell.currentWidget.sessionContext.session.kernel;
  let text = "";
  const future = kernel.requestExecute({ code: "import sys; print(sys.prefix)" });
  future.onIOPub = (msg) => { if (msg.header.msg_type === "stream") text += msg.content.text; };
  await future.done;
  return text.trim();
}"""


# the id of the notebook's kernel once it is connected and idle with no dialog open, else null
READY_KERNEL = """() => {
  const kernel = window.jupyterapp.shell.currentWidget?.sessionContext?.session?.kernel;
  const ready = kernel && kernel.connectionStatus === "connected" && kernel.status === "idle";
  return ready && !document.querySelector(".jp-Dialog") ? kernel.id : null;
}"""


def settle_kernel(page: Any, timeout: float = 180) -> str:
    """Wait until the notebook keeps one ready kernel for 3 s. Lab may first ask which kernel to use (the
    preselected python3 is right) and then replace the kernel it started: cells run before that are lost."""
    deadline = time.monotonic() + timeout
    last, since = None, time.monotonic()
    while True:
        with contextlib.suppress(Exception):
            page.click(".jp-Dialog .jp-mod-accept", timeout=200)
        kernel = page.evaluate(READY_KERNEL)
        now = time.monotonic()
        if kernel != last:
            last, since = kernel, now
        elif kernel and now - since >= 3:
            return str(kernel)
        assert now < deadline, "the notebook's kernel did not settle"
        time.sleep(0.25)


def log(*args: Any) -> None:
    print(*args, file=sys.stderr, flush=True)


def fresh_venv(path: Path) -> Path:
    """A new venv at ``path`` with the README's Jupyter line installed; returns its bin folder."""
    subprocess.run([sys.executable, "-m", "venv", str(path)], check=True)
    bindir = path / "bin"
    start = time.perf_counter()
    done = subprocess.run(
        [str(bindir / "python"), "-m", "pip", "install", "-q", f"{CHECKOUT}[jupyter]", "jupyterlab"],
        capture_output=True,
        text=True,
        env=clean_env(bindir),
    )
    assert done.returncode == 0, done.stdout + done.stderr
    log(f"pip install '<checkout>[jupyter]' jupyterlab: {time.perf_counter() - start:.0f} s")
    return bindir


def clean_env(bindir: Path, **extra: str) -> dict[str, str]:
    """This environment minus anything that would let the new venv see the test's own packages."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}
    env["PATH"] = str(bindir) + os.pathsep + env.get("PATH", "")
    env["VIRTUAL_ENV"] = str(bindir.parent)
    return dict(env, **extra)


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    base = tmp_path_factory.mktemp("fresh-jupyter")
    bindir = fresh_venv(base / "venv")
    root = base / "work"
    root.mkdir()
    for name in ("counter.ipynb", "counter.py"):
        (root / name).write_bytes((EXAMPLES / name).read_bytes())
    home = base / "home"  # no user-level labextensions or settings from this machine
    env = clean_env(
        bindir,
        HOME=str(home),
        JUPYTER_CONFIG_DIR=str(home / "config"),
        JUPYTER_DATA_DIR=str(home / "data"),
        JUPYTER_RUNTIME_DIR=str(home / "runtime"),
    )
    port = free_port()
    command = [str(bindir / "jupyter"), "lab", "--no-browser", f"--port={port}", "--ServerApp.ip=127.0.0.1"]
    command += ["--IdentityProvider.token=", "--ServerApp.password=", f"--ServerApp.root_dir={root}"]
    command += ["--LabApp.expose_app_in_browser=True", f"--LabServerApp.workspaces_dir={root / 'ws'}"]
    command += ["--allow-root"]
    server_log = base / "lab.log"
    with server(command, server_log, cwd=root, env=env) as proc:
        url = f"http://127.0.0.1:{port}"
        wait_http(f"{url}/api/status", proc, server_log)
        yield {"url": url, "bindir": bindir, "log": server_log}


def test_the_jupyter_install_line_renders_the_notebook_example(lab: dict[str, Any], page: Any) -> None:
    errors: list[str] = []
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    page.goto(f"{lab['url']}/lab/tree/counter.ipynb")
    page.wait_for_function("window.jupyterapp && document.querySelector('.jp-Notebook')", timeout=90_000)
    settle_kernel(page)
    page.evaluate("() => { window.jupyterapp.commands.execute('notebook:run-all-cells'); }")

    # Without the front end, Lab shows the widget's text form instead: say so rather than time out later.
    shown = ".awc-counter-value, .jp-OutputArea-output:has-text('model_id=')"
    page.locator(shown).first.wait_for(timeout=90_000)
    outputs = page.locator(".jp-OutputArea-output").all_inner_texts()
    assert not [text for text in outputs if "model_id=" in text], outputs
    # the notebook's third cell sets value=10 and step=2 from Python, after the widget is shown
    click_through_counter(page, start=10, step=2, timeout=90_000)
    assert not [e for e in errors if "comm" in e.lower() or "anywidget" in e.lower()], errors

    # the kernel that answered runs in the fresh venv
    prefix = page.evaluate(KERNEL_PREFIX)
    assert Path(prefix).resolve() == lab["bindir"].parent.resolve(), prefix
