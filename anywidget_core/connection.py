"""The protocol engine for one link between a widget model and a front end. Sans-IO, in the style of h11.

Messages in, events out: :meth:`Connection.receive` takes what a transport delivered and returns one event;
nothing is applied to a widget here. Messages out: :meth:`Connection.send` turns a message into a
:class:`Frame` for the transport, checking that it is legal now (``open`` first, nothing after ``close``).
``receive`` never raises: a bad message becomes a :class:`Rejected` event whose ``frame`` is the error
message to hand back to the front end that sent it.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from typing import Any

import msgspec

from .buffers import BINARY_TYPES, insert_buffers
from .errors import ErrorCode, ProtocolError, ValidationError, logger
from .messages import (
    KNOWN_METHODS,
    Close,
    Custom,
    EchoUpdate,
    Error,
    Frame,
    Message,
    Open,
    RequestState,
    Update,
    decode_inbound,
    flat_data,
    to_frame,
)
from .schema import Schema
from .values import check_json


# Limits and events are frozen msgspec Structs rather than dataclasses: msgspec is loaded anyway, a Struct class
# is built in C (dataclasses and its inspect import cost milliseconds at import), and one is made per message.
class Limits(msgspec.Struct, frozen=True):
    """What one front-end message may carry. Over a limit, the message is rejected with ``too_large``."""

    max_buffers: int = 1024
    max_buffer_bytes: int = 1 << 30  # 1 GiB over all buffers of one message
    max_depth: int = 64  # nesting of lists and dicts in a state or custom content
    max_keys: int = 10_000  # fields in one update


DEFAULT_LIMITS = Limits()


class Phase(enum.Enum):
    NEW = "new"  # nothing sent yet; the first message out must be ``open``
    OPEN = "open"
    CLOSED = "closed"


# Read per message: a module global is several times cheaper than ``Phase.OPEN`` (an Enum class attribute).
_OPEN, _CLOSED = Phase.OPEN, Phase.CLOSED


# ---------------------------------------------------------------------------- events


class StateChanged(msgspec.Struct, frozen=True):
    """A front end wrote fields; ``values`` are validated Python values, to apply all together."""

    values: dict[str, Any]


class MessageReceived(msgspec.Struct, frozen=True):
    """A custom message from the front end."""

    content: Any
    buffers: list[memoryview]


class StateRequested(msgspec.Struct, frozen=True):
    """The front end asked for the full state (answer it to that front end only)."""


class Closed(msgspec.Struct, frozen=True):
    """The front end closed the model."""


class Rejected(msgspec.Struct, frozen=True):
    """A front-end message was refused; nothing of it applies. ``frame`` is the error to send back."""

    error: ProtocolError
    frame: Frame | None  # None once the connection is closed: there is nobody to tell


Event = StateChanged | MessageReceived | StateRequested | Closed | Rejected


class LocalProtocolError(RuntimeError):
    """Python tried to send something the protocol does not allow now (a bug in the caller)."""


class Connection:
    """Protocol state for one widget model on one transport."""

    def __init__(self, schema: Schema, limits: Limits = DEFAULT_LIMITS) -> None:
        self.schema = schema
        self.limits = limits
        self.phase = Phase.NEW

    # ------------------------------------------------------------------ outgoing

    def send(self, message: Message, buffers: list[memoryview] | None = None) -> Frame:
        """The frame for ``message``; raises LocalProtocolError if it may not be sent now."""
        phase = self.phase
        if phase is _OPEN:  # every message after the first: checked first
            if isinstance(message, Open):
                raise LocalProtocolError("open was already sent")
        elif phase is _CLOSED:
            raise LocalProtocolError(f"cannot send {type(message).__name__} on a closed connection")
        elif isinstance(message, Open):
            self.phase = Phase.OPEN
        else:
            raise LocalProtocolError(f"the first message must be open, not {type(message).__name__}")
        if isinstance(message, Close):
            self.phase = Phase.CLOSED
        return to_frame(message, buffers)

    def send_state(
        self, method: str, state: dict[str, Any], paths: list[Any], buffers: list[memoryview]
    ) -> tuple[dict[str, Any], list[memoryview]]:
        """``(data, buffers)`` of an ``update`` or ``echo_update`` (``method``) carrying encoded ``state``: what
        ``send(Update(...))`` gives, without building the Struct (nor a Frame) when the connection is open and the
        state flat (every set and every echo)."""
        if self.phase is _OPEN and not paths:
            data = flat_data(method, state)
            if data is not None:
                return data, buffers
        cls = EchoUpdate if method == "echo_update" else Update
        return self.send(cls(state=state, buffer_paths=paths), buffers)

    def send_flat(self, method: str, state: Mapping[str, Any]) -> dict[str, Any]:
        """The data of an ``update`` or ``echo_update`` whose ``state`` the schema found flat (``Schema.is_flat``:
        str keys, exact-type scalar values), so no check or conversion is left to make; a fresh ``state`` dict
        per message, as ``send`` gives. Raises LocalProtocolError as ``send`` does when it may not be sent now."""
        if self.phase is not _OPEN:
            cls = EchoUpdate if method == "echo_update" else Update
            return self.send(cls(state=dict(state), buffer_paths=[])).data  # raises: nothing but open before open
        return {"method": method, "state": dict(state), "buffer_paths": []}

    # ------------------------------------------------------------------ incoming

    def receive(self, data: Any, buffers: Sequence[Any] = ()) -> Event:
        """Decode and validate one front-end message. Never raises."""
        try:
            return self._receive(data, buffers)
        except ProtocolError as exc:
            return self._reject(exc, data)
        except RecursionError:
            return self._reject(ProtocolError(ErrorCode.TOO_LARGE, "message is nested too deeply"), data)
        except Exception as exc:  # a bug must not reach the host's message loop; say what it was
            logger().exception("unexpected error while decoding a front-end message")
            err = ProtocolError(ErrorCode.MALFORMED, f"message could not be processed: {exc!r}")
            return self._reject(err, data)

    def _receive(self, data: Any, buffers: Sequence[Any]) -> Event:
        if self.phase is _CLOSED:
            raise ProtocolError(ErrorCode.CLOSED, "the model is closed")
        plain = _plain_update_state(data, buffers, self.limits)
        if plain is not None:  # what msgspec.convert and the checks below would accept, found in one pass
            return StateChanged(self.schema.decode(plain))
        views = self._check_buffers(buffers)
        message = decode_inbound(data)
        if isinstance(message, Update):
            if len(message.state) > self.limits.max_keys:
                raise ProtocolError(ErrorCode.TOO_LARGE, f"more than {self.limits.max_keys} fields")
            _check_depth(message.state, self.limits.max_depth)
            if message.buffer_paths or views:  # the common small update has neither
                insert_buffers(message.state, message.buffer_paths, views)
            return StateChanged(self.schema.decode(message.state))
        if isinstance(message, Custom):
            _check_depth(message.content, self.limits.max_depth)
            try:
                check_json(message.content)  # handlers and invoke replies must not meet unsendable data
            except ValidationError as exc:
                raise ProtocolError(ErrorCode.INVALID_VALUE, f"rejected custom content: {exc}") from None
            return MessageReceived(message.content, views)
        if isinstance(message, RequestState):
            return StateRequested()
        self.phase = Phase.CLOSED
        return Closed()

    def _check_buffers(self, buffers: Sequence[Any]) -> list[memoryview]:
        if not isinstance(buffers, (list, tuple)):
            raise ProtocolError(ErrorCode.BAD_BUFFERS, "buffers must be a list")
        if not buffers:  # the common case
            return []
        if len(buffers) > self.limits.max_buffers:
            raise ProtocolError(ErrorCode.TOO_LARGE, f"more than {self.limits.max_buffers} buffers")
        views: list[memoryview] = []
        total = 0
        for buffer in buffers:
            if not isinstance(buffer, BINARY_TYPES):
                raise ProtocolError(ErrorCode.BAD_BUFFERS, f"a buffer must be binary, not {type(buffer).__name__}")
            view = memoryview(buffer)
            total += view.nbytes
            views.append(view)
        if total > self.limits.max_buffer_bytes:
            raise ProtocolError(ErrorCode.TOO_LARGE, f"buffers exceed {self.limits.max_buffer_bytes} bytes")
        return views

    def _reject(self, error: ProtocolError, data: Any) -> Rejected:
        if self.phase is not Phase.OPEN:
            return Rejected(error, None)
        # read only when rejecting, so an accepted message does not pay for it (decoding never changes "method")
        method = data.get("method") if isinstance(data, dict) else None
        rejected = method if isinstance(method, str) and method in KNOWN_METHODS else None
        frame = to_frame(Error(code=error.code, message=error.message, rejected=rejected))
        return Rejected(error, frame)


_PLAIN_SCALARS = frozenset({str, int, float, bool, type(None)})
_ENVELOPE_KEYS = frozenset({"method", "state", "buffer_paths"})


def _plain_update_state(data: Any, buffers: Any, limits: Limits) -> dict[str, Any] | None:
    """The state of the most common front-end message, an ``update`` of a few scalar fields with no buffers;
    None for anything else, which then takes the full path (envelope decoded by msgspec, depth walked).

    Accepted only when the full path would accept the envelope unchanged: a dict with no keys but method,
    state and buffer_paths, ``buffer_paths`` absent or an empty list, no buffers, str keys, scalar values
    (so nothing is nested), within max_keys. Field validation is the same ``Schema.decode`` either way.
    """
    if type(data) is not dict or type(buffers) not in (list, tuple) or buffers or data.get("method") != "update":
        return None
    state = data.get("state")
    if type(state) is not dict or len(state) > limits.max_keys or limits.max_depth < 1:
        return None
    paths = data.get("buffer_paths", [])
    if type(paths) is not list or paths or not data.keys() <= _ENVELOPE_KEYS:
        return None
    for key, value in state.items():
        if type(key) is not str or type(value) not in _PLAIN_SCALARS:
            return None
    return state


def _check_depth(value: Any, limit: int) -> None:
    """Reject containers nested deeper than ``limit`` (iteratively: hostile input must not recurse)."""
    stack = [(value, 0)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict):
            children: Any = node.values()
        elif isinstance(node, list):
            children = node
        else:
            continue
        if depth >= limit:
            raise ProtocolError(ErrorCode.TOO_LARGE, f"message is nested deeper than {limit} levels")
        # Only containers go on the stack: a flat state or a long list of numbers costs one pass (a plain loop:
        # a generator per node costs more than the whole scan of a small update).
        for child in children:
            if isinstance(child, (dict, list)):
                stack.append((child, depth + 1))
