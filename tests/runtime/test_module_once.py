"""Widget code sent once per front end (SPEC §8.3-8.5): static export, standalone page, Panel view.

A ~20 KB module with a marker string is shown as 50 instances; each host must carry it once per front end, the
runtime must evaluate it once, and every instance must still render and work on its own.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import anywidget_core as awc
from anywidget_core.hosts.modules import ModuleTable, module_id
from anywidget_core.hosts.panel.probe import PanelProbe
from anywidget_core.hosts.standalone import StandaloneServer, serve
from anywidget_core.hosts.static import to_html
from anywidget_core.testing import panel_server

pytestmark = pytest.mark.browser

MARKER = "awc-module-once-marker-7f3a"
N = 50
# Top-level code counts evaluations of the module; each instance counts its own initialize and clicks.
ESM = (
    f"globalThis.__evaluated = (globalThis.__evaluated ?? 0) + 1; // {MARKER}\n"
    + "".join(f"const pad{i} = {json.dumps('x' * 180)};\n" for i in range(100))  # ~20 KB of code
    + """
export default {
  initialize({ model }) {
    globalThis.__initialized = (globalThis.__initialized ?? 0) + 1;
  },
  render({ model, el }) {
    const button = document.createElement("button");
    button.className = "once-button";
    const show = () => (button.textContent = String(model.get("count")));
    button.addEventListener("click", () => {
      model.set("count", model.get("count") + 1);
      model.save_changes();
    });
    model.on("change:count", show);
    show();
    el.append(button);
  },
};
"""
)
CSS = f".once-button {{ min-width: 3rem; }} /* {MARKER}-css */"


class Once(awc.Widget):
    _esm = ESM
    _css = CSS
    count: int = 0


def instances() -> dict[str, Once]:
    return {f"w{i}": Once(count=i) for i in range(N)}


def test_module_is_about_20_kb() -> None:
    assert 19_000 < len(ESM.encode()) < 22_000


def test_static_export_holds_the_module_once_and_all_instances_work(browser: Any, tmp_path: Path) -> None:
    path = tmp_path / "fifty.html"
    html = to_html(instances(), path)
    assert html.count(MARKER) == 2  # the module once and the stylesheet once (its marker ends in "-css")
    assert html.count(MARKER + "-css") == 1
    page = browser.new_page()
    try:
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(path.as_uri())
        page.wait_for_selector("html[data-awc-rendered=true]")
        assert page.locator(".once-button").all_inner_texts() == [str(i) for i in range(N)]
        assert page.evaluate("[globalThis.__evaluated, globalThis.__initialized]") == [1, N]
        page.locator(".once-button").nth(7).click()  # each instance is its own model
        page.wait_for_function("document.querySelectorAll('.once-button')[7].textContent === '8'")
        assert page.locator(".once-button").nth(8).inner_text() == "8"
        styles = "(m) => [...document.querySelectorAll('style')].filter((s) => s.textContent.includes(m)).length"
        assert page.evaluate(styles, MARKER) == N  # the CSS resolved from its reference, one node per model
        assert page.locator("#awc-errors").inner_text() == ""
        assert errors == []
    finally:
        page.close()


@pytest.fixture(scope="module")
def fifty() -> Iterator[tuple[StandaloneServer, dict[str, Once]]]:
    widgets = instances()
    with serve(widgets, title="fifty") as running:
        yield running, widgets


def open_counting(context: Any, url: str, ready: str) -> tuple[Any, list[int]]:
    """A tab on ``url`` whose WebSocket frames from the server are scanned for the marker (the wire, not the
    runtime), once the page's ``ready`` condition holds."""
    page = context.new_page()
    seen = [0]

    def on_socket(ws: Any) -> None:
        def frame(payload: Any) -> None:
            text = payload if isinstance(payload, str) else payload.decode("utf-8", "replace")
            seen[0] += len(re.findall(re.escape(MARKER) + r"(?!-css)", text))

        ws.on("framereceived", frame)

    page.on("websocket", on_socket)
    page.goto(url)
    page.wait_for_function(ready, timeout=30_000)
    return page, seen


STANDALONE_READY = f"document.querySelectorAll('.once-button').length === {N}"


def test_standalone_page_receives_the_module_once_and_a_second_tab_again(
    browser: Any, fifty: tuple[StandaloneServer, dict[str, Once]]
) -> None:
    server, widgets = fifty
    context = browser.new_context()
    try:
        first, seen = open_counting(context, server.url, STANDALONE_READY)
        assert seen == [1]
        assert first.evaluate("anywidgetCorePage.modulesReceived") == 2  # _esm and _css, once each
        assert first.evaluate("[globalThis.__evaluated, globalThis.__initialized]") == [1, N]
        first.locator(".once-button").nth(3).click()
        first.wait_for_function("document.querySelectorAll('.once-button')[3].textContent === '4'")
        # the click reached Python through the shared module's model (the page shows its own set at once)
        deadline = time.monotonic() + 10
        while widgets["w3"].count != 4 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert widgets["w3"].count == 4
        # a new front end needs the module again
        second, seen_again = open_counting(context, server.url, STANDALONE_READY)
        assert seen_again == [1]
        assert second.evaluate("anywidgetCorePage.modulesReceived") == 2
        assert second.locator(".once-button").nth(3).inner_text() == "4"
        widgets["w5"].count = 50  # Python's set reaches both tabs, with no module resent
        for p in (first, second):
            p.wait_for_function("document.querySelectorAll('.once-button')[5].textContent === '50'")
        assert seen == [1] and seen_again == [1]
        widgets["w3"].count = 3
    finally:
        context.close()


