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
        for name, value in values.items():
            codec = codecs.get(name)
            if codec is None:
                state[name] = value
                continue
            state[name] = codec.to_json(value)
            binary = binary or codec.binary
        if not binary:
            return state, [], []
        return extract_buffers(state)

    def decode(self, state: Mapping[str, Any]) -> dict[str, Any]:
        """Validate front-end state (buffers already in place); every problem is reported at once."""
        values: dict[str, Any] = {}
        problems: list[str] = []
        codes: set[ErrorCode] = set()
        writable = self._writable
        for name, raw in state.items():
            codec = writable.get(name)
            if codec is not None:
                try:
                    values[name] = codec.from_json(raw)
                except ValidationError as exc:
                    problems.append(f"{name!r}: {exc}")
                    codes.add(ErrorCode.INVALID_VALUE)
            elif name.startswith("_"):
                problems.append(f"{name!r} is private: a front end may not write it")
                codes.add(ErrorCode.PRIVATE_FIELD)
            else:
                problems.append(f"{name!r} is not a field of this widget")
                codes.add(ErrorCode.UNKNOWN_FIELD)
        if problems:
            # The most serious class names the error: writing a private field is an attack, not a typo.
            code = next(c for c in _SEVERITY if c in codes)
            raise ProtocolError(code, "rejected update: " + "; ".join(problems))
        return values


_SEVERITY = (ErrorCode.PRIVATE_FIELD, ErrorCode.UNKNOWN_FIELD, ErrorCode.INVALID_VALUE)
