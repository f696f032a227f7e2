"""Make a venv that sees everything installed in the interpreter running this script, with some packages of its
own on top (say, the lowest versions a project declares).

A venv made with ``--system-site-packages`` sees the *base* interpreter's packages, not those of the venv it was
made from, so from inside a venv it sees nothing the tests installed. This one gets a ``.pth`` that adds the running
interpreter's site directories after its own (their ``.pth`` files, editable installs included, are processed), so
what is installed into it wins. Data files installed under the prefix (``share/jupyter`` labextensions and kernel
specs, ``etc/jupyter`` server extension configs) are linked in after the install, again with its own files winning;
linking them before would let pip write into the parent's.

    python scripts/overlay_venv.py DIR [REQUIREMENT ...]      # prints DIR's python
"""

from __future__ import annotations

import site
import subprocess
import sys
from pathlib import Path

DATA_DIRS = ("share", "etc")


def make(target: Path, requirements: list[str]) -> Path:
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(target)], check=True)
    python = target / "bin" / "python"
    own = subprocess.run(
        [str(python), "-c", "import site; print(site.getsitepackages()[0])"],
        check=True, capture_output=True, text=True,
    ).stdout.strip()  # fmt: skip
    parents = [p for p in site.getsitepackages() if Path(p).is_dir()]
    lines = "".join(f"import site; site.addsitedir({p!r})\n" for p in parents)
    (Path(own) / "_parent_site.pth").write_text(lines, encoding="utf-8")
    if requirements:
        subprocess.run(
            [sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--disable-pip-version-check",
             *requirements],
            check=True,
        )  # fmt: skip
    for name in DATA_DIRS:
        _link_missing(Path(sys.prefix) / name, target / name)
    return python


def _link_missing(parent: Path, own: Path) -> None:
    """Link every entry of ``parent`` that ``own`` lacks; descend into folders both have."""
    if not parent.is_dir():
        return
    own.mkdir(parents=True, exist_ok=True)
    for entry in parent.iterdir():
        mine = own / entry.name
        if not mine.exists() and not mine.is_symlink():
            mine.symlink_to(entry, target_is_directory=entry.is_dir())
        elif entry.is_dir() and mine.is_dir() and not mine.is_symlink():
            _link_missing(entry, mine)


if __name__ == "__main__":
    print(make(Path(sys.argv[1]), sys.argv[2:]))
