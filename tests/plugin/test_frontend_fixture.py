"""``awc_frontend``: a front end in memory that sends as a browser would and keeps what Python sent."""

from __future__ import annotations

from anywidget_core.testing import ShowFrontEnd as Show

from .widgets import Leaf, Tally


def test_state_follows_python_and_front_end_sets_reach_python(awc_frontend: Show) -> None:
    widget = Tally(value=2)
    front_end = awc_frontend(widget)
    assert front_end.state["value"] == 2
    assert front_end.state["_esm"].lstrip().startswith("export default")
    front_end.set(value=7)
    assert widget.value == 7
    widget.label = "clicks"
    assert front_end.state["label"] == "clicks"
    assert [m.data["method"] for m in front_end.messages()] == ["open", "echo_update", "update"]
    assert front_end.messages() == []  # read once


def test_binary_values_travel_as_buffers_both_ways(awc_frontend: Show) -> None:
    widget = Tally(blob=b"\x01\x02")
    front_end = awc_frontend(widget)
    assert front_end.state["blob"] == b"\x01\x02"  # put back at its buffer path
    front_end.set(blob=b"\xff")
    assert bytes(widget.blob) == b"\xff"
    update = front_end.messages()[-1]
    assert update.data["buffer_paths"] == [["blob"]]
    assert update.buffers == [b"\xff"]


def test_custom_messages_both_ways(awc_frontend: Show) -> None:
    widget = Tally()
    front_end = awc_frontend(widget)
    front_end.send({"ping": 1}, [b"abc"])
    front_end.send("again")
    assert front_end.custom() == [({"echo": {"ping": 1}}, [b"cba"]), ({"echo": "again"}, [])]


def test_refused_updates_leave_python_alone_and_answer_with_an_error(awc_frontend: Show) -> None:
    widget = Tally(value=1)
    front_end = awc_frontend(widget)
    front_end.set(value="many")
    front_end.update({"_esm": "stolen"})
    assert widget.value == 1
    errors = front_end.errors()
    assert len(errors) == 2
    assert "'value'" in errors[0]
    assert "private" in errors[1]


def test_child_widgets_open_on_the_same_front_end(awc_frontend: Show) -> None:
    leaf = Leaf(note="hi")
    widget = Tally(leaf=leaf)
    front_end = awc_frontend(widget)
    assert front_end.state["leaf"] == f"anywidget:{leaf.model_id}"
    assert front_end.state_of(leaf)["note"] == "hi"
    leaf.note = "bye"
    assert front_end.state_of(leaf.model_id)["note"] == "bye"


def test_front_ends_are_independent_and_closed_after_the_test(awc_frontend: Show) -> None:
    widget = Tally()
    first, second = awc_frontend(widget), awc_frontend(widget)
    first.set(value=3)
    assert second.state["value"] == 3  # the other front end got Python's update
    second.close()
    assert not first.probe.link.closed
    assert second.probe.link.closed
