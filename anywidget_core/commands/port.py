"""``anywidget-core port package.module:WidgetClass``: print an ``awc.Widget`` draft of an ``anywidget.AnyWidget``.

The draft has a typed field per synced trait (same name, same default), the ``_esm``/``_css`` references, and
``# TODO`` comments for what has no direct translation: ``@validate``/``@observe``/``@default`` methods, message
handlers, non-synced traits, trait types with no field equivalent, ``__init__`` and the other methods. It is a
starting point for a person, printed on stdout; nothing is written.
"""

from __future__ import annotations

import argparse
import ast
import inspect
import math
import os
import re
import sys
import textwrap
from pathlib import Path
from typing import Any

INLINE_LIMIT = 400  # characters of inline _esm/_css printed as a literal; longer source is referenced
URL = re.compile(r"^https?://")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "target", metavar="MODULE:CLASS", help="an anywidget.AnyWidget subclass, e.g. my_widget.widget:Counter"
    )


def run(args: argparse.Namespace) -> int:
    try:
        cls = load_class(args.target)
    except PortError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    sys.stdout.write(port(cls))
    return 0


class PortError(Exception):
    """The target names no AnyWidget subclass; the message is for the user."""


def load_class(target: str) -> type:
    from .target import TargetError, _import, _split

    source, _, attribute = _split(target)
    if not attribute:
        raise PortError(f"name the class: {target}:ClassName (e.g. my_widget.widget:Counter)")
    try:
        import anywidget
    except ImportError:
        raise PortError("porting reads the original class: pip install anywidget") from None
    try:
        module = _import(source)
    except TargetError as exc:
        raise PortError(str(exc)) from None
    except Exception as exc:  # the module's own code raised (SyntaxError, a missing dependency...)
        raise PortError(f"cannot import {source!r}: {type(exc).__name__}: {exc}") from None
    value = module
    for part in attribute.split("."):
        if not hasattr(value, part):
            raise PortError(f"{source} has no attribute {attribute!r}")
        value = getattr(value, part)
    if not (isinstance(value, type) and issubclass(value, anywidget.AnyWidget)):
        kind = f"class {value.__name__}" if isinstance(value, type) else f"a {type(value).__name__}"
        raise PortError(f"{source}:{attribute} is {kind}, not an anywidget.AnyWidget subclass")
    if value is anywidget.AnyWidget:
        raise PortError("anywidget.AnyWidget itself has nothing to port; name a subclass")
    return value


class _Port:
    """What a class translates to, collected line by line."""

    def __init__(self, cls: type) -> None:
        self.cls = cls
        self.typing: set[str] = set()  # names imported from typing
        self.modules: set[str] = set()  # other imports, as full lines
        self.body: list[str] = []
        self.todos: list[str] = []

    def comment(self, text: str) -> None:
        self.body.extend(_wrap(text))


def _wrap(text: str) -> list[str]:
    """``text`` as comment lines that fit the class body in 120 columns."""
    return textwrap.wrap(text, 112, initial_indent="# ", subsequent_indent="#   ")


def port(cls: type) -> str:
    """The source of an ``awc.Widget`` subclass equivalent to the AnyWidget subclass ``cls``."""
    import anywidget

    out = _Port(cls)
    own = [k for k in cls.__mro__ if isinstance(k, type) and issubclass(k, anywidget.AnyWidget)]
    own = [k for k in own if k is not anywidget.AnyWidget]
    for key in ("_esm", "_css"):
        _asset(out, key)
    base_traits = set(anywidget.AnyWidget.class_traits())
    traits = cls.class_traits()  # type: ignore[attr-defined]
    names: list[str] = []
    for klass in reversed(own):  # declaration order, bases first
        names.extend(n for n, v in vars(klass).items() if _is_trait(v) and n not in names and n not in base_traits)
    unsynced = []
    for name in names:
        trait = traits[name]
        if name in ("_esm", "_css"):
            continue
        if not trait.metadata.get("sync"):
            unsynced.append(name)
            continue
        _field(out, name, trait)
    if unsynced:
        out.todos.append(
            f"not synced (so not fields): {', '.join(unsynced)}; keep them as plain attributes set in __init__, "
            "or make them fields (a name starting with _ is never written by a front end)"
        )
    _methods(out, own)
    return _render(out)


def _is_trait(value: Any) -> bool:
    import traitlets

    return isinstance(value, traitlets.TraitType)


