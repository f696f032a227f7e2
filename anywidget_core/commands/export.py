"""``anywidget-core export FILE[:ATTR] -o page.html``: one self-contained HTML file, viewable offline.

A ``.ipynb`` target is a notebook: it is executed (unless ``--no-execute``, which uses the widget state saved in
it) and written as one page of its cells' outputs with its widgets live (:mod:`anywidget_core.hosts.notebook_page`).
"""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path

from .target import load_for_command


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "target", metavar="FILE[:ATTR]", help="a .py file or module (ATTR names the widget(s)), or a .ipynb notebook"
    )
    parser.add_argument("-o", "--output", default=None, help="HTML file to write (default: FILE's name with .html)")
    parser.add_argument("--title", default=None, help="page title (default: the target)")
    notebook = parser.add_argument_group("notebooks (.ipynb)")
    notebook.add_argument(
        "--no-execute", action="store_true", help="do not run the notebook: use its outputs and saved widget state"
    )
    notebook.add_argument("--timeout", type=int, default=600, help="seconds a cell may run (default: 600)")
    notebook.add_argument("--kernel", default=None, help="kernel name (default: the notebook's)")
    notebook.add_argument("--no-input", action="store_true", help="leave code cells' source out of the page")


def run(args: argparse.Namespace) -> int:
    if args.target.endswith(".ipynb"):
        from .notebook import export_notebook

        return export_notebook(args)
    from anywidget_core.hosts.static import to_html

    widgets = load_for_command(args.target)
    if isinstance(widgets, int):
        return widgets
    output = Path(args.output) if args.output else Path(Path(args.target.split(":")[0]).stem + ".html")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            page = to_html(widgets, output, title=args.title or args.target)
        except OSError as exc:
            print(f"error: cannot write {output}: {exc.strerror or exc}", file=sys.stderr)
            return 1
    for warning in caught:
        print(f"warning: {warning.message}", file=sys.stderr)
    size = len(page.encode("utf-8"))
    print(f"wrote {output} ({len(widgets)} widget(s): {', '.join(widgets)}; {size / 1024:.1f} KiB)", file=sys.stderr)
    return 0
