"""Replays conformance vectors against host adapters and says, per vector, whether the stream matched.

A vector (``protocol/vectors/*.json``, format in protocol/SPEC.md §9) declares widgets with language-neutral
field types, then steps: what a front end sends, what Python does, and what must follow. The runner drives
each host through its :class:`~anywidget_core.host.Probe`, so the adapter's own transport code is exercised,
and validates every message a front end receives against the JSON Schemas generated from the code.
"""

from __future__ import annotations

import base64
import contextlib
import io
import json
import logging
import warnings
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Protocol, runtime_checkable

import msgspec

from ..errors import ValidationError
from ..fields import field
from ..host import Host, Probe, Received
from ..invoke import command
from ..widget import Change, Widget
from .types import parse_type

# Keys every open state carries for anywidget's front end, checked by rule rather than listed in vectors.
PROTOCOL_KEYS = {
    "_model_module": "anywidget",
    "_model_name": "AnyModel",
    "_view_module": "anywidget",
    "_view_name": "AnyView",
    "_view_count": None,
}
VERSIONED_KEYS = ("_model_module_version", "_view_module_version", "_anywidget_id")
# The feature a vector `requires` when it drives Jupyter's control comm (SPEC §8.1.1); hosts without one list it
# in `unsupported`.
CONTROL_COMM = "control_comm"


@runtime_checkable
class ControlProbe(Protocol):
    """A probe whose front end can also use the binding's control comm (``jupyter.widget.control``)."""

    def control_open(self, version: str) -> None:
        """The front end opens its control comm with this ``metadata.version``."""

    def control_send(self, data: Any) -> None:
        """The front end sends ``data`` on its control comm (nothing arrives once that comm is closed)."""

    def control_take(self) -> list[Received]:
        """What the kernel side sent on the control comm since the last call (a kernel-side close as
        ``{"method": "close"}``)."""


@dataclass
class Outcome:
    vector: str
    host: str
    status: str  # "pass", "fail" or "n/a"
    detail: str = ""


class Mismatch(AssertionError):
    pass


def load_vectors(folder: Path | None = None) -> list[dict[str, Any]]:
    """Every vector, sorted by file name (the installed package's copy unless a folder is given)."""
    if folder is None:
        root: Any = resources.files("anywidget_core.protocol") / "vectors"
        files = sorted((f for f in root.iterdir() if f.name.endswith(".json")), key=lambda f: f.name)
    else:
        files = sorted(folder.glob("*.json"))
    vectors = []
    for file in files:
        vector = json.loads(file.read_text(encoding="utf-8"))
        vector.setdefault("name", file.name.removesuffix(".json"))
        vectors.append(vector)
    return vectors


def run(hosts: Iterable[Host], vectors: Iterable[dict[str, Any]]) -> list[Outcome]:
    vectors = list(vectors)
    return [run_vector(vector, host) for host in hosts for vector in vectors]


def run_vector(vector: dict[str, Any], host: Host) -> Outcome:
    name = vector["name"]
    missing = set(vector.get("requires", ())) & set(getattr(host, "unsupported", ()))
    if missing:
        return Outcome(name, host.name, "n/a", f"host does not carry {', '.join(sorted(missing))}")
    said = io.StringIO()
    try:
        with _quiet(said):
            _Replay(vector, host).run()
    except Mismatch as exc:
        return Outcome(name, host.name, "fail", str(exc) + _said(said))
    except Exception as exc:
        return Outcome(name, host.name, "fail", f"{type(exc).__name__}: {exc}{_said(said)}")
    return Outcome(name, host.name, "pass")


