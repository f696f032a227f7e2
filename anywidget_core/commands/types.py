"""``anywidget-core types MODULE[:CLASS] -o widget.d.ts``: the widgets' synced state as TypeScript types.

The target is a ``.py`` file or a module, as for ``serve``; ``:CLASS`` names one widget class (or an instance,
whose class is used). Without it, every Widget subclass the module itself defines is written, in order.
"""

from __future__ import annotations

import argparse
import sys
import traceback
from pathlib import Path
from types import ModuleType

from anywidget_core import Widget

from .target import TargetError, _import, _split


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("target", metavar="MODULE[:CLASS]", help="a .py file or module; CLASS names one widget class")
    parser.add_argument("-o", "--output", default=None, help="the .d.ts file to write (default: standard output)")
    parser.add_argument(
        "--check", action="store_true", help="write nothing; exit 1 if OUTPUT differs from what would be written (CI)"
    )


def widget_classes(target: str) -> list[type[Widget]]:
    """The widget classes ``target`` names."""
    source, _, attribute = _split(target)
    module = _import(source)
    if attribute:
        found = getattr(module, attribute, None)
        if isinstance(found, Widget):
            return [type(found)]
        if isinstance(found, type) and issubclass(found, Widget):
            return [found]
        raise TargetError(f"{source}:{attribute} is not a widget class" if found is not None else
                          f"{source} has no attribute {attribute!r}")  # fmt: skip
    classes = _defined_in(module)
    if not classes:
        raise TargetError(f"{source} defines no widget classes; name one with MODULE:CLASS")
    return classes


def _defined_in(module: ModuleType) -> list[type[Widget]]:
    return [
        value
        for value in vars(module).values()
        if isinstance(value, type) and issubclass(value, Widget) and value.__module__ == module.__name__
    ]


def run(args: argparse.Namespace) -> int:
    from anywidget_core.typescript import declarations  # msgspec.inspect: only for this command

    try:
        classes = widget_classes(args.target)
    except TargetError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except Exception:
        traceback.print_exc()
        print(f"error: {args.target} raised while loading (traceback above)", file=sys.stderr)
        return 1
    text = declarations(classes, source=args.target)
    if args.check:
        return _check(Path(args.output), text) if args.output else _usage("--check needs -o OUTPUT")
    if args.output is None:
        sys.stdout.write(text)
        return 0
    try:
        Path(args.output).write_text(text, encoding="utf-8")
    except OSError as exc:
        print(f"error: cannot write {args.output}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    names = ", ".join(cls.__name__ for cls in classes)
    print(f"wrote {args.output} ({names})", file=sys.stderr)
    return 0


def _check(output: Path, text: str) -> int:
    try:
        current = output.read_text(encoding="utf-8")
    except OSError as exc:
        current = f"unreadable: {exc.strerror or exc}"
    if current == text:
        print(f"{output} is up to date", file=sys.stderr)
        return 0
    print(f"{output} is out of date with the Python fields: run the command without --check", file=sys.stderr)
    return 1


def _usage(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return 2
