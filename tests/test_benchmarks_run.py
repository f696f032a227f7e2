"""The benchmark suite runs end to end and reports a number for every workload. Never asserts speed."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# Every workload's rows (7 = real ipykernel; 8 = headless Chromium: 8a/8b the standalone host, 8c/8d JupyterLab,
# 8e/8f the Panel host, 8g/8h JupyterLab with the TCP_NODELAY extension, 8i/8j with the favicons one too).
EXPECTED_ROWS = (
    *("1", "2", "3a", "3b", "4", "5", "6a", "6b", "7a", "7b", "7c"),
    *("8a", "8b", "8c", "8d", "8e", "8f", "8g", "8h", "8i", "8j"),
    *("9a", "9b", "9c"),  # static page sizes
    *("10a", "10b", "10c", "10d", "10e", "10f", "10g"),  # many widgets: standalone page, JupyterLab (small N)
    *("11a", "11b", "11c", "11d"),  # large data each way, standalone and Panel (8 MB here)
    *("11e", "11f", "11g", "11h"),  # large data each way in JupyterLab, both libraries (12 MB here)
)
# anywidget has no standalone host and no Panel host of its own, so 8a/8b/8e/8f and 10b-10d have no anywidget column.
# 11a-11d: anywidget's column for large data is JupyterLab's (11e-11h).
CORE_ONLY = ("8a", "8b", "8e", "8f", "10b", "10c", "10d", "11a", "11b", "11c", "11d")
NUMBER = r"\d+(\.\d+)?(e[+-]?\d+)?"
VALUE = re.compile(rf"^{NUMBER} ?(s|ms|us|ns|k/s|/s|B|KiB|MiB|kB|MB/s)$")


@pytest.mark.kernel
@pytest.mark.browser
@pytest.mark.timeout(600)
def test_quick_run_lists_every_workload_with_numbers() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--quick"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=570,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    _check_rows(proc.stdout, EXPECTED_ROWS)


def _check_rows(stdout: str, expected: tuple[str, ...]) -> None:
    rows = {}
    for line in stdout.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        match = re.match(r"^(\d+[a-z]?)\. ", cells[0]) if len(cells) == 6 else None
        if match:
            rows[match.group(1)] = cells
    assert sorted(rows) == sorted(expected), stdout
    for key, (_name, core, anywidget, ratio, _goal, met) in rows.items():
        assert VALUE.match(core), (key, core)
        if key in CORE_ONLY:
            assert (anywidget, ratio) == ("-", "-"), (key, anywidget, ratio)
        else:
            assert VALUE.match(anywidget), (key, anywidget)
            assert re.match(rf"^{NUMBER}x$", ratio), (key, ratio)
        assert met in ("yes", "NO", "n/a"), (key, met)


def test_unknown_workload_is_refused() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks", "-w", "99"], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 2
    assert "invalid choice" in proc.stderr


@pytest.mark.timeout(300)
@pytest.mark.parametrize(("flag", "lines"), [("--breakdown", 19), ("--cpu", 5)])
def test_library_cost_modes_print_every_stage(flag: str, lines: int) -> None:
    """``--breakdown`` and ``--cpu`` (the thread-time comparison of issue 16) run and print a number per line."""
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks", flag, "--quick"], cwd=ROOT, capture_output=True, text=True, timeout=280
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    printed = [line for line in proc.stdout.splitlines() if line.strip()]
    assert len(printed) == lines, proc.stdout
    assert all(re.search(rf"\b{NUMBER}\b", line) for line in printed), proc.stdout
