"""Commands: Python methods a front end calls and awaits with ``experimental.invoke(name, msg, {buffers})``.

The request and the answer are ``custom`` messages, as anywidget's front end sends and expects them:
``{"id", "kind": "anywidget-command", "name", "msg"}`` in, ``{"id", "kind": "anywidget-command-response",
"response"}`` out, buffers beside each. A command is ``def name(self, msg, buffers) -> (response, buffers)``,
sync or ``async``, as in anywidget. When it fails, or no command has that name, the answer carries ``error``
(text) in place of ``response``, so the front end's promise settles at once instead of timing out.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from .widget import Widget

REQUEST_KIND = "anywidget-command"
RESPONSE_KIND = "anywidget-command-response"
_MARK = "__anywidget_command__"

F = TypeVar("F", bound=Callable[..., Any])


def command(method: F) -> F:
    """Make a widget method callable from the front end by ``experimental.invoke(<method name>, ...)``."""
    setattr(method, _MARK, True)
    return method


def commands_of(cls: type) -> dict[str, Callable[..., Any]]:
    """A widget class's commands by name, subclasses overriding their bases."""
    found: dict[str, Callable[..., Any]] = {}
    for klass in reversed(cls.__mro__):
        for name, value in vars(klass).items():
            if getattr(value, _MARK, False):
                found[name] = value
            elif name in found:  # overridden by something that is not a command
                del found[name]
    return found


def is_request(content: Any) -> bool:
    return (
        type(content) is dict
        and content.get("kind") == REQUEST_KIND
        and isinstance(content.get("id"), str)
        and isinstance(content.get("name"), str)
    )


def answer(
    widget: Widget, method: Callable[..., Any] | None, content: dict[str, Any], buffers: list[memoryview]
) -> Any:
    """Run the requested command and send its answer; for an ``async`` command, an awaitable that does (the
    caller schedules it). A failing command is answered with ``error`` and its exception raised to the caller."""
    request_id = content["id"]
    if method is None:
        _fail(widget, request_id, f"no command {content['name']!r} on {type(widget).__name__}")
        return None
    try:
        result = method(widget, content.get("msg"), buffers)
        if not hasattr(result, "__await__"):
            _respond(widget, request_id, result)
            return None
    except Exception as exc:
        _fail(widget, request_id, f"command {content['name']!r} failed: {exc}")
        raise

    async def finish() -> None:
        try:
            _respond(widget, request_id, await result)
        except Exception as exc:
            _fail(widget, request_id, f"command {content['name']!r} failed: {exc}")
            raise

    return finish()


def _respond(widget: Widget, request_id: str, result: Any) -> None:
    if not (isinstance(result, tuple) and len(result) == 2):
        raise TypeError(f"a command returns (response, buffers), not {type(result).__name__}")
    response, buffers = result
    widget.send({"id": request_id, "kind": RESPONSE_KIND, "response": response}, list(buffers))


def _fail(widget: Widget, request_id: str, reason: str) -> None:
    widget.send({"id": request_id, "kind": RESPONSE_KIND, "response": None, "error": reason})
