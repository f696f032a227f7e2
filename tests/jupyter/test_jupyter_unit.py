"""The Jupyter adapter against real ``comm.base_comm.BaseComm`` comms whose ``publish_msg`` records (no kernel)."""

from __future__ import annotations

import gc
import logging
import weakref
from collections.abc import Iterator
from typing import Any

import comm
import pytest
from comm.base_comm import BaseComm
from jsonschema import Draft202012Validator

import anywidget_core as awc
from anywidget_core.hosts import jupyter
from anywidget_core.hosts.jupyter import JupyterHost, JupyterProbe
from anywidget_core.schemas_cmd import generate

ESM = "export default { render({ model, el }) { el.textContent = model.get('value'); } }"


class Counter(awc.Widget):
    _esm = ESM
    _css = ".counter { color: rgb(255, 0, 0); }"
    value: int = 0
    blob: bytes = b"ab"
    label: str = ""


class Box(awc.Widget):
    children: list[awc.Widget] = []


@pytest.fixture
def probe() -> Iterator[JupyterProbe]:
    widget = Counter(value=1)
    p = JupyterHost().probe(widget)
    yield p
    widget.close()


# ------------------------------------------------------------------------ wire shapes


def test_comm_open_wire_shape(probe: JupyterProbe) -> None:
    (opened,) = probe.opens
    assert opened["target_name"] == "jupyter.widget"
    assert opened["metadata"] == {"version": "2.1.0"}
    assert opened["comm_id"] == probe.model_id
    data = opened["data"]
    assert "method" not in data  # comm_open says "open" by its message type
    assert data["buffer_paths"] == [["blob"]]
    state = data["state"]
    assert state["_model_module"] == state["_view_module"] == "anywidget"
    assert (state["_model_name"], state["_view_name"]) == ("AnyModel", "AnyView")
    assert state["_model_module_version"] == state["_view_module_version"] == "~0.11.*"
    assert state["_view_count"] is None
    assert state["_esm"] == ESM and state["_css"] == Counter._css
    assert state["_anywidget_id"].endswith(".Counter")
    assert state["value"] == 1 and "blob" not in state
    (received,) = probe.take()
    assert received.data["method"] == "open" and received.buffers == [b"ab"]
    assert "layout" not in state  # no Layout comm, no DOMWidget keys


class _Recorder(BaseComm):  # type: ignore[misc]
    log: list[tuple[str, str, Any, Any, list[bytes], dict[str, Any]]] = []

    def publish_msg(self, msg_type: str, data: Any = None, metadata: Any = None, buffers: Any = None, **keys: Any):
        self.log.append((msg_type, self.comm_id, data, metadata, [bytes(b) for b in buffers or ()], keys))


