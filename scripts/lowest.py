"""The lowest version pyproject.toml's extras declare for some packages, as pip requirements; or, with
``--check REQ...``, fail unless exactly those versions are the ones imported.

    python scripts/lowest.py marimo panel            # marimo==0.23.16 panel==1.9
    python scripts/lowest.py --check marimo==0.23.16  # exits 1 if another marimo is imported
"""

from __future__ import annotations

import importlib.metadata
import re
import sys
from pathlib import Path

import tomllib

PYPROJECT = Path(__file__).parents[1] / "pyproject.toml"


def lowest(name: str) -> str:
    extras = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["project"]["optional-dependencies"]
    for requirement in (r for group in extras.values() for r in group):
        found = re.fullmatch(rf"{re.escape(name)}(?:\[[^\]]*\])?\s*>=\s*([0-9][0-9.]*)(?:\s*,.*)?", requirement)
        if found:
            return f"{name}=={found.group(1)}"
    raise SystemExit(f"pyproject.toml declares no lower bound for {name}")


def check(requirements: list[str]) -> None:
    for requirement in requirements:
        name, version = requirement.split("==")
        installed = importlib.metadata.version(name)
        if installed.split(".")[: len(version.split("."))] != version.split("."):
            raise SystemExit(f"{name} {installed} is installed, not the lowest declared {version}")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--check"]:
        check(sys.argv[2:])
    else:
        print(" ".join(lowest(name) for name in sys.argv[1:]))
