"""The ports on a real Panel server (anywidget-core's Panel host: runtime.js inside a Bokeh component's shadow
root), in headless Chromium, checked like the other hosts against the originals in JupyterLab."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from bokeh.resources import INLINE

from anywidget_core.hosts.panel import component
from anywidget_core.testing import panel_server

from .cases import CASES, build_port
from .checks import CHECKS, assert_like, foreign_errors
from .pages import (
    ADD_TO_SHADOW_ROOT,
    MEASURE,
    SHADOW_LAB_CONTEXT_CSS,
    TOLERANCE,
    WIDTH,
    open_offline_file,
    wait_until,
    watch_errors,
)
from .test_corpus import NEEDS_PYTHON

pytestmark = [pytest.mark.browser, pytest.mark.corpus]

GAPS: dict[str, Any] = {}  # known gaps by widget: xfail(strict=True) marks with the measured cause


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[str, dict[str, list[Any]]]]:
    """One Panel server, an app per corpus widget; each session gets a new port, recorded in ``made``."""
    made: dict[str, list[Any]] = {name: [] for name in CASES}

    def app(name: str) -> Any:
        def make() -> Any:
            widget = build_port(name)
            made[name].append(widget)
            return component(widget, width=WIDTH)

        return make

    with panel_server({name: app(name) for name in CASES}) as url:
        yield url, made


@pytest.mark.parametrize("name", [pytest.param(n, marks=GAPS.get(n, ()), id=n) for n in CASES])
def test_panel(name: str, served: tuple[str, dict[str, list[Any]]], browser: Any, reference: dict[str, Any]) -> None:
    url, made = served
    check = CHECKS[name]
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    try:
        page = context.new_page()
        errors = watch_errors(page)
        before = len(made[name])
        page.goto(f"{url}/{name}")
        root = page.locator("body")
        root.locator(check.key).first.wait_for(state="attached", timeout=20_000)
        wait_until(lambda: any(w.links for w in made[name][before:]), what="the session's widget linked")
        widget = next(w for w in made[name][before:] if w.links)
        if check.lab_context:
            assert page.evaluate(ADD_TO_SHADOW_ROOT, [check.key, SHADOW_LAB_CONTEXT_CSS])
        page.wait_for_timeout(300)
        css = list(check.css[:2]) if check.css else None
        m = page.evaluate(MEASURE, [root.element_handle(), check.key, css])
        assert_like(m, name, reference["originals"][name])
        assert foreign_errors(name, errors) == [], errors
        if check.interact:
            check.interact(root, widget)
        if check.python:
            check.python(root, widget)
        assert foreign_errors(name, errors) == [], errors
    finally:
        context.close()


@pytest.mark.parametrize("name", [pytest.param(n, marks=GAPS.get(n, ()), id=n) for n in CASES if n not in NEEDS_PYTHON])
def test_panel_save_offline(name: str, browser: Any, tmp_path: Path, reference: dict[str, Any]) -> None:
    """``.save(resources=INLINE)`` opened from disk, network refused: the widget shows its state."""
    path = tmp_path / f"{name}.html"
    component(build_port(name), width=WIDTH).save(str(path), resources=INLINE)
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    try:
        page, _ = open_offline_file(context, path)
        page.wait_for_function("() => window.Bokeh && Bokeh.documents && Bokeh.documents.length > 0")
        page.wait_for_timeout(2000)
        check = CHECKS[name]
        if check.lab_context:  # as on the live page: the widget takes font and box model from its context
            assert page.evaluate(ADD_TO_SHADOW_ROOT, [check.key, SHADOW_LAB_CONTEXT_CSS])
            page.wait_for_timeout(300)
        m = page.evaluate(MEASURE, [page.locator("body").element_handle(), check.key, None])
        original = reference["originals"][name]
        assert m["found"], f"{check.key} is not on the saved page"
        assert abs(m["width"] - original["width"]) <= TOLERANCE and abs(m["height"] - original["height"]) <= TOLERANCE
        # Panel's saved page asks its CDN for theme CSS even with INLINE resources (Panel's own); those are refused
        assert foreign_errors(name, [e for e in page.corpus_errors if "Failed to load resource" not in e]) == []
    finally:
        context.close()