def _asset(out: _Port, key: str) -> None:
    import anywidget

    value = getattr(out.cls, key, None)
    if value is None or value is getattr(anywidget.AnyWidget, key, None):
        return
    path = getattr(value, "_path", None)  # anywidget turns file paths into FileContents (absolute path)
    if path is None and isinstance(value, Path):
        path = value
    if path is not None:
        out.modules.add("from pathlib import Path")
        module_file = getattr(sys.modules.get(out.cls.__module__), "__file__", None)
        if module_file is None:
            out.comment("TODO: the original's file, absolute: its class has no module file to be relative to")
            out.body.append(f"{key} = Path({_code(str(path))})")
            return
        relative = os.path.relpath(Path(path).absolute(), Path(module_file).resolve().parent)
        out.comment(
            f"the original's file, relative to {Path(module_file).name}: awc resolves a relative path next to the "
            "module defining the class, so save this port beside it (or adjust the path)"
        )
        out.body.append(f"{key} = Path({_code(Path(relative).as_posix())})")
        return
    text = str(value)  # inline source (a VirtualFileContents reads as its text too)
    if URL.match(text) or len(text) <= INLINE_LIMIT:
        out.body.append(f"{key} = {_code(text)}")
        return
    alias = "_Original"
    out.modules.add(f"from {out.cls.__module__} import {out.cls.__qualname__.split('.')[0]} as {alias}")
    attribute = ".".join([alias, *out.cls.__qualname__.split(".")[1:], key])
    lines = text.count("\n") + 1
    out.comment(
        f"the original's inline {key[1:].upper()} ({len(text)} characters, {lines} lines), referenced rather than "
        "copied so it stays in one place;"
    )
    out.comment("TODO: to drop the import of the original, move it to a file next to this module: Path(...)")
    out.body.append(f"{key} = str({attribute})")


def _field(out: _Port, name: str, trait: Any) -> None:
    from anywidget_core import Widget
    from anywidget_core.fields import RESERVED_NAMES, RESERVED_PREFIXES

    original = f"{type(trait).__name__}(...)"
    if name in RESERVED_NAMES or name.startswith(RESERVED_PREFIXES) or name in vars(Widget):
        out.comment(f"TODO: {name}: {original} is a name awc.Widget keeps for itself; rename the field")
        return
    todos: list[str] = []
    annotation = _annotation(out, trait, todos)
    if annotation is None:
        out.comment(f"TODO: {name}: {original} has no field equivalent ({'; '.join(todos)})")
        return
    default = _default(trait, todos)
    if default is None and "None" not in annotation.split(" | ") and annotation != "Any":
        annotation += " | None"  # a trait whose default is None accepts it even without allow_none
    if _has_dynamic_default(out.cls, name):
        todos.append(f"its default comes from a @default({_code(name)}) method: use awc.field(default_factory=...)")
    literal = _literal(default)
    if literal is None:
        out.comment(f"TODO: {name}: {original}'s default {default!r} is not a Python literal; set it by hand")
        return
    if _widget_serialized(trait):  # its widgets travel as "IPY_MODEL_<id>", which the original's JS may rely on
        todos.append(
            f'once typed with the ported widget class, declare = awc.field(default={literal}, references="ipywidgets"):'
            " the original sends its widgets as IPY_MODEL_ references"
        )
    comment = f"  # TODO: {'; '.join(todos)}" if todos else ""
    out.body.append(f"{name}: {annotation} = {literal}{comment}")


def _widget_serialized(trait: Any) -> bool:
    """Whether the trait is tagged with ipywidgets' ``widget_serialization`` (child widgets as IPY_MODEL_ refs)."""
    to_json = (getattr(trait, "metadata", None) or {}).get("to_json")
    return getattr(to_json, "__name__", "") == "_widget_to_json"


def _annotation(out: _Port, trait: Any, todos: list[str]) -> str | None:
    """The field type for a trait, or None when it has no equivalent (the reason appended to ``todos``)."""
    base = _base_annotation(out, trait, todos)
    if base is None:
        return None
    if getattr(trait, "allow_none", False) and base != "Any" and not base.endswith("| None"):
        return f"{base} | None"
    return base


