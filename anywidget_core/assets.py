"""A widget's ``_esm`` and ``_css``: inline source, a file (``pathlib.Path``), or an ``http(s)`` URL.

A relative file path is relative to the folder of the module that defines the widget class, never to the working
directory: a library declaring ``_esm = "index.js"`` must not pick up an ``index.js`` planted in the folder a user
runs Python from. Only code with no module file (typed in a notebook or a REPL) resolves it against the working
directory, which is where that code is written.
"""

from __future__ import annotations

import logging
import re
import sys
from pathlib import Path

log = logging.getLogger("anywidget_core")

# anywidget's rule: a single-line string that ends like a file name ("index.js") means a file.
_FILE_LIKE = re.compile(r"[a-zA-Z0-9]\.[a-zA-Z0-9]+$")

DEFAULT_ESM = """\
export default {
  render({ model, el }) {
    el.textContent = "anywidget-core: this widget class defines no _esm";
  },
};
"""


class Asset:
    """One front-end source. Files are read when sent, so an edited file is picked up (hot reload); the path is
    kept as found, not resolved, so a symlink re-pointed at another file is followed. While the file cannot be
    read (deleted mid-save, say), the last source read is sent and a warning logged, so displays keep working."""

    __slots__ = ("path", "text", "unreadable")

    def __init__(self, value: str | Path, module: str | None = None) -> None:
        self.path: Path | None = None
        self.text: str = ""  # the inline source or URL; for a file, the last text read from it
        self.unreadable = False  # the last read of the file failed (warned once until it reads again)
        if isinstance(value, Path) or (
            isinstance(value, str) and _FILE_LIKE.search(value) and "\n" not in value and not is_url(value)
        ):
            self.path = _locate(Path(value), module)
            self.text = self.path.read_text(encoding="utf-8")
        elif isinstance(value, str):
            self.text = value
        else:
            raise TypeError(f"_esm and _css must be str or pathlib.Path, not {type(value).__name__}")

    @property
    def source(self) -> str:
        """What the front end gets: the file's current text, or the inline source or URL."""
        if self.path is None:
            return self.text
        try:
            text = self.path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            if not self.unreadable:
                self.unreadable = True
                log.warning("anywidget_core: cannot read %s (%s); sending its last good source", self.path, exc)
            return self.text
        self.text, self.unreadable = text, False
        return text


def is_url(value: str) -> bool:
    return value.startswith(("http://", "https://"))


def _locate(path: Path, module: str | None) -> Path:
    """An absolute path as given; a relative one in the defining module's folder (see the module docstring)."""
    if not path.is_absolute():
        mod = sys.modules.get(module or "")
        file = getattr(mod, "__file__", None)
        path = (Path(file).parent if file else Path.cwd()) / path
    if not path.is_file():
        raise FileNotFoundError(f"widget source file not found: {path}")
    return path.absolute()
