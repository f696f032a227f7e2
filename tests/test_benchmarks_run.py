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
    *("10a", "10b", "10c", "10d", "10e"),  # many widgets: memory, the standalone page, JupyterLab (small N here)
)
# anywidget has no standalone host and no Panel host of its own, so 8a/8b/8e/8f and 10b-10d have no anywidget column.
CORE_ONLY = ("8a", "8b", "8e", "8f", "10b", "10c", "10d")
NUMBER = r"\d+(\.\d+)?(e[+-]?\d+)?"
VALUE = re.compile(rf"^{NUMBER} ?(s|ms|us|ns|k/s|/s|B|KiB|MiB|kB)$")


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
