"""What a value must be to travel as JSON to a JavaScript front end, checked before it may enter widget state.

JSON text is UTF-8 and has no NaN or infinities, and a JavaScript number holds integers exactly only within
±(2**53 - 1). A value breaking one of these rules cannot be sent faithfully, so it is refused wherever it
appears (field values, dict keys, custom message content), from Python and from front ends alike: a string with
a lone UTF-16 surrogate (``"\\ud800"``, which ``JSON.stringify`` emits for a half emoji) would make every later
send of the state fail; NaN would make ``JSON.parse`` fail; ``2**70`` would silently arrive as another number.
"""

from __future__ import annotations

import math
from typing import Any

from .buffers import BINARY_TYPES
from .errors import ValidationError

MAX_SAFE_INTEGER = 2**53 - 1  # JavaScript's Number.MAX_SAFE_INTEGER


def scalar_ok(value: Any) -> bool:
    """Whether a scalar can travel as JSON (the cheap test of the hot path; any other value passes)."""
    kind = type(value)
    if kind is str:
        text: str = value
        return text.isascii() or _utf8(text)
    if kind is int:
        number: int = value
        return -MAX_SAFE_INTEGER <= number <= MAX_SAFE_INTEGER
    if kind is float:
        real: float = value
        return real - real == 0.0  # nan - nan and inf - inf are nan
    return True


def check_json(value: Any) -> int:
    """Raise ValidationError naming the first place where JSON-ready ``value`` (dicts, lists, tuples, scalars,
    binary leaves) holds something JSON cannot carry; return how many binary leaves it holds."""
    binary = 0
    stack: list[tuple[Any, tuple[Any, ...]]] = [(value, ())]
    while stack:
        node, path = stack.pop()
        if isinstance(node, dict):
            for key, item in node.items():
                if type(key) is str and not (key.isascii() or _utf8(key)):
                    raise ValidationError(f"{_problem(key)} - in a key at `{_where(path)}`")
                if isinstance(item, (dict, list, tuple)):
                    stack.append((item, (*path, key)))
                elif isinstance(item, BINARY_TYPES):
                    binary += 1
                elif not scalar_ok(item):
                    raise ValidationError(f"{_problem(item)} - at `{_where((*path, key))}`")
        elif isinstance(node, (list, tuple)):
            if _flat_ok(node):  # the common list of numbers or strings
                continue
            for index, item in enumerate(node):
                if isinstance(item, (dict, list, tuple)):
                    stack.append((item, (*path, index)))
                elif isinstance(item, BINARY_TYPES):
                    binary += 1
                elif not scalar_ok(item):
                    raise ValidationError(f"{_problem(item)} - at `{_where((*path, index))}`")
        elif isinstance(node, BINARY_TYPES):
            binary += 1
        elif not scalar_ok(node):
            raise ValidationError(_problem(node))
    return binary


def scalar_problem(value: Any) -> str:
    """Why a scalar that failed :func:`scalar_ok` cannot travel."""
    return _problem(value)


def flat_ok(items: list[Any] | tuple[Any, ...], kind: type) -> bool:
    """True if ``items``, all of type ``kind`` (float, int or str), can all travel: C loops only, so a list of
    a million numbers costs milliseconds. False means "look at each item" (not necessarily a problem)."""
    if kind is float:
        return math.isfinite(sum(items))  # a nan or an infinity makes the sum one
    if kind is int:
        low: int = min(items, default=0)
        high: int = max(items, default=0)
        return low >= -MAX_SAFE_INTEGER and high <= MAX_SAFE_INTEGER
    joined = "".join(items)
    return joined.isascii() or _utf8(joined)


def _flat_ok(items: list[Any] | tuple[Any, ...]) -> bool:
    """:func:`flat_ok` for a list of unknown items: true only if they are all one scalar type that travels."""
    kind = type(items[0]) if items else None
    return kind in _FLAT and set(map(type, items)) == {kind} and flat_ok(items, kind)  # type: ignore[arg-type]


_FLAT = (float, int, str)


def _utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _problem(value: Any) -> str:
    if type(value) is str:
        at = next(i for i, ch in enumerate(value) if 0xD800 <= ord(ch) <= 0xDFFF)
        return (
            f"a string with a lone UTF-16 surrogate ({value[at]!r} at index {at}) cannot be encoded as UTF-8, "
            "so it cannot be sent"
        )
    if type(value) is float:
        return f"{value!r} is not a JSON number (JSON has no NaN or infinities)"
    shown = str(value) if value.bit_length() <= 128 else f"of {value.bit_length()} bits"
    return (
        f"integer {shown} is outside ±(2**53-1), the range a JavaScript number holds exactly "
        "(send it as a string or a float)"
    )


def _where(path: tuple[Any, ...]) -> str:
    return "$" + "".join(f"[{step}]" if type(step) is int else f"[{step!r}]" for step in path)
