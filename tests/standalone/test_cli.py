"""The command line as a user runs it: subprocesses of `anywidget-core serve`, `export` and `new`."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from websockets.sync.client import connect

from .widgets import COUNTER_PY

CLI = [sys.executable, "-m", "anywidget_core"]
OVERLAY_VENV = Path(__file__).parents[2] / "scripts" / "overlay_venv.py"


def cli(*args: str, cwd: Path | None = None, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], cwd=cwd, capture_output=True, text=True, timeout=timeout)


@pytest.mark.parametrize("command", ["serve", "export", "new", "port"])
def test_help(command: str) -> None:
    done = cli(command, "--help")
    assert done.returncode == 0
    assert f"usage: anywidget-core {command}" in done.stdout


def test_serve_prints_url_serves_and_stops_on_ctrl_c() -> None:
    proc = subprocess.Popen(
        [*CLI, "serve", str(COUNTER_PY), "--no-browser", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:")
        with urllib.request.urlopen(url, timeout=10) as response:
            assert "awc-widgets" in response.read().decode()
        root, query = url.split("?")
        assert query.startswith("token=") and len(query) > 30  # a random token, in the printed URL
        with connect(root.replace("http", "ws", 1) + "ws?" + query, open_timeout=10) as ws:
            module = json.loads(ws.recv(timeout=10))  # the widget code, before the open that refers to it
            while module["data"]["method"] == "module":
                opened, module = module, json.loads(ws.recv(timeout=10))
            opened = module
        assert opened["data"]["method"] == "open"
        assert opened["data"]["state"]["_anywidget_id"] == "counter.Counter"
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0
    assert "serving 1 widget(s) (counter)" in err
    assert "stopping" in err


def test_serve_reports_a_bad_target(tmp_path: Path) -> None:
    empty = tmp_path / "empty.py"
    empty.write_text("x = 1\n")
    done = cli("serve", str(empty), "--no-browser")
    assert done.returncode == 2
    assert "defines no module-level widget instances" in done.stderr
    done = cli("serve", f"{COUNTER_PY}:nothing", "--no-browser")
    assert done.returncode == 2
    assert "has no attribute 'nothing'" in done.stderr
    broken = tmp_path / "broken.py"
    broken.write_text("raise RuntimeError('boom')\n")
    done = cli("serve", str(broken), "--no-browser")
    assert done.returncode == 1
    assert "RuntimeError: boom" in done.stderr and "raised while loading" in done.stderr


def test_export_writes_one_file(tmp_path: Path) -> None:
    out = tmp_path / "counter.html"
    done = cli("export", f"{COUNTER_PY}:counter", "-o", str(out))
    assert done.returncode == 0, done.stderr
    assert f"wrote {out}" in done.stderr
    html = out.read_text(encoding="utf-8")
    assert "awc-counter" in html and "createRuntime" in html
    missing = cli("export", str(tmp_path / "nope.py"))
    assert missing.returncode == 2
    assert "no such file" in missing.stderr


def test_new_scaffolds_a_package_whose_own_tests_pass(tmp_path: Path) -> None:
    done = cli("new", "demo-widget", "-d", str(tmp_path))
    assert done.returncode == 0, done.stderr
    root = tmp_path / "demo-widget"
    expected = {
        ".gitignore",
        "README.md",
        "pyproject.toml",
        "src/demo_widget/__init__.py",
        "src/demo_widget/demo.py",
        "src/demo_widget/widget.py",
        "src/demo_widget/widget.js",
        "src/demo_widget/widget.css",
        "tests/test_widget.py",
    }
    assert {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()} == expected
    assert "anywidget-core" in (root / "pyproject.toml").read_text()
    assert "class DemoWidget(awc.Widget)" in (root / "src/demo_widget/widget.py").read_text()

    # Installed into a throwaway venv that sees this environment's packages (so nothing is downloaded).
    made = subprocess.run(
        [sys.executable, str(OVERLAY_VENV), str(tmp_path / "venv")], check=True, capture_output=True, text=True
    )
    python = Path(made.stdout.strip())
    install = subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-deps", "--no-build-isolation",
         "--no-index", "-e", str(root)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert install.returncode == 0, install.stdout + install.stderr
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    tests = subprocess.run(
        [str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=root, capture_output=True, text=True, timeout=300, env=env,
    )  # fmt: skip
    assert tests.returncode == 0, tests.stdout + tests.stderr
    assert "5 passed" in tests.stdout  # four on the plugin's in-memory front end, one in Chromium (awc_page)

    # its TypeScript types, as its README shows
    typed = subprocess.run(
        [str(python), "-m", "anywidget_core", "types", "demo_widget.widget:DemoWidget"],
        cwd=root, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert typed.returncode == 0, typed.stderr
    assert "export type DemoWidgetState = {\n  value: number;\n  label: string;\n};" in typed.stdout
    assert "anywidget-core types demo_widget.widget:DemoWidget" in (root / "README.md").read_text()

    # the scaffold's demo page loads through the same CLI
    exported = subprocess.run(
        [str(python), "-m", "anywidget_core", "export", "src/demo_widget/demo.py", "-o", str(tmp_path / "d.html")],
        cwd=root, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert exported.returncode == 0, exported.stderr
    assert "demo-widget-button" in (tmp_path / "d.html").read_text()


@pytest.mark.parametrize(("name", "why"), [("9lives", "not a usable name"), ("class", "clashes"), ("a b", "usable")])
def test_new_refuses_bad_names(tmp_path: Path, name: str, why: str) -> None:
    done = cli("new", name, "-d", str(tmp_path))
    assert done.returncode == 2
    assert why in done.stderr
    assert not any(tmp_path.iterdir())


def test_new_refuses_to_overwrite(tmp_path: Path) -> None:
    (tmp_path / "taken" / "x").mkdir(parents=True)
    done = cli("new", "taken", "-d", str(tmp_path))
    assert done.returncode == 1
    assert "already exists" in done.stderr