def format_table(outcomes: list[Outcome]) -> str:
    """A vector x host table of pass / FAIL / n/a, followed by the failure details."""
    hosts = list(dict.fromkeys(o.host for o in outcomes))
    vectors = list(dict.fromkeys(o.vector for o in outcomes))
    cell = {(o.vector, o.host): o for o in outcomes}
    width = max([len(v) for v in vectors] + [8])
    lines = ["vector".ljust(width) + "  " + "  ".join(h.ljust(10) for h in hosts)]
    for vector in vectors:
        marks = [_mark(cell.get((vector, h))) for h in hosts]
        lines.append(vector.ljust(width) + "  " + "  ".join(m.ljust(10) for m in marks))
    totals = []
    for h in hosts:
        mine = [o for o in outcomes if o.host == h]
        passed = sum(o.status == "pass" for o in mine)
        failed = sum(o.status == "fail" for o in mine)
        totals.append(f"{h}: {passed} passed, {failed} failed, {len(mine) - passed - failed} n/a")
    lines.append("")
    lines.extend(totals)
    for o in outcomes:
        if o.status == "fail":
            lines.append(f"FAIL {o.host} {o.vector}: {o.detail}")
    return "\n".join(lines)


def _mark(outcome: Outcome | None) -> str:
    return {"pass": "pass", "fail": "FAIL", "n/a": "n/a"}.get(outcome.status, "?") if outcome else "-"


@contextlib.contextmanager
def _quiet(said: io.StringIO) -> Iterator[None]:
    """Rejections are logged as warnings by design, and a host may report them on stderr (marimo's cell console)
    or warn about a value (Bokeh, of a large integer): a vector run expects them. What a run wrote is kept in
    ``said`` and shown only if the vector fails."""
    logger = logging.getLogger("anywidget_core")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings(record=True) as caught, contextlib.redirect_stderr(said):
            warnings.simplefilter("always")
            yield
        for warning in caught:
            said.write(f"{warning.category.__name__}: {warning.message}\n")
    finally:
        logger.setLevel(level)


def _said(said: io.StringIO) -> str:
    text = said.getvalue().strip()
    return f"\n  (stderr and warnings during the vector: {text})" if text else ""


# ----------------------------------------------------------------------------- replay


class StepReplay:
    """The steps of one vector, the same whatever carries them out: a host adapter through its probes here, an
    implementation in another language over ``--exec`` (exec_driver.py). A subclass says how each step is done
    (the hooks at the end); what a step means and how its outcome is judged is written once, here."""

    vector: dict[str, Any]
    shown: dict[str, str]  # front end -> widget name
    received: list[Any]  # custom messages Python received, in the vector's notation
    changes: list[Any]  # observed changes, in the vector's notation

    def run_steps(self, first_widget: str) -> None:
        steps = self.vector["steps"]
        if not any("show" in step for step in steps):
            self._show("fe", first_widget)
        for index, step in enumerate(steps):
            try:
                self._step(step)
            except Mismatch as exc:
                raise Mismatch(f"step {index + 1} {_describe(step)}: {exc}") from None

    def _step(self, step: dict[str, Any]) -> None:
        if "show" in step:
            self._show(step.get("frontend", "fe"), step["show"])
        elif "frontend" in step and "send" in step:
            self._send(step["frontend"], self._refs(step["send"]), step.get("buffers", []))
        elif "frontend_close" in step:
            self._frontend_close(step["frontend_close"])
        elif "python" in step:
            self._python(step)
        elif "expect" in step:
            self._expect(step.get("frontend", "fe"), step["expect"])
        elif "expect_state" in step:
            for name, expected in step["expect_state"].items():
                _match(self._refs(expected), self._state(name), f"state of {name}")
        elif "expect_received" in step:
            _match(self._refs(step["expect_received"]), self.received, "custom messages Python received")
            self.received.clear()
        elif "expect_changes" in step:
            _match(self._refs(step["expect_changes"]), self.changes, "observed changes")
            self.changes.clear()
        elif "control_open" in step:
            self._control_open(step["control_open"], step.get("version", "1.0.0"))
        elif "control" in step:
            self._control_send(step.get("frontend", "fe"), self._refs(step["control"]))
        elif "expect_control" in step:
            actual = self._control_take(step.get("frontend", "fe"))
            names = {self._model_id(name): name for name in self.vector["widgets"]}
            match_control(step["expect_control"], actual, names, self.vector["widgets"], self._refs)
        else:
            raise ValueError(f"unknown step {step!r}")

    def _expect(self, frontend: str, expected: list[dict[str, Any]]) -> None:
        drops = self._drops()
        actual = [m for m in self._take(frontend) if m.data.get("method") not in drops]
        wanted = [m for m in expected if m["data"].get("method") not in drops]
        for message in actual:
            _check_schema(message)
        if len(actual) != len(wanted):
            raise Mismatch(
                f"front end {frontend!r} received {len(actual)} message(s), expected {len(wanted)}: "
                f"{[_summary(m) for m in actual]}"
            )
        for position, (want, got) in enumerate(zip(wanted, actual, strict=True)):
            where = f"message {position + 1}"
            name = want.get("widget", self.shown[frontend])
            if got.model_id != self._model_id(name):
                raise Mismatch(f"{where} is for another model than {name!r}")
            data = dict(got.data)
            state = data.get("state")
            if data.get("method") == "open" or (isinstance(state, dict) and "_model_module" in state):
                data["state"] = check_protocol_keys(dict(state or {}), self.vector["widgets"][name], where)
            _match(self._refs(want["data"]), data, where)
            _match(want.get("buffers", []), [_b64(b) for b in got.buffers], f"{where} buffers")

    # -------------------------------------------------------------- how a step is carried out

    def _show(self, frontend: str, widget: str) -> None:
        raise NotImplementedError

    def _send(self, frontend: str, data: Any, buffers: list[str]) -> None:
        """The front end sends ``data`` (references already in wire form) with base64 ``buffers``."""
        raise NotImplementedError

    def _frontend_close(self, frontend: str) -> None:
        raise NotImplementedError

    def _python(self, step: dict[str, Any]) -> None:
        raise NotImplementedError

    def _state(self, name: str) -> Any:
        """The widget's field values, in the vector's notation."""
        raise NotImplementedError

    def _take(self, frontend: str) -> list[Received]:
        """What the front end received since the last take."""
        raise NotImplementedError

    def _drops(self) -> set[str]:
        """Methods the host's transport does not deliver (left out of both sides of an ``expect``)."""
        raise NotImplementedError

    def _model_id(self, name: str) -> str:
        raise NotImplementedError

    def _refs(self, value: Any) -> Any:
        """Vector notation as it travels: ``"@name"`` and ``"anywidget:@name"`` become references."""
        raise NotImplementedError

    def _control_open(self, frontend: str, version: str) -> None:
        raise NotImplementedError

    def _control_send(self, frontend: str, data: Any) -> None:
        raise NotImplementedError

    def _control_take(self, frontend: str) -> list[Received]:
        raise NotImplementedError


