"""schemas/ is generated from the message Structs and stays in step with them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from anywidget_core.schemas_cmd import generate, render

SCHEMAS = Path(__file__).parents[2] / "schemas"


def test_files_match_the_code() -> None:
    generated = {f"{stem}.json": render(doc) for stem, doc in generate().items()}
    on_disk = {p.name: p.read_text() for p in SCHEMAS.glob("*.json")}
    assert on_disk == generated, "run `anywidget-core schemas` to regenerate"


def test_check_command_detects_drift(tmp_path: Path) -> None:
    cmd = [sys.executable, "-m", "anywidget_core", "schemas", "--dir", str(tmp_path)]
    assert subprocess.run(cmd, capture_output=True).returncode == 0
    assert subprocess.run([*cmd, "--check"], capture_output=True).returncode == 0
    (tmp_path / "update.json").write_text("{}")
    result = subprocess.run([*cmd, "--check"], capture_output=True, text=True)
    assert result.returncode == 1 and "update.json" in result.stdout


@pytest.mark.parametrize("path", sorted(SCHEMAS.glob("*.json")), ids=lambda p: p.name)
def test_each_schema_is_valid_draft_2020_12(path: Path) -> None:
    Draft202012Validator.check_schema(json.loads(path.read_text()))


def test_schemas_reject_what_the_spec_forbids() -> None:
    update = Draft202012Validator(json.loads((SCHEMAS / "update.json").read_text()))
    assert update.is_valid({"method": "update", "state": {"a": 1}, "buffer_paths": [["a", 0]]})
    assert not update.is_valid({"method": "update", "state": {}, "buffer_paths": [[]]})
    assert not update.is_valid({"method": "update", "state": [], "buffer_paths": []})
    assert not update.is_valid({"method": "update", "state": {}, "extra": 1})
    error = Draft202012Validator(json.loads((SCHEMAS / "error.json").read_text()))
    assert not error.is_valid({"method": "error", "code": "nonsense", "message": "x"})


def test_control_comm_schemas_hold_the_model_class() -> None:
    update_states = Draft202012Validator(json.loads((SCHEMAS / "update_states.json").read_text()))
    entry = {"model_name": "AnyModel", "model_module": "anywidget", "model_module_version": "~0.11.*", "state": {}}
    assert update_states.is_valid({"method": "update_states", "states": {"m1": entry}, "buffer_paths": []})
    assert not update_states.is_valid({"method": "update_states", "states": {"m1": {"state": {}}}})
    assert not update_states.is_valid({"method": "update_states", "states": {"m1": {**entry, "x": 1}}})
    request = Draft202012Validator(json.loads((SCHEMAS / "request_states.json").read_text()))
    assert request.is_valid({"method": "request_states"})
    assert not request.is_valid({"method": "request_state"})
