"""Errors raised to Python callers and reported to front ends."""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import logging


class ValidationError(ValueError):
    """A value does not fit a widget field's declared type."""


class ErrorCode(str, enum.Enum):
    """Why a front-end message was rejected (the ``code`` of an ``error`` message)."""

    MALFORMED = "malformed"  # not a JSON object, not decodable, or the envelope has wrong types
    UNKNOWN_METHOD = "unknown_method"
    UNKNOWN_FIELD = "unknown_field"
    PRIVATE_FIELD = "private_field"
    INVALID_VALUE = "invalid_value"
    BAD_BUFFERS = "bad_buffers"  # count mismatch or a path that does not resolve
    TOO_LARGE = "too_large"  # a configured limit was exceeded
    CLOSED = "closed"  # the model is closed


class ProtocolError(Exception):
    """A front-end message was rejected; nothing was applied."""

    def __init__(self, code: ErrorCode, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message

    def __repr__(self) -> str:
        return f"ProtocolError({self.code.value!r}, {self.message!r})"


def logger() -> logging.Logger:
    """The package's logger, importing ``logging`` on first use: only error paths log, and ``import logging``
    is a few milliseconds of ``import anywidget_core`` that most sessions never need."""
    import logging

    return logging.getLogger("anywidget_core")
