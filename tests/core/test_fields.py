"""Field declarations and validation from Python."""

from __future__ import annotations

import enum
from typing import Literal

import msgspec
import numpy as np
import pydantic
import pytest

import anywidget_core as awc
from anywidget_core.host import MemoryHost


class Color(enum.Enum):
    RED = "red"
    BLUE = "blue"


class Point(msgspec.Struct):
    x: float
    y: float


class Settings(pydantic.BaseModel):
    title: str
    sizes: list[int] = []


class Everything(awc.Widget):
    n: int = 0
    x: float = 0.0
    s: str = ""
    flag: bool = False
    maybe: int | None = None
    mode: Literal["a", "b"] = "a"
    color: Color = Color.RED
    points: list[float] = []
    table: dict[str, int] = {}
    pair: tuple[int, str] = (0, "")
    blob: bytes = b""
    point: Point = Point(0.0, 0.0)
    settings: Settings = Settings(title="t")


@pytest.mark.parametrize(
    ("name", "bad"),
    [
        ("n", "1"),
        ("n", True),
        ("n", 1.5),
        ("x", "1.0"),
        ("s", 3),
        ("flag", 1),
        ("mode", "c"),
        ("color", "green"),
        ("points", ["a"]),
        ("table", {"a": "b"}),
        ("pair", (1, 2)),
        ("blob", "text"),
        ("point", {"x": "a"}),
        ("settings", {"title": 3}),
    ],
)
def test_wrong_types_raise_validation_error(name: str, bad: object) -> None:
    w = Everything()
    before = w.get_state()[name]
    with pytest.raises(awc.ValidationError) as info:
        setattr(w, name, bad)
    assert isinstance(info.value, ValueError)
    assert f"Everything.{name}" in str(info.value)
    assert w.get_state()[name] == before


def test_valid_values_are_accepted_and_converted() -> None:
    w = Everything()
    w.x = 3
    assert w.x == 3.0 and isinstance(w.x, float)
    w.maybe = None
    w.color = Color.BLUE
    w.point = Point(1, 2)
    w.settings = Settings(title="new", sizes=[1])
    assert w.settings.sizes == [1]


def test_state_on_the_wire_is_json() -> None:
    w = Everything(color=Color.BLUE, point=Point(1.5, 2.0), settings=Settings(title="s", sizes=[3]))
    fe = MemoryHost().probe(w)
    state = fe.take()[0].data["state"]
    assert state["color"] == "blue"
    assert state["point"] == {"x": 1.5, "y": 2.0}
    assert state["settings"] == {"title": "s", "sizes": [3]}
    assert state["pair"] == [0, ""]


def test_front_end_can_write_structured_state() -> None:
    w = Everything()
    fe = MemoryHost().probe(w)
    fe.deliver({"method": "update", "state": {"point": {"x": 4, "y": 5}, "settings": {"title": "z"}}})
    assert w.point == Point(4.0, 5.0)
    assert w.settings == Settings(title="z")
    fe.deliver({"method": "update", "state": {"point": {"x": "bad", "y": 5}}})
    assert w.point == Point(4.0, 5.0)
    assert fe.take()[-1].data["code"] == "invalid_value"


def test_mutable_defaults_are_copied_per_instance() -> None:
    a, b = Everything(), Everything()
    a.points.append(1.0)
    a.table["k"] = 1
    assert b.points == [] and b.table == {}


def test_default_factory_and_options() -> None:
    class W(awc.Widget):
        items: list[int] = awc.field(default_factory=lambda: [1, 2])
        upload: bytes = awc.field(default=b"", echo=False)

    assert W().items == [1, 2] and W().items is not W().items
    assert W._fields["upload"].echo is False


def test_bad_declarations_fail_at_class_creation() -> None:
    with pytest.raises(TypeError, match="default"):

        class BadDefault(awc.Widget):
            n: int = "zero"  # type: ignore[assignment]

    with pytest.raises(TypeError, match="needs a default"):

        class NoDefault(awc.Widget):
            n: int

    with pytest.raises(TypeError, match="protocol"):

        class Reserved(awc.Widget):
            _model_name: str = "x"

    with pytest.raises(TypeError, match="shadow"):

        class Shadow(awc.Widget):
            send: int = 0

    with pytest.raises(TypeError, match="no field"):
        Everything(nope=1)


def test_numpy_array_is_sent_without_a_copy() -> None:
    class Image(awc.Widget):
        pixels: bytes = b""

    array = np.arange(1_000_000, dtype=np.float64)
    w = Image(pixels=array)
    assert w.pixels is array
    sent: list = []

    class Capture:
        def send(self, data: dict, buffers: list) -> None:
            sent.append(buffers)

        def close(self) -> None:
            pass

    w.connect("capture", lambda frame: (sent.append(frame.buffers), Capture())[1])
    assert np.shares_memory(np.frombuffer(sent[0][0], dtype=np.float64), array)
    w.pixels = array[::-1].copy()
    assert np.shares_memory(np.frombuffer(sent[1][0], dtype=np.float64), w.pixels)
    with pytest.raises(awc.ValidationError, match="contiguous"):
        w.pixels = array[::2]


def test_child_widgets_are_typed() -> None:
    class Child(awc.Widget):
        n: int = 0

    class Other(awc.Widget):
        n: int = 0

    class Parent(awc.Widget):
        child: Child | None = None
        children: list[Child] = []

    p = Parent(child=Child())
    p.children = [Child(), Child()]
    with pytest.raises(awc.ValidationError):
        p.child = Other()  # type: ignore[assignment]


def test_child_references_travel_in_the_form_the_field_declares() -> None:
    from anywidget_core.host import MemoryHost

    class Child(awc.Widget):
        n: int = 0

    class Box(awc.Widget):
        ipy: list[Child] = awc.field(default_factory=list, references="ipywidgets")
        ours: list[Child] = []

    a, b, stranger = Child(), Child(), Child()
    box = Box(ipy=[a], ours=[b])
    probe = MemoryHost().probe(box)
    [opened] = [r.data for r in probe.take() if r.model_id == box.model_id and r.data["method"] == "open"]
    assert opened["state"]["ipy"] == [f"IPY_MODEL_{a.model_id}"]  # as an ipywidgets widget_serialization trait
    assert opened["state"]["ours"] == [f"anywidget:{b.model_id}"]
    # a front end may write either form in any widget field (SPEC §3.2)
    state = {"ipy": [f"anywidget:{b.model_id}"], "ours": [f"IPY_MODEL_{a.model_id}"]}
    probe.deliver({"method": "update", "state": state, "buffer_paths": []})
    assert box.ipy == [b] and box.ours == [a]
    # and, in either form, only widgets shown to it
    probe.take()
    probe.deliver({"method": "update", "state": {"ipy": [f"IPY_MODEL_{stranger.model_id}"]}, "buffer_paths": []})
    assert box.ipy == [b]
    assert [r.data["code"] for r in probe.take() if r.data["method"] == "error"] == ["invalid_value"]


def test_the_references_option_is_for_widget_fields_and_known_forms() -> None:
    with pytest.raises(TypeError, match="hold widgets"):

        class Bad(awc.Widget):
            n: int = awc.field(default=0, references="ipywidgets")

    with pytest.raises(TypeError, match="references must be"):
        awc.field(default=None, references="IPY")  # type: ignore[arg-type]
