"""The widget users subclass: typed fields, observers, custom messages, and links to the hosts showing it."""

from __future__ import annotations

import contextlib
import os
import sys
import threading
import weakref
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, NamedTuple

import msgspec

from . import hooks, invoke
from .assets import DEFAULT_ESM, Asset
from .buffers import as_buffer
from .chunks import Progress
from .connection import (
    DEFAULT_LIMITS,
    Closed,
    Connection,
    Event,
    Limits,
    MessageReceived,
    StateChanged,
    StateRequested,
)
from .errors import ErrorCode, ValidationError, logger
from .fields import Field, Referenced, _enc_hook, _mentions_widget, collect_fields
from .link import Link, Transport, decoding_for
from .messages import Custom, EchoUpdate, Error, Frame, Open, Update
from .schema import FLAT_SCALARS, Schema
from .values import check_json

if TYPE_CHECKING:
    import asyncio

# anywidget's front end (the "anywidget" npm module) accepts models naming this version range.
ANYWIDGET_MODULE_VERSION = "~0.11.*"
# Custom messages kept for a widget nobody has displayed yet; past this the oldest are dropped (with one warning).
MAX_PENDING_MESSAGES = 1000


class Change(NamedTuple):
    """What an observer receives. Also readable as traitlets' change dict: ``change["new"]``, ``["old"]``,
    ``["name"]``, ``["owner"]`` and ``["type"]`` (always ``"change"``), so ported observers run unchanged."""

    owner: Widget
    name: str
    old: Any
    new: Any

    def __getitem__(self, key: Any) -> Any:  # type: ignore[override]
        if isinstance(key, str):
            if key == "type":
                return "change"
            if key in self._fields:
                return getattr(self, key)
            raise KeyError(key)
        return tuple.__getitem__(self, key)


Observer = Callable[[Change], Any]
MessageHandler = Callable[["Widget", Any, list[memoryview]], Any]
ProgressHandler = Callable[["Widget", Progress], Any]


