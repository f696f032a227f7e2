"""Workload 5: ``import anywidget_core`` vs ``import anywidget`` in a fresh interpreter.

Each sample is a new subprocess that times the import statement alone (interpreter start-up excluded) and
reports which heavy host modules the import pulled in; the two libraries alternate.

Bytecode: a pip-installed package (anywidget, msgspec, ...) ships compiled ``.pyc`` files, but an editable
checkout run with ``PYTHONDONTWRITEBYTECODE=1`` (this machine's environment) recompiles anywidget-core's sources on
every import, which no installed user pays. So the samples run with a private, warmed ``PYTHONPYCACHEPREFIX``:
both libraries load cached bytecode, as after ``pip install``. A note also gives the times in the unchanged
environment, which is what the first pass of this benchmark measured.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile

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


def bytecode_env(cache: str, write: bool) -> dict[str, str]:
    """The environment of a sample: ``.pyc`` files read from (and, if ``write``, written to) ``cache`` only."""
    env = dict(os.environ, PYTHONPYCACHEPREFIX=cache)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    if not write:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def sample(module: str, env: dict[str, str] | None = None) -> tuple[float, list[str]]:
    out = subprocess.run(
        [sys.executable, "-c", PROBE.format(module=module, watch=WATCH)],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
        env=env,
    )
    result = json.loads(out.stdout.strip().splitlines()[-1])
    return float(result["seconds"]), list(result["loaded"])


def slowest_imports(module: str, env: dict[str, str] | None = None, top: int = 8) -> list[tuple[int, str]]:
    """The largest cumulative entries of ``-X importtime`` (microseconds, module), for the report."""
    out = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", f"import {module}"],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
        env=env,
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


def medians(rounds: int, env: dict[str, str]) -> tuple[dict[str, float], dict[str, list[str]]]:
    times: dict[str, list[float]] = {"anywidget_core": [], "anywidget": []}
    loaded: dict[str, list[str]] = {}
    names = list(times)
    for round_ in range(rounds):
        for name in names if round_ % 2 == 0 else reversed(names):
            seconds, mods = sample(name, env)
            times[name].append(seconds)
            loaded[name] = mods
    return {name: statistics.median(values) for name, values in times.items()}, loaded


def run(counts: Counts) -> list[Row]:
    with tempfile.TemporaryDirectory(prefix="awc-bench-pyc-") as warm:
        cached = bytecode_env(warm, write=True)
        sample("anywidget_core", cached)  # compile both once into the private cache, as pip install would
        sample("anywidget", cached)
        median, loaded = medians(counts.n(9, 3), cached)
        as_is, _ = medians(counts.n(3, 1), dict(os.environ))
        top = ", ".join(f"{mod.strip()} {us / 1000:.1f} ms" for us, mod in slowest_imports("anywidget_core", cached))
    core, aw = median["anywidget_core"], median["anywidget"]
    leaked = [m for m in MUST_NOT_LOAD if m in loaded["anywidget_core"]]
    row = Row("5", "import in a fresh interpreter", core, aw)
    row.goal = "< 30 ms; no marimo/panel/comm"
    row.met = core < GOAL_S and not leaked
    core_loaded = loaded["anywidget_core"] or f"none of {WATCH}"
    row.notes.append(f"modules loaded by `import anywidget_core`: {core_loaded}")
    row.notes.append(f"modules loaded by `import anywidget`: {loaded['anywidget']}")
    dont_write = os.environ.get("PYTHONDONTWRITEBYTECODE", "unset")
    row.notes.append(
        f"both from cached bytecode (as installed); in the unchanged environment (PYTHONDONTWRITEBYTECODE="
        f"{dont_write}: an editable checkout without .pyc files recompiles its sources on each import): "
        f"core {as_is['anywidget_core'] * 1e3:.1f} ms, anywidget {as_is['anywidget'] * 1e3:.1f} ms"
    )
    row.notes.append(f"slowest cumulative imports under anywidget_core (-X importtime, cached bytecode): {top}")
    return [row]
