"""``anywidget-core new NAME``: scaffold a widget package ready to test and publish.

The Python counterpart of ``npm create anywidget``: a pyproject depending on anywidget-core, a package with the
widget class, its ES module and CSS, a pytest suite using the plugin's fixtures (``awc_frontend`` in memory,
``awc_page`` in Chromium), and a README.
"""

from __future__ import annotations

import argparse
import keyword
import re
import sys
from importlib import resources
from importlib.abc import Traversable
from pathlib import Path

NAME = re.compile(r"^[A-Za-z][A-Za-z0-9]*(?:[-_][A-Za-z0-9]+)*$")
TEMPLATE = "widget"
SUFFIX = ".tmpl"
RENAMED = {"gitignore": ".gitignore"}  # dotfiles are not reliably packaged, so they ship under another name


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("name", help="distribution name, e.g. my-widget (package my_widget, class MyWidget)")
    parser.add_argument(
        "-d", "--directory", default=".", help="where to create the NAME folder (default: the current one)"
    )


def names(name: str) -> dict[str, str]:
    """The placeholders for a distribution name: __NAME__, __PKG__, __CLASS__, __CSS__."""
    parts = re.split(r"[-_]", name)
    return {
        "__NAME__": name.lower(),
        "__PKG__": "_".join(parts).lower(),
        "__CLASS__": "".join(p[:1].upper() + p[1:] for p in parts),
        "__CSS__": "-".join(parts).lower(),
    }


def render(text: str, values: dict[str, str]) -> str:
    for placeholder, value in values.items():
        text = text.replace(placeholder, value)
    return text


def run(args: argparse.Namespace) -> int:
    if not NAME.match(args.name):
        print(
            f"error: {args.name!r} is not a usable name: letters and digits, starting with a letter, "
            "words joined by - or _ (e.g. my-widget)",
            file=sys.stderr,
        )
        return 2
    values = names(args.name)
    package = values["__PKG__"]
    if keyword.iskeyword(package) or package in {"anywidget_core", "anywidget", "test", "tests"}:
        print(f"error: the package would be called {package!r}, which clashes; pick another name", file=sys.stderr)
        return 2
    root = Path(args.directory) / values["__NAME__"]
    if root.exists() and any(root.iterdir()):
        print(f"error: {root} already exists and is not empty", file=sys.stderr)
        return 1
    template = resources.files("anywidget_core") / "templates" / TEMPLATE
    written = []
    try:
        for source, relative in _walk(template, ""):
            target = root / render(relative, values)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(render(source.read_text(encoding="utf-8"), values), encoding="utf-8")
            written.append(target)
    except OSError as exc:
        print(f"error: cannot write into {root}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    print(f"created {root} ({values['__CLASS__']} in package {package}):")
    for path in sorted(written):
        print(f"  {path.relative_to(root)}")
    print(f'\nnext:\n  cd {root}\n  pip install -e ".[test]"\n  pytest\n  anywidget-core serve src/{package}/demo.py')
    return 0


def _walk(node: Traversable, prefix: str) -> list[tuple[Traversable, str]]:
    """Template files (ending in .tmpl) with their paths relative to the template root, without the suffix."""
    found: list[tuple[Traversable, str]] = []
    for child in node.iterdir():
        relative = f"{prefix}{child.name}"
        if child.is_dir():
            if child.name != "__pycache__":
                found.extend(_walk(child, relative + "/"))
        elif child.name.endswith(SUFFIX):
            stem = relative[: -len(SUFFIX)]
            head, _, leaf = stem.rpartition("/")
            leaf = RENAMED.get(leaf, leaf)
            found.append((child, f"{head}/{leaf}" if head else leaf))
    return found