@pytest.fixture
def kernel_comms(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Stand in for a kernel the way ipykernel does: by replacing ``comm.create_comm``."""
    _Recorder.log = []
    monkeypatch.setattr(comm, "create_comm", lambda *a, **k: _Recorder(*a, **k))
    return _Recorder.log


def test_mimebundle_opens_one_comm_and_shares_the_model(kernel_comms: list[Any]) -> None:
    widget = Counter()
    first = widget._repr_mimebundle_()
    second = widget._repr_mimebundle_(include=None, exclude=None)
    assert (
        first
        == second
        == {
            "text/plain": repr(widget),
            "application/vnd.jupyter.widget-view+json": {
                "version_major": 2,
                "version_minor": 1,
                "model_id": widget.model_id,
            },
        }
    )
    opens = [m for m in kernel_comms if m[0] == "comm_open"]
    assert len(opens) == 1 and opens[0][1] == widget.model_id
    assert opens[0][5]["target_name"] == "jupyter.widget"
    assert widget.model_id in comm.get_comm_manager().comms
    widget.value = 5  # one update for the one model
    updates = [m for m in kernel_comms if m[0] == "comm_msg"]
    assert [u[2] for u in updates] == [{"method": "update", "state": {"value": 5}, "buffer_paths": []}]
    widget.close()
    assert kernel_comms[-1][0] == "comm_close"
    assert widget.model_id not in comm.get_comm_manager().comms
    assert widget._repr_mimebundle_() == {"text/plain": repr(widget)}  # a closed widget shows no view


def test_children_are_opened_before_the_parent(kernel_comms: list[Any]) -> None:
    a, b = Counter(), Counter()
    box = Box(children=[a])
    box._repr_mimebundle_()
    opened = [m[1] for m in kernel_comms if m[0] == "comm_open"]
    assert opened == [a.model_id, box.model_id]
    parent_state = kernel_comms[-1][2]["state"]
    assert parent_state["children"] == [f"anywidget:{a.model_id}"]
    box.children = [a, b]  # a child added later is opened before the update that refers to it
    assert [m[0] for m in kernel_comms[-2:]] == ["comm_open", "comm_msg"]
    assert kernel_comms[-2][1] == b.model_id
    for w in (box, a, b):
        w.close()


def test_a_shown_widget_lives_while_its_comm_is_open_and_close_releases_it(kernel_comms: list[Any]) -> None:
    """``display(Counter())`` keeps no reference, yet the widget must keep working (as ipywidgets does)."""
    widget = Counter()
    widget._repr_mimebundle_()
    model_id, ref = widget.model_id, weakref.ref(widget)
    del widget
    gc.collect()
    assert ref() is not None and model_id in comm.get_comm_manager().comms
    assert "comm_close" not in [m[0] for m in kernel_comms]
    ref().close()  # type: ignore[union-attr]
    gc.collect()
    assert ("comm_close", model_id) in [(m[0], m[1]) for m in kernel_comms]
    assert model_id not in comm.get_comm_manager().comms
    assert ref() is None


def test_comm_without_kernel_sends_nothing(kernel_comms: list[Any]) -> None:
    widget = Counter()
    widget._repr_mimebundle_()
    link = widget.links[jupyter.KEY]
    link.transport.comm.kernel = None  # type: ignore[union-attr]  # as ipykernel's comm outside a kernel
    widget.value = 3
    assert [m[0] for m in kernel_comms] == ["comm_open"]
    widget.close()


# ------------------------------------------------------------------------ both directions


def test_update_from_front_end_is_validated_then_echoed(probe: JupyterProbe) -> None:
    probe.take()
    seen: list[Any] = []
    probe.link.widget.observe(lambda c: seen.append((c.name, c.new)), "value")
    probe.deliver({"method": "update", "state": {"value": 7}, "buffer_paths": []})
    assert probe.link.widget.value == 7 and seen == [("value", 7)]
    assert [r.data for r in probe.take()] == [{"method": "echo_update", "state": {"value": 7}, "buffer_paths": []}]


def test_update_from_python(probe: JupyterProbe) -> None:
    probe.take()
    widget = probe.link.widget
    with widget.hold_sync():
        widget.value = 2
        widget.label = "x"
    (msg,) = probe.take()
    assert msg.data == {"method": "update", "state": {"value": 2, "label": "x"}, "buffer_paths": []}


def test_binary_update_from_front_end(probe: JupyterProbe) -> None:
    probe.take()
    probe.deliver({"method": "update", "state": {}, "buffer_paths": [["blob"]]}, [b"\x00\x01\x02"])
    assert probe.link.widget.blob == b"\x00\x01\x02"
    (echo,) = probe.take()
    assert echo.data["method"] == "echo_update" and echo.buffers == [b"\x00\x01\x02"]


def test_request_state_reply(probe: JupyterProbe) -> None:
    probe.take()
    probe.deliver({"method": "request_state"})
    (reply,) = probe.take()
    assert reply.data["method"] == "update"
    assert reply.data["state"]["value"] == 1 and reply.data["buffer_paths"] == [["blob"]]
    assert reply.buffers == [b"ab"]


def test_custom_with_buffers_both_ways(probe: JupyterProbe) -> None:
    probe.take()
    got: list[Any] = []
    widget = probe.link.widget
    widget.on_msg(lambda w, content, buffers: got.append((content, [bytes(b) for b in buffers])))
    probe.deliver({"method": "custom", "content": {"kind": "ping"}}, [b"xyz", b""])
    assert got == [({"kind": "ping"}, [b"xyz", b""])]
    widget.send({"kind": "pong"}, [b"12", bytearray(b"345")])
    (msg,) = probe.take()
    assert msg.data == {"method": "custom", "content": {"kind": "pong"}} and msg.buffers == [b"12", b"345"]


@pytest.mark.parametrize(
    "data, buffers",
    [
        ({"method": "update", "state": {"value": "nope"}, "buffer_paths": []}, []),
        ({"method": "update", "state": {"_esm": "alert(1)"}, "buffer_paths": []}, []),
        ({"method": "update", "state": {}, "buffer_paths": [["blob"]]}, []),
        ({"method": "echo_update", "state": {"value": 1}}, []),
        ({"method": "open", "state": {}}, []),
        ({"method": "bogus"}, []),
        ({"no": "method"}, []),
        ("not a dict", []),
        (None, []),
        ({"method": "custom", "content": {"x": 1}}, ["text is not a buffer"]),
    ],
)
def test_bad_input_never_raises_and_answers_error(probe: JupyterProbe, data: Any, buffers: list[Any]) -> None:
    probe.take()
    before = probe.link.widget.get_state()
    target = probe.comms[probe.model_id]
    msg = {"content": {"comm_id": probe.model_id, "data": data}, "buffers": buffers}
    target.handle_msg(msg)  # exactly what ipykernel's CommManager.comm_msg calls
    assert probe.link.widget.get_state() == before
    (err,) = probe.take()
    assert err.data["method"] == "error" and err.data["code"] and err.data["message"]


def test_garbage_kernel_messages_never_raise(probe: JupyterProbe) -> None:
    probe.take()
    target = probe.comms[probe.model_id]
    for msg in ({}, {"content": None}, {"content": {"data": {"method": "request_state"}}, "buffers": 5}, "x"):
        target.handle_msg(msg)
    assert all(r.data["method"] in ("error", "update") for r in probe.take())


def test_close_from_python(probe: JupyterProbe) -> None:
    probe.take()
    probe.link.widget.close()
    assert [r.data for r in probe.take()] == [{"method": "close"}]
    assert probe.model_id not in comm.get_comm_manager().comms
    assert probe.comms[probe.model_id]._closed


def test_close_from_front_end(probe: JupyterProbe, caplog: pytest.LogCaptureFixture) -> None:
    probe.take()
    widget = probe.link.widget
    probe.close()
    assert not widget.links and probe.take() == []  # nothing is sent back on a front-end close
    assert probe.model_id not in comm.get_comm_manager().comms
    widget.value = 9  # the widget lives on; nothing goes to the closed comm
    assert probe.take() == []
    with caplog.at_level(logging.ERROR):
        probe.comms[probe.model_id].handle_msg({"content": {"data": {"method": "request_state"}}})
    assert probe.take() == [] and not caplog.records


def test_probe_restores_nothing_global() -> None:
    before = comm.create_comm
    JupyterHost().probe(Counter()).link.widget.close()
    assert comm.create_comm is before


def test_host_is_registered_and_available() -> None:
    from importlib import metadata

    (entry,) = [e for e in metadata.entry_points(group="anywidget_core.hosts") if e.name == "jupyter"]
    assert entry.load() is JupyterHost
    assert JupyterHost.missing() is None


# ------------------------------------------------------------------------ control comm (page reload restore)


@pytest.fixture
def control_target(kernel_comms: list[Any]) -> Iterator[Any]:
    from anywidget_core.hosts.jupyter import control as jupyter_control

    manager = comm.get_comm_manager()
    saved = manager.targets.pop(jupyter_control.TARGET, None)
    yield manager.targets
    manager.targets.pop(jupyter_control.TARGET, None)
    if saved is not None:
        manager.targets[jupyter_control.TARGET] = saved


def _request_states(targets: dict[str, Any], version: str = "1.0.0", comm_id: str = "control-1") -> _Recorder:
    """What ipykernel does for a front end's comm_open on the control target, then its request_states."""
    control = _Recorder(comm_id=comm_id, primary=False, target_name="jupyter.widget.control")
    comm.get_comm_manager().register_comm(control)
    targets["jupyter.widget.control"](control, {"metadata": {"version": version}, "content": {"data": {}}})
    control.handle_msg({"content": {"comm_id": comm_id, "data": {"method": "request_states"}}})
    return control


def test_request_states_answers_every_shown_widget(control_target: Any, kernel_comms: list[Any]) -> None:
    shown, hidden = Counter(value=4, blob=b"\x09"), Counter()
    shown._repr_mimebundle_()
    assert "jupyter.widget.control" in control_target
    _request_states(control_target)
    (answer,) = [m for m in kernel_comms if m[1] == "control-1" and m[0] == "comm_msg"]
    msg_type, _, data, _, buffers, _ = answer
    assert msg_type == "comm_msg" and data["method"] == "update_states"
    update_states = Draft202012Validator(generate()["update_states"])
    assert update_states.is_valid(data), list(update_states.iter_errors(data))
    entry = data["states"][shown.model_id]
    assert (entry["model_name"], entry["model_module"], entry["model_module_version"]) == (
        "AnyModel",
        "anywidget",
        "~0.11.*",
    )
    assert entry["state"]["_esm"] == ESM and entry["state"]["value"] == 4
    assert entry["state"]["_model_name"] == "AnyModel"
    assert hidden.model_id not in data["states"]
    index = data["buffer_paths"].index([shown.model_id, "state", "blob"])
    assert buffers[index] == b"\x09"
    assert len(buffers) == len(data["buffer_paths"])
    shown.close()
    kernel_comms.clear()
    _request_states(control_target)
    (answer,) = [m for m in kernel_comms if m[1] == "control-1" and m[0] == "comm_msg"]
    assert shown.model_id not in answer[2]["states"]  # closed widgets are not restored


@pytest.mark.parametrize("data", [[1, 2], "request_states", None, {"method": ["request_states"]}])
def test_malformed_control_messages_are_ignored_quietly(
    data: Any, control_target: Any, kernel_comms: list[Any], caplog: pytest.LogCaptureFixture
) -> None:
    Counter()._repr_mimebundle_()  # showing a widget registers the control target
    control = _request_states(control_target)
    kernel_comms.clear()
    control.handle_msg({"content": {"comm_id": "control-1", "data": data}})
    assert [m for m in kernel_comms if m[0] == "comm_msg"] == []  # no answer
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]  # and no traceback in the kernel log


