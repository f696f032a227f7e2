"""What ``serve`` and ``export`` show: the widgets a Python file or module exposes.

A target is ``path/to/file.py`` or ``package.module``, optionally followed by ``:attribute``. Without an
attribute, every module-level Widget instance (names not starting with ``_``) is shown, in definition order.
An attribute may be a Widget, a list or tuple of them, or a dict of name -> Widget.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import traceback
from pathlib import Path
from types import ModuleType
from typing import Any

from anywidget_core import Widget


class TargetError(Exception):
    """The target could not be loaded or exposes no widgets; the message is for the user."""


def load_widgets(target: str) -> dict[str, Widget]:
    source, _, attribute = _split(target)
    module = _import(source)
    if attribute:
        if not hasattr(module, attribute):
            raise TargetError(f"{source} has no attribute {attribute!r}")
        return _as_widgets(getattr(module, attribute), attribute, source)
    found = {name: value for name, value in vars(module).items() if isinstance(value, Widget) and name[0] != "_"}
    if not found:
        raise TargetError(
            f"{source} defines no module-level widget instances; create one (counter = Counter()) "
            "or name one with FILE:ATTRIBUTE"
        )
    return found


def load_for_command(target: str) -> dict[str, Widget] | int:
    """The target's widgets, or the exit code after telling the user why they could not be loaded:
    2 for a target that names nothing usable, 1 when the user's own code raised."""
    print(f"loading {target} ...", file=sys.stderr)
    try:
        return load_widgets(target)
    except TargetError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except Exception:
        traceback.print_exc()
        print(f"error: {target} raised while loading (traceback above)", file=sys.stderr)
        return 1


def _split(target: str) -> tuple[str, str, str]:
    # "C:\\x.py" style drive letters: only a colon after the last path separator names an attribute.
    head, sep, attribute = target.rpartition(":")
    if sep and attribute and "/" not in attribute and "\\" not in attribute:
        return head, sep, attribute
    return target, "", ""


def _import(source: str) -> ModuleType:
    path = Path(source)
    if source.endswith(".py") or path.is_file():
        if not path.is_file():
            raise TargetError(f"no such file: {source}")
        return _import_file(path.resolve())
    try:
        return importlib.import_module(source)
    except ImportError as exc:
        raise TargetError(f"cannot import {source!r}: {exc}") from exc


def _import_file(path: Path) -> ModuleType:
    # Registered under its stem (so widget ids read "counter.Counter" and relative _esm paths resolve), unless
    # that name is taken by another module.
    name = path.stem if path.stem.isidentifier() and path.stem not in sys.modules else f"_awc_target_{abs(hash(path))}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise TargetError(f"cannot load {path} as Python")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    sys.path.insert(0, str(path.parent))  # its sibling modules import as they would with `python file.py`
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[name]
        raise
    return module


def _as_widgets(value: Any, attribute: str, source: str) -> dict[str, Widget]:
    if isinstance(value, Widget):
        return {attribute: value}
    if isinstance(value, dict) and all(isinstance(v, Widget) for v in value.values()) and value:
        return {str(k): v for k, v in value.items()}
    if isinstance(value, (list, tuple)) and value and all(isinstance(v, Widget) for v in value):
        return {f"{attribute}[{i}]": v for i, v in enumerate(value)}
    raise TargetError(f"{source}:{attribute} is a {type(value).__name__}, not a widget or a collection of widgets")
