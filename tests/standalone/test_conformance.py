"""Every conformance vector, replayed through the standalone host's real socket, framing and sessions."""

from __future__ import annotations

from anywidget_core.conformance.runner import format_table, load_vectors, run
from anywidget_core.host import available_hosts
from anywidget_core.hosts.standalone import StandaloneHost


def test_registered_as_the_standalone_entry_point() -> None:
    assert available_hosts()["standalone"] is StandaloneHost
    assert StandaloneHost.missing() is None


def test_every_vector_passes() -> None:
    host = StandaloneHost()
    try:
        outcomes = run([host], load_vectors())
    finally:
        host.shutdown()
    assert len(outcomes) >= 60
    # Vectors of Jupyter's control comm (SPEC §8.1.1) are n/a here; every other one must pass.
    control = {v["name"] for v in load_vectors() if "control_comm" in v.get("requires", ())}
    failed = [o for o in outcomes if o.status != ("n/a" if o.vector in control else "pass")]
    assert not failed, format_table(outcomes)