def test_request_states_merges_ipywidgets(control_target: Any, kernel_comms: list[Any]) -> None:
    ipywidgets = pytest.importorskip("ipywidgets")  # anywidget (a test dependency) requires it
    control_target["jupyter.widget.control"] = ipywidgets.Widget.handle_control_comm_opened
    slider = ipywidgets.IntSlider(value=3)
    ours = Counter()
    ours._repr_mimebundle_()  # re-registers the target, wrapping ipywidgets' handler
    _request_states(control_target)
    (answer,) = [m for m in kernel_comms if m[1] == "control-1" and m[0] == "comm_msg"]
    states = answer[2]["states"]
    Draft202012Validator(generate()["update_states"]).validate(answer[2])  # the merged answer keeps the shape
    assert states[slider.model_id]["model_name"] == "IntSliderModel"
    assert states[ours.model_id]["model_name"] == "AnyModel"
    assert len(answer[4]) == len(answer[2]["buffer_paths"])
    slider.close()
    ours.close()


def test_control_comm_of_another_major_version_is_closed(control_target: Any, kernel_comms: list[Any]) -> None:
    Counter()._repr_mimebundle_()
    _request_states(control_target, version="2.0.0", comm_id="control-v2")
    assert [m[0] for m in kernel_comms if m[1] == "control-v2"] == ["comm_close"]


def test_redisplay_after_front_end_close_opens_a_fresh_comm(kernel_comms: list[Any]) -> None:
    widget = Counter()
    widget._repr_mimebundle_()
    manager = comm.get_comm_manager()
    old = manager.comms[widget.model_id]
    close = {"content": {"comm_id": widget.model_id, "data": {}}}
    manager.comm_close(None, None, close)  # ipykernel's handler for the front end's comm_close
    assert not widget.links
    widget._repr_mimebundle_()
    assert [m[0] for m in kernel_comms] == ["comm_open", "comm_open"]
    new = manager.comms[widget.model_id]
    assert new is not old
    kernel_comms.clear()
    old.handle_msg({"content": {"data": {"method": "request_state"}}})  # a stale comm drives nothing
    assert kernel_comms == []
    new.handle_msg({"content": {"data": {"method": "request_state"}}})
    assert [(m[0], m[1], m[2]["method"]) for m in kernel_comms] == [("comm_msg", widget.model_id, "update")]
    widget.close()
