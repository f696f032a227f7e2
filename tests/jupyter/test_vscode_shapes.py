"""What VS Code's Jupyter extension reads, checked on the wire of a real ipykernel (jupyter_client plays the
front end), and the module version it would load, checked against the front end the ``jupyter`` extra installs.

No VS Code is in the loop. Its ipywidgets support (microsoft/vscode-jupyter) renders a widget view from the
mimebundle's ``model_id`` (with ``version_major``), builds the model from the ``jupyter.widget`` comm_open's
``state`` (``_model_module``/``_model_name``/``_model_module_version``, ``_view_*``) and ``buffer_paths``, and
loads the module ``anywidget`` at ``_model_module_version``: from the kernel environment's
``share/jupyter/nbextensions`` (found through the ``requirejs.config`` map in ``*/extension.js``), or from a CDN
as ``https://cdn.jsdelivr.net/npm/anywidget@<version>/dist/index.js`` or ``https://unpkg.com/anywidget@<version>/dist/index``
(the version string passed through, only a leading ``^`` dropped for jsdelivr). See SPEC §8.1.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from importlib.metadata import distribution, requires
from pathlib import Path
from typing import Any

import pytest
from jupyter_client.manager import start_new_kernel
from jupyter_kernel_util import comm_msgs, evaluate, execute, kernel_env
from packaging.requirements import Requirement
from packaging.version import Version

from anywidget_core.widget import ANYWIDGET_MODULE_VERSION

VIEW = "application/vnd.jupyter.widget-view+json"
NBEXTENSION = Path(sys.prefix) / "share" / "jupyter" / "nbextensions" / "anywidget"

DEFINE = """
import anywidget_core as awc

class Plot(awc.Widget):
    _esm = "export default { render({ model, el }) { el.textContent = model.get('title'); } }"
    title: str = "t"
    data: bytes = b""

p = Plot(title="x", data=b"\\x00\\x01\\x02")
p
"""


def tilde_range(spec: str) -> tuple[int, int]:
    """``~MAJOR.MINOR.*`` (what anywidget sends for a release, and we copy): npm reads it as
    ``>=MAJOR.MINOR.0 <MAJOR.(MINOR+1).0``. Anything else fails here, to be reviewed against VS Code's loader."""
    found = re.fullmatch(r"~(\d+)\.(\d+)\.\*", spec)
    assert found, f"{spec!r} is not the ~X.Y.* range this check (and VS Code's CDN URL) was verified for"
    return int(found[1]), int(found[2])


def admits(spec: str, version: str) -> bool:
    v = Version(version)
    return not v.is_prerelease and (v.major, v.minor) == tilde_range(spec)


# --------------------------------------------------------------------------------- the wire, in a real kernel


@pytest.fixture(scope="module")
def shown() -> Iterator[dict[str, Any]]:
    km, kc = start_new_kernel(kernel_name="python3", env=kernel_env())
    try:
        assert evaluate(kc, "__import__('sys').executable") == sys.executable
        result = execute(kc, DEFINE)
        shown = execute(kc, "display(p)")
        yield {"result": result, "display": shown}
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


pytestmark = pytest.mark.timeout(180)


@pytest.mark.kernel
def test_comm_open_has_what_the_widget_manager_reads(shown: dict[str, Any]) -> None:
    (opened,) = comm_msgs(shown["result"], "comm_open")
    assert opened["metadata"]["version"] == "2.1.0"  # the manager checks its major against 2
    content = opened["content"]
    assert content["target_name"] == "jupyter.widget"
    state = content["data"]["state"]
    assert {k: state[k] for k in state if k.startswith(("_model_", "_view_"))} == {
        "_model_module": "anywidget",
        "_model_name": "AnyModel",
        "_model_module_version": ANYWIDGET_MODULE_VERSION,
        "_view_module": "anywidget",
        "_view_name": "AnyView",
        "_view_module_version": ANYWIDGET_MODULE_VERSION,
        "_view_count": None,
    }
    assert content["data"]["buffer_paths"] == [["data"]]
    assert [bytes(b) for b in opened["buffers"]] == [b"\x00\x01\x02"]
    assert "data" not in state  # a buffer travels as a frame, its place named by buffer_paths


