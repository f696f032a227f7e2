"""The originals in JupyterLab (the reference), and the ports beside them in the same notebook and kernel."""

from __future__ import annotations

from typing import Any

import pytest

from .cases import CASES
from .checks import CHECKS
from .pages import TOLERANCE

pytestmark = [pytest.mark.browser, pytest.mark.corpus]

NAMES = list(CASES)


@pytest.mark.parametrize("name", NAMES)
def test_original_in_lab(name: str, reference: dict[str, Any]) -> None:
    m = reference["originals"][name]
    check = CHECKS[name]
    assert m["found"] and m["elements"] > 1 and m["width"] > 0 and m["height"] > 0, m
    if check.css:  # the value may differ from other hosts' where the CSS falls back on JupyterLab's variables
        assert m["style"] not in (None, "missing"), m
    for own in check.own_errors:  # the errors the ports are allowed are the original's own
        assert any(own in e for e in reference["errors"]), (own, reference["errors"])
    section, widget = reference["original"](name)
    if check.interact:
        check.interact(section, widget)
    if check.python:
        check.python(section, widget)


@pytest.mark.parametrize("name", NAMES)
def test_port_in_lab(name: str, reference: dict[str, Any]) -> None:
    m, original = reference["ports"][name], reference["originals"][name]
    check = CHECKS[name]
    assert m["found"] and m["elements"] > 1, m
    assert abs(m["width"] - original["width"]) <= TOLERANCE and abs(m["height"] - original["height"]) <= TOLERANCE, (
        m,
        original,
    )
    assert m["style"] == original["style"]
    section, widget = reference["port"](name)
    if check.interact:
        check.interact(section, widget)
    if check.python:
        check.python(section, widget)
