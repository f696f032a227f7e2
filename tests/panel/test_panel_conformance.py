"""Every conformance vector, replayed through the Panel adapter (Bokeh documents, Bokeh's serializer, the
component's own event handling)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from panel.io.state import state

from anywidget_core.conformance.runner import format_table, load_vectors, run
from anywidget_core.host import available_hosts
from anywidget_core.hosts.panel import PanelHost


@pytest.fixture(autouse=True)
def panel_state() -> Iterator[None]:
    yield
    state.reset()


def test_registered_as_the_panel_entry_point() -> None:
    assert available_hosts()["panel"] is PanelHost
    assert PanelHost.missing() is None


def test_every_vector_passes() -> None:
    outcomes = run([PanelHost()], load_vectors())
    assert len(outcomes) >= 60
    # Vectors of Jupyter's control comm (SPEC §8.1.1) are n/a here; every other one must pass.
    control = {v["name"] for v in load_vectors() if "control_comm" in v.get("requires", ())}
    failed = [o for o in outcomes if o.status != ("n/a" if o.vector in control else "pass")]
    assert not failed, format_table(outcomes)
