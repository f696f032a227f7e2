"""Shared pieces of the robustness suite: the widget under attack, hostile-message strategies, the checks.

A generated message is ``(data, buffers)`` as a front end would send it. The checks do not re-implement the
protocol: they hold for every message, whatever the implementation decides. A message either changed nothing
(rejected, or a no-op) or applied every field it named (accepted); a rejection on a host that delivers errors
produced exactly one ``error`` with a code and a reason; private fields never change.
"""

from __future__ import annotations

import logging
import math
import os
from dataclasses import dataclass, field
from typing import Any

from hypothesis import strategies as st

from anywidget_core import ErrorCode, Widget
from anywidget_core.fields import field as widget_field
from anywidget_core.host import Received

# CI runs the quick setting; ANYWIDGET_FUZZ_EXAMPLES=<n> is the long one (examples per host path).
QUICK_EXAMPLES = 60
EXAMPLES = int(os.environ.get("ANYWIDGET_FUZZ_EXAMPLES", QUICK_EXAMPLES))
LONG = EXAMPLES > QUICK_EXAMPLES
ERROR_CODES = {code.value for code in ErrorCode}


class Target(Widget):
    """One field of each kind whose wire value equals its Python value, so an applied value can be checked."""

    _esm = "export default { render({ model, el }) { el.textContent = 'target'; } }"
    _css = ".target { color: red; }"
    count: int = 0
    name: str = ""
    ratio: float = 0.0
    flag: bool = False
    items: list[int] = widget_field(default_factory=list)
    tags: dict[str, str] = widget_field(default_factory=dict)
    blob: bytes = b""


FIELDS = tuple(Target._fields)
PRIVATE = ("_esm", "_css", "_anywidget_id", "_model_name", "_view_count", "_secret", "_")

# ----------------------------------------------------------------------------- strategies


def _nest(depth: int, as_dict: bool) -> Any:
    value: Any = 1
    for _ in range(depth):
        value = {"k": value} if as_dict else [value]
    return value


def json_values(nan: bool) -> st.SearchStrategy[Any]:
    leaves = (
        st.none()
        | st.booleans()
        | st.integers()
        | st.integers(min_value=-(2**80), max_value=2**80)  # beyond 64 bits
        | st.floats(allow_nan=nan, allow_infinity=nan)
        | st.text(max_size=12)
        # lone UTF-16 surrogates ("\ud83d", half an emoji): JSON escapes them, no valid UTF-8 can carry them
        | st.text(st.characters(categories=["Cs"]) | st.characters(max_codepoint=0x7F), min_size=1, max_size=4)
    )
    return st.recursive(
        leaves,
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4),
        max_leaves=12,
    )


def hostile_values(nan: bool) -> st.SearchStrategy[Any]:
    """JSON values, plus the extremes: deep nesting (around the depth limit) and huge strings."""
    return st.one_of(
        json_values(nan),
        st.builds(_nest, st.integers(55, 300), st.booleans()),
        st.integers(1, 4).map(lambda mb: "x" * (mb * 1_000_000)),
    )


def valid_values(name: str) -> st.SearchStrategy[Any]:
    return {
        "count": st.integers(-(2**63), 2**63 - 1),
        "name": st.text(max_size=30),
        "ratio": st.floats(allow_nan=False, allow_infinity=False),
        "flag": st.booleans(),
        "items": st.lists(st.integers(-(2**63), 2**63 - 1), max_size=5),
        "tags": st.dictionaries(st.text(max_size=5), st.text(max_size=5), max_size=3),
        "blob": st.just(None),  # binary values travel as buffers; see valid_update
    }[name]


names = st.sampled_from(FIELDS) | st.sampled_from(PRIVATE) | st.text(max_size=8)
path_parts = names | st.integers(-3, 6) | st.none() | st.floats(allow_nan=False)
buffer_lists = st.lists(st.binary(max_size=24), max_size=4)


@st.composite
def valid_update(draw: st.DrawFn) -> tuple[dict[str, Any], list[bytes]]:
    chosen = draw(st.lists(st.sampled_from(FIELDS), min_size=1, max_size=4, unique=True))
    state = {n: draw(valid_values(n)) for n in chosen if n != "blob"}
    data: dict[str, Any] = {"method": "update", "state": state, "buffer_paths": []}
    buffers: list[bytes] = []
    if "blob" in chosen:
        data["buffer_paths"] = [["blob"]]
        buffers = [draw(st.binary(max_size=64))]
    return data, buffers