@dataclass
class _Replay(StepReplay):
    vector: dict[str, Any]
    host: Host
    widgets: dict[str, Widget] = dataclass_field(default_factory=dict)
    classes: dict[str, type[Widget]] = dataclass_field(default_factory=dict)
    frontends: dict[str, Probe] = dataclass_field(default_factory=dict)
    shown: dict[str, str] = dataclass_field(default_factory=dict)
    received: list[Any] = dataclass_field(default_factory=list)
    changes: list[Any] = dataclass_field(default_factory=list)

    def run(self) -> None:
        for name, spec in self.vector["widgets"].items():
            self._build(name, spec)
        try:
            self.run_steps(next(iter(self.widgets)))
        finally:
            for widget in self.widgets.values():
                widget.close()

    # -------------------------------------------------------------- set-up

    def _build(self, name: str, spec: dict[str, Any]) -> None:
        annotations: dict[str, Any] = {}
        namespace: dict[str, Any] = {"__annotations__": annotations, "__module__": __name__}
        for field_name, field_spec in spec.get("fields", {}).items():
            annotation = parse_type(field_spec["type"], f"{name}_{field_name}")
            if "constraints" in field_spec:  # {"ge": 0, "max_length": 3, ...}: msgspec.Meta's names
                annotation = Annotated[annotation, msgspec.Meta(**field_spec["constraints"])]
            annotations[field_name] = annotation
            default = self._value(field_spec.get("default"))
            namespace[field_name] = field(default=default, echo=field_spec.get("echo", True))
        for command_name, behaviour in spec.get("commands", {}).items():
            namespace[command_name] = command(_command(command_name, behaviour))
        namespace["_esm"] = spec.get("esm", "export default {}")
        if "css" in spec:
            namespace["_css"] = spec["css"]
        cls = type(f"Vector_{name}", (Widget,), namespace)
        self.classes[name] = cls
        init = {k: self._value(v) for k, v in spec.get("init", {}).items()}
        widget = cls(**init)
        widget.on_msg(
            lambda w, content, buffers, n=name: self.received.append(
                {"widget": n, "content": content, "buffers": [_b64(b) for b in buffers]}
            )
        )
        widget.observe(lambda c, n=name: self.changes.append(_change(n, c, self._json)))
        self.widgets[name] = widget

    # -------------------------------------------------------------- steps, through the host's probes

    def _show(self, frontend: str, widget: str) -> None:
        self.frontends[frontend] = self.host.probe(self.widgets[widget])
        self.shown[frontend] = widget

    def _send(self, frontend: str, data: Any, buffers: list[str]) -> None:
        # A probe sends what a browser can: a lone surrogate too, which JSON.stringify writes as "\\ud800".
        self.frontends[frontend].deliver(data, [base64.b64decode(b) for b in buffers])

    def _frontend_close(self, frontend: str) -> None:
        self.frontends[frontend].close()

    def _state(self, name: str) -> Any:
        return self._json(self.widgets[name].get_state())

    def _take(self, frontend: str) -> list[Received]:
        return self.frontends[frontend].take()

    def _drops(self) -> set[str]:
        return set(getattr(self.host, "drops", ()))

    def _model_id(self, name: str) -> str:
        return self.widgets[name].model_id

    def _control_open(self, frontend: str, version: str) -> None:
        self._control(frontend).control_open(version)

    def _control_send(self, frontend: str, data: Any) -> None:
        self._control(frontend).control_send(data)

    def _control_take(self, frontend: str) -> list[Received]:
        return self._control(frontend).control_take()

    def _control(self, frontend: str) -> ControlProbe:
        probe = self.frontends[frontend]
        if not isinstance(probe, ControlProbe):
            # A host without a control comm declares it unsupported, so this vector is n/a there, not run.
            raise Mismatch(f"this host's front end has no control comm; declare {CONTROL_COMM!r} unsupported")
        return probe

    def _python(self, step: dict[str, Any]) -> None:
        action = step["python"]
        widget = self.widgets[step.get("widget") or next(iter(self.widgets))]
        try:
            if action == "set":
                widget.set_state({k: self._value(v) for k, v in step["values"].items()})
            elif action == "assign":
                setattr(widget, step["field"], self._value(step["value"]))
            elif action == "hold_sync":
                with widget.hold_sync():
                    for field_name, value in step["assign"]:
                        setattr(widget, field_name, self._value(value))
            elif action == "send":
                buffers = [base64.b64decode(b) for b in step.get("buffers", [])]
                widget.send(self._value(step["content"]), buffers)
            elif action == "close":
                widget.close()
            else:
                raise ValueError(f"unknown python action {action!r}")
        except ValidationError as exc:
            if step.get("raises") != "ValidationError":
                raise Mismatch(f"unexpected ValidationError: {exc}") from None
            return
        if "raises" in step:
            raise Mismatch(f"expected {step['raises']}, nothing was raised")

    # -------------------------------------------------------------- values

    def _value(self, value: Any, refs_only: bool = False) -> Any:
        """Vector JSON to Python: {"$bytes": b64} is bytes, "@name" a widget (a ref string on the wire)."""
        if isinstance(value, dict):
            if set(value) == {"$bytes"} and not refs_only:
                return base64.b64decode(value["$bytes"])
            return {k: self._value(v, refs_only) for k, v in value.items()}
        if isinstance(value, list):
            return [self._value(v, refs_only) for v in value]
        if isinstance(value, str) and value.startswith("@") and value[1:] in self.widgets:
            widget = self.widgets[value[1:]]
            return f"anywidget:{widget.model_id}" if refs_only else widget
        if isinstance(value, str) and value.startswith("anywidget:@"):
            return "anywidget:" + self.widgets[value[len("anywidget:@") :]].model_id
        return value

    def _refs(self, expected: Any) -> Any:
        return self._value(expected, refs_only=True)

    def _json(self, value: Any) -> Any:
        """Python state to the vector's JSON notation (bytes as {"$bytes": b64}, widgets as refs)."""
        names = {w.model_id: n for n, w in self.widgets.items()}

        def encode(obj: Any) -> Any:
            if isinstance(obj, Widget):
                return f"anywidget:{obj.model_id}" if obj.model_id in names else repr(obj)
            try:
                return {"$bytes": _b64(memoryview(obj))}
            except TypeError:
                raise TypeError(f"cannot show {type(obj).__name__}") from None

        return _bytes_to_marker(
            msgspec.to_builtins(value, builtin_types=(bytes, bytearray, memoryview), enc_hook=encode)
        )


