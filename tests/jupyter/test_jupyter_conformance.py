"""Every conformance vector passes through the Jupyter adapter's comm transport (recording comms)."""

from __future__ import annotations

from typing import Any

import comm
import pytest

from anywidget_core.conformance import load_vectors, run_vector
from anywidget_core.hosts.jupyter import JupyterHost
from anywidget_core.widget import Widget

VECTORS = load_vectors()


@pytest.mark.parametrize("vector", VECTORS, ids=lambda v: v["name"])
def test_jupyter_host(vector: dict[str, Any]) -> None:
    outcome = run_vector(vector, JupyterHost())
    assert outcome.status == "pass", outcome.detail


def test_vectors_leave_no_comm_behind() -> None:
    before = set(comm.get_comm_manager().comms)
    for vector in VECTORS:
        run_vector(vector, JupyterHost())
    assert set(comm.get_comm_manager().comms) <= before


def test_a_replaced_control_comm_stays_off_the_model_stream() -> None:
    """A second control_open leaves the first comm open; its close (say, when it is garbage collected) belongs to
    the control comm, not to the model the front end shows."""

    class Plain(Widget):
        _esm = "export default {}"

    widget = Plain()
    probe = JupyterHost().probe(widget)
    try:
        assert [m.data["method"] for m in probe.take()] == ["open"]
        probe.control_open("1.0.0")
        first = probe.control
        probe.control_open("1.0.0")
        first.close()
        assert probe.take() == []
        assert [m.data for m in probe.control_take()] == [{"method": "close"}]
    finally:
        widget.close()
