"""Fixtures for the robustness suite."""

from __future__ import annotations

import logging

import pytest


@pytest.fixture(autouse=True)
def _no_panel_debug_records(caplog: pytest.LogCaptureFixture) -> None:
    """Leak checks count what keeps a widget alive. Panel's logger is set to DEBUG (its own handler prints only
    warnings) and logs every Bokeh event it receives; since pytest 9.1 log capture also keeps records of such
    non-propagating loggers until the test ends, and a record's arguments hold the event, its view and so the
    widget. Outside pytest nothing keeps those records, so they are not created here either."""
    caplog.set_level(logging.WARNING, logger="panel")
