"""A widget class's fields as wire state: encode Python values, decode and validate front-end state."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .buffers import Path, extract_buffers
from .errors import ErrorCode, ProtocolError, ValidationError
from .fields import Field


class Schema:
    """Encoding and validation for one widget class; shared by all its instances."""

    def __init__(self, fields: Mapping[str, Field]) -> None:
        self.fields = dict(fields)
        # Per-message lookups, precomputed: the codec of each field, and of each field a front end may write.
        self._codecs = {name: spec.codec for name, spec in self.fields.items()}
        self._writable = {name: codec for name, codec in self._codecs.items() if not name.startswith("_")}
        # Fields whose exact-type scalars are their own wire form (to_json not called for them; a set of one such
        # scalar is a flat update as it stands: Widget._set_one reads this per set).
        self.as_is = frozenset(name for name, codec in self._codecs.items() if codec.scalars_as_is)
        # Fields whose values may hold binary (compared by identity only), and those a front end's write is not
        # echoed for: read per set and per echo.
        self.binary = frozenset(name for name, codec in self._codecs.items() if codec.binary)
        self.no_echo = frozenset(name for name, spec in self.fields.items() if not spec.echo)

    def encode(self, values: Mapping[str, Any]) -> tuple[dict[str, Any], list[Path], list[memoryview]]:
        """JSON-ready state with binary values taken out as buffers. Keys that are not fields (the
        protocol's own ``_esm``/``_model_name``... strings) pass through unchanged."""
        state: dict[str, Any] = {}
        binary = False
        codecs = self._codecs
        as_is = self.as_is
        for name, value in values.items():
            codec = codecs.get(name)
            if codec is None or (type(value) in FLAT_SCALARS and name in as_is):
                state[name] = value
                continue
            state[name] = codec.to_json(value)
            binary = binary or codec.binary
        if not binary:
            return state, [], []
        return extract_buffers(state)

    def is_flat(self, values: Mapping[str, Any]) -> bool:
        """Whether ``encode(values)`` would return ``values`` unchanged with no buffers, as a flat update carries
        it: every value an exact-type scalar of a field whose codec passes those as is (``w.value = 4``, the
        echo of a front end's number). Such state skips encoding and the flat-message check."""
        as_is = self.as_is
        for name, value in values.items():  # noqa: SIM110  # a loop: all() of a generator costs more per echo
            if type(value) not in FLAT_SCALARS or name not in as_is:
                return False
        return True

    def decode(self, state: Mapping[str, Any]) -> dict[str, Any]:
        """Validate front-end state (buffers already in place); every problem is reported at once."""
        values: dict[str, Any] = {}
        problems: list[tuple[str, ErrorCode]] | None = None  # made on the first problem: accepted updates skip it
        writable = self._writable
        for name, raw in state.items():
            codec = writable.get(name)
            if codec is not None:
                try:
                    values[name] = codec.from_json(raw)
                    continue
                except ValidationError as exc:
                    problem, code = f"{name!r}: {exc}", ErrorCode.INVALID_VALUE
            elif name.startswith("_"):
                problem, code = f"{name!r} is private: a front end may not write it", ErrorCode.PRIVATE_FIELD
            else:
                problem, code = f"{name!r} is not a field of this widget", ErrorCode.UNKNOWN_FIELD
            if problems is None:
                problems = []
            problems.append((problem, code))
        if problems is None:
            return values
        # The most serious class names the error: writing a private field is an attack, not a typo.
        codes = {code for _, code in problems}
        message = "rejected update: " + "; ".join(problem for problem, _ in problems)
        raise ProtocolError(next(c for c in _SEVERITY if c in codes), message)


FLAT_SCALARS = frozenset({int, float, str, bool, type(None)})  # exact types whose values need no encoding
_SEVERITY = (ErrorCode.PRIVATE_FIELD, ErrorCode.UNKNOWN_FIELD, ErrorCode.INVALID_VALUE)
