"""The AFM protocol's messages, defined once.

Each message is the ``data`` of a Jupyter widget protocol 2.1 comm message (``{"method": ..., ...}``); binary
values travel beside it as a list of buffers. A Jupyter comm carries ``open`` as ``comm_open`` and ``close`` as
``comm_close``; transports with a single channel carry them as messages with these methods. The JSON Schemas
in ``schemas/`` are generated from these Structs (``python -m anywidget_core schemas``).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, NamedTuple

import msgspec

from .errors import ErrorCode, ProtocolError

PROTOCOL_VERSION = "2.1.0"  # Jupyter widget protocol version this speaks (comm_open metadata "version")

# A path from the state's root to one binary value: dict keys (str) and list indexes (int).
BufferPath = Annotated[list[str | int], msgspec.Meta(min_length=1)]


class _Message(msgspec.Struct, tag_field="method", forbid_unknown_fields=True):
    pass


class Open(_Message, tag="open"):
    """Python → front end. The model's full state; must come before any other message for the model."""

    state: dict[str, Any]
    buffer_paths: list[BufferPath] = []


class Update(_Message, tag="update"):
    """Both ways. Changed fields only. From a front end: untrusted, validated before anything is applied."""

    state: dict[str, Any]
    buffer_paths: list[BufferPath] = []


class EchoUpdate(_Message, tag="echo_update"):
    """Python → front end. Fields a front end wrote, as accepted after validation (protocol 2.1)."""

    state: dict[str, Any]
    buffer_paths: list[BufferPath] = []


class RequestState(_Message, tag="request_state"):
    """Front end → Python. Asks for the full state; answered with an ``update`` to the asker only."""


class Custom(_Message, tag="custom"):
    """Both ways. An application message; its buffers are free-form (no paths)."""

    content: Any = None


class Close(_Message, tag="close"):
    """Both ways. The model is gone; nothing follows."""


class Error(_Message, tag="error"):
    """Python → front end. A front-end message was rejected and nothing of it was applied."""

    code: ErrorCode
    message: str
    rejected: str | None = None  # the method of the rejected message, when it had a known one


class OpenMetadata(msgspec.Struct):
    """Jupyter binding: the ``metadata`` of ``comm_open``. A front end checks the major version only."""

    version: Annotated[str, msgspec.Meta(pattern=r"^2\.\d+\.\d+$")]


class ViewSpec(msgspec.Struct):
    """Jupyter binding: the ``application/vnd.jupyter.widget-view+json`` display payload."""

    version_major: Literal[2]
    version_minor: int
    model_id: str


class _ControlMessage(msgspec.Struct, tag_field="method", forbid_unknown_fields=True):
    pass


class RequestStates(_ControlMessage, tag="request_states"):
    """Jupyter binding, control comm (``jupyter.widget.control``): front end → kernel. Every live model, please."""


class ModelState(msgspec.Struct, forbid_unknown_fields=True):
    """One model of an ``update_states``: its class (repeating the state's protocol keys) and full state."""

    model_name: str
    model_module: str
    model_module_version: str
    state: dict[str, Any]


class UpdateStates(_ControlMessage, tag="update_states"):
    """Jupyter binding, control comm: kernel → front end. Every model open on that kernel's Jupyter transport.

    Each buffer path starts with the model id and ``"state"``: ``[<model_id>, "state", <path in its state>...]``.
    """

    states: dict[str, ModelState]
    buffer_paths: list[BufferPath] = []


# Message classes by direction; the front end may never send open, echo_update or error.
OUTBOUND = (Open, Update, EchoUpdate, Custom, Close, Error)
INBOUND = (Update, RequestState, Custom, Close)
ALL = (Open, Update, EchoUpdate, RequestState, Custom, Close, Error)

Inbound = Update | RequestState | Custom | Close
Message = Open | Update | EchoUpdate | RequestState | Custom | Close | Error
Method = Literal["open", "update", "echo_update", "request_state", "custom", "close", "error"]

# Decoding goes to the concrete class named by "method": msgspec caches type info on a Struct class but not on
# a union, so converting to ``Inbound`` costs about 4 us per message and to its member about 0.4 us. The class
# still checks its own tag, so the validation is the same.
_INBOUND_BY_METHOD: dict[str, type[Inbound]] = {str(cls.__struct_config__.tag): cls for cls in INBOUND}
_INBOUND_METHODS = frozenset(_INBOUND_BY_METHOD)
KNOWN_METHODS = frozenset(cls.__struct_config__.tag for cls in ALL)
_SCALAR_TYPES = frozenset({str, int, float, bool, type(None)})  # a set: one hash probe per value


class Frame(NamedTuple):
    """A message ready for a transport: JSON-able ``data`` plus its binary ``buffers``."""

    data: dict[str, Any]
    buffers: list[memoryview]


def to_frame(message: Message, buffers: list[memoryview] | None = None) -> Frame:
    """Encode a message to the wire shape; buffers ride alongside unchanged."""
    if isinstance(message, (Update, EchoUpdate)) and not message.buffer_paths:
        data = flat_data(message.__struct_config__.tag, message.state)  # type: ignore[arg-type]
        if data is not None:
            return _frame(data, buffers if buffers is not None else [])
    return _frame(msgspec.to_builtins(message), buffers if buffers is not None else [])


def flat_data(method: str, state: dict[str, Any]) -> dict[str, Any] | None:
    """The hot path (every set, every echo): a flat state of scalars is already what to_builtins would return,
    so the data of an update with no buffer paths is built directly, with a fresh ``state`` dict as to_builtins
    makes; None when a key or value is not a plain scalar (the caller then takes to_builtins)."""
    for key, value in state.items():
        if type(key) is not str or type(value) not in _SCALAR_TYPES:
            return None
    return {"method": method, "state": dict(state), "buffer_paths": []}


def _frame(data: dict[str, Any], buffers: list[memoryview]) -> Frame:
    # The same Frame, without NamedTuple's Python-level __new__ (a third of the cost of a small to_frame).
    return tuple.__new__(Frame, (data, buffers))  # type: ignore[type-var]


def decode_inbound(data: Any) -> Inbound:
    """Decode untrusted front-end message data; ProtocolError if it is not a valid inbound message."""
    if not isinstance(data, dict):
        raise ProtocolError(ErrorCode.MALFORMED, f"a message must be a JSON object, got {type(data).__name__}")
    method = data.get("method")
    if not isinstance(method, str) or method not in _INBOUND_METHODS:  # a list or dict is not hashable
        if isinstance(method, str) and method in KNOWN_METHODS:
            raise ProtocolError(ErrorCode.UNKNOWN_METHOD, f"a front end may not send {method!r} messages")
        raise ProtocolError(ErrorCode.UNKNOWN_METHOD, f"unknown method {method!r}")
    try:
        return msgspec.convert(data, _INBOUND_BY_METHOD[method], strict=True)
    except msgspec.ValidationError as exc:
        raise ProtocolError(ErrorCode.MALFORMED, f"malformed {method!r} message: {exc}") from None