class Widget(Referenced):
    """Base class of every widget. Declare fields as annotated class attributes::

    class Counter(Widget):
        _esm = "export default { render({ model, el }) { ... } }"
        value: int = 0
    """

    model_id: str
    _esm: ClassVar[str | Path] = DEFAULT_ESM
    _css: ClassVar[str | Path | None] = None
    _limits: ClassVar[Limits] = DEFAULT_LIMITS

    _fields: ClassVar[dict[str, Field]] = {}
    _schema: ClassVar[Schema] = Schema({})
    _assets: ClassVar[dict[str, Asset]] = {}
    _child_fields: ClassVar[tuple[str, ...]] = ()
    _commands: ClassVar[dict[str, Callable[..., Any]]] = {}
    _observer_methods: ClassVar[dict[str, tuple[str, ...]]] = {}  # @observe methods -> the fields they watch
    _validators: ClassVar[dict[str, tuple[str, ...]]] = {}  # @validate methods -> their fields (none: whole state)
    _by_model_id: ClassVar[weakref.WeakValueDictionary[str, Widget]] = weakref.WeakValueDictionary()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        caller = sys._getframe(1)  # the scope running the class statement: resolves function-local names
        fields = collect_fields(cls, Widget, dict(caller.f_locals))
        for name, spec in fields.items():
            setattr(cls, name, spec)
        cls._fields = fields
        cls._schema = Schema(fields)
        cls._child_fields = tuple(n for n, f in fields.items() if _mentions_widget(_annotation(f)))
        cls._commands = invoke.commands_of(cls)
        cls._observer_methods = hooks.observers_of(cls)
        cls._validators = hooks.validators_of(cls, fields)
        assets = {"_esm": Asset(cls._esm, cls.__module__)}
        if cls._css is not None:
            assets["_css"] = Asset(cls._css, cls.__module__)
        cls._assets = assets

    def __init__(self, **values: Any) -> None:
        unknown = set(values) - set(self._fields) if values else None
        if unknown:
            raise TypeError(f"{type(self).__name__} has no field(s) {', '.join(sorted(unknown))}")
        self.model_id: str = os.urandom(16).hex()
        self._lock = threading.RLock()
        self._values: dict[str, Any] = {name: spec.initial() for name, spec in self._fields.items()}
        self._links: dict[object, Link] = {}
        self._observers: dict[str | None, list[Observer]] = {}
        self._msg_handlers: list[MessageHandler] = []
        self._holds: dict[int, set[str]] = {}  # thread id -> fields it changed inside its hold_sync()
        self._pending: deque[tuple[Any, list[memoryview]]] = deque(maxlen=MAX_PENDING_MESSAGES)
        self._pending_dropped = False  # warned that the queue above overflowed (once until it is flushed)
        self._tasks: set[asyncio.Task[Any]] = set()
        self._closed = False
        if values or self._validators:  # Counter() with defaults and no validators has nothing to check
            given = {name: self._fields[name].codec.from_python(value) for name, value in values.items()}
            self._values.update(self._validated(given) if self._validators else given)
        for method, names in self._observer_methods.items():
            self.observe(getattr(self, method), names or None)
        Widget._by_model_id[self.model_id] = self

    @classmethod
    def _from_reference(cls, model_id: str) -> Widget | None:
        """The widget a front end's ``"anywidget:<model_id>"`` names, if that front end may reach it: one
        shown to it (open on a link with the same key: displayed there, or a child of a widget displayed
        there). Any other live widget is refused, so a front end that learns an id cannot open it."""
        key = decoding_for()
        child = Widget._by_model_id.get(model_id)
        if key is None or child is None:
            return None
        link = child._links.get(key)
        return child if link is not None and not link.closed else None

    @classmethod
    def instances(cls) -> list[Widget]:
        """Every live widget of this class (and its subclasses); held weakly, so dropped ones vanish."""
        return [w for w in list(Widget._by_model_id.values()) if isinstance(w, cls)]

    def __repr__(self) -> str:
        return f"<{type(self).__name__} model_id={self.model_id[:8]}>"

    # ------------------------------------------------------------------ what marimo's mo.ui.anywidget reads

    @property
    def comm(self) -> Any:
        """The marimo comm of this widget's model, opened on first use, so ``mo.ui.anywidget(widget)`` works as
        marimo documents it. Only inside a marimo notebook: elsewhere there is no comm attribute at all."""
        if not _in_marimo():
            raise AttributeError(f"{type(self).__name__} has a comm only inside a marimo notebook")
        return _host_module("marimo").comm_of(self)

    @property
    def _model_id(self) -> str:
        return self.model_id  # marimo's name for it; each host's comm id is the model id

    # ------------------------------------------------------------------ state

    def get_state(self) -> dict[str, Any]:
        """The current value of every field (Python values, not wire data)."""
        with self._lock:
            return dict(self._values)

    def set_state(self, values: Mapping[str, Any]) -> None:
        """Set several fields at once: all validated first, then applied together in one update."""
        for link in list(self._links.values()):
            # marimo's element hands a browser update, already applied (or rejected) through the comm, to
            # set_state a second time: its transport claims it, so browser data never takes this trusted path
            claim = getattr(link.transport, "claim_redelivery", None)
            if claim is not None and claim(values):
                return
        checked: dict[str, Any] = {}
        for name, value in values.items():
            spec = self._fields.get(name)
            if spec is None:
                raise ValidationError(f"{type(self).__name__} has no field {name!r}")
            try:
                checked[name] = spec.codec.from_python(value)
            except ValidationError as exc:
                raise ValidationError(f"{name!r}: {exc}") from None
        self._set_values(checked)

    def send_state(self, *names: str) -> None:
        """Send fields to the front ends even if unchanged (after mutating a list in place, say)."""
        with self._lock:
            self._broadcast_update(names or tuple(self._fields))

    @contextlib.contextmanager
    def hold_sync(self) -> Iterator[None]:
        """Group this thread's sets: one update message with every field changed inside the block, sent when
        it ends. The widget's lock is taken per set, not for the block, so front-end messages and other
        threads are never held up by a long body; their changes go out as usual."""
        thread = threading.get_ident()
        with self._lock:
            outer = thread not in self._holds
            if outer:
                self._holds[thread] = set()
        try:
            yield
        finally:
            if outer:
                with self._lock:
                    held = self._holds.pop(thread)
                    if held:
                        self._broadcast_update(tuple(held))  # current values: later writes by others win

    def _set_values(self, values: Mapping[str, Any]) -> None:
        """Apply type-checked Python-side values (after the class's validators, which may refuse them all);
        notify observers after the lock is released."""
        with self._lock:
            if self._validators:
                values = self._validated(values)
            changes = self._assign(values)
            if changes:
                held = self._holds.get(threading.get_ident()) if self._holds else None
                if held is not None:
                    held.update(c.name for c in changes)
                elif self._links:  # shown nowhere: nothing to encode
                    # every value changed (a single set always does): ``values`` already maps each to its new value
                    changed = values if len(changes) == len(values) else {c.name: c.new for c in changes}
                    self._send_values(changed, "update")
        if self._observers:  # none registered (the common case): no dispatch per change
            for change in changes:
                self._notify(change, propagate=True)

    def _set_one(self, name: str, value: Any) -> None:
        """``_set_values({name: value})`` for one type-checked field (``w.value = 4``). With no validators, no
        observers and no ``hold_sync`` active (checked as ``_set_values`` checks them), it skips the ``Change``
        list those need; otherwise it takes the general path."""
        if self._validators or self._observers or self._holds:
            self._set_values({name: value})
            return
        with self._lock:
            old = self._values[name]
            if old is value:
                return
            if type(old) is type(value) and name not in self._schema.binary:
                try:  # _equal, inlined: a set costs about 2 us, a call 0.1 us
                    if old == value:
                        return
                except Exception:  # e.g. arrays whose == is elementwise: treat as changed
                    pass
            self._values[name] = value
            if self._links:
                if type(value) in FLAT_SCALARS and name in self._schema.as_is:  # Schema.is_flat of {name: value}
                    state = {name: value}
                    for link in list(self._links.values()):
                        link.deliver_flat("update", state)
                else:
                    self._send_values({name: value}, "update")

    def _validated(self, values: Mapping[str, Any]) -> dict[str, Any]:
        """``values`` as the class's ``@validate`` methods leave them; ValidationError if one refuses."""

        def recheck(name: str, value: Any) -> Any:
            try:
                return self._fields[name].codec.from_python(value)
            except ValidationError as exc:
                raise ValidationError(f"{name!r}: a validator returned a value of the wrong type: {exc}") from None

        return hooks.run_validators(self, self._validators, values, self._values, recheck)

    def _assign(self, values: Mapping[str, Any]) -> list[Change]:
        changes = []
        current = self._values
        binary = self._schema.binary
        for name, new in values.items():
            old = current[name]
            if old is new or (name not in binary and _equal(old, new)):
                continue
            current[name] = new
            changes.append(tuple.__new__(Change, (self, name, old, new)))  # Change(...) without its Python __new__
        return changes

    def _assign_quietly(self, values: Mapping[str, Any]) -> None:
        """``_assign`` when no observer needs the changes: the same comparisons, so an equal value keeps the
        object already held."""
        current = self._values
        binary = self._schema.binary
        for name, new in values.items():
            old = current[name]
            if old is not new:
                if type(old) is type(new) and name not in binary:
                    try:  # _equal, inlined (as in _set_one)
                        if old == new:
                            continue
                    except Exception:  # e.g. arrays whose == is elementwise: treat as changed
                        pass
                current[name] = new

    def frontend_event(self, link: Link, event: Event) -> None:
        """Act on a front-end message the link's connection accepted (a state change, a custom message, a state
        request, a close): the one entry a :class:`Link` uses, in the host's thread, after full validation."""
        if isinstance(event, StateChanged):
            self._apply_frontend(link, event.values)
        elif isinstance(event, MessageReceived):
            self._dispatch_custom(event.content, event.buffers)
        elif isinstance(event, StateRequested):
            with self._lock:  # the full state, as in open, to the asker: front ends rebuild models from it
                state, paths, buffers = self.full_state()
                link.deliver(Update(state=state, buffer_paths=paths), buffers)
        elif isinstance(event, Closed):
            self._drop_link(link)

    def _apply_frontend(self, link: Link, values: dict[str, Any]) -> None:
        """Apply a validated front-end update: all fields at once, echo what was accepted, then observers. A
        ``@validate`` method that refuses it refuses it whole: the sender gets an ``invalid_value`` error."""
        with self._lock:
            if self._validators:
                try:
                    values = self._validated(values)
                except ValidationError as exc:
                    error = Error(code=ErrorCode.INVALID_VALUE, message=f"rejected update: {exc}", rejected="update")
                    link.deliver(error)
                    logger().warning("anywidget_core: %s %s", repr(self), error.message)
                    return
            if self._observers:
                changes = self._assign(values)
            else:  # nobody to tell: assign without building the Change list
                changes = []
                self._assign_quietly(values)
            no_echo = self._schema.no_echo
            echoed = {n: v for n, v in values.items() if n not in no_echo} if no_echo else values
            if echoed and self._links:
                self._send_values(echoed, "echo_update")
        if self._observers:
            for change in changes:
                self._notify(change, propagate=False)

    def _encode_state(self, values: Mapping[str, Any]) -> tuple[dict[str, Any], list[Any], list[memoryview]]:
        return self._schema.encode(values)

    def full_state(self) -> tuple[dict[str, Any], list[Any], list[memoryview]]:
        """The model's whole wire state, protocol keys included, as an ``open`` carries it:
        ``(state, buffer_paths, buffers)``. For hosts that restore models (a reloaded page)."""
        with self._lock:
            return self._schema.encode({**self._protocol_state(), **self._values})

    def _broadcast_update(self, names: Iterable[str]) -> None:
        if not self._links:
            return
        self._send_values({name: self._values[name] for name in names}, "update")

    def _send_values(self, values: Mapping[str, Any], method: str) -> None:
        """Encode ``values`` once and send them to every link as an ``update`` or ``echo_update`` (lock held)."""
        if self._schema.is_flat(values):  # scalars only (a set of a number, its echo): nothing to encode
            for link in list(self._links.values()):
                link.deliver_flat(method, values)
            return
        if self._child_fields:
            self._open_children_of(values)
        state, paths, buffers = self._schema.encode(values)
        for link in list(self._links.values()):
            link.deliver_state(method, state, paths, buffers)

    def _deliver_all(self, message: Update | EchoUpdate | Custom, buffers: list[memoryview]) -> None:
        for link in list(self._links.values()):
            link.deliver(message, buffers)

    # ------------------------------------------------------------------ observers and messages

    def observe(self, handler: Observer, names: str | Iterable[str] | None = None) -> None:
        """Call ``handler(change)`` after the named fields (default: all) change."""
        for name in _names(names):
            if name is not None and name not in self._fields:
                raise ValueError(f"{type(self).__name__} has no field {name!r}")
            self._observers.setdefault(name, []).append(handler)

    def unobserve(self, handler: Observer, names: str | Iterable[str] | None = None) -> None:
        for name in _names(names):
            handlers = self._observers.get(name, [])
            if handler in handlers:
                handlers.remove(handler)

    def on_msg(self, handler: MessageHandler, remove: bool = False) -> None:
        """Call ``handler(widget, content, buffers)`` for each custom message from a front end."""
        if remove:
            if handler in self._msg_handlers:
                self._msg_handlers.remove(handler)
        else:
            self._msg_handlers.append(handler)

    def on_progress(self, handler: ProgressHandler, remove: bool = False) -> None:
        """Call ``handler(widget, progress)`` as a large message moves in pieces (SPEC §8.6) on a host that
        chunks (standalone, Panel): ``progress.direction`` is ``"send"`` (Python -> page) or ``"receive"``,
        ``progress.loaded`` of ``progress.total`` bytes so far, the last report of a transfer with
        ``loaded == total``. Messages small enough to go whole report nothing. The handler runs on the host's
        thread that moves the bytes, with no widget lock held: keep it short (update a progress field, log)."""
        handlers = self.__dict__.setdefault("_progress_handlers", [])
        if remove:
            if handler in handlers:
                handlers.remove(handler)
        else:
            handlers.append(handler)

    def report_progress(self, progress: Progress) -> None:
        """Hand one progress report to the ``on_progress`` handlers (called by hosts; never raises)."""
        for handler in list(self.__dict__.get("_progress_handlers", ())):
            self._call(handler, (self, progress), propagate=False)

    @property
    def has_progress_handlers(self) -> bool:
        """Whether anyone listens to progress (hosts skip building reports otherwise)."""
        return bool(self.__dict__.get("_progress_handlers"))

    def send(self, content: Any, buffers: Iterable[Any] | None = None) -> None:
        """Send a custom message to the front ends (``msg:custom``). While the widget is shown nowhere, the last
        ``MAX_PENDING_MESSAGES`` (1000) are kept for its first display; older ones are dropped, with a warning."""
        content = msgspec.to_builtins(content, enc_hook=_enc_hook)
        check_json(content)  # raises ValidationError: what JSON cannot carry must not be queued or sent
        views = [as_buffer(b) for b in buffers or ()]
        with self._lock:
            if self._links:
                self._deliver_all(Custom(content=content), views)
            else:
                if len(self._pending) == MAX_PENDING_MESSAGES and not self._pending_dropped:
                    self._pending_dropped = True
                    logger().warning(
                        "anywidget_core: %r is shown nowhere and keeps only its last %d custom messages for its "
                        "first display; older ones are being dropped",
                        self,
                        MAX_PENDING_MESSAGES,
                    )
                self._pending.append((content, views))

    def _notify(self, change: Change, propagate: bool) -> None:
        for handler in [*self._observers.get(change.name, ()), *self._observers.get(None, ())]:
            self._call(handler, (change,), propagate)

    def _dispatch_custom(self, content: Any, buffers: list[memoryview]) -> None:
        if self._commands and invoke.is_request(content):  # experimental.invoke: answered, not dispatched
            self._call(invoke.answer, (self, self._commands.get(content["name"]), content, buffers), propagate=False)
            return
        self._call(self._handle_custom_msg, (content, buffers), propagate=False)

    def _handle_custom_msg(self, content: Any, buffers: list[memoryview]) -> None:
        """Called with each custom message from a front end (not ``experimental.invoke`` requests, which go
        to ``@command`` methods); calls the ``on_msg`` handlers. Override it as in an ipywidgets subclass."""
        for handler in list(self._msg_handlers):
            self._call(handler, (self, content, buffers), propagate=False)

    def _call(self, handler: Callable[..., Any], args: tuple[Any, ...], propagate: bool) -> None:
        """Run a handler. A front end's message must never raise into the host, so errors are logged
        there; async handlers are scheduled on the running event loop."""
        try:
            result = handler(*args)
            if hasattr(result, "__await__"):
                self._schedule(result)
        except Exception:
            if propagate:
                raise
            logger().exception("anywidget_core: handler %r failed", handler)

    def _schedule(self, awaitable: Any) -> None:
        import asyncio  # only widgets with async handlers pay for importing it

        try:
            asyncio.get_running_loop()
        except RuntimeError:
            pass
        else:
            self._start_task(awaitable)  # on the host's loop, in its thread: a task, never awaited here
            return
        if _in_anyio_worker():
            # A host handling messages in an anyio worker thread (the standalone server): start the task on
            # the host's loop and return, so a handler awaiting something never stalls that host's socket.
            import anyio.from_thread

            anyio.from_thread.run_sync(self._start_task, awaitable)
            return
        asyncio.run(_await(awaitable))  # no loop anywhere: run it to completion here

    def _start_task(self, awaitable: Any) -> None:
        import asyncio

        task = asyncio.get_running_loop().create_task(_await(awaitable))
        self._tasks.add(task)
        task.add_done_callback(self._task_done)

    def _task_done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            logger().error("anywidget_core: async handler failed", exc_info=task.exception())

    # ------------------------------------------------------------------ links (used by host adapters)

    def connect(
        self,
        key: object,
        open_transport: Callable[[Frame], Transport],
        open_child: Callable[[Widget], None] | None = None,
        limits: Limits | None = None,
        keep_pending: bool = False,
    ) -> Link:
        """Show this widget on a transport; returns the existing link if ``key`` is already connected.

        ``open_transport`` receives the ``open`` frame (full state) and returns the transport; messages
        sent before the widget was shown follow it; with ``keep_pending`` they stay queued for the next front end
        too (a snapshot, such as a static export, must not take them from the first live one). ``open_child`` is
        asked to show child widgets first, since a front end resolves ``anywidget:<id>`` references to models it
        already has.
        """
        with self._lock:
            link = self._links.get(key)
            if link is not None and not link.closed:
                return link
            for child in self._children(self._values):
                if open_child is not None:
                    open_child(child)
            connection = Connection(self._schema, limits or self._limits)
            link = Link(self, key, connection, open_child, references=bool(self._child_fields))
            state, paths, buffers = self._schema.encode({**self._protocol_state(), **self._values})
            frame = link.connection.send(Open(state=state, buffer_paths=paths), buffers)
            link.transport = open_transport(frame)
            self._links[key] = link
            for content, views in list(self._pending):
                link.deliver(Custom(content=content), views)
            if not keep_pending:
                self._pending.clear()
                self._pending_dropped = False
            return link

    @property
    def links(self) -> Mapping[object, Link]:
        return self._links

    def _drop_link(self, link: Link) -> None:
        with self._lock:
            if self._links.get(link.key) is link:
                del self._links[link.key]

    def _protocol_state(self) -> dict[str, Any]:
        cls = type(self)
        state = {
            "_model_module": "anywidget",
            "_model_name": "AnyModel",
            "_model_module_version": ANYWIDGET_MODULE_VERSION,
            "_view_module": "anywidget",
            "_view_name": "AnyView",
            "_view_module_version": ANYWIDGET_MODULE_VERSION,
            "_view_count": None,
            "_anywidget_id": f"{cls.__module__}.{cls.__qualname__}",
        }
        for name, asset in self._assets.items():
            state[name] = asset.source
        return state

    def _children(self, values: Mapping[str, Any]) -> list[Widget]:
        found: list[Widget] = []
        for name in self._child_fields:
            if name in values:
                _collect_widgets(values[name], found)
        return found

    def _open_children_of(self, values: Mapping[str, Any]) -> None:
        if not self._child_fields:
            return
        children = self._children(values)
        for link in list(self._links.values()):
            if link.open_child is not None:
                for child in children:
                    link.open_child(child)

    def reload_asset(self, name: str) -> None:
        """Send the current ``_esm`` or ``_css`` source again (hot reload after the file changed)."""
        with self._lock:
            self._deliver_all(Update(state={name: self._assets[name].source}, buffer_paths=[]), [])

    # ------------------------------------------------------------------ display in each host (lazy imports)

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        """Jupyter (and anything reading IPython's display protocol): a widget-view mimebundle."""
        if _in_marimo():
            # marimo shows widgets through _display_; mo.ui.anywidget calls this only to let a widget sync
            # itself, and a Jupyter model opened here would be a second model on marimo's comms
            return {"text/plain": repr(self)}
        return _host_module("jupyter").mimebundle(self)

    def _display_(self) -> Any:
        """marimo calls this before any ``_repr_*``: a marimo UI element. It syncs both ways, but re-runs cells only
        once bound to a variable (``view = display(widget)``): marimo re-runs the readers of a variable."""
        return _host_module("marimo").display(self)

    def __panel__(self) -> Any:
        """Panel's hook for ``pn.panel(widget)`` and layouts."""
        return _host_module("panel").component(self)

    def to_html(self, path: str | os.PathLike[str] | None = None) -> str:
        """A self-contained HTML page showing this widget offline; written to ``path`` if given."""
        return str(_host_module("static").to_html(self, path))

    # ------------------------------------------------------------------ lifecycle

    def close(self) -> None:
        """Close the widget on every host it is shown on."""
        with self._lock:
            links = list(self._links.values())
            self._links.clear()
            self._closed = True
        for link in links:
            link.close()

    @property
    def closed(self) -> bool:
        return self._closed


