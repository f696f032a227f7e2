"""Values that cannot travel as JSON never enter state (SPEC §6.1), and declared types are checked strictly.

Lone UTF-16 surrogates, NaN and infinities, and integers beyond ±(2**53-1) are refused wherever they appear, from
Python (ValidationError, nothing sent) and from a front end (one ``invalid_value`` error, nothing applied, the
widget and its neighbours keep working). Constraints (``msgspec.Meta``, pydantic's) and strict mode hold both ways.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

import annotated_types
import msgspec
import pydantic
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import anywidget_core as awc
from anywidget_core.host import MemoryFrontEnd, MemoryHost

SURROGATE = "😀x".encode("utf-16-le")[:2].decode("utf-16-le", "surrogatepass")  # JS "😀x".slice(0, 1)
SAFE = 2**53 - 1


class Point(msgspec.Struct):
    label: str = ""
    x: float = 0.0
    n: Annotated[int, msgspec.Meta(ge=0)] = 0


class Model(pydantic.BaseModel):
    n: int = 0
    xs: list[int] = []
    blobs: list[bytes] = []
    pair: tuple[int, str] = (0, "")


class Values(awc.Widget):
    s: str = ""
    x: float = 0.0
    n: int = 0
    maybe: str | None = None
    xs: list[float] = []
    words: list[list[str]] = []
    table: dict[str, int] = {}
    anything: Any = None
    point: Point = Point()
    model: Model = Model()
    blobs: list[bytes] = []
    count: Annotated[int, msgspec.Meta(ge=0)] = 0
    short: Annotated[list[int], msgspec.Meta(max_length=2)] = []
    name: Annotated[str, msgspec.Meta(max_length=3)] = ""
    ranked: Annotated[int, annotated_types.Ge(0)] = 0
    title: Annotated[str, pydantic.Field(min_length=1)] = "t"


def shown() -> tuple[Values, MemoryFrontEnd]:
    w = Values()
    fe = MemoryHost().probe(w)
    fe.take()
    return w, fe


def wire(text: str) -> Any:
    """What a host's ``json.loads`` makes of a front end's JSON text (``NaN`` included: Python accepts it)."""
    return json.loads(text)


# Values refused from Python and from a front end alike: (field, Python value, front-end JSON text).
POISONED = [
    ("s", SURROGATE, json.dumps(SURROGATE)),
    ("maybe", "ok" + SURROGATE, json.dumps("ok" + SURROGATE)),
    ("words", [["a"], ["b", SURROGATE]], json.dumps([["a"], ["b", SURROGATE]])),
    ("table", {SURROGATE: 1}, json.dumps({SURROGATE: 1})),
    ("anything", {"deep": [{SURROGATE: 1}]}, json.dumps({"deep": [{SURROGATE: 1}]})),
    ("point", Point(label=SURROGATE), json.dumps({"label": SURROGATE})),
    ("model", Model(pair=(1, SURROGATE)), json.dumps({"pair": [1, SURROGATE]})),
    ("x", float("nan"), "NaN"),
    ("x", float("inf"), "Infinity"),
    ("x", float("-inf"), "-Infinity"),
    ("xs", [1.0, float("nan")], "[1.0, NaN]"),
    ("anything", {"a": [float("inf")]}, '{"a": [Infinity]}'),
    ("point", Point(x=float("nan")), '{"x": NaN}'),
    ("n", 2**53, str(2**53)),
    ("n", -(2**53), str(-(2**53))),
    ("n", 2**70, str(2**70)),
    ("table", {"k": 2**60}, json.dumps({"k": 2**60})),
    ("anything", [1, 2**60], json.dumps([1, 2**60])),
    ("model", Model(n=2**60), json.dumps({"n": 2**60})),
    ("count", -5, "-5"),
    ("short", [1, 2, 3], "[1, 2, 3]"),
    ("name", "four", '"four"'),
    ("ranked", -1, "-1"),
    ("title", "", '""'),
]


@pytest.mark.parametrize(("name", "value", "text"), POISONED, ids=lambda v: repr(v)[:30])
def test_python_cannot_set_a_value_that_cannot_travel(name: str, value: Any, text: str) -> None:
    w, fe = shown()
    before = w.get_state()
    with pytest.raises(awc.ValidationError, match=f"Values.{name}"):
        setattr(w, name, value)
    with pytest.raises(awc.ValidationError, match=repr(name)):
        w.set_state({"s": "fine", name: value})  # all or nothing
    with pytest.raises(awc.ValidationError):
        Values(**{name: value})
    assert w.get_state() == before
    assert fe.take() == []


@pytest.mark.parametrize(("name", "value", "text"), POISONED, ids=lambda v: repr(v)[:30])
def test_front_end_cannot_write_a_value_that_cannot_travel(name: str, value: Any, text: str) -> None:
    w, fe = shown()
    before = w.get_state()
    fe.deliver({"method": "update", "state": {"s": "fine", name: wire(text)}})
    [error] = fe.take()
    assert error.data["method"] == "error" and error.data["code"] == "invalid_value"
    assert repr(name) in error.data["message"]
    assert w.get_state() == before
    # The widget still works: a full state on request, echo and observers for a later valid value.
    seen: list[Any] = []
    w.observe(lambda change: seen.append(change.new), names=["s"])
    fe.deliver({"method": "request_state"})
    fe.deliver({"method": "update", "state": {"s": "later"}})
    reply, echo = fe.take()
    assert reply.data["method"] == "update" and reply.data["state"]["s"] == ""
    assert echo.data == {"method": "echo_update", "state": {"s": "later"}, "buffer_paths": []}
    assert seen == ["later"]


def test_error_messages_name_the_problem_and_where() -> None:
    w, fe = shown()
    fe.deliver({"method": "update", "state": {"words": [["a"], ["b", SURROGATE]], "x": wire("NaN"), "n": 2**60}})
    message = fe.take()[0].data["message"]
    assert "lone UTF-16 surrogate" in message and "$[1][1]" in message
    assert "nan is not a JSON number" in message
    assert "outside ±(2**53-1)" in message
    fe.deliver({"method": "update", "state": {"model": {"pair": [1, SURROGATE]}}})  # pydantic's path too
    message = fe.take()[0].data["message"]
    assert f"lone UTF-16 surrogate ({SURROGATE!r} at index 0)" in message and "$['pair'][1]" in message
    with pytest.raises(awc.ValidationError, match=r"in a key at `\$\['deep'\]\[0\]`"):
        w.anything = {"deep": [{SURROGATE: 1}]}


def test_an_object_with_no_wire_form_is_refused_when_set() -> None:
    w, fe = shown()
    with pytest.raises(awc.ValidationError, match="cannot send a `object` to a front end"):
        w.anything = {"k": [object()]}
    assert w.anything is None and fe.take() == []


def test_the_limits_themselves_are_accepted_both_ways() -> None:
    w, fe = shown()
    w.n = SAFE
    w.n = -SAFE
    w.anything = [SAFE, -SAFE, 1.5, "é😀", {"ü": None}]
    w.s = "😀"  # a whole surrogate pair is one character in Python: fine
    fe.deliver({"method": "update", "state": {"n": SAFE, "s": wire('"\\ud83d\\ude00"')}})
    assert fe.take()[-1].data["method"] == "echo_update"
    assert (w.n, w.s) == (SAFE, "😀")
    fe.deliver({"method": "update", "state": {"n": SAFE + 1}})  # one past the limit
    assert fe.take()[-1].data["code"] == "invalid_value"
    with pytest.raises(awc.ValidationError):
        w.n = -SAFE - 1


def test_a_float_field_takes_large_json_integers_as_floats() -> None:
    # JSON.stringify(1e20) is "100000000000000000000": a float field reads it as the number it is.
    w, fe = shown()
    fe.deliver({"method": "update", "state": {"x": 10**20, "xs": [2**60, 0.5]}})
    assert fe.take()[-1].data["state"] == {"x": 1e20, "xs": [float(2**60), 0.5]}
    assert w.x == 1e20 and type(w.x) is float
    fe.deliver({"method": "update", "state": {"n": 10**20}})  # an int field cannot hold it
    assert fe.take()[-1].data["code"] == "invalid_value"


def test_custom_messages_that_cannot_travel_are_refused_both_ways() -> None:
    w, fe = shown()
    got: list[Any] = []
    w.on_msg(lambda widget, content, buffers: got.append(content))
    for bad in (SURROGATE, {SURROGATE: 1}, [float("nan")], {"n": 2**60}):
        with pytest.raises(awc.ValidationError):
            w.send(bad)
        with pytest.raises(awc.ValidationError):
            Values().send(bad)  # nothing shown yet: not queued either
    assert fe.take() == []
    for text in (json.dumps({"a": [SURROGATE]}), '{"a": NaN}', json.dumps([2**60])):
        fe.deliver({"method": "custom", "content": wire(text)})
        [error] = fe.take()
        assert (error.data["code"], error.data["rejected"]) == ("invalid_value", "custom")
    assert got == []
    fe.deliver({"method": "custom", "content": {"fine": [1, "😀"]}})
    w.send({"back": "😀"})
    assert got == [{"fine": [1, "😀"]}]
    assert fe.take()[0].data["content"] == {"back": "😀"}


def test_one_poisoned_message_leaves_other_widgets_of_the_front_end_working() -> None:
    class Parent(awc.Widget):
        child: Values | None = None
        label: str = ""

    child = Values()
    parent = Parent(child=child)
    fe = MemoryHost().probe(parent)
    child_link = child.links[next(iter(parent.links))]
    fe.take()
    child_link.receive({"method": "update", "state": {"s": SURROGATE}})
    fe.deliver({"method": "update", "state": {"label": SURROGATE}})
    assert [m.data["code"] for m in fe.take()] == ["invalid_value", "invalid_value"]
    child_link.receive({"method": "request_state"})
    fe.deliver({"method": "request_state"})
    replies = fe.take()
    assert [(m.model_id, m.data["method"]) for m in replies] == [
        (child.model_id, "update"),
        (parent.model_id, "update"),
    ]
    assert replies[0].data["state"]["s"] == "" and replies[1].data["state"]["label"] == ""


# ----------------------------------------------------------------------------- strict mode


def test_pydantic_fields_are_strict_both_ways() -> None:
    w, fe = shown()
    for bad in ({"n": "3"}, {"xs": ["4", 5.0]}, {"n": 1.0}, {"n": True}):
        with pytest.raises(awc.ValidationError):
            w.model = bad  # type: ignore[assignment]
        fe.deliver({"method": "update", "state": {"model": bad}})
        assert fe.take()[0].data["code"] == "invalid_value"
    assert w.model == Model()
    # JSON's own forms of a tuple still fit from a front end; from Python a tuple is a tuple.
    fe.deliver({"method": "update", "state": {"model": {"n": 3, "xs": [4, 5], "pair": [1, "a"]}}})
    assert fe.take()[0].data["method"] == "echo_update"
    assert w.model == Model(n=3, xs=[4, 5], pair=(1, "a"))
    w.model = Model(n=4)
    w.model = {"n": 5, "pair": (2, "b")}  # type: ignore[assignment]
    assert w.model == Model(n=5, pair=(2, "b"))


def test_binary_values_arrive_only_as_buffers() -> None:
    w, fe = shown()
    for state in ({"blobs": ["AAAA"]}, {"model": {"blobs": ["AAAA"]}}, {"blobs": [[1, 2]]}):
        fe.deliver({"method": "update", "state": state})
        [error] = fe.take()
        assert error.data["code"] == "invalid_value", state
    assert w.blobs == [] and w.model.blobs == []
    fe.deliver({"method": "update", "state": {"blobs": [None]}, "buffer_paths": [["blobs", 0]]}, [b"\x00\x01"])
    fe.deliver(
        {
            "method": "update",
            "state": {"model": {"blobs": [None, None]}},
            "buffer_paths": [["model", "blobs", 0], ["model", "blobs", 1]],
        },
        [b"a", memoryview(b"b")],
    )
    assert [m.data["method"] for m in fe.take()] == ["echo_update", "echo_update"]
    assert w.blobs == [b"\x00\x01"] and w.model.blobs == [b"a", b"b"]


def test_struct_instances_from_python_are_checked_field_by_field() -> None:
    w, fe = shown()
    with pytest.raises(awc.ValidationError, match="Expected `float`"):
        w.point = Point(x="a")  # type: ignore[arg-type]  # msgspec Structs do not check their own fields
    with pytest.raises(awc.ValidationError, match=">= 0"):
        w.point = Point(n=-3)
    w.point = Point(label="p", x=1, n=2)
    assert fe.take()[0].data["state"]["point"] == {"label": "p", "x": 1, "n": 2}


def test_constraints_in_a_struct_hold_for_front_ends() -> None:
    w, fe = shown()
    fe.deliver({"method": "update", "state": {"point": {"n": -1}}})
    assert "Expected `int` >= 0" in fe.take()[0].data["message"]
    fe.deliver({"method": "update", "state": {"point": {"label": SURROGATE}}})
    assert "surrogate" in fe.take()[0].data["message"]
    fe.deliver({"method": "update", "state": {"point": {"n": 2}}})
    assert fe.take()[0].data["state"]["point"] == {"label": "", "x": 0.0, "n": 2}
    assert w.point == Point(n=2)


def test_a_constraint_nobody_would_check_is_refused_at_declaration() -> None:
    with pytest.raises(TypeError, match="unsupported constraint"):

        class Dropped(awc.Widget):
            n: Annotated[int, "ge=0"] = 0

    with pytest.raises(TypeError, match=r"not msgspec\.Meta"):

        class Mixed(awc.Widget):
            models: Annotated[list[Model], msgspec.Meta(max_length=1)] = []


# ----------------------------------------------------------------------------- property: accepted means sendable

_TEXT = st.text(alphabet=st.characters(codec=None, categories=("Cs", "Lu", "Ll", "Nd", "So")), max_size=4)
_LEAVES = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats()  # NaN and infinities included
    | _TEXT  # lone surrogates (category Cs) included
)
_JSON = st.recursive(
    _LEAVES,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_TEXT, inner, max_size=4),
    max_leaves=12,
)


def _sendable(value: Any) -> bool:
    """Strict JSON a JavaScript front end reads back as the same value: UTF-8, finite, safe integers."""
    try:
        json.dumps(value, ensure_ascii=False, allow_nan=False).encode("utf-8")
    except ValueError:
        return False
    if isinstance(value, dict):
        return all(_sendable(item) for item in value.values())
    if isinstance(value, list):
        return all(_sendable(item) for item in value)
    return type(value) is not int or abs(value) <= SAFE


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(value=_JSON)
def test_whatever_a_front_end_writes_is_refused_or_can_be_sent_back(value: Any) -> None:
    w, fe = shown()
    fe.deliver({"method": "update", "state": {"anything": value}})
    fe.deliver({"method": "custom", "content": value})
    replies = fe.take()
    assert all(_sendable(m.data) for m in replies)
    accepted = replies[0].data["method"] == "echo_update"
    assert accepted == _sendable(value)
    assert _sendable(w.anything)
