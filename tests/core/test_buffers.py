"""buffer_paths extraction and insertion (Jupyter widget protocol 2.1)."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from anywidget_core.buffers import extract_buffers, insert_buffers
from anywidget_core.errors import ErrorCode, ProtocolError

json_leaf = st.none() | st.booleans() | st.integers() | st.text(max_size=5)
binary = (
    st.binary(max_size=8).map(lambda b: b)
    | st.binary(max_size=8).map(memoryview)
    | st.binary(max_size=8).map(bytearray)
)
nested = st.recursive(
    json_leaf | binary,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=4), inner, max_size=4),
    max_leaves=20,
)
states = st.dictionaries(st.text(max_size=6), nested, max_size=5)


def normalize(value: Any) -> Any:
    """Binary leaves as bytes, tuples as lists: what the front end sees."""
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value)
    if isinstance(value, dict):
        return {k: normalize(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [normalize(v) for v in value]
    return value


@given(states)
def test_extract_then_insert_round_trips(state: dict[str, Any]) -> None:
    before = copy.deepcopy(normalize(state))
    cleaned, paths, buffers = extract_buffers(state)
    assert len(paths) == len(buffers)
    assert normalize(state) == before, "the caller's state must not be changed"
    assert not _has_binary(cleaned)
    restored = copy.deepcopy(cleaned)
    insert_buffers(restored, paths, buffers)
    assert normalize(restored) == before


def _has_binary(value: Any) -> bool:
    if isinstance(value, (bytes, bytearray, memoryview)):
        return True
    if isinstance(value, dict):
        return any(_has_binary(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return any(_has_binary(v) for v in value)
    return False


def test_spec_example() -> None:
    state = {"data": b"abc", "meta": {"parts": [b"\x01\x02", "x"]}, "t": (b"z", 1)}
    cleaned, paths, buffers = extract_buffers(state)
    assert cleaned == {"meta": {"parts": [None, "x"]}, "t": [None, 1]}
    assert paths == [["data"], ["meta", "parts", 0], ["t", 0]]
    assert [bytes(b) for b in buffers] == [b"abc", b"\x01\x02", b"z"]


def test_unchanged_containers_are_not_copied() -> None:
    inner = {"a": [1, 2]}
    cleaned, _, _ = extract_buffers({"x": inner, "b": b"1"})
    assert cleaned["x"] is inner


@pytest.mark.parametrize(
    ("state", "paths", "count"),
    [
        ({}, [["a"]], 0),
        ({}, [], 1),
        ({"a": 1}, [["a", "b"]], 1),
        ({"a": [None]}, [["a", 1]], 1),
        ({"a": [None]}, [["a", -1]], 1),
        ({"a": [None]}, [["a", "0"]], 1),
        ({}, [[]], 1),
        ({}, "a", 1),
        ({"a": {}}, [["a", True]], 1),
    ],
)
def test_bad_paths_are_rejected_without_changes(state: dict[str, Any], paths: Any, count: int) -> None:
    before = copy.deepcopy(state)
    with pytest.raises(ProtocolError) as info:
        insert_buffers(state, paths, [b"x"] * count)
    assert info.value.code is ErrorCode.BAD_BUFFERS
    assert state == before


def test_all_paths_checked_before_any_write() -> None:
    state: dict[str, Any] = {"ok": None}
    with pytest.raises(ProtocolError):
        insert_buffers(state, [["ok"], ["missing", 0]], [b"1", b"2"])
    assert state == {"ok": None}
