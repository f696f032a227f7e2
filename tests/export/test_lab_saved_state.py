"""JupyterLab's "Save Jupyter widget state in notebooks": real Lab saves our widgets' state, the export renders it.

Lab saves the state its widget manager holds (anywidget's front end renders our models there), so a click made
in Lab is what the exported page shows.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import jsonschema
import nbformat
import pytest

from .notebook import kernel_env, write_notebook
from .pages import check_exported_page

sys.path.insert(0, str(Path(__file__).parents[1] / "jupyter"))  # the Lab helpers (tests/jupyter is no package)
from jupyter_kernel_util import jupyterlab, run_all_in_lab

pytestmark = [pytest.mark.browser, pytest.mark.kernel, pytest.mark.timeout(240)]

MIME = "application/vnd.jupyter.widget-state+json"


def test_lab_saved_state_exports(browser: Any, tmp_path: Path, state_schema: Any) -> None:
    notebook = write_notebook(tmp_path)
    settings = tmp_path / "settings" / "@jupyter-widgets" / "jupyterlab-manager"
    settings.mkdir(parents=True)
    (settings / "plugin.jupyterlab-settings").write_text(json.dumps({"saveState": True}))
    with jupyterlab(tmp_path, JUPYTERLAB_SETTINGS_DIR=str(tmp_path / "settings")) as url:
        context = browser.new_context()
        try:
            page = context.new_page()
            run_all_in_lab(page, url, notebook.name)
            page.wait_for_function("document.querySelectorAll('.clicker').length === 2", timeout=60_000)
            page.wait_for_function("document.querySelector('.clicker').textContent === '5 / 45'")
            page.locator(".clicker").first.click()  # a front-end change: the saved state must carry it
            page.wait_for_function("document.querySelector('.clicker').textContent === '6 / 45'")
            page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']")
            page.evaluate("() => window.jupyterapp.commands.execute('docmanager:save')")
            deadline = time.monotonic() + 30
            while not nbformat.read(notebook, as_version=4).metadata.get("widgets"):
                assert time.monotonic() < deadline, "Lab did not save the widget state"
                time.sleep(0.2)
        finally:
            context.close()
    document = nbformat.read(notebook, as_version=4).metadata["widgets"][MIME]
    jsonschema.validate(document, state_schema)
    assert sum(entry["model_module"] == "anywidget" for entry in document["state"].values()) == 4
    done = subprocess.run(
        [sys.executable, "-m", "anywidget_core", "export", notebook.name, "--no-execute", "-o", "lab.html"],
        cwd=tmp_path,
        env=kernel_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    check_exported_page(browser, tmp_path / "lab.html", first=6)