_ABSENT = object()


def _command(name: str, behaviour: dict[str, Any]) -> Any:
    """A vector's command (SPEC §9): ``{"echo": true}`` answers with the request's msg and buffers,
    ``{"fails": reason}`` raises ``reason``."""

    def run(widget: Widget, msg: Any, buffers: list[memoryview]) -> tuple[Any, list[memoryview]]:
        if "fails" in behaviour:
            raise RuntimeError(behaviour["fails"])
        return msg, buffers

    run.__name__ = name
    return run


def check_protocol_keys(state: dict[str, Any], spec: dict[str, Any], where: str) -> dict[str, Any]:
    """The protocol keys of §3.1 checked and removed from a full state (``spec``: the vector's widget)."""
    expected = {**PROTOCOL_KEYS, "_esm": spec.get("esm", "export default {}")}
    if "css" in spec:
        expected["_css"] = spec["css"]
    for key, value in expected.items():
        if state.pop(key, _ABSENT) != value:
            raise Mismatch(f"{where}: open state needs {key} = {value!r}")
    for key in VERSIONED_KEYS:
        value = state.pop(key, None)
        if not isinstance(value, str) or not value:
            raise Mismatch(f"{where}: open state needs a non-empty string {key}")
    return state


def match_control(
    expected: list[dict[str, Any]],
    actual: list[Received],
    names: dict[str, str],
    specs: dict[str, Any],
    wire: Any,
) -> None:
    """The messages a front end's control comm received against an ``expect_control`` step (SPEC §9).

    ``names`` maps model ids to the vector's widget names, ``specs`` are the vector's widgets and ``wire`` turns
    the vector's notation into wire values. In an ``update_states`` the states are keyed by widget name, each
    full state's protocol keys are checked by rule (and the three ``model_*`` members against them), and the
    buffer paths (first element a widget name) are compared with their buffers as pairs, in any order: the
    protocol fixes no order between models.
    """
    if len(actual) != len(expected):
        raise Mismatch(
            f"the control comm received {len(actual)} message(s), expected {len(expected)}: "
            f"{[_summary(m) for m in actual]}"
        )
    for position, (want, got) in enumerate(zip(expected, actual, strict=True)):
        where = f"control message {position + 1}"
        data = dict(got.data)
        buffers = [_b64(b) for b in got.buffers]
        wanted = dict(wire(want["data"]))
        if data.get("method") != "update_states" or wanted.get("method") != "update_states":
            _match(wanted, data, where)
            _match(want.get("buffers", []), buffers, f"{where} buffers")
            continue
        paths = data.pop("buffer_paths", None)
        if not isinstance(paths, list) or len(paths) != len(buffers):
            raise Mismatch(f"{where}: {len(buffers)} buffer(s) for buffer_paths {_show(paths)}")
        states = data.get("states")
        if not isinstance(states, dict):
            raise Mismatch(f"{where}: states must be an object, got {_show(states)}")
        by_name: dict[str, Any] = {}
        for key, entry in states.items():
            model_id = str(key)
            label = names.get(model_id, model_id)  # a model the vector does not declare keeps its id
            spec = specs.get(label) if model_id in names else None
            by_name[label] = _control_entry(entry, spec, f"{where}.{label}")
        data["states"] = by_name
        expected_states = wanted.get("states")
        if isinstance(expected_states, dict) and set(expected_states) != set(by_name):
            extra, missing = sorted(set(by_name) - set(expected_states)), sorted(set(expected_states) - set(by_name))
            raise Mismatch(f"{where}: states has unexpected model(s) {extra} and lacks {missing}")
        got_pairs = sorted(([_path_by_name(p, names), b] for p, b in zip(paths, buffers, strict=True)), key=_key)
        want_paths = wanted.pop("buffer_paths", [])
        want_pairs = sorted(([p, b] for p, b in zip(want_paths, want.get("buffers", []), strict=True)), key=_key)
        _match(wanted, data, where)
        _match(want_pairs, got_pairs, f"{where} [buffer path, buffer] pairs")


