"""Typed widget fields: one codec per declared type, checked on every set from Python or a front end.

A codec turns values three ways:

- ``from_python``: a value assigned in Python, validated (strict: no ``"3"`` for an ``int``);
- ``from_json``: a value decoded from a front-end message (buffers already put back), validated;
- ``to_json``: a Python value as JSON-ready data whose binary leaves stay bytes-like, for buffer extraction.

msgspec checks scalars, ``Optional``, ``Literal``, enums, containers and msgspec Structs, with their
``msgspec.Meta`` constraints; pydantic models and pydantic constraints (anywhere in the type) go through pydantic
in strict mode; top-level binary fields are kept as the caller's object and sent without a copy; child widgets
travel as ``"anywidget:<model_id>"`` (see :class:`Referenced`), or, in a field declared with
``field(references="ipywidgets")``, as ipywidgets' ``"IPY_MODEL_<model_id>"``; both forms are accepted from a front
end. Either way a value must also be able to travel as
JSON (``values.py``: no lone surrogates, NaN, infinities or integers beyond ±(2**53-1)), checked before it is
accepted.
"""

from __future__ import annotations

import enum
import json
import sys
import types
import typing
from collections.abc import Callable, Mapping
from typing import Any, ClassVar, Literal, Protocol, Union

import msgspec

from .buffers import BINARY_TYPES, as_buffer, bytes_leaves, count_binary
from .errors import ValidationError
from .values import check_json, flat_ok, scalar_ok, scalar_problem

WIDGET_REF_PREFIX = "anywidget:"
# ipywidgets' form (its `widget_serialization`): what widgets written for ipywidgets' containers look for, and
# what anywidget 0.11's widget manager (ipywidgets' in Jupyter) resolves once the prefix is stripped.
IPYWIDGETS_REF_PREFIX = "IPY_MODEL_"
REFERENCE_FORMS = {"anywidget": WIDGET_REF_PREFIX, "ipywidgets": IPYWIDGETS_REF_PREFIX}

_SCALARS = (int, float, str, bool, type(None))
_MISSING: Any = object()


class Referenced:
    """Base of the values that travel by reference, as ``"anywidget:<model_id>"``: child widgets.

    The widget module subclasses it (so this module never imports that one) and decides, in
    :meth:`_from_reference`, which model ids the front end whose message is being decoded may name.
    """

    __slots__ = ()
    model_id: str

    @classmethod
    def _from_reference(cls, model_id: str) -> Referenced | None:
        """The object ``model_id`` names, if the current front end may reach it; None otherwise."""
        return None


class Codec:
    """Validation and conversion for one declared type."""

    binary: bool = True  # may hold binary leaves somewhere (so outgoing state must be scanned)
    scalars_as_is: bool = False  # to_json returns a value of exact type int, float, str, bool or None unchanged
    enc_hook: Callable[[Any], Any]  # how objects msgspec does not know travel: child widgets, buffers
    ref_prefix: str  # what a child widget's model id travels after

    def __init__(self) -> None:
        self.enc_hook = _enc_hook
        self.ref_prefix = WIDGET_REF_PREFIX

    def send_references_as(self, form: str) -> None:
        """Child widgets in this field travel in ``form`` (a key of REFERENCE_FORMS)."""
        self.ref_prefix = REFERENCE_FORMS[form]
        self.enc_hook = _enc_hook if form == "anywidget" else _ipywidgets_enc_hook

    def from_python(self, value: Any) -> Any:
        raise NotImplementedError

    def from_json(self, value: Any) -> Any:
        raise NotImplementedError

    def to_json(self, value: Any) -> Any:
        raise NotImplementedError


class BinaryCodec(Codec):
    """A top-level ``bytes`` field: any C-contiguous buffer-protocol object, kept and sent without a copy."""

    def __init__(self, optional: bool) -> None:
        super().__init__()
        self.optional = optional

    def from_python(self, value: Any) -> Any:
        if value is None and self.optional:
            return None
        try:
            as_buffer(value)
        except (TypeError, ValueError) as exc:
            raise ValidationError(f"Expected a bytes-like object, got `{type(value).__name__}`: {exc}") from None
        return value

    def from_json(self, value: Any) -> Any:
        if value is None and self.optional:
            return None
        if isinstance(value, BINARY_TYPES):
            return value if type(value) is bytes else bytes(value)
        raise ValidationError(f"Expected binary data (a message buffer), got `{_json_type(value)}`")

    def to_json(self, value: Any) -> Any:
        return None if value is None else as_buffer(value)


