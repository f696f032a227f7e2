"""A widget with one field of every kind the field codecs support, for the TypeScript generator's tests."""

from __future__ import annotations

import dataclasses
import enum
from typing import Annotated, ClassVar, Literal, TypedDict

import msgspec
import pydantic

import anywidget_core as awc


class Point(msgspec.Struct):
    x: float
    y: float


class Renamed(msgspec.Struct, rename="camel", omit_defaults=True):
    first_name: str
    nick_name: str | None = None


class Circle(msgspec.Struct, tag=True):
    radius: float


class Square(msgspec.Struct, tag=True):
    side: float


class Pair(msgspec.Struct, array_like=True):
    left: int
    right: str


class Tree(msgspec.Struct):
    label: str
    children: list[Tree] = []


@dataclasses.dataclass
class Box:
    width: int
    height: int


class Options(TypedDict, total=False):
    dense: bool


class Person(pydantic.BaseModel):
    name: str
    age: int | None = None


class Color(enum.Enum):
    RED = "red"
    BLUE = "blue"


class Level(enum.IntEnum):
    LOW = 1
    HIGH = 2


class Leaf(awc.Widget):
    value: int = 0


class Everything(awc.Widget):
    _esm = "export default { render() {} }"
    limit: ClassVar[int] = 3  # a class setting, not a field

    count: int = 0
    ratio: float = 0.5
    name: str = ""
    flag: bool = False
    mode: Literal["a", "b"] = "a"
    level: Literal[1, 2, 3] = 1
    maybe: int | None = None
    bounded: Annotated[int, msgspec.Meta(ge=0, description="never negative")] = 0
    tags: list[str] = []
    scores: dict[str, float] = {}
    pair: tuple[int, str] = (0, "")
    coords: tuple[float, ...] = ()
    point: Point = Point(0, 0)
    renamed: Renamed = Renamed("a")
    shape: Circle | Square = Circle(1)
    packed: Pair = Pair(0, "")
    tree: Tree = Tree("root")
    box: Box = Box(1, 1)
    options: Options = {}
    person: Person = Person(name="ada")
    color: Color = Color.RED
    strength: Level = Level.LOW
    data: bytes = b""
    maybe_data: bytes | None = None
    chunks: list[bytes] = []
    child: Leaf | None = None
    children: list[Leaf] = []
    _secret: int = 0  # private: never sent
