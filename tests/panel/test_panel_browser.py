"""The Panel adapter for real: a Panel server on loopback, headless Chromium, the AFM contract from the page.

One server for the module serves three apps: ``/session`` makes a new widget per browser session, ``/shared``
shows one widget to every session, ``/reload`` shows a widget whose ``_esm`` is a file the tests rewrite.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import panel as pn
import pytest
from afm_widgets import Label, features_class, features_source
from panel.io.state import state

from anywidget_core.testing import panel_server

pytestmark = pytest.mark.browser

Features = features_class(features_source("v1"))
TIMEOUT_MS = 20_000


class App:
    """The served apps and the widgets they made."""

    def __init__(self, reload_esm: Path) -> None:
        self.sessions: list[Any] = []
        self.shared = Features()
        self.reload_cls = features_class(reload_esm)
        self.reloading: list[Any] = []
        self.composed: list[Any] = []

    def session(self) -> Any:
        widget = Features()
        self.sessions.append(widget)
        return pn.Column("## a session", widget, width=400)

    def reload(self) -> Any:
        widget = self.reload_cls()
        self.reloading.append(widget)
        return pn.panel(widget)

    def compose(self) -> Any:
        widget = Features(child=Label())
        self.composed.append(widget)
        return pn.Row(widget)


def wait_for(predicate: Callable[[], Any], timeout: float = 10.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {predicate}")


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[App, str, Path]]:
    esm = tmp_path_factory.mktemp("reload") / "features.js"
    esm.write_text(features_source("v1"), encoding="utf-8")
    app = App(esm)
    apps = {"session": app.session, "shared": app.shared, "reload": app.reload, "compose": app.compose}
    # ended sessions are cleaned up quickly, so the test of it does not wait Bokeh's default 15 s
    with panel_server(apps, check_unused_sessions_milliseconds=500, unused_session_lifetime_milliseconds=2000) as url:
        yield app, url, esm


def open_page(browser: Any, url: str, made: list[Any] | None = None) -> tuple[Any, list[str], Any]:
    """A new browser session on ``url``; its console, and the widget its session made (if ``made`` is given)."""
    context = browser.new_context()
    page = context.new_page()
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text))
    page.on("pageerror", lambda error: console.append(f"pageerror: {error}"))
    before = len(made) if made is not None else 0
    page.goto(url)
    page.locator("#count").wait_for(timeout=TIMEOUT_MS)
    # The widget its session shows: the one with a link (a session Bokeh made for the GET may have expired
    # before the socket connected, and a new one was made for it).
    widget = wait_for(lambda: next((w for w in made[before:] if w.links), None)) if made is not None else None
    return page, console, widget


def text(page: Any, selector: str) -> str:
    return str(page.locator(selector).inner_text())


def expect_text(page: Any, selector: str, expected: str) -> None:
    page.locator(selector, has_text=expected).wait_for(timeout=TIMEOUT_MS)
    assert text(page, selector) == expected


def expect_style(page: Any, selector: str, prop: str, expected: str) -> None:
    """Poll a computed style (inside shadow roots, where wait_for_function's document queries do not reach)."""
    deadline = time.monotonic() + TIMEOUT_MS / 1000
    while (value := page.locator(selector).evaluate(f"e => getComputedStyle(e).{prop}")) != expected:
        assert time.monotonic() < deadline, f"{selector} {prop} is {value}, not {expected}"
        page.wait_for_timeout(50)  # not time.sleep: Playwright's sync API handles events only inside its calls


@pytest.fixture
def session(browser: Any, served: tuple[App, str, Path]) -> Iterator[tuple[Any, list[str], Any]]:
    app, url, _ = served
    page, console, widget = open_page(browser, f"{url}/session", app.sessions)
    yield page, console, widget
    page.context.close()


def test_renders_with_css_in_the_shadow_root_and_layout_names_as_fields(session: tuple[Any, list[str], Any]) -> None:
    page, console, _ = session
    assert text(page, "#count") == "count=0 reply=0"
    assert text(page, "#version") == "v1"
    expect_style(page, "#count", "color", "rgb(0, 128, 0)")
    # _css lives in the component's shadow root, not in the page's head
    assert page.locator("#count").evaluate("e => e.getRootNode() instanceof ShadowRoot")
    assert (
        page.evaluate("() => [...document.querySelectorAll('style')].some(s => s.textContent.includes('#count'))")
        is False
    )
    assert text(page, "#layout") == "5/6/feat/false"
    assert not [line for line in console if "pageerror" in line or "[anywidget]" in line]


def test_save_changes_reaches_python_and_an_observers_reply_comes_back(session: tuple[Any, list[str], Any]) -> None:
    page, _, widget = session
    page.click("#inc")
    expect_text(page, "#count", "count=1 reply=10")
    assert (widget.count, widget.reply) == (1, 10)
    assert int(text(page, "#any-change")) >= 1  # on("change") fires for any field


def test_python_sets_from_another_thread_reach_the_page_in_order(session: tuple[Any, list[str], Any]) -> None:
    page, _, widget = session

    def sets() -> None:
        for i in range(1, 51):
            widget.count = i

    thread = threading.Thread(target=sets)
    thread.start()
    thread.join(timeout=30)
    expect_text(page, "#count", "count=50 reply=500")


def test_a_burst_of_updates_applies_in_order_when_panel_uses_threads(session: tuple[Any, list[str], Any]) -> None:
    """With ``pn.config.nthreads`` Panel handles events on a thread pool; Python must still apply the page's
    updates in the order it sent them, and end on its last value."""
    page, _, widget = session
    seen: list[int] = []
    widget.observe(lambda change: seen.append(change.new), names="count")
    pn.config.nthreads = 4
    try:
        page.click("#burst")
        expect_text(page, "#count", "count=300 reply=3000")
        wait_for(lambda: len(seen) == 300)
    finally:
        pn.config.nthreads = None
    assert seen == list(range(1, 301)) and widget.count == 300


def test_the_sessions_socket_sends_without_delay(session: tuple[Any, list[str], Any]) -> None:
    """Small interactive messages must not wait for delayed ACKs (Nagle): the host sets TCP_NODELAY on the
    session's WebSocket once its view speaks (benchmarks 8e: 48 ms round trips without it, ~6 ms with)."""
    import socket as sockets

    from anywidget_core.hosts.panel import AnywidgetView

    _, _, widget = session
    docs = [
        doc
        for viewable, _root, doc, comm in list(state._views.values())
        if comm is None and any(view.widget is widget for view in viewable.select(AnywidgetView))
    ]
    assert len(docs) == 1
    connections = list(docs[0].session_context.session._subscribed_connections)
    assert connections
    for connection in connections:
        raw = connection._socket.ws_connection.stream.socket
        assert raw.getsockopt(sockets.IPPROTO_TCP, sockets.TCP_NODELAY) == 1


def test_model_send_with_buffers_and_custom_messages_with_buffers(session: tuple[Any, list[str], Any]) -> None:
    page, _, widget = session
    page.click("#send")
    expect_text(page, "#custom", '{"echo":{"kind":"bytes"}}|[object DataView]:0,255;[object DataView]:3,2,1')
    assert widget.messages == [({"kind": "bytes"}, [b"\x01\x02\x03", b"\x09\x08"])]


def test_binary_field_both_ways(session: tuple[Any, list[str], Any]) -> None:
    page, _, widget = session
    assert text(page, "#blob") == "[object DataView]:1,2"
    page.click("#set-blob")
    wait_for(lambda: widget.blob == b"\x07\x07\x07")
    widget.blob = bytearray(b"\x05\x06")
    expect_text(page, "#blob", "[object DataView]:5,6")


def test_a_private_write_is_refused_whole_and_the_widget_keeps_working(session: tuple[Any, list[str], Any]) -> None:
    page, _, widget = session
    with page.expect_console_message(lambda message: "private_field" in message.text, timeout=TIMEOUT_MS):
        page.click("#write-private")
    # nothing of it applied: not the private field, not the count written beside it; the page is told the truth
    expect_text(page, "#count", "count=0 reply=0")
    assert widget.count == 0 and "255" not in widget.full_state()[0]["_css"]
    # the page took Python's state back, its own _css included
    expect_style(page, "#count", "color", "rgb(0, 128, 0)")
    page.click("#inc")
    expect_text(page, "#count", "count=1 reply=10")
    assert widget.count == 1


def test_experimental_invoke_round_trip(session: tuple[Any, list[str], Any]) -> None:
    page, _, _ = session
    page.click("#invoke")
    expect_text(page, "#invoked", '{"y":42}|5,5')


def test_initialize_exports_lifecycle_and_hot_reload_keep_state(browser: Any, served: tuple[App, str, Path]) -> None:
    app, url, esm = served
    page, _, widget = open_page(browser, f"{url}/reload", app.reloading)
    try:
        wait_for(lambda: "initialize:function:true" in widget.log)
        page.click("#inc")
        expect_text(page, "#count", "count=1 reply=10")
        esm.write_text(features_source("v2"), encoding="utf-8")
        widget.reload_asset("_esm")
        expect_text(page, "#version", "v2")
        expect_text(page, "#count", "count=1 reply=10")  # state kept across the reload
        wait_for(lambda: {"initialize-cleanup", "initialize-signal-aborted", "render-cleanup"} <= set(widget.log))
        assert "render-signal-aborted" in widget.log
        assert widget.log.count("initialize:function:true") == 2
    finally:
        page.context.close()
        esm.write_text(features_source("v1"), encoding="utf-8")


def test_composition_renders_a_child_widget(browser: Any, served: tuple[App, str, Path]) -> None:
    app, url, _ = served
    page, _, widget = open_page(browser, f"{url}/compose", app.composed)
    try:
        expect_text(page, ".label", "child")
        widget.child.text = "changed from Python"
        expect_text(page, ".label", "changed from Python")
    finally:
        page.context.close()


def test_two_sessions_of_one_app_are_independent(browser: Any, served: tuple[App, str, Path]) -> None:
    app, url, _ = served
    first, _, first_widget = open_page(browser, f"{url}/session", app.sessions)
    second, _, second_widget = open_page(browser, f"{url}/session", app.sessions)
    try:
        assert first_widget is not second_widget
        first.click("#inc")
        first.click("#inc")
        expect_text(first, "#count", "count=2 reply=20")
        second.click("#inc")
        expect_text(second, "#count", "count=1 reply=10")
        assert (first_widget.count, second_widget.count) == (2, 1)
        expect_text(first, "#count", "count=2 reply=20")
    finally:
        first.context.close()
        second.context.close()


def test_a_shared_widget_keeps_every_session_in_sync(browser: Any, served: tuple[App, str, Path]) -> None:
    app, url, _ = served
    first, _, _ = open_page(browser, f"{url}/shared")
    second, _, _ = open_page(browser, f"{url}/shared")
    try:
        start = app.shared.count
        first.click("#inc")
        expect_text(second, "#count", f"count={start + 1} reply={(start + 1) * 10}")
        app.shared.count = 77
        expect_text(first, "#count", "count=77 reply=770")
        expect_text(second, "#count", "count=77 reply=770")
    finally:
        first.context.close()
        second.context.close()


def test_an_ended_session_releases_its_links_and_python_close_empties_the_view(
    browser: Any, served: tuple[App, str, Path]
) -> None:
    app, url, _ = served
    page, _, widget = open_page(browser, f"{url}/session", app.sessions)
    assert len(widget.links) == 1
    other, _, other_widget = open_page(browser, f"{url}/session", app.sessions)
    try:
        other_widget.close()
        other.locator("#count").wait_for(state="detached", timeout=TIMEOUT_MS)
        assert not other_widget.links
    finally:
        other.context.close()
    page.context.close()
    wait_for(lambda: not widget.links, timeout=15)


def test_a_session_cannot_reach_another_sessions_child(browser: Any, served: tuple[App, str, Path]) -> None:
    """A page that learns the model id of another session's child and names it in its own child field gets
    ``invalid_value``: nothing of that update applies and the other session's child is never opened for it."""
    app, url, _ = served
    first, _, first_widget = open_page(browser, f"{url}/compose", app.composed)
    second, console, second_widget = open_page(browser, f"{url}/compose", app.composed)
    try:
        expect_text(second, ".label", "child")
        theirs, mine = first_widget.child, second_widget.child
        second.evaluate(f"document.body.dataset.adopt = 'anywidget:{theirs.model_id}'")
        with second.expect_console_message(lambda message: "invalid_value" in message.text, timeout=TIMEOUT_MS):
            second.click("#adopt")
        assert second_widget.child is mine and second_widget.count == 0  # all or nothing
        assert len(theirs.links) == 1  # still open for its own session only
        expect_text(second, "#count", "count=0 reply=0")  # the page took Python's state back
        second.click("#inc")
        expect_text(second, "#count", "count=1 reply=10")  # and keeps working
        first_widget.child.text = "still mine"
        expect_text(first, ".label", "still mine")
        assert not any(theirs.model_id in line and "open" in line for line in console)
    finally:
        first.context.close()
        second.context.close()
