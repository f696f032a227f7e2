"""``expect_control`` matching (SPEC §9): what it accepts and what it refuses, on hand-made answers, so a
passing control vector means the rules were checked."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from anywidget_core.conformance.runner import Mismatch, match_control
from anywidget_core.host import Received

SPEC = {"fields": {"blob": {"type": "bytes"}}, "esm": "export default {}"}
NAMES = {"id-a": "a", "id-b": "b"}


def _state(**fields: Any) -> dict[str, Any]:
    return {
        "_model_module": "anywidget",
        "_model_name": "AnyModel",
        "_model_module_version": "~0.11.*",
        "_view_module": "anywidget",
        "_view_name": "AnyView",
        "_view_module_version": "~0.11.*",
        "_view_count": None,
        "_anywidget_id": "x.y",
        "_esm": "export default {}",
        **fields,
    }


def _entry(state: dict[str, Any]) -> dict[str, Any]:
    keys = ("model_name", "model_module", "model_module_version")
    return {**{k: state[f"_{k}"] for k in keys}, "state": state}


def _answer(states: dict[str, Any], paths: list[list[Any]], buffers: list[bytes]) -> list[Received]:
    data = {"method": "update_states", "states": states, "buffer_paths": paths}
    return [Received("", data, buffers)]


def _expected(paths: list[list[Any]], buffers: list[bytes]) -> list[dict[str, Any]]:
    entry = {"model_name": "AnyModel", "model_module": "anywidget", "model_module_version": {"$any": "string"}}
    states = {"a": {**entry, "state": {"n": 1}}, "b": {**entry, "state": {"n": 2}}}
    data = {"method": "update_states", "states": states, "buffer_paths": paths}
    return [{"data": data, "buffers": [base64.b64encode(b).decode() for b in buffers]}]


def _check(actual: list[Received], expected: list[dict[str, Any]]) -> None:
    match_control(expected, actual, NAMES, {"a": SPEC, "b": SPEC}, lambda v: v)


def test_pairs_match_in_any_order_and_ids_become_names() -> None:
    states = {"id-b": _entry(_state(n=2)), "id-a": _entry(_state(n=1))}
    actual = _answer(states, [["id-b", "state", "blob"], ["id-a", "state", "blob"]], [b"B", b"A"])
    _check(actual, _expected([["a", "state", "blob"], ["b", "state", "blob"]], [b"A", b"B"]))


def test_a_buffer_swapped_between_models_fails() -> None:
    states = {"id-a": _entry(_state(n=1)), "id-b": _entry(_state(n=2))}
    actual = _answer(states, [["id-a", "state", "blob"], ["id-b", "state", "blob"]], [b"B", b"A"])
    with pytest.raises(Mismatch, match="pairs"):
        _check(actual, _expected([["a", "state", "blob"], ["b", "state", "blob"]], [b"A", b"B"]))


def test_model_members_must_repeat_the_state() -> None:
    wrong = {**_entry(_state(n=1)), "model_name": "OtherModel"}
    actual = _answer({"id-a": wrong, "id-b": _entry(_state(n=2))}, [], [])
    with pytest.raises(Mismatch, match="model_name"):
        _check(actual, _expected([], []))


def test_missing_protocol_key_fails() -> None:
    state = _state(n=1)
    del state["_view_name"]
    actual = _answer({"id-a": _entry(state), "id-b": _entry(_state(n=2))}, [], [])
    with pytest.raises(Mismatch, match="_view_name"):
        _check(actual, _expected([], []))


def test_a_model_the_vector_does_not_declare_fails() -> None:
    states = {"id-a": _entry(_state(n=1)), "id-b": _entry(_state(n=2)), "id-z": _entry(_state(n=3))}
    with pytest.raises(Mismatch, match="id-z"):
        _check(_answer(states, [], []), _expected([], []))


def test_more_buffers_than_paths_fails() -> None:
    states = {"id-a": _entry(_state(n=1)), "id-b": _entry(_state(n=2))}
    with pytest.raises(Mismatch, match="1 buffer"):
        _check(_answer(states, [], [b"A"]), _expected([], []))
