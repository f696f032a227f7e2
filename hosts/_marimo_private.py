"""Every use of marimo's private internals, in one place (tested against marimo >=0.23.16,<0.26).

The public adapter (``marimo.py``) talks to marimo through ``comm.create_comm`` and ``mo.ui.anywidget`` only.
What is left needs private modules: making sure marimo's comm provider is installed, telling whether a comm
is marimo's and still open, and, for tests and the conformance probe, driving marimo's real comm manager
without a browser and building a real marimo kernel. If marimo moves these, only this module changes.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import dataclasses
import sys
import threading
from collections.abc import Callable, Iterator
from typing import Any

import msgspec

# ----------------------------------------------------------------------------- used when showing a widget


def install_comm_provider() -> None:
    """Make ``comm.create_comm`` return marimo comms. marimo does this when its kernel starts; calling it
    again is a no-op, and doing it here makes the adapter independent of start-up order."""
    from marimo._plugins.ui._impl.anywidget.comm_provider import install_anywidget_comm_provider

    install_anywidget_comm_provider()


def is_marimo_comm(comm: Any) -> bool:
    from marimo._plugins.ui._impl.comm import MarimoComm

    return isinstance(comm, MarimoComm)


def comm_closed(comm: Any) -> bool:
    """marimo closes a comm itself when the cell that opened it re-runs or is deleted, without telling the
    comm's owner; the only trace is this private flag."""
    return bool(getattr(comm, "_closed", False))


def forget_comm(comm: Any) -> None:
    """The front end closed the model: drop the comm from marimo's manager without telling that front end
    again. marimo keeps a comm until its cell re-runs; holding it longer would keep the widget alive."""
    object.__setattr__(comm, "_closed", True)
    with contextlib.suppress(Exception):  # already gone
        comm.comm_manager.unregister_comm(comm)


# ----------------------------------------------------------------------------- probe: a browser without a browser

NotificationSink = Callable[[dict[str, Any]], None]
_sinks: dict[str, NotificationSink] = {}
_sinks_lock = threading.Lock()
_router_installed = False


def capture_model(comm_id: str, sink: NotificationSink) -> None:
    """Send marimo's notifications for model ``comm_id`` to ``sink`` as the JSON a browser would parse,
    instead of to a session stream. Other models are untouched."""
    _install_router()
    with _sinks_lock:
        _sinks[comm_id] = sink


def release_model(comm_id: str) -> None:
    with _sinks_lock:
        _sinks.pop(comm_id, None)


def _install_router() -> None:
    global _router_installed
    with _sinks_lock:
        if _router_installed:
            return
        import marimo._plugins.ui._impl.comm as comm_module
        from marimo._messaging.serde import serialize_kernel_message

        original = comm_module.broadcast_notification  # type: ignore[attr-defined]

        def route(notification: Any, stream: Any = None) -> None:
            sink = _sinks.get(str(getattr(notification, "model_id", "")))
            if sink is None:
                original(notification, stream=stream)
                return
            # Serialise exactly as marimo does for the browser (bytes become base64 here).
            sink(msgspec.json.decode(serialize_kernel_message(notification)))

        comm_module.broadcast_notification = route  # type: ignore[attr-defined]
        _router_installed = True


def deliver_update(comm_id: str, state: dict[str, Any], buffer_paths: list[Any], buffers: list[bytes]) -> Any:
    """What marimo's server does with a browser's ``update``: a ModelCommand into the comm manager.
    Returns the state marimo would then hand to the UI element (None if it would not)."""
    from marimo._runtime.commands import ModelCommand, ModelUpdateMessage
    from marimo._types.ids import WidgetModelId

    message = ModelUpdateMessage(state=state, buffer_paths=buffer_paths)
    command = ModelCommand(model_id=WidgetModelId(comm_id), message=message, buffers=buffers)
    _, element_state = _manager().receive_comm_message(command)
    # marimo hands the element the state it passed to the comm (the same dict, with _esm/_css removed)
    return message.state if element_state is None else element_state


def deliver_custom(comm_id: str, content: Any, buffers: list[bytes]) -> None:
    from marimo._runtime.commands import ModelCommand, ModelCustomMessage
    from marimo._types.ids import WidgetModelId

    command = ModelCommand(
        model_id=WidgetModelId(comm_id), message=ModelCustomMessage(content=content), buffers=buffers
    )
    _manager().receive_comm_message(command)


def deliver_raw(comm_id: str, data: Any, buffers: list[bytes]) -> None:
    """Messages marimo's browser cannot send (request_state, malformed data): straight to the comm's
    handler in the Jupyter payload shape ModelCommand produces."""
    comm = _manager().comms.get(comm_id)  # type: ignore[call-overload]
    if comm is not None:
        comm.handle_msg({"content": {"data": data}, "buffers": buffers})


def deliver_close(comm_id: str) -> None:
    comm = _manager().comms.get(comm_id)  # type: ignore[call-overload]
    if comm is not None:
        comm.handle_close({"content": {"data": {}}})


def _manager() -> Any:
    from marimo._plugins.ui._impl.anywidget.init import WIDGET_COMM_MANAGER

    return WIDGET_COMM_MANAGER


def esm_from_spec(spec: dict[str, Any]) -> str:
    """The ``_esm`` text behind an EsmSpec: outside a kernel marimo inlines it as a data URL. Its media type is
    whatever Python's ``mimetypes`` says for ``.js`` at the time, which changes once another library (Panel's
    Tornado, for one) registers ``application/javascript``."""
    url = str(spec.get("url", ""))
    head, sep, payload = url.partition(",")
    if sep and head in ("data:text/javascript;base64", "data:application/javascript;base64"):
        return base64.b64decode(payload).decode("utf-8")
    return url


