"""The test notebook: markdown, a print, a PNG, HTML, two of our widgets (binary field, child), an IntSlider."""

from __future__ import annotations

import base64
import os
import shutil
import struct
import sys
import zlib
from pathlib import Path

import nbformat

HERE = Path(__file__).parent


def kernel_env() -> dict[str, str]:
    """The python3 kernelspec may start plain "python": make it this interpreter."""
    bindir = os.path.dirname(sys.executable)
    return dict(os.environ, PATH=bindir + os.pathsep + os.environ.get("PATH", ""))


def png(width: int = 4, height: int = 3) -> bytes:
    """A small valid red PNG (the browser must decode it)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def write_notebook(folder: Path) -> Path:
    """The test notebook (unexecuted) and the widget module it imports, in ``folder``."""
    shutil.copy(HERE / "nb_widgets.py", folder / "nb_widgets.py")
    image = base64.b64encode(png()).decode("ascii")
    cells = [
        nbformat.v4.new_markdown_cell("# Exported notebook\n\nSome *emphasis* here.\n\n- first item\n- second item"),
        nbformat.v4.new_code_cell('from nb_widgets import Clicker, Holder\nprint("hello from the kernel")'),
        nbformat.v4.new_code_cell(
            "import base64\nfrom IPython.display import HTML, Image, display\n"
            f"display(Image(base64.b64decode('{image}')))"
        ),
        nbformat.v4.new_code_cell("HTML('<b class=\"from-html\">bold html</b>')"),
        nbformat.v4.new_code_cell("clicker = Clicker(value=3, data=bytes(range(10)))\nclicker"),
        nbformat.v4.new_code_cell(
            "holder = Holder(title='holder', children=[Clicker(value=7, data=b'\\x02')])\nholder"
        ),
        nbformat.v4.new_code_cell("clicker.value = 5  # after display: the saved state has the latest value"),
        nbformat.v4.new_code_cell("import ipywidgets\nipywidgets.IntSlider(value=4, description='plain')"),
        nbformat.v4.new_code_cell("from nb_widgets import plain_anywidget\nplain_anywidget()"),
    ]
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path = folder / "demo.ipynb"
    nbformat.write(nb, path)
    return path
