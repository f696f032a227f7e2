"""JupyterLite (Pyodide) can install the core: what it cannot install is behind ``sys_platform != "emscripten"``.

Offline, without Pyodide: the built wheel's dependency metadata, evaluated for Pyodide's platform and for this
one; and the core and the Jupyter adapter imported, and their conformance vectors run, in a subprocess in which
the standalone server's packages cannot be imported. Then in Pyodide itself (npm's package, run by Node), with
wheels from PyPI: no JupyterLite front end is in the loop.
"""

from __future__ import annotations

import email
import json
import re
import shutil
import subprocess
import sys
import tarfile
import textwrap
import zipfile
from pathlib import Path

import pytest
from packaging.markers import default_environment
from packaging.requirements import Requirement

ROOT = Path(__file__).parents[2]
VECTORS = len(list((ROOT / "protocol" / "vectors").glob("*.json")))
# Vectors of Jupyter's control comm (SPEC §8.1.1): n/a on the hosts without one.
CONTROL = sum(
    "control_comm" in json.loads(p.read_text()).get("requires", [])
    for p in (ROOT / "protocol" / "vectors").glob("*.json")
)
NOT_APPLICABLE = {"memory": CONTROL, "jupyter": 0}
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
from anywidget_core.cli import main
from anywidget_core.host import available_hosts

try:  # the block works: the server itself cannot load
    import anywidget_core.hosts.standalone.server
except ImportError as error:
    print("server blocked:", error)
else:
    raise SystemExit("the server imported: the blocker does not block")

# `anywidget-core conformance` loads every host's entry point, the standalone one too: it says what is missing
print("standalone missing:", available_hosts()["standalone"].missing())
code = main(["conformance", "--host", "memory", "--host", "jupyter"])
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
    assert "standalone missing: the standalone host needs starlette" in done.stdout, done.stdout
    for host in ("memory", "jupyter"):
        passed = VECTORS - NOT_APPLICABLE[host]
        assert f"{host}: {passed} passed, 0 failed, {NOT_APPLICABLE[host]} n/a" in done.stdout, done.stdout[-2000:]
    assert "imported server modules: []" in done.stdout


# ------------------------------------------------------------------------------ in Pyodide itself, under Node

PYODIDE_VERSION = "314.0.8"  # npm's `pyodide`; its lock file names the wheel tags below
NETWORK_ERRORS = r"E(NOTFOUND|AI_AGAIN|CONNREFUSED|CONNRESET|TIMEDOUT)"

RUN_MJS = """
import {{ readdirSync, readFileSync }} from "node:fs";
import {{ loadPyodide }} from "{package}/pyodide.mjs";
const py = await loadPyodide({{ indexURL: "{package}/" }});  // local files only: no Pyodide CDN
py.FS.mkdirTree("/wheels");
for (const name of readdirSync("{wheels}")) py.FS.writeFile(`/wheels/${{name}}`, readFileSync(`{wheels}/${{name}}`));
console.log(py.runPython(readFileSync("{script}", "utf8")));
"""

RUN_PY = """
import json, os, platform, site, sys, zipfile

for name in sorted(os.listdir("/wheels")):  # what micropip would do, offline: unpack into site-packages
    zipfile.ZipFile(f"/wheels/{name}").extractall(site.getsitepackages()[0])

import anywidget_core.hosts.jupyter
from anywidget_core.conformance import runner
from anywidget_core.host import MemoryHost
from anywidget_core.hosts.jupyter import JupyterHost

# jsonschema needs rpds-py, which PyPI has no emscripten wheel of: the vectors run, their JSON Schema check does not
runner._check_schema = lambda message: None
outcomes = runner.run([MemoryHost(), JupyterHost()], runner.load_vectors())
json.dumps({
    "platform": [sys.platform, platform.system()],
    "summary": [line for line in runner.format_table(outcomes).splitlines() if " passed, " in line],
    "failures": [f"{o.host} {o.vector}: {o.detail}" for o in outcomes if o.status == "fail"][:5],
    "server_modules": sorted(m for m in sys.modules if m.partition(".")[0] in ("starlette", "uvicorn")),
})
"""


def test_the_conformance_vectors_pass_in_pyodide(requirements: list[Requirement], tmp_path: Path) -> None:
    """Pyodide from npm, run by Node; the core's Pyodide dependencies and the Jupyter adapter's (comm, and IPython,
    which comm's message handler imports; a JupyterLite kernel has both) from PyPI as Pyodide wheels."""
    npm, node = shutil.which("npm"), shutil.which("node")
    assert npm and node, "node and npm are missing (scripts/test.sh installs Debian's nodejs and npm)"
    packed = subprocess.run(
        [npm, "pack", f"pyodide@{PYODIDE_VERSION}", "--silent", "--pack-destination", str(tmp_path)],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    if packed.returncode != 0 and re.search(NETWORK_ERRORS, packed.stderr):
        pytest.skip(f"the npm registry is unreachable: {packed.stderr.strip().splitlines()[-1]}")
    assert packed.returncode == 0, packed.stderr
    with tarfile.open(tmp_path / f"pyodide-{PYODIDE_VERSION}.tgz") as archive:
        archive.extractall(tmp_path, filter="data")
    package = tmp_path / "package"
    info = json.loads((package / "pyodide-lock.json").read_text())["info"]
    major, minor = info["python"].split(".")[:2]

    wheels = tmp_path / "wheels"
    ours = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--disable-pip-version-check", "-w", str(wheels),
         str(ROOT)],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert ours.returncode == 0, ours.stderr[-3000:]
    # pip evaluates sys_platform markers for this machine, not the target: name Pyodide's dependencies directly
    wanted = [str(r) for r in requirements if r.marker is None or r.marker.evaluate({**PYODIDE, "extra": ""})]
    downloaded = subprocess.run(
        [sys.executable, "-m", "pip", "download", "-q", "--disable-pip-version-check", "--only-binary=:all:",
         "--platform", f"pyemscripten_{info['abi_version']}_wasm32", "--platform", "any",
         "--python-version", f"{major}.{minor}", "--implementation", "cp", "--abi", f"cp{major}{minor}",
         "--abi", "none", "-d", str(wheels), *wanted, "comm>=0.2", "ipython>=8"],
        capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    assert downloaded.returncode == 0, downloaded.stderr[-3000:]

    (tmp_path / "run.py").write_text(RUN_PY)
    script = RUN_MJS.format(package=package, wheels=wheels, script=tmp_path / "run.py")
    (tmp_path / "run.mjs").write_text(script)
    done = subprocess.run([node, str(tmp_path / "run.mjs")], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["platform"] == ["emscripten", "Emscripten"]
    passed = [
        f"{host}: {VECTORS - NOT_APPLICABLE[host]} passed, 0 failed, {NOT_APPLICABLE[host]} n/a"
        for host in ("memory", "jupyter")
    ]
    assert result["summary"] == passed, result
    assert result["server_modules"] == []
