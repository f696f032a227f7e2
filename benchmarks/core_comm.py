"""Showing an anywidget-core widget on a Jupyter comm, for the benchmarks.

Uses the real adapter (``anywidget_core.hosts.jupyter``) when it is installed; until it lands, a minimal
comm transport written here opens one ``jupyter.widget`` comm through ``comm.create_comm`` exactly as the
adapter will, so both libraries pay for the same comm and the same serialization.
"""

from __future__ import annotations

import importlib.util
import os
from typing import Any

import comm

from anywidget_core import PROTOCOL_VERSION, Widget
from anywidget_core.link import Link
from anywidget_core.messages import Frame

KEY = "benchmarks.jupyter"


_choice: dict[str, object] = {}


def real_adapter() -> bool:
    """Whether the benchmarks go through the Jupyter host adapter.

    ``AWC_BENCH_TRANSPORT=own`` forces the benchmark's transport, ``=adapter`` the adapter; by default the
    adapter is used if it can show a widget (it may be absent or mid-edit in a shared working tree).
    """
    if "adapter" not in _choice:
        mode = os.environ.get("AWC_BENCH_TRANSPORT", "auto")
        if mode == "own":
            _choice["adapter"], _choice["why"] = False, "AWC_BENCH_TRANSPORT=own"
        elif mode == "adapter":
            _choice["adapter"], _choice["why"] = True, "AWC_BENCH_TRANSPORT=adapter"
        else:
            _choice["adapter"], _choice["why"] = _try_adapter()
    return bool(_choice["adapter"])


def why() -> str:
    real_adapter()
    return str(_choice["why"])


def _try_adapter() -> tuple[bool, str]:
    if importlib.util.find_spec("anywidget_core.hosts.jupyter") is None:
        return False, "anywidget_core.hosts.jupyter is not installed"

    class Probe(Widget):
        value: int = 0

    probe = Probe()
    try:
        bundle = probe._repr_mimebundle_()
        model_id = bundle["application/vnd.jupyter.widget-view+json"]["model_id"]
        comm.get_comm_manager().comms[model_id]  # front-end messages must be routable by model id
    except Exception as exc:  # an adapter that cannot show a widget is not measured
        return False, f"the adapter failed to show a widget: {exc!r}"
    finally:
        probe.close()
    return True, "anywidget_core.hosts.jupyter"


class CommTransport:
    """One comm per model: outgoing messages are ``comm_msg``, close is ``comm_close``."""

    def __init__(self, channel: Any) -> None:
        self.comm = channel

    def send(self, data: dict[str, Any], buffers: list[memoryview]) -> None:
        self.comm.send(data, buffers=buffers)

    def close(self) -> None:
        self.comm.close()


def _show_fallback(widget: Widget) -> dict[str, Any]:
    holder: list[Link] = []

    def open_transport(frame: Frame) -> CommTransport:
        data = {k: v for k, v in frame.data.items() if k != "method"}  # comm_open carries no method
        channel = comm.create_comm(
            target_name="jupyter.widget",
            data=data,
            metadata={"version": PROTOCOL_VERSION},
            buffers=frame.buffers,
            comm_id=widget.model_id,
        )
        # Front-end messages go to the link untouched: it validates and never raises.
        channel.on_msg(lambda msg: holder[0].receive(msg["content"]["data"], msg.get("buffers") or []))
        channel.on_close(lambda msg: holder[0].receive({"method": "close"}))
        return CommTransport(channel)

    holder.append(widget.connect(KEY, open_transport))
    return {
        "text/plain": repr(widget),
        "application/vnd.jupyter.widget-view+json": {
            "version_major": 2,
            "version_minor": 1,
            "model_id": widget.model_id,
        },
    }


def show(widget: Widget) -> dict[str, Any]:
    """Display ``widget`` on the current comm implementation; returns its mimebundle."""
    if real_adapter():
        return dict(widget._repr_mimebundle_())
    return _show_fallback(widget)


def comm_of(model_id: str) -> Any:
    """The comm a shown widget's front-end messages arrive on (registered with the comm manager)."""
    return comm.get_comm_manager().comms[model_id]
