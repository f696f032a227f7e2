"""``anywidget-core export NOTEBOOK.ipynb``: execute a notebook (or not) and write it as one offline page."""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path

MISSING = "exporting a notebook needs nbclient, nbformat and mistune: pip install 'anywidget-core[notebook]'"


def export_notebook(args: argparse.Namespace) -> int:
    source = Path(args.target)
    output = Path(args.output) if args.output else source.with_suffix(".html")
    try:
        import nbformat

        from anywidget_core.hosts.notebook_page import notebook_html
        from anywidget_core.hosts.notebook_run import execute
    except ImportError as exc:
        print(f"error: {MISSING} ({exc})", file=sys.stderr)
        return 2
    try:
        nb = nbformat.read(source, as_version=4)  # type: ignore[no-untyped-call]
    except (OSError, ValueError) as exc:
        print(f"error: cannot read {source}: {exc}", file=sys.stderr)
        return 1
    if not args.no_execute:
        from jupyter_client.kernelspec import NoSuchKernel
        from nbclient.exceptions import CellExecutionError

        try:
            execute(nb, cwd=source.resolve().parent, timeout=args.timeout, kernel_name=args.kernel)
        except CellExecutionError as exc:
            print(f"error: {source} failed while executing:\n{exc}", file=sys.stderr)
            return 1
        except NoSuchKernel as exc:
            print(f"error: no kernel named {exc.name!r} (jupyter kernelspec list shows them)", file=sys.stderr)
            return 2
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        page = notebook_html(nb, title=args.title or source.stem, include_input=not args.no_input)
    for warning in caught:
        print(f"warning: {warning.message}", file=sys.stderr)
    try:
        output.write_text(page, encoding="utf-8")
    except OSError as exc:
        print(f"error: cannot write {output}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    print(f"wrote {output} ({len(nb.cells)} cell(s); {len(page.encode('utf-8')) / 1024:.1f} KiB)", file=sys.stderr)
    return 0