class MsgspecCodec(Codec):
    """Any type msgspec understands (``msgspec.Meta`` constraints included), plus child widgets and
    buffer-protocol objects through hooks."""

    scalars_as_is = True  # see to_json: Schema.encode skips the call for them

    def __init__(self, annotation: Any) -> None:
        super().__init__()
        self.annotation = annotation
        self.binary = _may_hold_binary(annotation)
        # Scalars skip msgspec when the value already has the exact type (the hot path of `w.value = 4`).
        self.exact = annotation if annotation in (int, float, str, bool) else None
        self.plain = not self.binary and not _mentions_widget(annotation)
        # msgspec returns Struct and dataclass instances as they are, unchecked: their wire form is validated.
        self.recheck = _mentions_instances(annotation)
        # Values of builtin types only are their own wire form: no to_builtins copy to check them.
        self.builtin = _builtin_only(annotation)
        # list[float] and the like: every item's type is known after conversion, so checked in C alone.
        self.items = _flat_items(annotation)

    def from_python(self, value: Any) -> Any:
        if type(value) is self.exact and scalar_ok(value):
            return value
        try:
            checked = msgspec.convert(value, self.annotation, strict=True, dec_hook=_python_hook)
            if type(checked) in _SCALARS:
                _check_scalar(checked)
                return checked
            if self.items is not None and flat_ok(checked, self.items):
                return checked
            wire = checked if self.builtin else self.to_json(checked)
            check_json(wire)
            if self.recheck:
                msgspec.convert(wire, self.annotation, strict=True, dec_hook=_wire_hook)
        except (msgspec.ValidationError, TypeError) as exc:  # TypeError: an object with no wire form (to_json)
            raise ValidationError(str(exc)) from None
        return checked

    def from_json(self, value: Any) -> Any:
        if type(value) is self.exact and scalar_ok(value):
            return value
        try:
            checked = msgspec.convert(value, self.annotation, strict=True, dec_hook=_json_hook)
        except msgspec.ValidationError as exc:
            raise ValidationError(str(exc)) from None
        if type(checked) in _SCALARS:
            _check_scalar(checked)
            return checked
        if self.items is not None and flat_ok(checked, self.items):
            return checked
        binary = check_json(checked if self.builtin else self.to_json(checked))
        if binary and binary != count_binary(value):  # msgspec decodes base64 text into bytes
            raise ValidationError(_BASE64)
        return checked

    def to_json(self, value: Any) -> Any:
        if type(value) in _SCALARS:
            return value
        return msgspec.to_builtins(value, builtin_types=BINARY_TYPES, enc_hook=self.enc_hook)


class PydanticCodec(Codec):
    """Types that contain a pydantic model or pydantic constraints: validated by pydantic in strict mode (no
    ``"3"`` for an ``int``). Front-end values are validated as the JSON they arrived as (so lists become
    tuples and strings enums, as pydantic's JSON mode allows), unless they hold binary buffers: those are
    validated as Python values, where bytes are bytes and only buffers fit them."""

    def __init__(self, annotation: Any) -> None:
        from pydantic import TypeAdapter

        super().__init__()
        self.annotation = annotation  # as the class statement resolved it (what `types` describes)
        self.adapter: Any = TypeAdapter(annotation)

    def from_python(self, value: Any) -> Any:
        checked = self._validate(self.adapter.validate_python, value)
        check_json(self.to_json(checked))
        return checked

    def from_json(self, value: Any) -> Any:
        buffers = count_binary(value)
        if buffers:
            checked = self._validate(self.adapter.validate_python, bytes_leaves(value))
        else:
            try:
                text = json.dumps(value, allow_nan=False, ensure_ascii=False).encode("utf-8")
            except ValueError as exc:  # NaN, an infinity, or a lone surrogate (UnicodeEncodeError)
                check_json(value)  # raises, naming the value and where it is
                raise ValidationError(str(exc)) from None
            checked = self._validate(self.adapter.validate_json, text)
        if check_json(self.to_json(checked)) != buffers:  # pydantic reads strings into bytes in JSON mode
            raise ValidationError(_BASE64)
        return checked

    def _validate(self, validate: Callable[..., Any], value: Any) -> Any:
        from pydantic import ValidationError as PydanticError

        try:
            return validate(value, strict=True)
        except PydanticError as exc:
            raise ValidationError(str(exc)) from None

    def to_json(self, value: Any) -> Any:
        dumped = self.adapter.dump_python(value, mode="python")
        return msgspec.to_builtins(dumped, builtin_types=BINARY_TYPES, enc_hook=self.enc_hook)


_BASE64 = "binary values must arrive as message buffers, not as text (base64 or otherwise)"


