"""JupyterLite (Pyodide) can install the core: what it cannot install is behind ``sys_platform != "emscripten"``.

Proven offline, without Pyodide: the built wheel's dependency metadata, evaluated for Pyodide's platform and for
this one; and the core and the Jupyter adapter imported, and their conformance vectors run, in a subprocess in
which the standalone server's packages cannot be imported.
"""

from __future__ import annotations

import email
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest
from packaging.markers import default_environment
from packaging.requirements import Requirement

ROOT = Path(__file__).parents[2]
VECTORS = len(list((ROOT / "protocol" / "vectors").glob("*.json")))
# Only what uvicorn[standard] and starlette bring: the modules the standalone server needs and Pyodide lacks.
SERVER_MODULES = ("starlette", "uvicorn", "uvloop", "httptools", "watchfiles", "websockets")
# What sys.platform and platform.system() are in Pyodide (the rest of the markers as here).
PYODIDE = {**default_environment(), "sys_platform": "emscripten", "platform_system": "Emscripten"}


@pytest.fixture(scope="module")
def requirements(tmp_path_factory: pytest.TempPathFactory) -> list[Requirement]:
    out = tmp_path_factory.mktemp("wheel")
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--disable-pip-version-check", "-w", str(out),
         str(ROOT)],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    (wheel,) = out.glob("anywidget_core-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        (name,) = [n for n in archive.namelist() if n.endswith(".dist-info/METADATA")]
        metadata = email.message_from_bytes(archive.read(name))
    return [Requirement(r) for r in metadata.get_all("Requires-Dist") or []]


def installed(requirements: list[Requirement], environment: dict[str, str]) -> set[str]:
    """What ``pip install anywidget-core`` (no extras) installs in that environment."""
    return {r.name for r in requirements if r.marker is None or r.marker.evaluate({**environment, "extra": ""})}


def test_pyodide_gets_only_the_core_dependencies(requirements: list[Requirement]) -> None:
    # both in Pyodide's own package set (pyodide-lock.json of Pyodide 314.0.8: msgspec 0.20.0, anyio 4.13.0)
    assert installed(requirements, PYODIDE) == {"msgspec", "anyio"}


def test_everywhere_else_the_standalone_server_comes_with_a_plain_install(requirements: list[Requirement]) -> None:
    """README's first command, ``pip install -e . && anywidget-core serve ...``, needs no extra."""
    assert installed(requirements, default_environment()) == {"msgspec", "anyio", "starlette", "uvicorn"}
    (uvicorn,) = [r for r in requirements if r.name == "uvicorn"]
    assert uvicorn.extras == {"standard"}


BLOCKED_RUN = """
import importlib.abc
import sys

BLOCKED = {blocked!r}


class Blocker(importlib.abc.MetaPathFinder):
    # What Pyodide without the server packages looks like to an import: they are not there.
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in BLOCKED:
            raise ImportError(f"{{name}} is blocked: not installable in Pyodide")
        return None


sys.meta_path.insert(0, Blocker())

import anywidget_core
import anywidget_core.hosts.jupyter
from anywidget_core.conformance.runner import format_table, load_vectors, run
from anywidget_core.host import MemoryHost
from anywidget_core.hosts.jupyter import JupyterHost

try:  # the block works: the server itself cannot load
    import anywidget_core.hosts.standalone.server
except ImportError as error:
    print("server blocked:", error)
else:
    raise SystemExit("the server imported: the blocker does not block")

# The runner, not `anywidget-core conformance`: that loads every host's entry point, the standalone one too.
outcomes = run([MemoryHost(), JupyterHost()], load_vectors())
print(format_table(outcomes))
code = any(o.status == "fail" for o in outcomes)
leaked = sorted(m for m in sys.modules if m.partition(".")[0] in BLOCKED)
print("imported server modules:", leaked)
raise SystemExit(code or bool(leaked))
"""


def test_the_core_and_the_jupyter_adapter_work_without_the_server_packages(tmp_path: Path) -> None:
    script = tmp_path / "blocked.py"
    script.write_text(textwrap.dedent(BLOCKED_RUN.format(blocked=SERVER_MODULES)))
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, cwd=tmp_path, timeout=600)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]
    assert "server blocked: starlette" in done.stdout or "server blocked: uvicorn" in done.stdout, done.stdout
    for host in ("memory", "jupyter"):
        assert f"{host}: {VECTORS} passed, 0 failed" in done.stdout, done.stdout[-2000:]
    assert "imported server modules: []" in done.stdout
