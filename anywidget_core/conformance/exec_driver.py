"""Replays the conformance vectors against a kernel side in any language, spoken to in JSON lines (SPEC §9.1).

The runner keeps the vector logic (what each front end received, matching, JSON Schema checks); the
implementation only does what a kernel side does: hold widgets, take front-end messages and Python-side actions,
and say what went out. One process serves a whole run; it is started again after it broke the line protocol.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import Any

from ..host import Received
from .process import ExecError, LineProcess
from .runner import Mismatch, Outcome, StepReplay

DRIVER_VERSION = 1
HOST_NAME = "exec"


class ExecTarget:
    """An implementation behind a command line; ``run`` gives one :class:`Outcome` per vector."""

    def __init__(self, command: str, timeout: float = 10.0) -> None:
        self.command = command
        self.timeout = timeout
        self._process: LineProcess | None = None
        self.drops: tuple[str, ...] = ()
        self.unsupported: tuple[str, ...] = ()
        self.name = HOST_NAME

    def process(self) -> LineProcess:
        if self._process is None:
            process = LineProcess(self.command, self.timeout)
            try:
                hello = process.ask({"op": "hello", "version": DRIVER_VERSION})
            except ExecError:
                process.close()
                raise
            self.drops = tuple(hello.get("drops", ()))
            self.unsupported = tuple(hello.get("unsupported", ()))
            self._process = process
        return self._process

    def restart(self) -> None:
        if self._process is not None:
            self._process.close()
            self._process = None

    def close(self) -> None:
        self.restart()

    def run(self, vectors: list[dict[str, Any]]) -> list[Outcome]:
        try:
            return [self.run_vector(vector) for vector in vectors]
        finally:
            self.close()

    def run_vector(self, vector: dict[str, Any]) -> Outcome:
        name = vector["name"]
        try:
            process = self.process()
        except ExecError as exc:
            return Outcome(name, self.name, "fail", str(exc))
        missing = set(vector.get("requires", ())) & set(self.unsupported)
        if missing:
            return Outcome(name, self.name, "n/a", f"implementation does not carry {', '.join(sorted(missing))}")
        try:
            _ExecReplay(vector, process, set(self.drops)).run()
        except Mismatch as exc:
            return Outcome(name, self.name, "fail", str(exc))
        except ExecError as exc:
            self.restart()  # its stream is no longer in step with ours
            return Outcome(name, self.name, "fail", f"the implementation broke the line protocol: {exc}")
        except Exception as exc:  # an answer of the wrong shape, say: this vector fails, the run goes on
            self.restart()
            return Outcome(name, self.name, "fail", f"{type(exc).__name__}: {exc}")
        return Outcome(name, self.name, "pass")


@dataclass
class _ExecReplay(StepReplay):
    vector: dict[str, Any]
    process: LineProcess
    drops: set[str]
    model_ids: dict[str, str] = dataclass_field(default_factory=dict)
    inbox: dict[str, list[Received]] = dataclass_field(default_factory=dict)  # front end -> not yet expected
    control_inbox: dict[str, list[Received]] = dataclass_field(default_factory=dict)  # the same, control comm
    shown: dict[str, str] = dataclass_field(default_factory=dict)
    received: list[Any] = dataclass_field(default_factory=list)
    changes: list[Any] = dataclass_field(default_factory=list)

    def run(self) -> None:
        widgets = self.vector["widgets"]
        reply = self._ask({"op": "reset", "widgets": self._action_value(widgets)})
        ids = reply.get("model_ids")
        if not isinstance(ids, dict) or set(ids) != set(widgets) or not all(isinstance(i, str) for i in ids.values()):
            raise Mismatch(f"reset must answer model_ids for {sorted(widgets)}, got {ids!r}")
        self.model_ids = ids
        self.run_steps(next(iter(widgets)))

    # -------------------------------------------------------------- talking

    def _ask(self, request: dict[str, Any]) -> dict[str, Any]:
        reply = self.process.ask(request)
        if "fail" in reply:
            raise Mismatch(f"the implementation could not do {request['op']!r}: {reply['fail']}")
        for message in _list(reply, "out"):
            self._collect(message)
        self.received.extend(_list(reply, "received"))
        self.changes.extend(_list(reply, "changes"))
        return reply

    def _collect(self, message: Any) -> None:
        # A message on the front end's control comm (SPEC §8.1.1) says "control": true and names no model.
        control = isinstance(message, dict) and message.get("control") is True
        needed = {"frontend", "data"} if control else {"frontend", "model_id", "data"}
        if not isinstance(message, dict) or not needed <= set(message):
            raise Mismatch(f"an out message needs {', '.join(sorted(needed))}: {message!r}")
        if message["frontend"] not in self.shown:
            raise Mismatch(f"a message went to front end {message['frontend']!r}, which showed nothing")
        try:
            buffers = [base64.b64decode(b, validate=True) for b in message.get("buffers", [])]
        except (TypeError, ValueError):
            raise Mismatch(f"out buffers must be base64 strings: {message.get('buffers')!r}") from None
        if not isinstance(message["data"], dict):
            raise Mismatch(f"out data must be an object: {message['data']!r}")
        if control:
            self.control_inbox.setdefault(message["frontend"], []).append(Received("", message["data"], buffers))
            return
        received = Received(str(message["model_id"]), message["data"], buffers)
        self.inbox[message["frontend"]].append(received)

    # -------------------------------------------------------------- steps, as driver requests (SPEC §9.1)

    def _show(self, frontend: str, widget: str) -> None:
        self.shown[frontend] = widget
        self.inbox.setdefault(frontend, [])
        self._ask({"op": "show", "frontend": frontend, "widget": widget})

    def _send(self, frontend: str, data: Any, buffers: list[str]) -> None:
        request = {"op": "receive", "frontend": frontend, "widget": self.shown[frontend]}
        self._ask({**request, "data": data, "buffers": buffers})

    def _frontend_close(self, frontend: str) -> None:
        self._ask({"op": "frontend_close", "frontend": frontend, "widget": self.shown[frontend]})

    def _state(self, name: str) -> Any:
        return self._ask({"op": "state", "widget": name}).get("state")

    def _take(self, frontend: str) -> list[Received]:
        taken, self.inbox[frontend] = self.inbox.get(frontend, []), []
        return taken

    def _drops(self) -> set[str]:
        return self.drops

    def _model_id(self, name: str) -> str:
        return self.model_ids[name]

    def _refs(self, value: Any) -> Any:
        return self._wire_value(value)

    def _control_open(self, frontend: str, version: str) -> None:
        self._ask({"op": "control_open", "frontend": frontend, "version": version})

    def _control_send(self, frontend: str, data: Any) -> None:
        self._ask({"op": "control", "frontend": frontend, "data": data})

    def _control_take(self, frontend: str) -> list[Received]:
        return self.control_inbox.pop(frontend, [])

    def _python(self, step: dict[str, Any]) -> None:
        request = {k: v for k, v in step.items() if k not in ("python", "raises")}
        request.update(op="python", action=step["python"], widget=step.get("widget") or next(iter(self.model_ids)))
        raised = self._ask(self._action_value(request)).get("raised")
        if raised is not None and raised != "ValidationError":
            raise Mismatch(f"raised must be null or 'ValidationError', got {raised!r}")
        if raised and step.get("raises") != "ValidationError":
            raise Mismatch("unexpected ValidationError")
        if not raised and "raises" in step:
            raise Mismatch(f"expected {step['raises']}, nothing was raised")

    # -------------------------------------------------------------- values

    def _action_value(self, value: Any) -> Any:
        """A value Python hands over: ``"@name"`` (a declared widget) becomes ``{"$widget": "name"}``."""
        if isinstance(value, dict):
            return {k: self._action_value(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self._action_value(v) for v in value]
        if isinstance(value, str) and value.startswith("@") and value[1:] in self.vector["widgets"]:
            return {"$widget": value[1:]}
        return value

    def _wire_value(self, value: Any) -> Any:
        """A value as it travels: ``"@name"`` and ``"anywidget:@name"`` become ``"anywidget:<model_id>"``."""
        if isinstance(value, dict):
            return {k: self._wire_value(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self._wire_value(v) for v in value]
        if isinstance(value, str) and value.startswith("@") and value[1:] in self.model_ids:
            return "anywidget:" + self.model_ids[value[1:]]
        if isinstance(value, str) and value.startswith("anywidget:@") and value[11:] in self.model_ids:
            return "anywidget:" + self.model_ids[value[11:]]
        return value


def _list(reply: dict[str, Any], key: str) -> list[Any]:
    value = reply.get(key, [])
    if not isinstance(value, list):
        raise Mismatch(f"{key!r} in a reply must be a list, got {value!r}")
    return value


def _b64(buffer: bytes) -> str:
    return base64.b64encode(buffer).decode("ascii")
