"""A widget's ``_esm`` and ``_css``: inline source, a file (``pathlib.Path``), or an ``http(s)`` URL."""

from __future__ import annotations

import re
import sys
from pathlib import Path

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
    """One front-end source. Files are read when sent, so an edited file is picked up (hot reload)."""

    __slots__ = ("path", "text")

    def __init__(self, value: str | Path, module: str | None = None) -> None:
        self.path: Path | None = None
        self.text: str = ""
        if isinstance(value, Path) or (
            isinstance(value, str) and _FILE_LIKE.search(value) and "\n" not in value and not is_url(value)
        ):
            self.path = _locate(Path(value), module)
        elif isinstance(value, str):
            self.text = value
        else:
            raise TypeError(f"_esm and _css must be str or pathlib.Path, not {type(value).__name__}")

    @property
    def source(self) -> str:
        """What the front end gets: the file's current text, or the inline source or URL."""
        return self.path.read_text(encoding="utf-8") if self.path is not None else self.text


def is_url(value: str) -> bool:
    return value.startswith(("http://", "https://"))


def _locate(path: Path, module: str | None) -> Path:
    """Relative paths: the working directory first (as anywidget does), then the defining module's folder."""
    candidates = [path]
    mod = sys.modules.get(module or "")
    if not path.is_absolute() and mod is not None and getattr(mod, "__file__", None):
        candidates.append(Path(mod.__file__).parent / path)  # type: ignore[arg-type]
    for candidate in candidates:
        if candidate.is_file():
            return candidate.resolve()
    raise FileNotFoundError(f"widget source file not found: {path}")
