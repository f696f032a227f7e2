"""A front end may reference (``"anywidget:<id>"``) only widgets shown to it: not another front end's, not an
unserved one, not one never shown anywhere. A refused reference is an ``invalid_value`` error, nothing of the
update applies, the widget it names is never opened on the sender's transport, and every front end keeps working.

Checked on the memory host, the standalone server over real sockets (two tabs) and Panel (two sessions: two
Bokeh documents through the component's real event handling).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from websockets.sync.client import ClientConnection, connect

from anywidget_core import Widget
from anywidget_core.host import MemoryHost, Received
from anywidget_core.hosts.panel.probe import PanelProbe
from anywidget_core.hosts.standalone import serve
from anywidget_core.hosts.standalone.framing import decode_frame, encode_frame


class Secret(Widget):
    value: int = 0


class Parent(Widget):
    value: int = 0
    child: Secret | None = None
    kids: list[Widget] = []


def _ref(widget: Widget) -> str:
    return f"anywidget:{widget.model_id}"


def _errors(frames: list[Received]) -> list[dict[str, Any]]:
    return [f.data for f in frames if f.data.get("method") == "error"]


def _assert_refused(error: dict[str, Any], target: Widget) -> None:
    assert error["code"] == "invalid_value" and error["rejected"] == "update", error
    assert "shown to this front end" in error["message"] and target.model_id in error["message"], error


def test_memory_host_refuses_other_front_ends_and_never_shown_widgets() -> None:
    parent, secret, ghost = Parent(), Secret(value=7), Secret()
    mine, theirs = MemoryHost().probe(parent), MemoryHost().probe(secret)
    mine.take(), theirs.take()
    for target in (secret, ghost):  # shown to another front end; shown nowhere
        for state in ({"value": 5, "child": _ref(target)}, {"kids": [_ref(parent), _ref(target)]}):
            mine.deliver({"method": "update", "state": state})
            frames = mine.take()
            assert [f.data["method"] for f in frames] == ["error"], frames  # no open of the target, no echo
            _assert_refused(frames[0].data, target)
    assert (parent.value, parent.child, parent.kids) == (0, None, [])
    assert list(secret.links) == [theirs.link.key] and not ghost.links  # nothing opened on `mine`
    assert theirs.take() == []
    # the same front end may name what it was shown: the parent itself, and a child opened with it
    mine.deliver({"method": "update", "state": {"kids": [_ref(parent)]}})
    assert parent.kids == [parent]
    parent.child = secret  # Python may set any widget: it is opened on every front end of the parent first
    assert [f.data["method"] for f in mine.take()] == ["echo_update", "open", "update"]
    parent.child = None
    mine.deliver({"method": "update", "state": {"child": _ref(secret)}})
    assert parent.child is secret and not _errors(mine.take())


def test_a_front_end_that_closed_a_widget_can_no_longer_name_it() -> None:
    parent, secret = Parent(), Secret()
    parent.kids = [secret]
    mine = MemoryHost().probe(parent)
    mine.take()
    secret.links[mine.link.key].receive({"method": "close"})  # the front end closed the child's model
    mine.deliver({"method": "update", "state": {"child": _ref(secret)}})
    _assert_refused(_errors(mine.take())[0], secret)
    assert parent.child is None


class _Tab:
    """A raw standalone front end on its own socket."""

    def __init__(self, url: str) -> None:
        self.ws: ClientConnection = connect(url, max_size=None, open_timeout=10).__enter__()
        self.frames: list[tuple[str | None, dict[str, Any]]] = []

    def send(self, model_id: str, data: dict[str, Any]) -> None:
        self.ws.send(encode_frame(model_id, data, []))

    def wait_for(self, match: Callable[[str | None, dict[str, Any]], bool]) -> tuple[str | None, dict[str, Any]]:
        deadline = time.monotonic() + 10
        while True:
            model_id, data, _ = decode_frame(self.ws.recv(timeout=max(0.01, deadline - time.monotonic())), 1 << 30)
            self.frames.append((model_id, data))
            if match(model_id, data):
                return model_id, data

    def sync(self) -> None:
        """Every reply to what was sent before has arrived once the pong does (frames are handled in order)."""
        self.ws.send(encode_frame(None, {"method": "ping", "id": 1}))
        self.wait_for(lambda m, d: d.get("method") == "pong")


def test_standalone_tab_cannot_reach_another_tabs_or_an_unserved_widget() -> None:
    parent, secret, unserved = Parent(), Secret(value=7), Secret()
    with serve({"parent": parent, "secret": secret}) as server:
        mine, theirs = _Tab(server.socket_url("parent")), _Tab(server.socket_url("secret"))
        try:
            mine.wait_for(lambda m, d: d.get("method") == "open")
            theirs.wait_for(lambda m, d: d.get("method") == "open")
            for target in (secret, unserved):
                mine.send(parent.model_id, {"method": "update", "state": {"value": 5, "child": _ref(target)}})
                model_id, error = mine.wait_for(lambda m, d: d.get("method") in ("error", "open", "echo_update"))
                assert model_id == parent.model_id
                _assert_refused(error, target)
            mine.sync()
            theirs.sync()
            # nothing opened (widget code comes as a `module` frame before the open, SPEC §8.3)
            assert [d["method"] for _, d in mine.frames] == ["module", "open", "error", "error", "pong"]
            assert [d["method"] for _, d in theirs.frames] == ["module", "open", "pong"]
            assert (parent.value, parent.child) == (0, None)
            # a tab shown both may reference one from the other
            both = _Tab(server.socket_url())
            try:
                both.wait_for(lambda m, d: m == parent.model_id and d.get("method") == "open")
                both.send(parent.model_id, {"method": "update", "state": {"child": _ref(secret)}})
                both.wait_for(lambda m, d: d.get("method") == "echo_update")
                assert parent.child is secret
            finally:
                both.ws.close()
        finally:
            mine.ws.close()
            theirs.ws.close()


def test_panel_session_cannot_reach_another_sessions_child() -> None:
    secret = Secret(value=7)
    shown_with_child, other = Parent(kids=[secret]), Parent()
    first, second = PanelProbe(shown_with_child), PanelProbe(other)  # two sessions: two Bokeh documents
    first.take(), second.take()
    second.deliver({"method": "update", "state": {"value": 5, "child": _ref(secret)}})
    frames = second.take()
    assert [f.data["method"] for f in frames] == ["error"], frames
    _assert_refused(frames[0].data, secret)
    assert (other.value, other.child) == (0, None) and first.take() == []
    first.deliver({"method": "update", "state": {"child": _ref(secret)}})  # its own session's child: fine
    assert shown_with_child.child is secret
    assert [f.data["method"] for f in first.take()] == ["echo_update"]
