"""Test-time download of the corpus: ``pip install --no-deps --target`` of the pinned wheels into a user cache.

The widgets' ESM and CSS are read from there (nothing of theirs is committed). The originals' Python packages
live there too, so JupyterLab's kernel can import them as the reference (``PYTHONPATH=site()``).
"""

from __future__ import annotations

import ast
import hashlib
import os
import subprocess
import sys
from functools import cache
from pathlib import Path

from .manifest import requirements

CACHE = Path(os.environ.get("ANYWIDGET_CORE_CORPUS_CACHE", Path.home() / ".cache" / "anywidget-core-corpus"))


@cache
def site() -> Path:
    """The directory holding every pinned package (downloaded once per manifest: the key is its hash)."""
    wanted = requirements()
    key = hashlib.sha256("\n".join(wanted).encode()).hexdigest()[:12]
    target = CACHE / f"site-{key}"
    done = target / ".complete"
    if not done.exists():
        partial = CACHE / f"partial-{key}-{os.getpid()}"
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "install",
                "-q",
                "--no-deps",
                "--only-binary=:all:",
                "--target",
                partial,
                *wanted,
            ],
            check=True,
        )
        (partial / ".complete").write_text("\n".join(wanted))
        partial.replace(target)  # atomic: a half-done download is never taken for the cache
    return target


def asset(relative: str) -> Path:
    """A file of an installed corpus package, e.g. ``bitjet/static/bitjet.js``."""
    path = site() / relative
    if not path.is_file():
        raise FileNotFoundError(f"{relative} is not in the pinned wheel (looked in {site()})")
    return path


def class_attribute(relative: str, class_name: str, attribute: str) -> str:
    """A string literal assigned in a class body of a package's module (an ESM kept inline in Python source),
    read with ``ast``: the module is never imported."""
    tree = ast.parse(asset(relative).read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef) and node.name == class_name:
            for stmt in node.body:
                if (
                    isinstance(stmt, ast.Assign)
                    and any(isinstance(t, ast.Name) and t.id == attribute for t in stmt.targets)
                    and isinstance(stmt.value, ast.Constant)
                    and isinstance(stmt.value.value, str)
                ):
                    return stmt.value.value
    raise LookupError(f"{class_name}.{attribute} is not a string literal in {relative}")