def _in_marimo() -> bool:
    """Whether this runs in a marimo notebook's kernel (marimo is never imported to find out)."""
    marimo = sys.modules.get("marimo")
    return marimo is not None and bool(marimo.running_in_notebook())


def _host_module(name: str) -> Any:
    import importlib

    return importlib.import_module(f"anywidget_core.hosts.{name}")


def _annotation(spec: Field) -> Any:
    return getattr(spec.codec, "annotation", None)


def _names(names: str | Iterable[str] | None) -> list[str | None]:
    if names is None:
        return [None]
    return [names] if isinstance(names, str) else list(names)


def _equal(old: Any, new: Any) -> bool:
    if type(old) is not type(new):
        return False
    try:
        return bool(old == new)
    except Exception:  # e.g. arrays whose == is elementwise: treat as changed
        return False


def _collect_widgets(value: Any, found: list[Widget]) -> None:
    if isinstance(value, Widget):
        found.append(value)
    elif isinstance(value, (list, tuple)):
        for item in value:
            _collect_widgets(item, found)
    elif isinstance(value, dict):
        for item in value.values():
            _collect_widgets(item, found)


def _in_anyio_worker() -> bool:
    """Whether this thread is an anyio worker thread (``anyio.to_thread``) of a running event loop."""
    anyio_threads = sys.modules.get("anyio._core._eventloop")
    if anyio_threads is None:  # anyio never imported: no anyio host in this process
        return False
    return getattr(getattr(anyio_threads, "threadlocals", None), "current_token", None) is not None


async def _await(awaitable: Any) -> Any:
    return await awaitable
