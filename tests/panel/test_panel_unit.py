"""The Panel adapter without a browser: real Panel components on bokeh Documents, as Panel's own tests do.

Messages travel through Bokeh's serializer both ways (the probe's wire), and arrive through the component's
real event handling. Browser behaviour is in test_panel_browser.py.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import panel as pn
import pytest
from bokeh.document import Document
from panel.io.state import state

import anywidget_core as awc
from anywidget_core.host import Received
from anywidget_core.hosts.panel import AnywidgetView, PanelHost, component
from anywidget_core.hosts.panel.view import view_module


class Layoutish(awc.Widget):
    """Fields named like Panel's layout parameters: they stay the widget's own."""

    _esm = "export default { render({ el }) { el.textContent = 'x'; } }"
    _css = ".x { color: red }"
    width: int = 11
    height: int = 22
    name: str = "widget-name"
    visible: bool = False
    sizing_mode: str = "mine"
    blob: bytes = b""


@pytest.fixture(autouse=True)
def panel_state() -> Iterator[None]:
    yield
    state.reset()


def methods(received: list[Received]) -> list[str]:
    return [r.data["method"] for r in received]


def test_pn_panel_returns_one_component_running_the_runtime() -> None:
    widget = Layoutish()
    view = pn.panel(widget)
    assert isinstance(view, AnywidgetView)
    assert view.widget is widget
    module = view_module()
    assert "export function createRuntime" in module and "export function render" in module
    assert AnywidgetView._esm == module


def test_layout_names_do_not_collide() -> None:
    widget = Layoutish()
    view = component(widget, width=300, sizing_mode="fixed")
    assert view.width == 300 and view.sizing_mode == "fixed"
    front = PanelHost().probe(widget)
    (opened,) = front.take()
    state_ = opened.data["state"]
    assert (state_["width"], state_["height"], state_["name"], state_["visible"], state_["sizing_mode"]) == (
        11,
        22,
        "widget-name",
        False,
        "mine",
    )
    front.deliver({"method": "update", "state": {"width": 5, "name": "new"}, "buffer_paths": []})
    assert (widget.width, widget.name) == (5, "new")
    assert view.width == 300  # the component's layout parameter is untouched


def test_ready_opens_then_displays_and_reready_starts_afresh() -> None:
    widget = Layoutish()
    front = PanelHost().probe(widget)
    assert methods(front.take()) == ["open"]
    widget.width = 99
    assert methods(front.take()) == ["update"]
    front._send({"model_id": None, "data": {"method": "ready"}, "buffers": []})  # Panel re-rendered the view
    (opened,) = front.take()
    assert opened.data["method"] == "open" and opened.data["state"]["width"] == 99
    assert len(widget.links) == 1


def test_front_end_update_applies_echoes_and_binary_travels_as_bytes() -> None:
    widget = Layoutish()
    front = PanelHost().probe(widget)
    front.take()
    front.deliver({"method": "update", "state": {"height": 3}, "buffer_paths": [["blob"]]}, [b"\x00\xff"])
    assert widget.height == 3 and widget.blob == b"\x00\xff"
    (echo,) = front.take()
    assert echo.data["method"] == "echo_update" and echo.buffers == [b"\x00\xff"]


def test_private_and_invalid_writes_are_refused_whole_and_the_widget_keeps_working() -> None:
    widget = Layoutish()
    front = PanelHost().probe(widget)
    front.take()
    front.deliver({"method": "update", "state": {"height": 4, "_esm": "alert(1)"}, "buffer_paths": []})
    front.deliver({"method": "update", "state": {"height": 4, "_css": "*{}"}, "buffer_paths": []})
    front.deliver({"method": "update", "state": {"height": "four"}, "buffer_paths": []})
    errors = front.take()
    assert [e.data["code"] for e in errors] == ["private_field", "private_field", "invalid_value"]
    assert all(e.data["method"] == "error" and e.data["message"] for e in errors)
    assert widget.height == 22 and "alert" not in str(widget.full_state())
    front.deliver({"method": "update", "state": {"height": 5}, "buffer_paths": []})
    assert widget.height == 5


@pytest.mark.parametrize(
    ("envelope", "reason"),
    [
        ("not an object", "an envelope must be an object"),
        ({"model_id": None, "data": {}, "buffers": [], "extra": 1}, "unknown envelope keys"),
        ({"model_id": 7, "data": {}, "buffers": []}, "model_id must be a string or null"),
        ({"model_id": None, "data": {"method": "ready"}, "buffers": "x"}, "buffers must be a list"),
        ({"model_id": "m", "data": {}, "buffers": ["text"]}, "buffer 0 is not binary"),
        ({"model_id": "nope", "data": {"method": "update"}, "buffers": []}, "unknown model_id 'nope'"),
        ({"model_id": None, "data": {"method": "update"}, "buffers": []}, 'must be {"method": "ready"}'),
        ({"model_id": None, "data": {}, "buffers": [], "gen": "1", "seq": 5}, "gen must be a whole number"),
        ({"model_id": None, "data": {}, "buffers": [], "gen": 1, "seq": -1}, "seq must be a whole number"),
        ({"model_id": None, "data": {}, "buffers": [], "gen": 1, "seq": True}, "seq must be a whole number"),
    ],
)
def test_bad_envelopes_get_an_error_and_change_nothing(envelope: Any, reason: str) -> None:
    widget = Layoutish()
    front = PanelHost().probe(widget)
    front.take()
    before = widget.full_state()
    front._send(envelope)
    (error,) = front.take()
    assert error.model_id == "" and error.data["method"] == "error" and reason in error.data["message"]
    assert widget.full_state() == before
    front.deliver({"method": "update", "state": {"width": 1}, "buffer_paths": []})
    assert widget.width == 1


def test_messages_handled_out_of_order_are_applied_in_the_order_the_view_sent_them() -> None:
    """Panel with ``pn.config.nthreads`` hands events to a thread pool: the view's numbering restores order."""
    widget = Layoutish()
    front = PanelHost().probe(widget)
    front.take()
    seen: list[int] = []
    widget.observe(lambda change: seen.append(change.new), names="width")

    def update(seq: int, value: int, gen: int = 1) -> dict[str, Any]:
        data = {"method": "update", "state": {"width": value}, "buffer_paths": []}
        return {"model_id": widget.model_id, "data": data, "buffers": [], "gen": gen, "seq": seq}

    for seq in (3, 1, 2):  # seq 0 was the ready
        front._send_raw(update(seq, 100 + seq))
    assert seen == [101, 102, 103] and widget.width == 103
    front._send_raw(update(2, 999))  # a repeat is dropped
    front._send_raw({"model_id": None, "data": {"method": "ready"}, "buffers": [], "gen": 2, "seq": 0})
    front._send_raw(update(5, 555))  # the old render's straggler
    assert widget.width == 103
    front._send_raw(update(1, 7, gen=2))
    assert widget.width == 7 and seen == [101, 102, 103, 7]


