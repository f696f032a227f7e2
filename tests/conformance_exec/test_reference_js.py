"""The JavaScript reference kernel side through ``anywidget-core conformance --exec``: it passes every vector, and
each deliberately broken variant fails exactly the vectors about the rule it breaks (so the vectors do test
those rules, and the driver reports what the implementation does)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from anywidget_core.cli import main
from anywidget_core.conformance import load_vectors

ROOT = Path(__file__).resolve().parents[2]
KERNEL = ROOT / "protocol" / "reference" / "js" / "kernel.mjs"
NODE = shutil.which("node")
pytestmark = pytest.mark.skipif(NODE is None, reason="Node is needed (scripts/test.sh installs it)")
VECTORS = {v["name"]: v for v in load_vectors()}


def _errors(vector: dict[str, Any]) -> list[dict[str, Any]]:
    """Every error message a vector expects a front end to receive."""
    return [m["data"] for step in vector["steps"] for m in step.get("expect", []) if m["data"].get("method") == "error"]


def _where(predicate: Any) -> set[str]:
    return {name for name, vector in VECTORS.items() if predicate(vector)}


# Which vectors each broken rule must fail, and why.
EXPECTED_FAILURES: dict[str, set[str]] = {
    # An echo sent before the fields are checked reaches the front end for every well-formed update that field
    # checks then reject: those are the vectors expecting an error about fields (SPEC §5.3, §6). Envelope errors
    # (malformed, bad_buffers, too_large, unknown_method) come before the point where ipywidgets 8 echoes.
    "echo-before-validate": _where(
        lambda v: any(
            e["rejected"] == "update" and e["code"] in {"invalid_value", "unknown_field", "private_field"}
            for e in _errors(v)
        )
    ),
    # Unchecked buffer paths: exactly the vectors expecting bad_buffers (SPEC §4 rules 3-4).
    "no-buffer-path-check": _where(lambda v: any(e["code"] == "bad_buffers" for e in _errors(v))),
    # Keeping the valid part of a refused write fails the vectors whose refused update or Python set carries a
    # valid field beside the bad one, then checks the state or the stream (SPEC §5.3 "every field, or none").
    "no-all-or-nothing": {
        "bad_partial_update",  # value=5 valid beside label=7
        "bad_mixed_private_and_valid",  # value=5 valid beside _esm
        "bad_constraint_violation",  # count=5 valid beside code="long"; Python set count=1 beside 3 picks
        "bad_lone_surrogate",  # label="ok" valid beside a lone surrogate in words
        "composition_frontend_ref_not_shown",  # value=5 valid beside a reference to a model not shown
        "composition_frontend_ref_other_frontend",  # value=5 valid beside another front end's model
        "python_set_state_all_or_nothing",  # Python set value=5 valid beside label=7
    },
    # Only one vector shows one model to two front ends and writes from one of them (SPEC §2 echo_update).
    "echo-to-writer-only": {"frontend_echo_reaches_every_frontend"},
    # The two vectors where a front end names a live model it was never shown (SPEC §3.2); bad_child_ref names
    # no model at all, so it is refused either way.
    "no-ref-check": {"composition_frontend_ref_not_shown", "composition_frontend_ref_other_frontend"},
    # The vectors sending a well-formed request to a widget with commands check that no handler got it (§2.1).
    "commands-reach-handlers": {"invoke_command_responds", "invoke_command_fails", "invoke_unknown_command"},
    # Each control comm rule (SPEC §8.1.1) has its vector; paths without the [model id, "state"] prefix fail both
    # vectors whose models hold binary values.
    "control-any-version": {"control_other_major_version_closed"},
    "control-answers-any-method": {"control_unknown_method_ignored"},
    "control-lists-closed": {"control_closed_model_absent"},
    "control-paths-in-state": {"control_request_states_answers_every_model", "control_closed_model_absent"},
    # The vectors whose command raises or does not exist expect an answer carrying error (SPEC §2.1).
    "silent-command-errors": _where(
        lambda v: any(
            isinstance(m["data"].get("content"), dict) and "error" in m["data"]["content"]
            for step in v["steps"]
            for m in step.get("expect", [])
        )
    ),
}


def _run(capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, set[str], str]:
    code = main(["conformance", "--exec", f"{NODE} {KERNEL} {' '.join(extra)}".strip()])
    table = capsys.readouterr().out
    failed = set(re.findall(r"^FAIL exec (\S+):", table, flags=re.MULTILINE))
    return code, failed, table


def test_reference_passes_every_vector(capsys: pytest.CaptureFixture[str]) -> None:
    code, failed, table = _run(capsys)
    assert failed == set(), table
    assert code == 0
    assert f"exec: {len(VECTORS)} passed, 0 failed, 0 n/a" in table


@pytest.mark.parametrize("rule", sorted(EXPECTED_FAILURES))
def test_broken_rule_fails_exactly_its_vectors(rule: str, capsys: pytest.CaptureFixture[str]) -> None:
    expected = EXPECTED_FAILURES[rule]
    assert expected, "a rule no vector tests"
    code, failed, table = _run(capsys, "--break", rule)
    assert failed == expected, table
    assert code == 1


def test_every_break_is_tested() -> None:
    source = KERNEL.read_text(encoding="utf-8")
    start = source.index("export const BREAKS")
    block = source[start : source.index("};", start)]
    assert set(re.findall(r'^\s*"([a-z-]+)":', block, flags=re.MULTILINE)) == set(EXPECTED_FAILURES)
