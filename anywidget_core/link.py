"""A link binds one widget to one host transport; it is the piece a host adapter holds.

The adapter gives a :class:`Transport` (how to send a frame and how to close), calls :meth:`Link.receive`
with what its front end sent, and the link does the rest through the sans-IO :class:`Connection`: an accepted
message becomes an event handed to the widget's one public entry for links, ``Widget.frontend_event``; a
rejected one is answered with an error. The widget module imports this one, never the reverse (only the type
checker sees ``Widget`` here).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping, Sequence
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any, Protocol

from .connection import Connection, LocalProtocolError, Phase, Rejected
from .errors import logger
from .messages import Close, Message

if TYPE_CHECKING:
    from .widget import Widget

# The key of the link whose front-end message is being decoded: child references in it may name only widgets
# shown to that same front end (a link under the same key). Unset outside a decode.
_OPEN = Phase.OPEN  # a module global: cheaper per message than the Enum attribute
_decoding_for: ContextVar[object] = ContextVar("anywidget_core_decoding_for")


def decoding_for() -> object | None:
    """The front end (link key) whose message is being decoded now, or None outside a decode."""
    return _decoding_for.get(None)


class Transport(Protocol):
    """What a host adapter provides for one open model."""

    def send(self, data: dict[str, Any], buffers: list[memoryview]) -> None:
        """Deliver one message (``data`` JSON-able, ``buffers`` binary) to the front end(s)."""

    def close(self) -> None:
        """Tell the front end(s) the model is closed (a Jupyter ``comm_close``) and release the channel."""


class Link:
    """One widget on one transport."""

    __slots__ = ("connection", "key", "open_child", "references", "transport", "widget")

    def __init__(
        self,
        widget: Widget,
        key: object,
        connection: Connection,
        open_child: Callable[[Widget], None] | None = None,
        references: bool = False,
    ) -> None:
        self.widget = widget
        self.key = key  # names the front end: every link it has shares this key
        self.connection = connection
        self.open_child = open_child  # shows a child widget on the same host before a reference to it
        self.references = references  # the widget has child-widget fields: decode with this front end known
        self.transport: Transport | None = None

    @property
    def closed(self) -> bool:
        return self.connection.phase is Phase.CLOSED

    def deliver(self, message: Message, buffers: list[memoryview] | None = None) -> None:
        """Send a message to this link's front end (called with the widget's lock held)."""
        if self.transport is None or self.connection.phase is not Phase.OPEN:
            return
        data, bufs = self.connection.send(message, buffers)
        self.transport.send(data, bufs)

    def deliver_state(self, method: str, state: dict[str, Any], paths: list[Any], buffers: list[memoryview]) -> None:
        """Send an ``update`` or ``echo_update`` of encoded state (the widget's lock held): as ``deliver`` of
        the message, without building it (``Connection.send_state``)."""
        transport = self.transport
        if transport is None or self.connection.phase is not _OPEN:
            return
        data, bufs = self.connection.send_state(method, state, paths, buffers)
        transport.send(data, bufs)

    def deliver_flat(self, method: str, state: Mapping[str, Any]) -> None:
        """``deliver_state`` of a state ``Schema.is_flat`` accepted (every scalar set and echo): no buffers, no
        encoding left to check (``Connection.send_flat``)."""
        transport = self.transport
        if transport is None or self.connection.phase is not _OPEN:
            return
        transport.send(self.connection.send_flat(method, state), [])

    def receive(self, data: Any, buffers: Sequence[Any] = ()) -> None:
        """Handle one message from the front end. Never raises into the host's message loop."""
        try:
            if self.references:
                token = _decoding_for.set(self.key)
                try:
                    event = self.connection.receive(data, buffers)
                finally:
                    _decoding_for.reset(token)
            else:
                event = self.connection.receive(data, buffers)
            if isinstance(event, Rejected):
                logger().warning(
                    "anywidget_core: rejected a front-end message for %s: %s", repr(self.widget), event.error.message
                )
                if event.frame is not None and self.transport is not None:
                    self.transport.send(*event.frame)
            else:
                self.widget.frontend_event(self, event)
        except Exception:
            # repr, not the widget: a kept log record (a test's capture, a buffering handler) must not pin it
            logger().exception("anywidget_core: error while handling a front-end message for %s", repr(self.widget))

    def close(self) -> None:
        """Close from the Python side: the front end is told, the transport released."""
        if self.closed:
            return
        with contextlib.suppress(LocalProtocolError):
            self.connection.send(Close())
        if self.transport is not None:
            try:
                self.transport.close()
            except Exception:
                logger().exception("anywidget_core: error while closing a transport")