def _base_annotation(out: _Port, trait: Any, todos: list[str]) -> str | None:
    import traitlets

    if trait is None or type(trait) in (traitlets.Any, traitlets.TraitType):
        out.typing.add("Any")
        return "Any"
    if isinstance(trait, (traitlets.Enum, traitlets.UseEnum)):
        if isinstance(trait, traitlets.UseEnum):
            todos.append(f"UseEnum({trait.enum_class.__name__}) has no field equivalent; use the enum class itself")
            return None
        values = list(trait.values or ())
        if not values or any(_literal(v) is None for v in values):
            todos.append("Enum values that are not literals")
            return None
        out.typing.add("Literal")
        if isinstance(trait, traitlets.CaselessStrEnum):
            todos.append("CaselessStrEnum: Literal matches case exactly")
        return f"Literal[{', '.join(_code(v) for v in values)}]"
    if isinstance(trait, traitlets.Bool):
        return "bool"
    if isinstance(trait, (traitlets.Int, traitlets.CInt)):
        return _bounded(out, "int", trait)
    if isinstance(trait, (traitlets.Float, traitlets.CFloat)):
        return _bounded(out, "float", trait)
    if isinstance(trait, (traitlets.Unicode, traitlets.ObjectName, traitlets.DottedObjectName)):
        return "str"
    if isinstance(trait, (traitlets.Bytes, traitlets.CBytes)):
        return "bytes"
    if isinstance(trait, traitlets.Set):
        todos.append("Set: JSON has no sets; a list[...] field is the usual port")
        return None
    if isinstance(trait, traitlets.List):
        inner = _item(out, getattr(trait, "_trait", None), todos)
        return None if inner is None else f"list[{inner}]"
    if isinstance(trait, traitlets.Tuple):
        items = getattr(trait, "_traits", None) or ()
        if not items:
            out.typing.add("Any")
            return "tuple[Any, ...]"
        inner_types = [_item(out, t, todos) for t in items]
        if any(t is None for t in inner_types):
            return None
        return f"tuple[{', '.join(t for t in inner_types if t)}]"
    if isinstance(trait, traitlets.Dict):
        out.typing.add("Any")
        value = getattr(trait, "_value_trait", None)
        inner = _item(out, value, todos) if value is not None else "Any"
        return None if inner is None else f"dict[str, {inner}]"
    if isinstance(trait, traitlets.Union):
        members = [_item(out, t, todos) for t in trait.trait_types]
        if any(m is None for m in members):
            return None
        return " | ".join(dict.fromkeys(m for m in members if m))
    if isinstance(trait, traitlets.Instance):
        out.typing.add("Any")
        klass = trait.klass if isinstance(trait.klass, type) else None
        name = klass.__name__ if klass else str(trait.klass)
        if klass is not None and _is_widget(klass):
            todos.append(f"a child widget ({name}): port {name} to awc.Widget too and annotate the field with it")
        else:
            todos.append(f"Instance({name}): use a typed equivalent (a msgspec Struct, a pydantic model)")
        return "Any"
    todos.append(f"{type(trait).__name__} is not a supported trait type")
    return None


def _item(out: _Port, trait: Any, todos: list[str]) -> str | None:
    return _annotation(out, trait, todos)


def _bounded(out: _Port, name: str, trait: Any) -> str:
    bounds = [(k, getattr(trait, a, None)) for k, a in (("ge", "min"), ("le", "max"))]
    given = [f"{k}={v!r}" for k, v in bounds if isinstance(v, (int, float)) and math.isfinite(v)]
    if not given:
        return name
    out.typing.add("Annotated")
    out.modules.add("import msgspec")
    return f"Annotated[{name}, msgspec.Meta({', '.join(given)})]"


def _is_widget(klass: type) -> bool:
    return any(k.__name__ in ("Widget", "AnyWidget", "DOMWidget") for k in klass.__mro__)


def _default(trait: Any, todos: list[str]) -> Any:
    try:
        return trait.default()
    except Exception as exc:
        todos.append(f"its default could not be read ({type(exc).__name__}: {exc})")
        return None


def _literal(value: Any) -> str | None:
    """``value`` as Python source, if it reads back as an equal value; None otherwise."""
    text = _code(value)
    try:
        same = ast.literal_eval(text) == value
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return None
    return text if same else None


