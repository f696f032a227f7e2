"""A standalone server in its own process, for memory attacks: ``python -m tests.robustness.standalone_victim``.

Serves one widget holding an 8 MiB binary field (so every full state it sends is 8 MiB) and prints the
WebSocket URL (with the token) and the widget's model id, one per line, then runs until killed.
``ANYWIDGET_VICTIM_STALL`` sets ``ServerLimits.stall_seconds`` (so a test need not wait the default 30 s).
"""

from __future__ import annotations

import os
import sys
import threading
from typing import Any

from anywidget_core import Widget
from anywidget_core.hosts.standalone import serve

STATE_BYTES = 8 * 1024 * 1024


class Victim(Widget):
    value: int = 0
    blob: bytes = b""
    text: str = ""


def main() -> None:
    widget = Victim(blob=b"\x01" * STATE_BYTES)
    options: dict[str, Any] = {}
    if "ANYWIDGET_VICTIM_STALL" in os.environ:
        from anywidget_core.hosts.standalone import ServerLimits

        options["limits"] = ServerLimits(stall_seconds=float(os.environ["ANYWIDGET_VICTIM_STALL"]))
    server = serve({"victim": widget}, **options)
    print(server.ws_url, widget.model_id, sep="\n", flush=True)
    threading.Event().wait()


if __name__ == "__main__":
    sys.exit(main())
