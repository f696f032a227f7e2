"""Saved widget state conversions and the notebook page's edges, without a kernel or a browser."""

from __future__ import annotations

import base64
import gzip
from pathlib import Path
from typing import Any

import nbformat
import pytest

from anywidget_core.cli import main
from anywidget_core.hosts.notebook_page import notebook_html
from anywidget_core.hosts.widget_state import MIME, from_update_states, open_frames


def test_update_states_become_v2_state_with_buffers_per_model() -> None:
    states = {
        "a": {"model_name": "AnyModel", "model_module": "anywidget", "model_module_version": "~0.11.*", "state": {}},
        "b": {"model_name": "AnyModel", "model_module": "anywidget", "model_module_version": "~0.11.*", "state": {}},
    }
    document = from_update_states(states, [["b", "state", "data"], ["a", "state", "x", 0]], [b"\x01", b"\x02\x03"])
    assert document["version_major"] == 2 and document["version_minor"] == 0
    assert document["state"]["a"]["buffers"] == [{"path": ["x", 0], "encoding": "base64", "data": "AgM="}]
    assert document["state"]["b"]["buffers"] == [{"path": ["data"], "encoding": "base64", "data": "AQ=="}]
    with pytest.raises(ValueError):  # a buffer without its path (or the reverse) is a broken answer
        from_update_states(states, [["a", "state", "x"]], [])


def test_open_frames_take_anywidget_models_and_hex_buffers() -> None:
    models: dict[str, Any] = {
        "ours": {
            "model_name": "AnyModel",
            "model_module": "anywidget",
            "model_module_version": "~0.11.*",
            "state": {"_esm": "export default {}", "value": 1},
            "buffers": [{"path": ["data"], "encoding": "hex", "data": "00ff"}],
        },
        "slider": {
            "model_name": "IntSliderModel",
            "model_module": "@jupyter-widgets/controls",
            "model_module_version": "2.0.0",
            "state": {"value": 4},
        },
    }
    (frame,) = open_frames(models)
    assert frame["model_id"] == "ours"
    assert frame["data"] == {"method": "open", "state": models["ours"]["state"], "buffer_paths": [["data"]]}
    assert frame["buffers"] == [base64.b64encode(b"\x00\xff").decode("ascii")]  # too short to gain from gzip
    models["ours"]["buffers"] = [
        {"path": ["data"], "encoding": "base64", "data": base64.b64encode(bytes(4096)).decode()}
    ]
    (frame,) = open_frames(models)
    (packed,) = frame["buffers"]
    assert gzip.decompress(base64.b64decode(packed["gzip"])) == bytes(4096)  # zeros: compressed, exact bytes


def test_markdown_attachments_are_inlined() -> None:
    cell = nbformat.v4.new_markdown_cell("![dot](attachment:dot.png)")
    cell["attachments"] = {"dot.png": {"image/png": "iVBORw0KGgo="}}
    page = notebook_html(nbformat.v4.new_notebook(cells=[cell]), title="t")
    assert '<img src="data:image/png;base64,iVBORw0KGgo=" alt="dot"' in page


def _widget_notebook(path: Path, saved: dict[str, Any] | None) -> None:
    view = {"version_major": 2, "version_minor": 1, "model_id": "m" * 32}
    output = nbformat.v4.new_output("display_data", {"application/vnd.jupyter.widget-view+json": view})
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("w", outputs=[output])])
    if saved is not None:
        nb.metadata["widgets"] = {MIME: saved}
    nbformat.write(nb, path)


def test_cli_no_execute_warns_about_views_without_state(tmp_path: Path, capsys: Any) -> None:
    _widget_notebook(tmp_path / "n.ipynb", None)
    assert main(["export", str(tmp_path / "n.ipynb"), "--no-execute", "-o", str(tmp_path / "n.html")]) == 0
    assert "1 widget view(s) have no saved state" in capsys.readouterr().err
    assert "holds no saved state for this widget" in (tmp_path / "n.html").read_text(encoding="utf-8")


def test_cli_unknown_kernel_is_a_usage_error(tmp_path: Path, capsys: Any) -> None:
    _widget_notebook(tmp_path / "n.ipynb", None)
    assert main(["export", str(tmp_path / "n.ipynb"), "--kernel", "no-such-kernel-here"]) == 2
    assert "no kernel named 'no-such-kernel-here'" in capsys.readouterr().err
    assert not (tmp_path / "n.html").exists()


def test_nbconvert_exporter_honours_no_input_and_removed_inputs() -> None:
    from traitlets.config import Config

    from anywidget_core.hosts.nbconvert_exporter import AnywidgetHTMLExporter

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("shown_source = 1"), nbformat.v4.new_code_cell("x")])
    assert "shown_source" in AnywidgetHTMLExporter().from_notebook_node(nb)[0]
    no_input = Config({"TemplateExporter": {"exclude_input": True}})  # what `jupyter nbconvert --no-input` sets
    assert "shown_source" not in AnywidgetHTMLExporter(config=no_input).from_notebook_node(nb)[0]
    nb.cells[0].metadata["tags"] = ["remove-input"]
    removed = Config({"TagRemovePreprocessor": {"enabled": True, "remove_input_tags": ["remove-input"]}})
    page = AnywidgetHTMLExporter(config=removed).from_notebook_node(nb)[0]
    assert "shown_source" not in page and '<pre class="awc-input">x</pre>' in page


def test_outputs_streams_errors_and_remote_html() -> None:
    outputs = [
        nbformat.v4.new_output("stream", name="stderr", text="careful <now>"),
        nbformat.v4.new_output("error", ename="ValueError", evalue="bad", traceback=["\x1b[31mValueError\x1b[0m: bad"]),
        nbformat.v4.new_output(
            "display_data",
            {
                "text/html": '<script src="https://cdn.example/lib.js"></script><a href="https://docs.example/">docs</a>'
                '<link rel="stylesheet" href="//cdn.example/x.css">',
                "text/plain": "lib",
            },
        ),
    ]
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("run()", outputs=outputs)])
    with pytest.warns(UserWarning, match="network") as caught:
        page = notebook_html(nb, title="t")
    assert '<pre class="awc-stream awc-stderr">careful &lt;now&gt;</pre>' in page
    assert '<pre class="awc-error">ValueError: bad</pre>' in page  # ANSI colours stripped
    assert str(caught[0].message).endswith(": //cdn.example/x.css, https://cdn.example/lib.js")  # not the <a> link
    assert page.startswith("<!doctype html>\n<!-- WARNING: this page is not offline")
