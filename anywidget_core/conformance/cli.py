"""``anywidget-core conformance``: the vectors against every installed host adapter, or against a kernel side in
any language (``--exec CMD``, SPEC §9.1), as a table."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..host import available_hosts
from .runner import Outcome, format_table, load_vectors
from .runner import run as run_vectors


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", action="append", help="only this host (repeatable); default: all installed")
    parser.add_argument("--vectors", type=Path, help="a folder of vector files (default: the packaged ones)")
    parser.add_argument("-k", dest="pattern", help="only vectors whose name contains this")
    parser.add_argument(
        "--exec",
        dest="command",
        metavar="CMD",
        help="run the vectors against this command instead: a kernel side speaking JSON lines (SPEC §9.1)",
    )
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds to wait for each --exec reply")


def run(args: argparse.Namespace) -> int:
    if args.command:
        if args.host:
            print("--exec runs one implementation; it does not combine with --host")
            return 2
        return _run_exec(args)
    hosts = available_hosts()
    wanted = args.host or sorted(hosts)
    unknown = [name for name in wanted if name not in hosts]
    if unknown:
        print(f"unknown host(s): {', '.join(unknown)}; installed: {', '.join(sorted(hosts))}")
        return 2
    vectors = [v for v in load_vectors(args.vectors) if not args.pattern or args.pattern in v["name"]]
    outcomes: list[Outcome] = []
    for name in wanted:
        reason = hosts[name].missing()
        if reason:
            print(f"{name}: not run ({reason})")
            continue
        outcomes.extend(run_vectors([hosts[name]()], vectors))
    print(format_table(outcomes))
    return 1 if any(o.status == "fail" for o in outcomes) else 0


def _run_exec(args: argparse.Namespace) -> int:
    from .exec_driver import ExecTarget

    vectors = [v for v in load_vectors(args.vectors) if not args.pattern or args.pattern in v["name"]]
    outcomes = ExecTarget(args.command, args.timeout).run(vectors)
    print(format_table(outcomes))
    return 1 if any(o.status == "fail" for o in outcomes) else 0
