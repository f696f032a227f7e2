"""Execute a notebook and keep its widgets' state, for an export.

nbclient records every ``jupyter.widget`` comm's open and updates from IOPub into the notebook's saved widget
state (``store_widget_state``); our comms speak that protocol, so our widgets are captured as ipywidgets are.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any


def execute(nb: Any, *, cwd: str | os.PathLike[str], timeout: int = 600, kernel_name: str | None = None) -> Any:
    """Run every cell of ``nb`` (an nbformat node, changed in place) in a fresh kernel started in ``cwd``."""
    from nbclient import NotebookClient

    options: dict[str, Any] = {"timeout": timeout, "store_widget_state": True}
    if kernel_name:
        options["kernel_name"] = kernel_name
    client = NotebookClient(nb, resources={"metadata": {"path": str(Path(cwd))}}, **options)
    client.execute()
    return nb