def _check_scalar(value: Any) -> None:
    if not scalar_ok(value):
        raise ValidationError(scalar_problem(value))


def codec_for(annotation: Any) -> Codec:
    """The codec for a field annotation. ``Annotated`` constraints are honoured: ``msgspec.Meta`` by msgspec,
    pydantic's and ``annotated_types``' by pydantic; any other extra is refused rather than silently dropped."""
    extras = [extra for t in _walk(annotation) for extra in getattr(t, "__metadata__", ())]
    foreign = [extra for extra in extras if not isinstance(extra, msgspec.Meta)]
    unknown = [extra for extra in foreign if not type(extra).__module__.startswith(_PYDANTIC_MODULES)]
    if unknown:
        raise TypeError(f"unsupported constraint {unknown[0]!r} in {annotation!r}: use msgspec.Meta or pydantic's")
    base = typing.get_args(annotation)[0] if typing.get_origin(annotation) is typing.Annotated else annotation
    binary = _binary_annotation(base)
    if binary is not None:
        if extras:
            raise TypeError(f"a top-level binary field takes no constraints: {annotation!r}")
        return BinaryCodec(optional=binary)
    if foreign or _mentions_pydantic(annotation):
        if len(foreign) != len(extras):  # pydantic ignores msgspec.Meta
            raise TypeError(
                f"constrain pydantic-validated types with pydantic's constraints, not msgspec.Meta: {annotation!r}"
            )
        return PydanticCodec(annotation)
    try:
        msgspec.inspect.type_info(annotation)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"unsupported field type {annotation!r}: {exc}") from None
    return MsgspecCodec(annotation)


_PYDANTIC_MODULES = ("pydantic", "annotated_types")


class FieldOptions:
    """Per-field settings given with :func:`field`. (A plain class: dataclasses would cost milliseconds of
    ``import anywidget_core``.)"""

    __slots__ = ("default", "default_factory", "echo", "references")

    def __init__(
        self,
        default: Any = _MISSING,
        default_factory: Callable[[], Any] | None = None,
        echo: bool = True,
        references: str = "anywidget",
    ) -> None:
        self.default = default
        self.default_factory = default_factory
        self.echo = echo  # echo front-end writes back to every front end (off for large uploads)
        self.references = references  # the form child widgets travel in (REFERENCE_FORMS)

    def __repr__(self) -> str:
        return (
            f"FieldOptions(default={self.default!r}, default_factory={self.default_factory!r}, echo={self.echo}, "
            f"references={self.references!r})"
        )


def field(
    *,
    default: Any = _MISSING,
    default_factory: Callable[[], Any] | None = None,
    echo: bool = True,
    references: Literal["anywidget", "ipywidgets"] = "anywidget",
) -> Any:
    """Declare a field with options: ``blob: bytes = field(default=b"", echo=False)``.

    ``references="ipywidgets"`` sends the child widgets the field holds as ipywidgets' ``"IPY_MODEL_<id>"``, as an
    ipywidgets ``widget_serialization`` trait does (for front-end code written against it, such as containers
    that strip that prefix), instead of anywidget's ``"anywidget:<id>"``."""
    if default is not _MISSING and default_factory is not None:
        raise TypeError("give either default or default_factory, not both")
    if references not in REFERENCE_FORMS:
        raise TypeError(f"references must be one of {', '.join(map(repr, REFERENCE_FORMS))}, not {references!r}")
    return FieldOptions(default=default, default_factory=default_factory, echo=echo, references=references)


class FieldOwner(Protocol):
    """What a field's descriptor needs from the object it sits on (a widget; this module never imports it)."""

    _values: dict[str, Any]

    def _set_values(self, values: Mapping[str, Any]) -> None: ...

    def _set_one(self, name: str, value: Any) -> None: ...