# ----------------------------------------------------------------------------- a real marimo kernel for tests


class RecordingStream:
    """Everything the kernel sends to its browser, parsed from the wire JSON."""

    def __init__(self) -> None:
        self.messages: list[dict[str, Any]] = []


@dataclasses.dataclass
class KernelSession:
    kernel: Any
    stream: RecordingStream
    stderr: list[str]
    _counter: int = 0

    async def run(self, code: str, cell_id: str | None = None) -> str:
        """Run (or re-run) one cell; returns its id."""
        from marimo._runtime.commands import ExecuteCellCommand
        from marimo._types.ids import CellId_t

        if cell_id is None:
            self._counter += 1
            cell_id = f"cell{self._counter}"
        await self.kernel.run([ExecuteCellCommand(cell_id=CellId_t(cell_id), code=code)])
        return cell_id

    async def model_update(self, model_id: str, state: dict[str, Any], buffer_paths: Any, buffers: Any) -> None:
        """What the kernel receives when the browser calls ``save_changes``."""
        from marimo._runtime.commands import ModelCommand, ModelUpdateMessage
        from marimo._types.ids import WidgetModelId

        message = ModelUpdateMessage(state=state, buffer_paths=buffer_paths)
        await self.kernel.handle_message(
            ModelCommand(model_id=WidgetModelId(model_id), message=message, buffers=buffers)
        )

    async def model_custom(self, model_id: str, content: Any, buffers: list[bytes]) -> None:
        from marimo._runtime.commands import ModelCommand, ModelCustomMessage
        from marimo._types.ids import WidgetModelId

        message = ModelCustomMessage(content=content)
        await self.kernel.handle_message(
            ModelCommand(model_id=WidgetModelId(model_id), message=message, buffers=buffers)
        )

    @property
    def globals(self) -> dict[str, Any]:
        return self.kernel.globals  # type: ignore[no-any-return]

    def model_messages(self, model_id: str | None = None) -> list[dict[str, Any]]:
        """``model-lifecycle`` messages (``message`` parts), optionally for one model."""
        return [
            m["message"]
            for m in self.stream.messages
            if m.get("op") == "model-lifecycle" and (model_id is None or m.get("model_id") == model_id)
        ]

    def console(self, channel: str = "stderr") -> str:
        """Console text the cells' outputs showed on ``channel``."""
        parts: list[str] = []
        for m in self.stream.messages:
            if m.get("op") != "cell-op":
                continue
            outputs = m.get("console") or []
            if isinstance(outputs, dict):
                outputs = [outputs]
            parts.extend(str(o.get("data", "")) for o in outputs if o.get("channel") == channel)
        return "".join(parts) + "".join(self.stderr if channel == "stderr" else [])


@contextlib.contextmanager
def kernel_session() -> Iterator[KernelSession]:
    """marimo's production kernel (``kernel_lifecycle.kernel_session``) in edit mode, in this process, with
    its outbound stream recorded. Must be entered inside a running event loop's thread."""
    from marimo._ast.app_config import _AppConfig
    from marimo._config.config import DEFAULT_CONFIG
    from marimo._messaging.streams import ThreadSafeStderr, ThreadSafeStdout
    from marimo._messaging.types import KernelStreams, Stream
    from marimo._runtime.commands import AppMetadata
    from marimo._runtime.kernel_lifecycle import KernelArgs
    from marimo._runtime.kernel_lifecycle import kernel_session as marimo_kernel_session
    from marimo._session.model import SessionMode

    recording = RecordingStream()
    stderr_text: list[str] = []

    class _Stream(Stream):
        def write(self, data: Any) -> None:
            recording.messages.append(msgspec.json.decode(data))

    class _Stdout(ThreadSafeStdout):
        def _write_with_mimetype(self, data: str, mimetype: Any) -> int:
            return len(data)

    class _Stderr(ThreadSafeStderr):
        def _write_with_mimetype(self, data: str, mimetype: Any) -> int:
            stderr_text.append(data)
            return len(data)

    stream = _Stream()
    streams = KernelStreams(
        stream=stream,
        stdout=_Stdout(stream, forward_os_streams=False),  # type: ignore[arg-type]
        stderr=_Stderr(stream, forward_os_streams=False),  # type: ignore[arg-type]
        stdin=None,
    )
    args = KernelArgs(
        streams=streams,
        debugger=None,
        configs={},
        app_metadata=AppMetadata(query_params={}, cli_args={}, app_config=_AppConfig()),
        user_config=DEFAULT_CONFIG,
        mode=SessionMode.EDIT,
        control_queue=asyncio.Queue(),
        set_ui_element_queue=asyncio.Queue(),
        virtual_file_storage="in_memory",
    )
    saved_main = sys.modules.get("__main__")
    saved_meta_path = sys.meta_path[:]
    try:
        with marimo_kernel_session(args) as (kernel, _ctx):
            yield KernelSession(kernel, recording, stderr_text)
    finally:
        from marimo._messaging.thread_local_streams import uninstall_thread_local_proxies

        uninstall_thread_local_proxies()
        sys.meta_path[:] = saved_meta_path
        if saved_main is not None:
            sys.modules["__main__"] = saved_main
