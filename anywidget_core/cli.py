"""The ``anywidget-core`` command line (also ``python -m anywidget_core``).

Each command lives in its own module with ``add_arguments(parser)`` and ``run(args) -> int``; this file only
names them, so the import of a command's dependencies (a web server, a host library) waits until it runs.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

# command name -> (module, one-line help)
COMMANDS: dict[str, tuple[str, str]] = {
    "schemas": ("anywidget_core.schemas_cmd", "write or check the JSON Schemas in schemas/"),
    "conformance": ("anywidget_core.conformance.cli", "run the conformance vectors against host adapters"),
    "serve": ("anywidget_core.commands.serve", "show a file's widgets on a local web page"),
    "export": (
        "anywidget_core.commands.export",
        "write a file's widgets, or a notebook, to one self-contained HTML file",
    ),
    "new": ("anywidget_core.commands.new", "create a new widget package, ready to test and publish"),
    "types": ("anywidget_core.commands.types", "write a widget's synced state as TypeScript types (.d.ts)"),
    "port": ("anywidget_core.commands.port", "print the awc.Widget version of an anywidget.AnyWidget class"),
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="anywidget-core", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, (module, help_text) in COMMANDS.items():
        command = sub.add_parser(name, help=help_text, description=help_text)
        command.set_defaults(_module=module)
        importlib.import_module(module).add_arguments(command)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    code: int = importlib.import_module(args._module).run(args)
    return code


if __name__ == "__main__":
    sys.exit(main())
