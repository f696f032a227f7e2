"""The wheel as a user gets it: built from this checkout, installed into a brand-new venv (no system site
packages, nothing of this environment), and its conformance kit run from a folder outside the source tree."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
# The extras a host maintainer installs to check the Jupyter adapter: the kit, and the host itself.
EXTRAS = "conformance,jupyter"


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    out = tmp_path_factory.mktemp("wheel")
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-v", "--no-deps", "--disable-pip-version-check", "-w", str(out),
         str(ROOT)],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    (path,) = out.glob("anywidget_core-*.whl")
    return path, built.stdout + built.stderr


def test_the_build_is_clean(wheel: tuple[Path, str]) -> None:
    _, log = wheel
    assert "would be ignored" not in log
    assert "Warning:" not in log and "DeprecationWarning" not in log, [ln for ln in log.splitlines() if "arning" in ln]


def test_the_wheel_holds_the_kit_and_no_test_files(wheel: tuple[Path, str]) -> None:
    path, _ = wheel
    with zipfile.ZipFile(path) as archive:
        names = set(archive.namelist())
        shipped = {Path(n).name: archive.read(n) for n in names if n.startswith("anywidget_core/protocol/schemas/")}
        license_text = next((archive.read(n) for n in names if n.endswith(".dist-info/licenses/LICENSE")), b"")
    reviewed = {p.name: p.read_bytes() for p in (ROOT / "schemas").iterdir() if p.is_file()}
    assert shipped == reviewed  # the repository's reviewed schemas are exactly what ships
    assert "MIT License" in license_text.decode()
    assert "anywidget_core/protocol/SPEC.md" in names
    assert "anywidget_core/static/runtime.js" in names
    assert sum(n.startswith("anywidget_core/protocol/vectors/") for n in names) == len(
        list((ROOT / "protocol" / "vectors").glob("*.json"))
    )
    assert not [n for n in names if "runtime-test" in n or n.startswith(("tests/", "benchmarks/", "examples/"))]


def test_conformance_runs_from_an_installed_wheel(wheel: tuple[Path, str], tmp_path: Path) -> None:
    path, _ = wheel
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    install = subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", f"{path}[{EXTRAS}]"],
        capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    assert install.returncode == 0, install.stdout[-3000:] + install.stderr[-3000:]
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    cli = venv / "bin" / "anywidget-core"

    run = {"cwd": elsewhere, "capture_output": True, "text": True, "env": env, "timeout": 600}
    done = subprocess.run([str(cli), "conformance"], **run)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]
    files = list((ROOT / "protocol" / "vectors").glob("*.json"))
    # Vectors of Jupyter's control comm (SPEC §8.1.1) are n/a on the hosts without one.
    control = sum("control_comm" in json.loads(p.read_text()).get("requires", []) for p in files)
    for host, not_applicable in (("memory", control), ("jupyter", 0), ("standalone", control)):
        summary = f"{host}: {len(files) - not_applicable} passed, 0 failed, {not_applicable} n/a"
        assert summary in done.stdout, done.stdout[-2000:]
    assert done.stderr == ""  # a passing run is quiet: expected rejections are not logged as warnings

    schemas = subprocess.run([str(cli), "schemas", "--check"], **run)
    assert schemas.returncode == 0, schemas.stdout + schemas.stderr
    assert "match the code" in schemas.stdout


def test_a_jupyter_server_beside_the_wheel_loads_the_server_extensions(wheel: tuple[Path, str], tmp_path: Path) -> None:
    """The wheel's config file turns the extensions on for any Jupyter server in the same environment."""
    path, _ = wheel
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    install = subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", str(path), "jupyter_server"],
        capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    assert install.returncode == 0, install.stdout[-3000:] + install.stderr[-3000:]
    listed = subprocess.run(
        [str(python), "-m", "jupyter_server", "extension", "list"], cwd=tmp_path, capture_output=True, text=True,
        env={k: v for k, v in os.environ.items() if not k.startswith("JUPYTER")}, timeout=120,
    )  # fmt: skip
    output = re.sub(r"\x1b\[[0-9;]*m", "", listed.stdout + listed.stderr)  # without its colours
    for name in ("nodelay", "message_size", "favicons", "comm_busy"):
        assert re.search(rf"anywidget_core\.hosts\.jupyter\.{name}\s+enabled", output), output
        assert re.search(rf"anywidget_core\.hosts\.jupyter\.{name}\s+OK", output), output  # it imports and loads
