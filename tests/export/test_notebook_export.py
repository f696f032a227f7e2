"""Exported notebooks: executed by the CLI, from saved widget state (--no-execute), and through nbconvert.

Each page is opened from disk in Chromium with every other request aborted and counted.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import jsonschema
import nbformat
import pytest

from anywidget_core.hosts.notebook_page import notebook_html
from anywidget_core.hosts.notebook_run import execute
from anywidget_core.hosts.widget_state import MIME, from_update_states

from .notebook import kernel_env, write_notebook
from .pages import check_exported_page

pytestmark = [pytest.mark.browser, pytest.mark.kernel]


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [sys.executable, "-m", "anywidget_core", "export", *args],
        cwd=cwd,
        env=kernel_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return done


def test_export_executes_the_notebook(browser: Any, tmp_path: Path) -> None:
    notebook = write_notebook(tmp_path)
    done = cli(notebook.name, "-o", "page.html", cwd=tmp_path)
    assert "wrote page.html (9 cell(s)" in done.stderr
    check_exported_page(browser, tmp_path / "page.html")
    assert nbformat.read(notebook, as_version=4).cells[1].outputs == []  # the source notebook is left as it was


@pytest.fixture(scope="module")
def saved(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The test notebook executed by nbclient, as nbconvert --execute runs it, with the widget state it saved."""
    folder = tmp_path_factory.mktemp("saved")
    notebook = write_notebook(folder)
    nb = execute(nbformat.read(notebook, as_version=4), cwd=folder, timeout=60)
    nbformat.write(nb, folder / "saved.ipynb")
    return folder / "saved.ipynb"


def test_no_execute_renders_the_state_nbclient_saved(browser: Any, saved: Path, state_schema: Any) -> None:
    document = nbformat.read(saved, as_version=4).metadata["widgets"][MIME]
    jsonschema.validate(document, state_schema)
    modules = sorted({entry["model_module"] for entry in document["state"].values()})
    assert modules == ["@jupyter-widgets/base", "@jupyter-widgets/controls", "anywidget"]
    cli(saved.name, "--no-execute", "-o", "saved.html", cwd=saved.parent)
    check_exported_page(browser, saved.parent / "saved.html")


def test_nbconvert_exporter_makes_the_same_page(browser: Any, saved: Path) -> None:
    # No --execute here: nbconvert's ExecutePreprocessor is the nbclient run the fixture did (kept under 2 minutes).
    command = [sys.executable, "-m", "nbconvert", "--to", "anywidget-html", saved.name, "--output", "nbc"]
    done = subprocess.run(command, cwd=saved.parent, env=kernel_env(), capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    same = notebook_html(nbformat.read(saved, as_version=4), title="saved")  # what the CLI writes
    assert (saved.parent / "nbc.html").read_text(encoding="utf-8") == same
    check_exported_page(browser, saved.parent / "nbc.html")


async def _run_and_request_states(nb: Any, cwd: Path) -> dict[str, Any]:
    """Run the cells without nbclient's recording, then ask the kernel for every widget's state as
    JupyterLab does after a reload (control comm, request_states); returns the update_states message."""
    from nbclient import NotebookClient

    client = NotebookClient(nb, store_widget_state=False, timeout=60, resources={"metadata": {"path": str(cwd)}})
    async with client.async_setup_kernel():
        for index, cell in enumerate(nb.cells):
            await client.async_execute_cell(cell, index)
        kc = client.kc
        comm_id = uuid.uuid4().hex
        opened = {"comm_id": comm_id, "target_name": "jupyter.widget.control", "data": {}}
        kc.shell_channel.send(kc.session.msg("comm_open", opened, metadata={"version": "1.0.0"}))
        kc.shell_channel.send(kc.session.msg("comm_msg", {"comm_id": comm_id, "data": {"method": "request_states"}}))
        while True:
            msg = await kc.get_iopub_msg(timeout=30)
            if msg["msg_type"] == "comm_msg" and msg["content"]["comm_id"] == comm_id:
                return dict(msg)


def test_control_comm_answer_is_valid_saved_state(browser: Any, tmp_path: Path, state_schema: Any) -> None:
    notebook = write_notebook(tmp_path)
    nb = nbformat.read(notebook, as_version=4)
    with ThreadPoolExecutor(1) as thread:  # Playwright's sync API holds this thread's event loop
        answer = thread.submit(asyncio.run, _run_and_request_states(nb, tmp_path)).result()
    data = answer["content"]["data"]
    assert data["method"] == "update_states"
    document = from_update_states(data["states"], data["buffer_paths"], answer["buffers"])
    jsonschema.validate(document, state_schema)
    names = sorted(entry["model_name"] for entry in document["state"].values())
    assert names.count("AnyModel") == 4 and "IntSliderModel" in names  # ours, anywidget's and ipywidgets' merged
    nb.metadata["widgets"] = {MIME: document}
    nbformat.write(nb, tmp_path / "lab.ipynb")
    cli("lab.ipynb", "--no-execute", "-o", "lab.html", cwd=tmp_path)
    check_exported_page(browser, tmp_path / "lab.html")


def test_a_widget_without_saved_state_says_so(tmp_path: Path) -> None:
    nb = nbformat.v4.new_notebook()
    view = {"version_major": 2, "version_minor": 1, "model_id": "f" * 32}
    output = nbformat.v4.new_output(
        "display_data", {"application/vnd.jupyter.widget-view+json": view, "text/plain": "Clicker(value=1)"}
    )
    nb.cells = [nbformat.v4.new_code_cell("clicker", outputs=[output])]
    with pytest.warns(UserWarning, match="1 widget view\\(s\\) have no saved state"):
        page = notebook_html(nb, title="t")
    assert "Clicker(value=1)" in page and "holds no saved state for this widget" in page
    assert 'id="awc-view-' not in page