def test_in_order_from_many_threads() -> None:
    from anywidget_core.hosts.panel.ordering import InOrder

    handled: list[int] = []
    in_order: InOrder[int] = InOrder(handled.append)
    numbers = list(range(2000))
    shuffled = numbers[::-1]

    def put(part: list[int]) -> None:
        for n in part:
            in_order.put(1, n, n)

    threads = [threading.Thread(target=put, args=(shuffled[i::4],)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert handled == numbers


def test_a_python_set_never_fails_because_a_server_session_just_ended() -> None:
    from unittest import mock

    widget = Layoutish()
    front = PanelHost().probe(widget)
    front.take()
    ended = RuntimeError("the session is gone")
    with (
        mock.patch.object(type(front.document), "session_context", new_callable=mock.PropertyMock, return_value=1),
        mock.patch.object(front.document, "add_next_tick_callback", side_effect=ended) as schedule,
    ):
        widget.width = 4  # a server session's send is scheduled on its loop, which is gone
        widget.width = 5
    assert schedule.call_count == 2 and widget.width == 5
    widget.width = 6
    assert [r.data["state"] for r in front.take()] == [{"width": 6}]


def test_custom_messages_with_buffers_both_ways() -> None:
    widget = Layoutish()
    got: list[tuple[Any, list[bytes]]] = []
    widget.on_msg(lambda w, content, buffers: got.append((content, [bytes(b) for b in buffers])))
    front = PanelHost().probe(widget)
    front.take()
    front.deliver({"method": "custom", "content": {"kind": "ping"}}, [b"\x01\x02", b""])
    assert got == [({"kind": "ping"}, [b"\x01\x02", b""])]
    widget.send({"kind": "pong"}, [b"\x03", bytearray(b"\x04\x05")])
    (custom,) = front.take()
    assert custom.data == {"method": "custom", "content": {"kind": "pong"}} and custom.buffers == [b"\x03", b"\x04\x05"]


def test_two_views_are_two_front_ends() -> None:
    widget = Layoutish()
    first, second = PanelHost().probe(widget), PanelHost().probe(widget)
    first.take(), second.take()
    first.deliver({"method": "update", "state": {"width": 8}, "buffer_paths": []})
    assert methods(first.take()) == ["echo_update"]
    (update,) = second.take()  # the other view learns the new value (as an echo, like Jupyter's other clients)
    assert update.data["method"] in ("update", "echo_update") and update.data["state"] == {"width": 8}
    assert len(widget.links) == 2


def test_cleanup_of_a_root_closes_its_links_only() -> None:
    widget = Layoutish()
    first, second = PanelHost().probe(widget), PanelHost().probe(widget)
    first.disconnect()
    assert len(widget.links) == 1
    widget.width = 2
    assert first.take()[-1].data["method"] == "open"  # nothing after its session ended
    assert methods(second.take()) == ["open", "update"]


def test_a_new_model_for_the_same_root_replaces_the_old_views_links() -> None:
    widget = Layoutish()
    front = PanelHost().probe(widget)
    assert len(widget.links) == 1
    front.view._get_model(front.document, front.model)  # Panel rebuilt the component's model in that root
    assert not widget.links


def test_python_close_reaches_the_view() -> None:
    widget = Layoutish()
    front = PanelHost().probe(widget)
    front.take()
    widget.close()
    assert methods(front.take()) == ["close"]
    assert not widget.links


def test_notebook_comm_pushes_each_message() -> None:
    """With ``pn.extension()`` in a notebook the root has a comm: messages go out at once through it."""
    from panel.io.notebook import render_mimebundle
    from pyviz_comms import Comm

    class RecordingComm(Comm):  # type: ignore[misc]
        """A kernel-side comm that is open (``_comm`` set) and records what Panel pushes through it."""

        def __init__(self) -> None:
            super().__init__()
            self._comm = True
            self.sent: list[Any] = []

        def send(self, data: Any = None, metadata: Any = None, buffers: Any = None) -> None:
            self.sent.append((data, buffers))

    widget = Layoutish()
    view = component(widget)
    comm = RecordingComm()
    doc = Document()
    root = view.get_root(doc, comm)
    render_mimebundle(root, doc, comm)  # what a notebook output does: the document is held, pushes flush it
    ready = {"model_id": None, "data": {"method": "ready"}, "buffers": [], "gen": 1, "seq": 0}
    view._channels[root.ref["id"]].handle(ready)
    pushed = len(comm.sent)
    assert pushed >= 2  # the open and the display, each pushed as it was sent
    events = [data for data, _ in comm.sent if isinstance(data, str) and '"esm_event"' in data]
    assert any(widget.model_id in e and '["method","open"]' in e for e in events)
    assert any('["method","display"]' in e for e in events)
    widget.height = 1
    assert len(comm.sent) > pushed


def test_sets_from_several_threads_end_at_pythons_final_value() -> None:
    """(The server-session queue, flushed on the loop's next tick, is exercised in test_panel_browser.py.)"""
    widget = Layoutish()
    front = PanelHost().probe(widget)
    front.take()

    def sets() -> None:
        for i in range(200):
            widget.width = i

    threads = [threading.Thread(target=sets) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    widths = [r.data["state"]["width"] for r in front.take() if r.data["method"] == "update"]
    assert widths and widths[-1] == widget.width


def test_page_names_from_browsers_cost_bounded_memory() -> None:
    """``ready`` names the page whose views share their modules; a client naming endless pages is held to the
    newest MAX_PAGES_PER_DOCUMENT, and a page still remembered keeps its table."""
    from anywidget_core.hosts.panel import view

    doc = Document()
    first = view._page_modules(doc, "page-0")
    assert view._page_modules(doc, "page-0") is first  # one table per page
    for n in range(1, 1000):
        view._page_modules(doc, f"page-{n}")
    pages = view._PAGES[doc]
    assert len(pages) == view.MAX_PAGES_PER_DOCUMENT
    assert "page-999" in pages and "page-0" not in pages  # the oldest went first
    assert view._page_modules(doc, "page-0") is not first  # a forgotten page is sent its modules again
