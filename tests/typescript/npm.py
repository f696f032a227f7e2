"""TypeScript and @anywidget/types at pinned versions, installed once into a cache shared across runs."""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
from pathlib import Path

PINNED = {"typescript": "5.9.3", "@anywidget/types": "0.4.0"}
CACHE = Path(os.environ.get("AWC_NPM_CACHE", Path.home() / ".cache" / "anywidget-core-npm"))


def installed(root: Path = CACHE) -> bool:
    for name, version in PINNED.items():
        manifest = root / "node_modules" / name / "package.json"
        if not manifest.is_file() or json.loads(manifest.read_text())["version"] != version:
            return False
    return True


def ensure(root: Path = CACHE) -> Path:
    """The cache's node_modules, installing the pinned packages first if they are not there yet."""
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError("npm is missing: apt-get install nodejs npm (scripts/test.sh does)")
    root.mkdir(parents=True, exist_ok=True)
    with open(root / ".lock", "w") as lock:  # concurrent runs install once
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not installed(root):
            specs = [f"{name}@{version}" for name, version in PINNED.items()]
            subprocess.run(
                [npm, "install", "--prefix", str(root), "--no-audit", "--no-fund", "--save-exact", *specs],
                check=True, capture_output=True, text=True, timeout=300,
            )  # fmt: skip
    return root / "node_modules"
