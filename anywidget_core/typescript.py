"""A widget class's synced state as a TypeScript declaration file, for ``AnyModel<State>`` of ``@anywidget/types``.

Types are written as the front end sees them on the wire, not as Python holds them: the codecs' ``to_json`` output
after buffer extraction. So a child widget is the ``"anywidget:<model_id>"`` string it travels as (``"IPY_MODEL_..."``
in a field declared ``references="ipywidgets"``), binary leaves are the ``DataView`` the runtime hands
``model.get``, tuples are arrays and enums their values. msgspec's own type
inspection (``msgspec.inspect``) describes every type msgspec validates; pydantic models are walked field by field.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Sequence
from typing import Any

import msgspec.inspect as mi

from .fields import WIDGET_REF_PREFIX, BinaryCodec, Codec, MsgspecCodec, PydanticCodec, Referenced
from .widget import Widget

TYPES_PACKAGE = "@anywidget/types"
IMPORTED = ("AnyModel", "AnyWidget", "Initialize", "Render")
ALIASES = ("State", "Model", "Widget", "Render", "Initialize")  # <Widget><alias> is declared for every widget
# Global names the declarations use: a nested class by one of these names is renamed, not allowed to shadow it.
USED_GLOBALS = ("DataView", "Record")
UNKNOWN = "unknown"
# msgspec encodes these as ISO / decimal strings (to_builtins keeps only binary types as they are)
_AS_STRING = (mi.DateTimeType, mi.DateType, mi.TimeType, mi.TimeDeltaType, mi.UUIDType, mi.DecimalType, mi.StrType)
_BINARY = (mi.BytesType, mi.ByteArrayType, mi.MemoryViewType)


def synced_fields(cls: type[Widget]) -> dict[str, Codec]:
    """The fields a front end sees, with their codecs: private (underscore) fields are excluded."""
    return {name: spec.codec for name, spec in cls._fields.items() if not name.startswith("_")}


def _field_member(writer: _Writer, name: str, codec: Codec) -> str:
    """A state member from a field's codec, which holds the annotation as the class statement resolved it."""
    writer.ref_prefix = codec.ref_prefix  # the form its child widgets travel in
    if isinstance(codec, BinaryCodec):  # any buffer-protocol object, sent as one buffer
        return writer.member(name, mi.UnionType((mi.BytesType(), mi.NoneType())) if codec.optional else mi.BytesType())
    if isinstance(codec, MsgspecCodec | PydanticCodec):
        return writer.member(name, codec.annotation)
    return writer.member(name, Any)


class _Writer:
    """Turns annotations into TypeScript, collecting the named interfaces nested types need."""

    def __init__(self) -> None:
        self.declarations: list[str] = []
        self._names: dict[type, str] = {}
        self._taken: set[str] = {*IMPORTED, *USED_GLOBALS}
        self.ref_prefix = WIDGET_REF_PREFIX

    def name_for(self, cls: type, suffixes: Iterable[str] = ("",)) -> str:
        """A unique TypeScript name for a Python class (a number is added when two classes share a name); the
        name with each of ``suffixes`` is reserved."""
        if cls in self._names:
            return self._names[cls]
        base = cls.__name__ if cls.__name__.isidentifier() and cls.__name__.isascii() else "Anonymous"
        name, n = base, 1
        while any(name + suffix in self._taken for suffix in suffixes):
            n += 1
            name = f"{base}{n}"
        self._taken.update(name + suffix for suffix in suffixes)
        self._names[cls] = name
        return name

    def member(self, key: str, hint: Any, required: bool = True) -> str:
        """One ``key: type;`` line of an object type, after the doc comment a ``msgspec.Meta(description=...)``
        gives it. ``hint`` is an annotation or the msgspec type info of one."""
        try:
            info = hint if isinstance(hint, mi.Type) else mi.type_info(hint)
        except (TypeError, ValueError):  # a type msgspec cannot describe (pydantic-only types, say)
            info = mi.AnyType()
        extra = info.extra_json_schema if isinstance(info, mi.Metadata) else None
        description = (extra or {}).get("description")
        doc = "  " + _doc(str(description)) if description else ""
        return f"{doc}  {_key(key)}{'' if required else '?'}: {self.info(info)};"

    def info(self, t: mi.Type) -> str:
        if isinstance(t, mi.Metadata):
            return self.info(t.type)
        if isinstance(t, (mi.IntType, mi.FloatType)):
            return "number"
        if isinstance(t, _AS_STRING):
            return "string"
        if isinstance(t, mi.BoolType):
            return "boolean"
        if isinstance(t, mi.NoneType):
            return "null"
        if isinstance(t, _BINARY):
            return "DataView"
        if isinstance(t, mi.LiteralType):
            return _union([_literal(v) for v in t.values])
        if isinstance(t, mi.EnumType):
            return _union([_literal(member.value) for member in t.cls])
        if isinstance(t, mi.UnionType):
            return _union([self.info(arg) for arg in t.types])
        if isinstance(t, (mi.ListType, mi.SetType, mi.FrozenSetType, mi.VarTupleType)):
            return _array(self.info(t.item_type))
        if isinstance(t, (mi.TupleType, mi.NamedTupleType)):
            items = t.item_types if isinstance(t, mi.TupleType) else tuple(f.type for f in t.fields)
            return "[" + ", ".join(self.info(item) for item in items) + "]"
        if isinstance(t, mi.DictType):
            return f"Record<string, {self.info(t.value_type)}>"  # JSON object keys are strings, whatever Python's
        if isinstance(t, mi.StructType):
            return self._struct(t)
        if isinstance(t, (mi.DataclassType, mi.TypedDictType)):
            return self._object(t.cls, [(f.encode_name, f.type, f.required) for f in t.fields])
        if isinstance(t, mi.CustomType):
            return self._custom(t.cls)
        return UNKNOWN  # Any, object, Raw, Ext: no narrower promise can be made

    def _struct(self, t: mi.StructType) -> str:
        if t.array_like:  # encoded as an array of its fields, in order
            first = [_literal(t.tag)] if t.tag_field is not None else []
            return "[" + ", ".join([*first, *(self.info(f.type) for f in t.fields)]) + "]"
        omitted = bool(getattr(getattr(t.cls, "__struct_config__", None), "omit_defaults", False))
        members = [(f.encode_name, f.type, f.required or not omitted) for f in t.fields]
        tag = (t.tag_field, _literal(t.tag)) if t.tag_field is not None else None
        return self._object(t.cls, members, tag)

    def _custom(self, cls: type) -> str:
        if issubclass(cls, Referenced):
            return f"`{self.ref_prefix}${{string}}`"
        pydantic = sys.modules.get("pydantic")  # never imported here: a model class means it is loaded
        if pydantic is not None and issubclass(cls, pydantic.BaseModel):
            model: Any = cls
            members = [(name, _pydantic_hint(info), True) for name, info in model.model_fields.items()]
            return self._object(cls, members)
        if issubclass(cls, (bytes, bytearray, memoryview)):
            return "DataView"
        return UNKNOWN

    def _object(self, cls: type, members: list[tuple[str, Any, bool]], tag: tuple[str, str] | None = None) -> str:
        """A named interface for a nested record (Struct, dataclass, TypedDict, pydantic model)."""
        if cls in self._names:
            return self._names[cls]
        name = self.name_for(cls)  # registered before its members: recursive types refer to it by name
        lines = [f"  {_key(tag[0])}: {tag[1]};"] if tag else []
        lines += [self.member(key, hint, required) for key, hint, required in members]
        doc = _doc(f"`{cls.__module__}.{cls.__qualname__}` as it travels to the front end.")
        self.declarations.append(f"{doc}export interface {name} {{\n" + "\n".join(lines) + "\n}")
        return name


