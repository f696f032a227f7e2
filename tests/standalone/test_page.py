"""The standalone page in headless Chromium: render, clicks, Python sets, custom buffers, tabs, reconnects."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from anywidget_core.hosts.standalone import StandaloneServer, serve

from .widgets import Echo, counter_class

pytestmark = pytest.mark.browser

Counter = counter_class()
VALUE = ".awc-counter-value"


@pytest.fixture(scope="module")
def widgets() -> dict[str, Any]:
    return {"counter": Counter(value=7, step=2), "echo": Echo()}


@pytest.fixture(scope="module")
def server(widgets: dict[str, Any]) -> Iterator[StandaloneServer]:
    with serve(widgets, title="standalone test") as running:
        yield running


def open_page(context: Any, server: StandaloneServer) -> Any:
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(server.url)
    page.wait_for_selector("#awc-status[data-state=open]")
    page.wait_for_selector(VALUE)
    page.js_errors = errors
    return page


def shows(page: Any, selector: str, text: str) -> None:
    page.wait_for_function(
        "([s, t]) => document.querySelector(s)?.textContent === t", arg=[selector, text], timeout=10_000
    )


def wait_until(check: Any, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        time.sleep(0.02)


def test_renders_with_css_and_titles(page: Any, server: StandaloneServer, widgets: dict[str, Any]) -> None:
    p = open_page(page.context, server)
    shows(p, VALUE, str(widgets["counter"].value))
    assert p.title() == "standalone test"
    assert p.locator(".awc-widget > h2").all_inner_texts() == ["counter", "echo"]
    radius = p.eval_on_selector(".awc-counter", "el => getComputedStyle(el).borderTopLeftRadius")
    assert radius == "14px"  # the widget's _css applied
    assert p.js_errors == []


def test_click_updates_python_and_python_updates_page(
    page: Any, server: StandaloneServer, widgets: dict[str, Any]
) -> None:
    counter = widgets["counter"]
    p = open_page(page.context, server)
    start = counter.value
    p.click(".awc-counter-inc")
    wait_until(lambda: counter.value == start + 2)
    shows(p, VALUE, str(start + 2))
    counter.value = -40
    shows(p, VALUE, "-40")


def test_custom_message_with_buffers_both_ways(page: Any, server: StandaloneServer, widgets: dict[str, Any]) -> None:
    echo = widgets["echo"]
    p = open_page(page.context, server)
    p.click(".echo-send")
    wait_until(lambda: len(echo.received) > 0)
    assert echo.received[-1] == ({"kind": "bytes"}, [bytes([1, 2, 3, 250])])
    shows(p, ".echo-out", "reversed:250,3,2,1")  # Python's reply with its buffer, rendered by the page
    echo.send({"kind": "direct"}, [b"\x09\x08"])
    shows(p, ".echo-out", "direct:9,8")


def test_counter_reset_round_trip(page: Any, server: StandaloneServer, widgets: dict[str, Any]) -> None:
    counter = widgets["counter"]
    p = open_page(page.context, server)
    counter.value = 55
    shows(p, VALUE, "55")
    p.click(".awc-counter-reset")
    shows(p, VALUE, "0")
    shows(p, ".awc-counter-note", "reset from 55")
    assert counter.value == 0


def test_two_tabs_stay_in_sync(browser: Any, server: StandaloneServer, widgets: dict[str, Any]) -> None:
    counter = widgets["counter"]
    contexts = [browser.new_context(), browser.new_context()]
    try:
        a, b = (open_page(c, server) for c in contexts)
        counter.value = 100
        shows(a, VALUE, "100")
        shows(b, VALUE, "100")
        a.click(".awc-counter-inc")
        shows(b, VALUE, "102")  # tab A's change reached Python and, from there, tab B
        b.click(".awc-counter-dec")
        shows(a, VALUE, "100")
        assert counter.value == 100
    finally:
        for c in contexts:
            c.close()


def test_reconnect_gets_current_state(page: Any, server: StandaloneServer, widgets: dict[str, Any]) -> None:
    counter = widgets["counter"]
    before = len(counter.links)
    p = open_page(page.context, server)
    wait_until(lambda: len(counter.links) == before + 1)
    p.evaluate("anywidgetCorePage.disconnect()")
    p.wait_for_selector("#awc-status[data-state=closed]")
    wait_until(lambda: len(counter.links) == before)  # the server dropped the tab's links
    counter.value = 4242  # nobody on this tab can hear this update
    assert p.inner_text(VALUE) != "4242"
    p.evaluate("anywidgetCorePage.connect()")
    shows(p, VALUE, "4242")  # the open on reconnect carried the current state
    p.click(".awc-counter-inc")  # and the reconnected tab drives Python again
    wait_until(lambda: counter.value == 4244)


def test_server_rejection_is_shown_and_page_keeps_working(
    page: Any, server: StandaloneServer, widgets: dict[str, Any]
) -> None:
    counter = widgets["counter"]
    p = open_page(page.context, server)
    # A widget bug: it writes a string into an int field. Python refuses; the page says so and resyncs.
    p.evaluate(
        """(id) => { const m = anywidgetCorePage.runtime.model(id); m.set("value", "lots"); m.save_changes(); }""",
        counter.model_id,
    )
    p.wait_for_selector("#awc-errors >> text=invalid_value")
    before = counter.value
    shows(p, VALUE, str(before))
    p.click(".awc-counter-inc")
    # the page shows its own set at once; Python's value is read only once the click has reached it
    wait_until(lambda: counter.value == before + counter.step)
    shows(p, VALUE, str(before + counter.step))


def test_token_cookie_in_chromium(browser: Any, widgets: dict[str, Any]) -> None:
    """The printed URL logs the browser in: the page, its scripts and its WebSocket then work on the bare URL
    (cookie); a browser without the token gets a refusal; after a restart with a new token the page stops
    retrying and says why."""
    running = serve(widgets, title="token test")
    context = browser.new_context()
    try:
        p = open_page(context, running)  # ?token=...: sets the cookie
        cookie = {c["name"]: c for c in context.cookies()}[running.access.cookie_name]
        assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
        p.goto(running.root)  # no token in the URL: the cookie is enough, for the page and the socket
        p.wait_for_selector("#awc-status[data-state=open]")
        shows(p, VALUE, str(widgets["counter"].value))
        assert p.evaluate("document.cookie") == ""  # HttpOnly: page scripts cannot read it
        stranger = browser.new_context()
        try:
            refused = stranger.new_page()
            response = refused.goto(running.root)
            assert response.status == 403 and "token" in refused.content()
        finally:
            stranger.close()
        # a restart on the same port with a new token: the open page's reconnect is refused, and it says so
        running.stop()
        running = serve(widgets, port=running.port, token="a-new-token")
        p.wait_for_function("document.querySelector('#awc-status').textContent.startsWith('refused')")
        assert "token required" in p.text_content("#awc-status")
    finally:
        context.close()
        running.stop()