def test_hot_reload_sends_the_new_module_and_rerenders(browser: Any, tmp_path: Path) -> None:
    source = tmp_path / "reloaded.js"
    source.write_text('export default { render({ el }) { el.textContent = "v1"; } };')

    class Reloaded(awc.Widget):
        _esm = source

    widgets = {"a": Reloaded(), "b": Reloaded()}
    with serve(widgets) as server:
        page = browser.new_page()
        try:
            page.goto(server.url)
            page.wait_for_function("document.querySelectorAll('.awc-widget > div').length === 2")
            page.wait_for_function(
                "[...document.querySelectorAll('.awc-widget > div')].every(d => d.textContent === 'v1')"
            )
            source.write_text('export default { render({ el }) { el.textContent = "v2"; } };')
            for widget in widgets.values():
                widget.reload_asset("_esm")
            page.wait_for_function(
                "[...document.querySelectorAll('.awc-widget > div')].every(d => d.textContent === 'v2')"
            )
            assert page.evaluate("anywidgetCorePage.modulesReceived") == 2  # v1, then v2 once for both
        finally:
            page.close()


def test_a_reference_to_an_unsent_module_is_rejected(browser: Any, fifty: tuple[StandaloneServer, Any]) -> None:
    server, _ = fifty
    page = browser.new_page()
    try:
        page.goto(server.url)
        page.wait_for_selector(".once-button")
        page.evaluate(
            """(id) => anywidgetCorePage.runtime.receive("forged", {method: "open", state: {_esm: {$module: id}}})""",
            "0" * 64,
        )
        page.wait_for_function("document.getElementById('awc-errors').textContent.includes('was not sent')")
        assert page.evaluate("anywidgetCorePage.runtime.model('forged')") is None
    finally:
        page.close()


def test_table_sends_each_text_once_and_again_after_reset() -> None:
    table = ModuleTable()
    sent: list[tuple[Any, list[dict[str, Any]]]] = []
    open_ = {"method": "open", "state": {"_esm": ESM, "_css": "", "count": 1}, "buffer_paths": []}
    for _ in range(3):
        table.send(open_, lambda data, modules: sent.append((data, modules)))
    assert [len(m) for _, m in sent] == [1, 0, 0]
    assert sent[0][1][0] == {"method": "module", "id": module_id(ESM), "text": ESM}
    assert all(d["state"]["_esm"] == {"$module": module_id(ESM)} and d["state"]["_css"] == "" for d, _ in sent)
    assert open_["state"]["_esm"] == ESM  # the caller's message is not modified
    table.send({"method": "custom", "content": {"_esm": ESM}}, lambda d, m: sent.append((d, m)))
    assert sent[-1] == ({"method": "custom", "content": {"_esm": ESM}}, [])  # only open/update state
    table.reset()
    table.send(open_, lambda data, modules: sent.append((data, modules)))
    assert len(sent[-1][1]) == 1


def test_panel_view_gets_each_module_once_per_ready() -> None:
    class Pair(awc.Widget):
        _esm = "export default { render() {} } // pair"
        children: list[awc.Widget] = []

    pair = Pair(children=[Once(), Once(), Once()])
    probe = PanelProbe(pair)
    received = probe.take()
    assert [r.data["method"] for r in received] == ["open"] * 4
    assert all(r.data["state"]["_esm"] in (ESM, Pair._esm) for r in received)  # the probe resolved references
    assert probe.modules.received == 3  # Once's _esm and _css, Pair's _esm
    probe._send({"model_id": None, "data": {"method": "ready"}, "buffers": []})  # a re-rendered view: new runtime
    probe.take()
    assert probe.modules.received == 6


PANEL_VIEWS = 10


@pytest.fixture(scope="module")
def panel_page() -> Iterator[str]:
    """A Panel server whose page shows PANEL_VIEWS components of one widget class (one view each)."""
    import panel as pn

    apps = {"many": lambda: pn.Column(*(pn.panel(Once(count=i)) for i in range(PANEL_VIEWS)))}
    with panel_server(apps) as url:
        yield f"{url}/many"


PANEL_READY = f"globalThis.__initialized === {PANEL_VIEWS}"


def _panel_buttons(page: Any) -> list[str]:
    # Panel renders each view in a shadow root: collect the buttons through every open shadow root
    return page.evaluate(
        """() => {
          const out = [];
          const walk = (root) => {
            for (const el of root.querySelectorAll("*")) {
              if (el.classList.contains("once-button")) out.push(el.textContent);
              if (el.shadowRoot) walk(el.shadowRoot);
            }
          };
          walk(document);
          return out;
        }"""
    )


def test_panel_page_of_many_components_receives_the_module_once(browser: Any, panel_page: str) -> None:
    context = browser.new_context()
    try:
        page, seen = open_counting(context, panel_page, PANEL_READY)
        assert sorted(_panel_buttons(page), key=int) == [str(i) for i in range(PANEL_VIEWS)]
        assert seen == [1]  # one module message for the page, though each component is a view of its own
        assert page.evaluate("globalThis.__evaluated") == 1  # and one import, shared by the views' runtimes
        page.reload()  # a reloaded page is a new front end: it gets the module again
        page.wait_for_function(f"globalThis.__initialized === {PANEL_VIEWS}", timeout=30_000)
        assert sorted(_panel_buttons(page), key=int) == [str(i) for i in range(PANEL_VIEWS)]
        assert seen == [2]
    finally:
        context.close()