def _pydantic_hint(info: Any) -> Any:
    hint = info.annotation
    return hint if hint is not None else Any


def _literal(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float, str)):
        return json.dumps(value)
    return UNKNOWN


def _union(parts: list[str]) -> str:
    unique = list(dict.fromkeys(parts))
    if UNKNOWN in unique:
        return UNKNOWN
    return " | ".join(unique)


def _array(item: str) -> str:
    return f"({item})[]" if " | " in item else f"{item}[]"


def _key(name: str) -> str:
    return name if name.isidentifier() and name.isascii() else json.dumps(name)


def _doc(text: str) -> str:
    return "/** " + text.replace("*/", "*\\/") + " */\n"


def declarations(classes: Sequence[type[Widget]], source: str = "") -> str:
    """The ``.d.ts`` text for ``classes``: a ``<Name>State`` type per widget, the nested interfaces it uses, and
    ``<Name>Model`` / ``<Name>Widget`` / ``<Name>Render`` / ``<Name>Initialize`` aliases over ``@anywidget/types``."""
    writer = _Writer()
    bases = [writer.name_for(cls, ALIASES) for cls in classes]  # before nested types, which take other names
    blocks: list[str] = []
    for cls, base in zip(classes, bases, strict=True):
        members = [_field_member(writer, name, codec) for name, codec in synced_fields(cls).items()]
        where = f"`{cls.__module__}.{cls.__qualname__}`"
        body = "{\n" + "\n".join(members) + "\n}" if members else "{}"
        blocks.append(
            f"{_doc(f'The synced state of {where}: what `model.get` returns and `model.set` takes.')}"
            f"export type {base}State = {body};\n"
            f"export type {base}Model = AnyModel<{base}State>;\n"
            f"export type {base}Widget = AnyWidget<{base}State>;\n"
            f"export type {base}Render = Render<{base}State>;\n"
            f"export type {base}Initialize = Initialize<{base}State>;"
        )
    command = f"anywidget-core types {source}".rstrip()
    header = (
        "/**\n"
        " * TypeScript types of anywidget-core widgets' synced state, for `AnyModel<State>` of @anywidget/types.\n"
        f" * Generated by `{command}`: do not edit; generate again after changing the Python fields.\n"
        " * Child widgets travel as `anywidget:<model id>` strings and binary values as DataView.\n"
        " */\n"
        f'import type {{ {", ".join(IMPORTED)} }} from "{TYPES_PACKAGE}";\n'
    )
    return "\n\n".join([header.rstrip("\n"), *writer.declarations, *blocks]) + "\n"


__all__ = ["declarations", "synced_fields"]
