"""Language-neutral field types used by conformance vectors, mapped to Python annotations.

Grammar (spaces ignored)::

    type := "int" | "float" | "str" | "bool" | "bytes" | "any" | "widget"
          | "list[" type "]" | "dict[" type "]"            (dict keys are strings)
          | "optional[" type "]" | "tuple[" type ("," type)* "]"
          | "enum[" name ("," name)* "]"                   (one of these strings)
    or, for nested structured state, a JSON object {"struct": {"field": type, ...}}
"""

from __future__ import annotations

import re
from typing import Any, Literal, Optional

import msgspec

from ..widget import Widget

_SIMPLE: dict[str, Any] = {
    "int": int,
    "float": float,
    "str": str,
    "bool": bool,
    "bytes": bytes,
    "any": Any,
    "widget": Widget,
}
_TOKEN = re.compile(r"\s*([A-Za-z_][A-Za-z0-9_\-]*|\[|\]|,)")


def parse_type(spec: Any, name: str = "T") -> Any:
    """The Python annotation for a vector's field type."""
    if isinstance(spec, dict) and set(spec) == {"struct"}:
        fields = [(key, parse_type(value, f"{name}_{key}")) for key, value in spec["struct"].items()]
        return msgspec.defstruct(name, fields)
    if not isinstance(spec, str):
        raise ValueError(f"a field type is a string or {{'struct': ...}}, not {spec!r}")
    tokens = _tokenize(spec)
    annotation, rest = _parse(tokens)
    if rest:
        raise ValueError(f"unexpected {' '.join(rest)!r} in type {spec!r}")
    return annotation


def _tokenize(spec: str) -> list[str]:
    tokens, position = [], 0
    while position < len(spec.rstrip()):
        match = _TOKEN.match(spec, position)
        if match is None:
            raise ValueError(f"cannot read type {spec!r} at {position}")
        tokens.append(match.group(1))
        position = match.end()
    return tokens


def _parse(tokens: list[str]) -> tuple[Any, list[str]]:
    if not tokens:
        raise ValueError("type expected")
    head, rest = tokens[0], tokens[1:]
    if head in _SIMPLE:
        return _SIMPLE[head], rest
    if not rest or rest[0] != "[":
        raise ValueError(f"unknown type {head!r}")
    rest = rest[1:]
    if head == "enum":
        names = []
        while True:
            names.append(rest[0])
            sep, rest = rest[1], rest[2:]
            if sep == "]":
                return Literal[tuple(names)], rest
    args = []
    while True:
        arg, rest = _parse(rest)
        args.append(arg)
        sep, rest = rest[0], rest[1:]
        if sep == "]":
            break
    if head == "list" and len(args) == 1:
        return list[args[0]], rest  # type: ignore[valid-type]
    if head == "dict" and len(args) == 1:
        return dict[str, args[0]], rest  # type: ignore[valid-type]
    if head == "optional" and len(args) == 1:
        return Optional[args[0]], rest  # noqa: UP045 -- built at run time from a value
    if head == "tuple":
        return tuple.__class_getitem__(tuple(args)), rest
    raise ValueError(f"bad type {head}[...] with {len(args)} argument(s)")