class Field:
    """The descriptor behind a declared field: reads the instance state, validates every write."""

    __slots__ = ("codec", "default", "echo", "factory", "name", "private", "references")

    def __init__(self, name: str, codec: Codec, options: FieldOptions, annotation: Any = None) -> None:
        self.name = name
        self.codec = codec
        self.private = name.startswith("_")
        self.echo = options.echo
        self.factory = options.default_factory
        self.references = options.references
        if self.references != "anywidget":
            if annotation is not None and not _mentions_widget(annotation):
                raise TypeError(f"field {name!r}: references= is for fields that hold widgets")
            codec.send_references_as(self.references)
        if options.default is _MISSING and self.factory is None:
            raise TypeError(f"field {name!r} needs a default value")
        self.default = None if self.factory else self._checked_default(options.default)

    def _checked_default(self, value: Any) -> Any:
        try:
            return self.codec.from_python(value)
        except ValidationError as exc:
            raise TypeError(f"default of field {self.name!r} does not fit its type: {exc}") from None

    def initial(self) -> Any:
        """A per-instance default: mutable defaults are copied so instances never share them."""
        if self.factory is not None:
            return self._checked_default(self.factory())
        value = self.default
        if type(value) in _SCALARS or type(value) in (bytes, tuple, frozenset) or isinstance(value, enum.Enum):
            return value
        import copy  # only mutable defaults need it

        return copy.deepcopy(value)

    def __get__(self, obj: FieldOwner | None, owner: type | None = None) -> Any:
        if obj is None:
            return self
        return obj._values[self.name]

    def __set__(self, obj: FieldOwner, value: Any) -> None:
        try:
            checked = self.codec.from_python(value)
        except ValidationError as exc:
            raise ValidationError(f"{type(obj).__name__}.{self.name}: {exc}") from None
        obj._set_one(self.name, checked)


# Names a field may not take: the Widget API and the protocol's own state keys.
RESERVED_NAMES = frozenset({"_esm", "_css", "_anywidget_id", "_view_count", "_dom_classes"})
RESERVED_PREFIXES = ("_model_", "_view_")


def collect_fields(cls: type, base: type, localns: dict[str, Any] | None = None) -> dict[str, Field]:
    """The fields declared by ``cls`` and its Widget ancestors, in declaration order. ``localns`` is the
    namespace the class statement ran in, so annotations may name classes local to a function."""
    fields: dict[str, Field] = {}
    for klass in reversed(cls.__mro__):
        if not (isinstance(klass, type) and issubclass(klass, base)) or klass is base:
            continue
        hints = _own_hints(klass, localns if klass is cls else None)
        for name, annotation in hints.items():
            if typing.get_origin(annotation) is ClassVar or annotation is ClassVar:
                continue
            if name in RESERVED_NAMES or name.startswith(RESERVED_PREFIXES):
                raise TypeError(f"{cls.__name__}.{name}: this name belongs to the widget protocol")
            if name in vars(base) or name in vars(base).get("__annotations__", {}):
                raise TypeError(f"{cls.__name__}.{name}: a field cannot shadow Widget.{name}")
            raw = klass.__dict__.get(name, _MISSING)
            if isinstance(raw, Field):  # inherited descriptor re-annotated: keep its options
                raw = FieldOptions(raw.default, raw.factory, raw.echo, raw.references)
            options = raw if isinstance(raw, FieldOptions) else FieldOptions(default=raw)
            fields[name] = Field(name, codec_for(annotation), options, annotation)
    return fields


def _own_hints(klass: type, localns: dict[str, Any] | None) -> dict[str, Any]:
    own = _own_annotations(klass)
    if not own:
        return {}
    try:
        return {k: v for k, v in typing.get_type_hints(klass, localns=localns, include_extras=True).items() if k in own}
    except NameError as exc:
        raise TypeError(f"cannot resolve the field annotations of {klass.__name__}: {exc}") from None


def _own_annotations(klass: type) -> dict[str, Any]:
    """The annotations written in ``klass``'s own body (not inherited), as ``inspect.get_annotations`` gives
    them; without importing inspect, which costs milliseconds of import time."""
    if sys.version_info >= (3, 14):  # annotations are evaluated lazily (PEP 649): ask annotationlib
        import annotationlib

        return dict(annotationlib.get_annotations(klass))
    own = klass.__dict__.get("__annotations__")  # noqa: RUF063 (pre-3.14: what inspect.get_annotations reads)
    return dict(own) if isinstance(own, dict) else {}


# ----------------------------------------------------------------------------- type inspection


def _binary_annotation(annotation: Any) -> bool | None:
    """None if not a top-level binary type; otherwise whether None is allowed too."""
    if annotation in BINARY_TYPES:
        return False
    if _is_union(annotation):
        args = typing.get_args(annotation)
        rest = [a for a in args if a is not type(None)]
        if len(rest) == 1 and len(args) == 2 and rest[0] in BINARY_TYPES:
            return True
    return None


def _is_union(annotation: Any) -> bool:
    return typing.get_origin(annotation) in (Union, types.UnionType)


