"""Every conformance vector passes through the Jupyter adapter's comm transport (recording comms)."""

from __future__ import annotations

from typing import Any

import comm
import pytest

from anywidget_core.conformance import load_vectors, run_vector
from anywidget_core.hosts.jupyter import JupyterHost

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
