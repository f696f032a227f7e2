"""``python -m benchmarks [--quick] [-w 1 2 ...] [--profile N] [--breakdown] [--cpu]``: print one comparison table."""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import time
from types import ModuleType

from .harness import Counts, Row, notes, table

# workload number -> module (one module per workload)
WORKLOADS: dict[str, str] = {
    "1": "set_int",
    "2": "frontend_update",
    "3": "big_binary",
    "4": "create",
    "5": "import_time",
    "6": "floats",
    "7": "kernel",
    "8": "browser",
    "9": "static_size",
    "10": "many",
    "11": "large_data",  # with benchmarks/lab_large.py's JupyterLab rows
}


def _module(key: str) -> ModuleType:
    return importlib.import_module(f"benchmarks.{WORKLOADS[key]}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small counts (for the test); numbers are rough")
    parser.add_argument(
        "-w", "--workload", nargs="+", choices=sorted(WORKLOADS), help="run only these workloads (default: all)"
    )
    parser.add_argument("--profile", metavar="N", choices=sorted(WORKLOADS), help="cProfile anywidget-core in N")
    parser.add_argument(
        "--breakdown", action="store_true", help="time each stage of workloads 1 and 2 (no profiler overhead)"
    )
    parser.add_argument(
        "--cpu", action="store_true", help="workloads 1 and 2 in thread CPU time, best of 60 batches, wire excluded"
    )
    args = parser.parse_args(argv)
    counts = Counts(quick=args.quick)
    if args.cpu:
        from .cpu import cpu_costs

        print(cpu_costs(counts))
        return 0
    if args.breakdown:
        from .breakdown import breakdown

        print(breakdown(counts))
        return 0
    if args.profile:
        from .profile import profile

        print(profile(args.profile, counts))
        return 0

    from . import core_comm

    rows: list[Row] = []
    load_before = os.getloadavg()[0]  # other processes on a shared machine slow absolute times, not ratios
    for key in args.workload or sorted(WORKLOADS):
        start = time.perf_counter()
        result = _module(key).run(counts)
        rows.extend(result)
        print(f"[workload {key} done in {time.perf_counter() - start:.1f} s]", file=sys.stderr, flush=True)
    adapter = "the Jupyter adapter" if core_comm.real_adapter() else "the benchmark's own comm transport"
    print(table(rows))
    print()
    print(f"anywidget-core shown through {adapter} ({core_comm.why()}); ratio = how many times faster it is")
    print(notes(rows))
    cpus = os.cpu_count()
    print(f"- load average (1 min) on {cpus} CPUs: {load_before:.2f} at the start, {os.getloadavg()[0]:.2f} at the end")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