def _walk(annotation: Any, seen: set[int] | None = None) -> typing.Iterator[Any]:
    """Every type mentioned inside ``annotation`` (containers, unions, Struct and dataclass fields)."""
    seen = set() if seen is None else seen
    if id(annotation) in seen:
        return
    seen.add(id(annotation))
    yield annotation
    if typing.get_origin(annotation) is Literal:
        return
    for arg in typing.get_args(annotation):
        yield from _walk(arg, seen)
    if isinstance(annotation, type) and issubclass(annotation, msgspec.Struct):
        for f in msgspec.structs.fields(annotation):
            yield from _walk(f.type, seen)
    elif isinstance(annotation, type) and hasattr(annotation, "__dataclass_fields__"):  # is_dataclass
        for name, hint in typing.get_type_hints(annotation).items():
            del name
            yield from _walk(hint, seen)


def _may_hold_binary(annotation: Any) -> bool:
    for t in _walk(annotation):
        if t in BINARY_TYPES or t is Any or t is object:
            return True
        if isinstance(t, typing.TypeVar):
            return True
    return False


def _mentions_instances(annotation: Any) -> bool:
    """Whether the type holds Structs or dataclasses, which msgspec.convert passes through unchecked."""
    return any(
        isinstance(t, type) and (issubclass(t, msgspec.Struct) or hasattr(t, "__dataclass_fields__"))
        for t in _walk(annotation)
    )


def _builtin_only(annotation: Any) -> bool:
    """Whether every value of the type is made of JSON's own types (so it is its own wire form)."""
    for t in _walk(annotation):
        if t in _JSON_TYPES or t is Ellipsis or isinstance(t, msgspec.Meta) or typing.get_origin(t) in _JSON_FORMS:
            continue
        return False
    return True


def _flat_items(annotation: Any) -> type | None:
    """``float`` for ``list[float]`` or ``tuple[float, ...]`` (likewise int and str); None for anything else."""
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is tuple and len(args) == 2 and args[1] is Ellipsis:
        origin, args = list, args[:1]
    if origin is list and len(args) == 1 and args[0] in (float, int, str):
        return args[0]  # type: ignore[no-any-return]
    return None


_JSON_TYPES = (int, float, str, bool, type(None))
_JSON_FORMS = (list, dict, tuple, Literal, Union, types.UnionType, typing.Annotated)


def _mentions_widget(annotation: Any) -> bool:
    """Whether values of ``annotation`` may hold child widgets (any :class:`Referenced`)."""
    return any(isinstance(t, type) and issubclass(t, Referenced) for t in _walk(annotation))


def _mentions_pydantic(annotation: Any) -> bool:
    pydantic = sys.modules.get("pydantic")  # never import pydantic for users who do not use it
    if pydantic is None:
        return False
    return any(isinstance(t, type) and issubclass(t, pydantic.BaseModel) for t in _walk(annotation))


def _json_type(value: Any) -> str:
    return {dict: "object", list: "array", str: "str", bool: "bool", int: "int", float: "float"}.get(
        type(value), "null" if value is None else type(value).__name__
    )


# ----------------------------------------------------------------------------- msgspec hooks


def _python_hook(target: type, value: Any) -> Any:
    if isinstance(value, target):
        return value
    raise ValidationError(f"Expected `{target.__name__}`, got `{type(value).__name__}`")


def _json_hook(target: type, value: Any) -> Any:
    if isinstance(target, type) and issubclass(target, Referenced):
        if isinstance(value, str):  # either form, whichever the field sends (SPEC §3.2)
            prefix = WIDGET_REF_PREFIX if value.startswith(WIDGET_REF_PREFIX) else IPYWIDGETS_REF_PREFIX
            child = target._from_reference(value[len(prefix) :]) if value.startswith(prefix) else None
            if isinstance(child, target):
                return child
        shown = repr(value) if len(repr(value)) <= 80 else repr(value)[:77] + "..."
        raise ValidationError(
            f"Expected a reference to a `{target.__name__}` widget shown to this front end, got {shown}"
        )
    raise ValidationError(f"Expected `{target.__name__}`")


def _wire_hook(target: type, value: Any) -> Any:
    """For re-checking a Python value's wire form: a child widget is a reference by then (the instance was
    checked already) and a custom binary type a buffer."""
    if isinstance(value, (*BINARY_TYPES, target)):
        return value
    if isinstance(target, type) and issubclass(target, Referenced) and isinstance(value, str):
        return value
    raise ValidationError(f"Expected `{target.__name__}`")


def _enc_hook(value: Any) -> Any:
    if isinstance(value, Referenced):
        return WIDGET_REF_PREFIX + value.model_id
    try:
        return as_buffer(value)
    except (TypeError, ValueError):
        raise TypeError(f"cannot send a `{type(value).__name__}` to a front end") from None


def _ipywidgets_enc_hook(value: Any) -> Any:
    if isinstance(value, Referenced):
        return IPYWIDGETS_REF_PREFIX + value.model_id
    return _enc_hook(value)