@pytest.mark.kernel
def test_both_outputs_name_the_opened_model(shown: dict[str, Any]) -> None:
    (opened,) = comm_msgs(shown["result"], "comm_open")
    (result,) = [m for m in shown["result"] if m["msg_type"] == "execute_result"]
    (displayed,) = [m for m in shown["display"] if m["msg_type"] == "display_data"]
    assert not comm_msgs(shown["display"], "comm_open")  # shown again: the same model, no second comm
    for msg in (result, displayed):
        view = msg["content"]["data"][VIEW]
        assert view == {"version_major": 2, "version_minor": 1, "model_id": opened["content"]["comm_id"]}
        assert msg["content"]["data"]["text/plain"].startswith("<Plot")


# ----------------------------------------------------------------- the module version VS Code asks for


def test_the_sent_range_admits_the_front_end_the_jupyter_extra_installs() -> None:
    """The pin (``anywidget`` in the ``jupyter`` extra) and the range we send must name the same releases, and the
    installed front end must be one of them: it is what VS Code loads for a local kernel."""
    pins = [Requirement(r) for r in requires("anywidget-core") or []]
    (pin,) = [r for r in pins if r.name == "anywidget" and r.marker and r.marker.evaluate({"extra": "jupyter"})]
    major, minor = tilde_range(ANYWIDGET_MODULE_VERSION)
    for patch in (0, 1, 99):
        assert pin.specifier.contains(f"{major}.{minor}.{patch}")
    assert not pin.specifier.contains(f"{major}.{minor + 1}.0") and not pin.specifier.contains(f"{major}.{minor}.0a1")
    installed = distribution("anywidget").version
    assert admits(ANYWIDGET_MODULE_VERSION, installed), (ANYWIDGET_MODULE_VERSION, installed)
    # the JavaScript's own version (what a CDN serves under that number), not only the Python package's
    lab = Path(sys.prefix) / "share" / "jupyter" / "labextensions" / "anywidget" / "package.json"
    package = json.loads(lab.read_text())
    assert package["name"] == "anywidget" and admits(ANYWIDGET_MODULE_VERSION, package["version"])


def test_the_installed_front_end_is_where_vs_code_looks_for_it() -> None:
    """VS Code maps module names to files through each nbextension's ``extension.js`` ``requirejs.config`` map
    (it matches ``window.requirejs?.config({``, anywidget's spelling), and loads the file with RequireJS."""
    extension = (NBEXTENSION / "extension.js").read_text()
    assert "window.requirejs?.config({" in extension
    assert re.search(r"\banywidget\s*:\s*[\"']nbextensions/anywidget/index[\"']", extension)
    index = (NBEXTENSION / "index.js").read_text()
    assert 'define(["@jupyter-widgets/base"]' in index  # an AMD module RequireJS can load
    assert "AnyModel" in index and "AnyView" in index


def test_npm_resolves_the_sent_range_to_a_published_release_with_the_file_vs_code_fetches() -> None:
    """Live, when the npm registry answers: npm resolves the range with node-semver, as the CDNs do. The checks
    above hold without a network."""
    npm = shutil.which("npm")
    assert npm, "npm is missing (scripts/test.sh installs Debian's nodejs and npm)"
    done = subprocess.run(
        [npm, "view", f"anywidget@{ANYWIDGET_MODULE_VERSION}", "version", "main", "--json"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    if done.returncode != 0 and re.search(r"E(NOTFOUND|AI_AGAIN|CONNREFUSED|CONNRESET|TIMEDOUT)", done.stderr):
        pytest.skip(f"the npm registry is unreachable: {done.stderr.strip().splitlines()[-1]}")
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout)
    # one matching release: an object; several: a list of them
    releases = found if isinstance(found, list) else [found]
    assert releases, f"no anywidget release on npm satisfies {ANYWIDGET_MODULE_VERSION}"
    for release in releases:
        assert admits(ANYWIDGET_MODULE_VERSION, release["version"])
        assert release["main"] == "dist/index.js"  # VS Code's CDN URL: anywidget@<range>/dist/index(.js)