def _code(value: Any) -> str:
    """``repr``, with strings in double quotes (as ruff format writes them) and containers recursed into."""
    kind = type(value)
    if kind in (str, bytes):
        text = repr(value)
        prefix = "b" if kind is bytes else ""
        body = text[len(prefix) + 1 : -1]
        if text[len(prefix)] == "'" and '"' not in body:
            return f'{prefix}"{body}"'
        return text
    if kind is list:
        return f"[{', '.join(_code(v) for v in value)}]"
    if kind is tuple:
        items = ", ".join(_code(v) for v in value)
        return f"({items},)" if len(value) == 1 else f"({items})"
    if kind is dict:
        return "{" + ", ".join(f"{_code(k)}: {_code(v)}" for k, v in value.items()) + "}"
    return repr(value)


def _has_dynamic_default(cls: type, name: str) -> bool:
    import traitlets

    return any(
        isinstance(v, traitlets.DefaultHandler) and v.trait_name == name for k in cls.__mro__ for v in vars(k).values()
    )


def _methods(out: _Port, own: list[type]) -> None:
    import traitlets

    seen: set[str] = set()
    plain: list[str] = []
    messages = False
    for klass in own:
        for name, value in vars(klass).items():
            if name in seen:
                continue
            seen.add(name)
            if isinstance(value, traitlets.ValidateHandler):
                fields = ", ".join(_code(n) for n in value.trait_names)
                out.todos.append(
                    f"@validate({fields}) {name}(self, proposal): port as @awc.validate({fields}) on "
                    "(self, value) -> the value to keep: it receives the value, not a proposal "
                    "(proposal['value'] becomes value), and raises ValueError (not TraitError) to refuse; "
                    "checks across fields: @awc.validate() (self, state)"
                )
            elif isinstance(value, traitlets.ObserveHandler):
                fields = ", ".join(_code(n) for n in value.trait_names if n is not traitlets.All)
                out.todos.append(
                    f"@observe({fields or 'All'}) {name}(self, change): port as @awc.observe({fields}) with the "
                    "same body (change['new'], change.new, change['old'] work)"
                )
            elif isinstance(value, traitlets.DefaultHandler):
                out.todos.append(f"@default({_code(value.trait_name)}) {name}: see the field's TODO")
            elif name == "_handle_custom_msg":
                out.todos.append(
                    "_handle_custom_msg(self, content, buffers): awc.Widget has the same override point "
                    "with the same meaning; copy the method (call super() to keep on_msg handlers running)"
                )
            elif name == "__init__":
                out.todos.append(
                    "__init__: awc.Widget(**values) takes field values only; port what the original's __init__ "
                    "does (on_msg/observe registrations, computed fields) after super().__init__(**values)"
                )
            elif (inspect.isfunction(value) or isinstance(value, (classmethod, staticmethod, property))) and not (
                name.startswith("__") and name.endswith("__")
            ):
                plain.append(name)
        try:
            source = inspect.getsource(klass)
        except (OSError, TypeError):
            source = ""
        if ".on_msg(" in source and not messages:
            messages = True
            out.todos.append(
                "on_msg: awc.Widget.on_msg(handler) calls handler(widget, content, buffers) like ipywidgets; "
                "buffers arrive as memoryviews"
            )
    if plain:
        out.todos.append(f"copy the other methods and check them against awc.Widget's API: {', '.join(plain)}")


def _render(out: _Port) -> str:
    cls = out.cls
    lines = [
        f'"""{cls.__name__}, ported from {cls.__module__}.{cls.__qualname__} by `anywidget-core port`: '
        'a draft, see the TODOs."""',
        "",
    ]
    stdlib = sorted(m for m in out.modules if m.startswith("from pathlib"))
    typing_names = sorted(out.typing)
    if stdlib or typing_names:
        lines.extend(stdlib)
        if typing_names:
            lines.append(f"from typing import {', '.join(typing_names)}")
        lines.append("")
    third = sorted(m for m in out.modules if m == "import msgspec")
    lines.extend(["import anywidget_core as awc", *third])
    originals = sorted(m for m in out.modules if m not in stdlib and m not in third)
    if originals:
        lines.extend(["", *originals])
    lines.extend(["", "", f"class {cls.__name__}(awc.Widget):"])
    body = [*out.body]
    if out.todos:
        body.append("")
        for todo in out.todos:
            body.extend(_wrap(f"TODO: {todo}"))
    if not any(line and not line.startswith("#") for line in body):
        body.insert(0, "pass")
    lines.extend(f"    {line}" if line else "" for line in body)
    return "\n".join(lines) + "\n"
