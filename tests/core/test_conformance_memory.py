"""Every conformance vector passes on the in-memory reference host."""

from __future__ import annotations

from pathlib import Path

import pytest

from anywidget_core.conformance import load_vectors, run_vector
from anywidget_core.host import MemoryHost

VECTORS = load_vectors(Path(__file__).parents[2] / "protocol" / "vectors")


def test_there_are_enough_vectors() -> None:
    assert len(VECTORS) >= 40
    methods = {step["send"].get("method") for v in VECTORS for step in v["steps"] if isinstance(step.get("send"), dict)}
    assert {"update", "custom", "request_state", "echo_update", "open"} <= methods


def test_packaged_vectors_match_the_repository() -> None:
    assert [v["name"] for v in load_vectors()] == [v["name"] for v in VECTORS]


@pytest.mark.parametrize("vector", VECTORS, ids=lambda v: v["name"])
def test_memory_host(vector: dict) -> None:
    outcome = run_vector(vector, MemoryHost())
    # Vectors of what this host lacks (Jupyter's control comm) are n/a, every other one must pass.
    expected = "n/a" if set(vector.get("requires", ())) & set(MemoryHost.unsupported) else "pass"
    assert outcome.status == expected, outcome.detail
