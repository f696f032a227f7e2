"""Workload 5: ``import anywidget_core`` vs ``import anywidget`` in a fresh interpreter.

Each sample is a new subprocess that times the import statement alone (interpreter start-up excluded) and
reports which heavy host modules the import pulled in; the two libraries alternate.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys

from .harness import Counts, Row

GOAL_S = 0.030
MUST_NOT_LOAD = ("marimo", "panel", "comm")
WATCH = (*MUST_NOT_LOAD, "ipywidgets", "IPython", "traitlets", "numpy", "anyio", "asyncio")

PROBE = """
import sys, time
t = time.perf_counter()
import {module}
dt = time.perf_counter() - t
import json
print(json.dumps({{"seconds": dt, "loaded": [m for m in {watch!r} if m in sys.modules]}}))
"""


def sample(module: str) -> tuple[float, list[str]]:
    out = subprocess.run(
        [sys.executable, "-c", PROBE.format(module=module, watch=WATCH)],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    result = json.loads(out.stdout.strip().splitlines()[-1])
    return float(result["seconds"]), list(result["loaded"])


def slowest_imports(module: str, top: int = 8) -> list[tuple[int, str]]:
    """The largest cumulative entries of ``-X importtime`` (microseconds, module), for the report."""
    out = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", f"import {module}"],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    entries = []
    after_site = False  # lines before site's own line are interpreter start-up, not this import
    for line in out.stderr.splitlines():
        parts = line.split("|")
        if len(parts) != 3 or not parts[1].strip().isdigit():
            continue
        if parts[2].strip() == "site":
            after_site = True
        elif after_site:
            entries.append((int(parts[1]), parts[2].rstrip()))
    return sorted(entries, reverse=True)[:top]


def run(counts: Counts) -> list[Row]:
    times: dict[str, list[float]] = {"anywidget_core": [], "anywidget": []}
    loaded: dict[str, list[str]] = {}
    names = list(times)
    for round_ in range(counts.n(9, 3)):
        for name in names if round_ % 2 == 0 else reversed(names):
            seconds, mods = sample(name)
            times[name].append(seconds)
            loaded[name] = mods
    core, aw = statistics.median(times["anywidget_core"]), statistics.median(times["anywidget"])
    leaked = [m for m in MUST_NOT_LOAD if m in loaded["anywidget_core"]]
    row = Row("5", "import in a fresh interpreter", core, aw)
    row.goal = "< 30 ms; no marimo/panel/comm"
    row.met = core < GOAL_S and not leaked
    core_loaded = loaded["anywidget_core"] or f"none of {WATCH}"
    row.notes.append(f"modules loaded by `import anywidget_core`: {core_loaded}")
    row.notes.append(f"modules loaded by `import anywidget`: {loaded['anywidget']}")
    if not row.met:
        top = ", ".join(f"{mod.strip()} {us / 1000:.1f} ms" for us, mod in slowest_imports("anywidget_core"))
        row.notes.append(f"slowest cumulative imports under anywidget_core (-X importtime): {top}")
    return [row]