def hostile_message(nan: bool) -> st.SearchStrategy[tuple[Any, list[bytes]]]:
    values = hostile_values(nan)
    field_values = st.one_of(values, *[valid_values(n) for n in FIELDS if n != "blob"])
    state = st.dictionaries(names, field_values, max_size=4) | values
    paths = st.lists(st.lists(path_parts, max_size=3), max_size=4) | values
    # Extra members never named "method": the envelope sets it, and an extra "method" could make an exact,
    # valid {"method": "close"} that ends the run's link.
    member = st.text(max_size=6).filter(lambda key: key != "method")
    extra = st.dictionaries(member, values, max_size=2)

    def envelope(method: Any, body: dict[str, Any], more: dict[str, Any]) -> dict[str, Any]:
        return {**more, **body, "method": method}

    update = st.builds(
        envelope,
        st.just("update"),
        st.fixed_dictionaries({"state": state}, optional={"buffer_paths": paths}),
        extra | st.just({}),
    )
    custom = st.builds(envelope, st.just("custom"), st.fixed_dictionaries({}, optional={"content": values}), extra)
    request = st.builds(envelope, st.just("request_state"), st.just({}), extra)
    # (not extra.filter(bool): that trips an internal assertion of hypothesis 6.155)
    close_with_members = st.builds(
        envelope, st.just("close"), st.just({}), st.dictionaries(member, values, min_size=1, max_size=2)
    )
    odd_method = st.builds(
        envelope,
        st.sampled_from(["open", "echo_update", "error", "UPDATE", "update ", "", "comm_msg"])
        | values.filter(lambda m: m != "close"),
        st.fixed_dictionaries({}, optional={"state": state, "content": values}),
        extra,
    )
    not_an_object = values.filter(lambda v: not isinstance(v, dict))
    data = st.one_of(update, update, custom, request, close_with_members, odd_method, not_an_object)
    return st.one_of(st.tuples(data, buffer_lists), valid_update(), valid_update())


# ----------------------------------------------------------------------------- checks


def same(a: Any, b: Any) -> bool:
    """Equality for the values here, NaN equal to itself, 1 == 1.0, bytes-likes by content."""
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    if isinstance(a, (bytes, bytearray, memoryview)) and isinstance(b, (bytes, bytearray, memoryview)):
        return bytes(a) == bytes(b)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, bool) or isinstance(b, bool) or isinstance(a, str) or isinstance(b, str):
        return type(a) is type(b) and a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return float(a) == float(b)  # a float field takes a JSON integer
    return bool(a == b)


def intended(data: Any, buffers: list[bytes]) -> dict[str, Any] | None:
    """The fields an update would set if accepted (top-level buffers put back), or None for other messages."""
    if not isinstance(data, dict) or data.get("method") != "update" or not isinstance(data.get("state"), dict):
        return None
    values = dict(data["state"])
    paths = data.get("buffer_paths", [])
    if isinstance(paths, list) and len(paths) == len(buffers):
        for path, buffer in zip(paths, buffers, strict=True):
            if isinstance(path, list) and len(path) == 1 and isinstance(path[0], str):
                values[path[0]] = buffer
    return values


class ErrorLog(logging.Handler):
    """Records anywidget_core log records at ERROR and above: a bug caught by a safety net counts as a crash."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@dataclass
class Tally:
    """What the long run reports per path."""

    host: str
    messages: int = 0
    accepted: int = 0
    rejected: int = 0
    crashes: int = 0
    partial_applies: int = 0
    silent_rejections: int = 0  # rejected on a host that delivers errors, without an error
    private_writes: int = 0
    failures: list[str] = field(default_factory=list)

    def fail(self, kind: str, detail: str) -> None:
        setattr(self, kind, getattr(self, kind) + 1)
        if len(self.failures) < 5:
            self.failures.append(f"{kind}: {detail[:400]}")


def errors_in(received: list[Received]) -> list[dict[str, Any]]:
    return [r.data for r in received if r.data.get("method") == "error"]


def check_error(error: dict[str, Any]) -> str | None:
    """Why an error message is not a clear one, or None."""
    if error.get("code") not in ERROR_CODES:
        return f"unknown error code {error.get('code')!r}"
    message = error.get("message")
    if not isinstance(message, str) or len(message) < 8:
        return f"error without a reason: {error!r}"
    return None
