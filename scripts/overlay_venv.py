"""Make a venv that sees every package of the interpreter running this script, below its own.

A venv made with ``--system-site-packages`` sees the *base* interpreter's packages, not those of the venv it was
made from, so from inside a venv it sees nothing the tests installed. This one instead gets a ``.pth`` that adds
the running interpreter's site directories (their ``.pth`` files, editable installs included, are processed)
after its own: what is installed into the new venv wins, everything else comes from the parent.

    python scripts/overlay_venv.py DIR      # prints DIR's python
"""

from __future__ import annotations

import site
import subprocess
import sys
from pathlib import Path


def make(target: Path) -> Path:
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(target)], check=True)
    python = target / "bin" / "python"
    own = subprocess.run(
        [str(python), "-c", "import site; print(site.getsitepackages()[0])"],
        check=True, capture_output=True, text=True,
    ).stdout.strip()  # fmt: skip
    parents = [p for p in site.getsitepackages() if Path(p).is_dir()]
    lines = "".join(f"import site; site.addsitedir({p!r})\n" for p in parents)
    (Path(own) / "_parent_site.pth").write_text(lines, encoding="utf-8")
    return python


if __name__ == "__main__":
    print(make(Path(sys.argv[1])))
