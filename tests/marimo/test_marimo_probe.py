"""The marimo adapter through marimo's real comm manager without a kernel: the conformance vectors, and the
host's registration."""

from __future__ import annotations

from pathlib import Path

import pytest

from anywidget_core.conformance import load_vectors, run_vector
from anywidget_core.hosts.marimo import MarimoHost, MarimoProbe

VECTORS = load_vectors(Path(__file__).parents[2] / "protocol" / "vectors")


def test_registered_and_available() -> None:
    from importlib import metadata

    [entry] = [e for e in metadata.entry_points(group="anywidget_core.hosts") if e.name == "marimo"]
    assert entry.load() is MarimoHost
    assert MarimoHost.missing() is None


@pytest.mark.parametrize("vector", VECTORS, ids=lambda v: v["name"])
def test_conformance(vector: dict) -> None:
    outcome = run_vector(vector, MarimoHost())
    # Vectors needing what marimo's browser cannot send (request_state) are n/a, every other one must pass.
    expected = "n/a" if set(vector.get("requires", ())) & set(MarimoHost.unsupported) else "pass"
    assert outcome.status == expected, outcome.detail


def test_probe_sees_marimo_wire_shapes() -> None:
    import anywidget_core as awc

    class Blobby(awc.Widget):
        _esm = "export default { render() {} }"
        data: bytes = b"\x00"
        n: int = 0

    widget = Blobby()
    probe = MarimoHost().probe(widget)
    assert isinstance(probe, MarimoProbe)
    [opened] = probe.take()
    # _esm came back out of marimo's import spec; bytes came back out of base64
    assert opened.data["state"]["_esm"] == "export default { render() {} }"
    assert opened.buffers == [b"\x00"]
    probe.deliver({"method": "update", "state": {"n": 2, "data": None}, "buffer_paths": [["data"]]}, [b"\x07"])
    assert widget.get_state() == {"data": b"\x07", "n": 2}
    assert probe.take() == []  # marimo drops the echo
    probe.release()
