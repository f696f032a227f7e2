"""JSON Schema validators for every message, built from the same generator as ``schemas/``."""

from __future__ import annotations

import functools
from typing import Any

from ..schemas_cmd import generate


@functools.cache
def _documents() -> dict[str, dict[str, Any]]:
    return generate()


@functools.cache
def validator_for(method: str) -> Any:
    """A jsonschema validator for one message method (KeyError for a method the protocol lacks)."""
    from jsonschema import Draft202012Validator

    document = _documents()[method]
    Draft202012Validator.check_schema(document)
    return Draft202012Validator(document)