def _control_entry(entry: Any, spec: Any, where: str) -> Any:
    """One model of an ``update_states``: its ``model_*`` members repeat the state's, whose protocol keys are
    checked and removed (§3.1) as in an ``open``."""
    if not isinstance(spec, dict) or not isinstance(entry, dict) or not isinstance(entry.get("state"), dict):
        return entry  # not a model of the vector, or of the wrong shape: the exact match reports it
    state = entry["state"]
    for member in ("model_name", "model_module", "model_module_version"):
        if entry.get(member) != state.get(f"_{member}"):
            raise Mismatch(f"{where}: {member} {_show(entry.get(member))} is not the state's _{member}")
    return {**entry, "state": check_protocol_keys(dict(state), spec, f"{where}.state")}


def _path_by_name(path: Any, names: dict[str, str]) -> Any:
    if isinstance(path, list) and path and isinstance(path[0], str):
        return [names.get(path[0], path[0]), *path[1:]]
    return path


def _key(pair: list[Any]) -> str:
    return json.dumps(pair, default=str)


def _bytes_to_marker(value: Any) -> Any:
    if isinstance(value, (bytes, bytearray, memoryview)):
        return {"$bytes": _b64(value)}
    if isinstance(value, dict):
        return {k: _bytes_to_marker(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_bytes_to_marker(v) for v in value]
    return value


def _change(name: str, change: Change, to_json: Any) -> dict[str, Any]:
    return {"widget": name, "name": change.name, "old": to_json(change.old), "new": to_json(change.new)}


def _b64(buffer: Any) -> str:
    return base64.b64encode(bytes(buffer)).decode("ascii")


def _describe(step: dict[str, Any]) -> str:
    key = next(iter(step))
    return f"({key}: {json.dumps(step[key])[:60]})"


def _summary(message: Received) -> str:
    return json.dumps(message.data, default=str)[:160]


def _match(expected: Any, actual: Any, where: str) -> None:
    """Exact JSON equality, except {"$any": true} (anything) and {"$any": "string"} (a non-empty string)."""
    if isinstance(expected, dict) and set(expected) == {"$any"}:
        if expected["$any"] == "string" and not (isinstance(actual, str) and actual):
            raise Mismatch(f"{where}: expected a non-empty string, got {actual!r}")
        return
    if isinstance(expected, dict):
        if not isinstance(actual, dict) or set(expected) != set(actual):
            raise Mismatch(f"{where}: expected keys {sorted(expected)}, got {_show(actual)}")
        for key in expected:
            _match(expected[key], actual[key], f"{where}.{key}")
        return
    if isinstance(expected, list):
        if not isinstance(actual, list) or len(expected) != len(actual):
            raise Mismatch(f"{where}: expected {_show(expected)}, got {_show(actual)}")
        for index, (want, got) in enumerate(zip(expected, actual, strict=True)):
            _match(want, got, f"{where}[{index}]")
        return
    same_kind = isinstance(expected, bool) == isinstance(actual, bool)
    if not same_kind or expected != actual:
        raise Mismatch(f"{where}: expected {_show(expected)}, got {_show(actual)}")


def _show(value: Any) -> str:
    return json.dumps(value, default=str)[:200]


def _check_schema(message: Received) -> None:
    from .schemas import validator_for

    method = message.data.get("method")
    errors = sorted(validator_for(str(method)).iter_errors(message.data), key=str)
    if errors:
        raise Mismatch(f"{method!r} message does not fit its JSON Schema: {errors[0].message}")
