"""The Jupyter host in a real ipykernel, driven over ZMQ by jupyter_client playing the front end."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator
from typing import Any

import pytest
from jupyter_client.blocking.client import BlockingKernelClient
from jupyter_client.manager import KernelManager, start_new_kernel
from jupyter_kernel_util import comm_msgs, evaluate, execute, kernel_env, send_comm, summarize, until_idle

pytestmark = [pytest.mark.kernel, pytest.mark.timeout(180)]

VIEW = "application/vnd.jupyter.widget-view+json"

DEFINE = """
import anywidget_core as awc

class Counter(awc.Widget):
    _esm = "export default { render({ model, el }) { el.textContent = model.get('value'); } }"
    _css = ".counter { color: red; }"
    value: int = 0
    blob: bytes = b"abc"
    meta: dict[str, bytes] = {}

got = []
changes = []
c = Counter(value=3, meta={"part": b"\\x01\\x02"})
c.on_msg(lambda w, content, buffers: got.append((content, [len(b) for b in buffers], bytes(buffers[0][:4]))))
c.observe(lambda ch: changes.append((ch.name, ch.new if ch.name != "blob" else len(ch.new))))
c
"""


def log(*args: Any) -> None:
    print(*args, file=sys.stderr, flush=True)


@pytest.fixture(scope="module")
def kernel() -> Iterator[tuple[KernelManager, BlockingKernelClient]]:
    start = time.perf_counter()
    km, kc = start_new_kernel(kernel_name="python3", env=kernel_env())
    log(f"kernel ready in {time.perf_counter() - start:.2f} s")
    try:
        assert evaluate(kc, "__import__('sys').executable") == sys.executable
        yield km, kc
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


@pytest.fixture(scope="module")
def shown(kernel: tuple[KernelManager, BlockingKernelClient]) -> dict[str, Any]:
    """Define and display the widget once; the opening traffic is shared by the tests."""
    _, kc = kernel
    start = time.perf_counter()
    iopub = execute(kc, DEFINE)
    log(f"define+display: {1000 * (time.perf_counter() - start):.1f} ms")
    for m in iopub:
        log("  ", summarize(m) if m["msg_type"].startswith("comm") else m["msg_type"])
    (opened,) = comm_msgs(iopub, "comm_open")
    (result,) = [m for m in iopub if m["msg_type"] == "execute_result"]
    return {"open": opened, "result": result, "model_id": opened["content"]["comm_id"]}


@pytest.fixture
def kc(kernel: tuple[KernelManager, BlockingKernelClient], shown: dict[str, Any]) -> BlockingKernelClient:
    return kernel[1]


def update(kc: BlockingKernelClient, model_id: str, state: dict[str, Any], paths: Any = (), buffers: Any = None) -> str:
    data = {"method": "update", "state": state, "buffer_paths": [list(p) for p in paths]}
    return send_comm(kc, "comm_msg", {"comm_id": model_id, "data": data}, buffers)


def test_open_on_the_wire(shown: dict[str, Any]) -> None:
    opened, model_id = shown["open"], shown["model_id"]
    assert opened["metadata"] == {"version": "2.1.0"}
    content = opened["content"]
    assert content["target_name"] == "jupyter.widget"
    assert set(content["data"]) == {"state", "buffer_paths"}
    state = content["data"]["state"]
    assert state["_model_module"] == "anywidget" and state["_model_name"] == "AnyModel"
    assert state["_view_name"] == "AnyView" and state["_model_module_version"] == "~0.11.*"
    assert state["_anywidget_id"] == "__main__.Counter" and state["_view_count"] is None
    assert state["_esm"].startswith("export default") and state["_css"] == ".counter { color: red; }"
    assert state["value"] == 3 and state["meta"] == {}
    assert content["data"]["buffer_paths"] == [["blob"], ["meta", "part"]]
    assert [bytes(b) for b in opened["buffers"]] == [b"abc", b"\x01\x02"]
    view = shown["result"]["content"]["data"][VIEW]
    assert view == {"version_major": 2, "version_minor": 1, "model_id": model_id}
    assert shown["result"]["content"]["data"]["text/plain"].startswith("<Counter model_id=")


def test_front_end_update_is_applied_and_echoed_to_its_parent(kc: BlockingKernelClient, shown: dict[str, Any]) -> None:
    start = time.perf_counter()
    mid = update(kc, shown["model_id"], {"value": 7})
    iopub = until_idle(kc, mid)
    log(f"update round trip (to idle): {1000 * (time.perf_counter() - start):.1f} ms")
    for m in comm_msgs(iopub):
        log("  ", summarize(m))
    (echo,) = comm_msgs(iopub)
    assert echo["content"]["data"] == {"method": "echo_update", "state": {"value": 7}, "buffer_paths": []}
    assert echo["parent_header"]["msg_id"] == mid
    assert evaluate(kc, "c.value") == 7
    assert evaluate(kc, "changes[-1]") == ("value", 7)


def test_invalid_update_is_rejected_with_an_error(kc: BlockingKernelClient, shown: dict[str, Any]) -> None:
    for state in ({"value": "seven"}, {"_esm": "alert(1)"}, {"nope": 1}):
        mid = update(kc, shown["model_id"], state)
        (err,) = comm_msgs(until_idle(kc, mid))
        log("  ", summarize(err))
        assert err["content"]["data"]["method"] == "error" and err["parent_header"]["msg_id"] == mid
    # malformed buffers: a path with no buffer
    mid = update(kc, shown["model_id"], {}, paths=[["blob"]])
    (err,) = comm_msgs(until_idle(kc, mid))
    assert err["content"]["data"]["code"] == "bad_buffers"
    assert evaluate(kc, "(c.value, bytes(c.blob), c._esm == Counter._esm)") == (7, b"abc", True)
    assert evaluate(kc, "type(c._esm).__name__") == "str"


def test_binary_update_of_8_mib_is_echoed(kc: BlockingKernelClient, shown: dict[str, Any]) -> None:
    big = os.urandom(8 * 1024 * 1024)
    start = time.perf_counter()
    mid = update(kc, shown["model_id"], {}, paths=[["blob"]], buffers=[big])
    iopub = until_idle(kc, mid)
    log(f"8 MiB update + 8 MiB echo, to idle: {1000 * (time.perf_counter() - start):.1f} ms")
    (echo,) = comm_msgs(iopub)
    log("  ", summarize(echo))
    assert echo["content"]["data"]["method"] == "echo_update"
    assert echo["content"]["data"]["buffer_paths"] == [["blob"]]
    assert bytes(echo["buffers"][0]) == big
    assert evaluate(kc, "(type(c.blob).__name__, len(c.blob), c.blob[:8])") == ("bytes", len(big), big[:8])


def test_custom_messages_with_buffers_both_ways(kc: BlockingKernelClient, shown: dict[str, Any]) -> None:
    model_id = shown["model_id"]
    big = os.urandom(8 * 1024 * 1024)
    data = {"method": "custom", "content": {"kind": "ping", "n": 1}}
    start = time.perf_counter()
    mid = send_comm(kc, "comm_msg", {"comm_id": model_id, "data": data}, [b"xyz", big])
    assert comm_msgs(until_idle(kc, mid)) == []  # nothing goes back for a custom message
    log(f"custom with 8 MiB buffer, to idle: {1000 * (time.perf_counter() - start):.1f} ms")
    assert evaluate(kc, "got") == [({"kind": "ping", "n": 1}, [3, len(big)], b"xyz")]
    iopub = execute(kc, "c.send({'kind': 'pong'}, buffers=[b'123', memoryview(bytes(range(256)))])")
    (msg,) = comm_msgs(iopub)
    log("  ", summarize(msg))
    assert msg["content"]["data"] == {"method": "custom", "content": {"kind": "pong"}}
    assert [bytes(b) for b in msg["buffers"]] == [b"123", bytes(range(256))]


def test_request_state_is_answered_in_its_parent(kc: BlockingKernelClient, shown: dict[str, Any]) -> None:
    mid = send_comm(kc, "comm_msg", {"comm_id": shown["model_id"], "data": {"method": "request_state"}})
    (reply,) = comm_msgs(until_idle(kc, mid))
    log("  ", summarize(reply))
    assert reply["parent_header"]["msg_id"] == mid
    data = reply["content"]["data"]
    assert data["method"] == "update"
    assert data["state"]["value"] == 7 and data["state"]["meta"] == {}
    assert sorted(map(tuple, data["buffer_paths"])) == [("blob",), ("meta", "part")]
    assert len(reply["buffers"]) == 2


def test_second_client_sees_kernel_updates(
    kernel: tuple[KernelManager, BlockingKernelClient], kc: BlockingKernelClient, shown: dict[str, Any]
) -> None:
    km, _ = kernel
    other = BlockingKernelClient(connection_file=km.connection_file)
    other.load_connection_file()
    other.start_channels()
    try:
        other.wait_for_ready(timeout=30)
        mid = kc.execute("c.value = 11")
        until_idle(kc, mid)
        (seen,) = comm_msgs(until_idle(other, mid))  # IOPub is broadcast: the other front end hears it too
        log("second client:", summarize(seen))
        assert seen["content"]["comm_id"] == shown["model_id"]
        assert seen["content"]["data"] == {"method": "update", "state": {"value": 11}, "buffer_paths": []}
    finally:
        other.stop_channels()


def test_displaying_twice_shares_one_model(kc: BlockingKernelClient, shown: dict[str, Any]) -> None:
    iopub = execute(kc, "display(c); display(c)")
    assert comm_msgs(iopub) == []
    views = [m["content"]["data"][VIEW]["model_id"] for m in iopub if m["msg_type"] == "display_data"]
    assert views == [shown["model_id"]] * 2


def test_close_from_python(kc: BlockingKernelClient) -> None:
    iopub = execute(kc, "w1 = Counter(); display(w1)")
    (opened,) = comm_msgs(iopub, "comm_open")
    model_id = opened["content"]["comm_id"]
    iopub = execute(kc, "w1.close()")
    (closed,) = comm_msgs(iopub)
    log("  ", summarize(closed))
    assert closed["msg_type"] == "comm_close" and closed["content"]["comm_id"] == model_id
    assert evaluate(kc, f"'{model_id}' in __import__('comm').get_comm_manager().comms") is False


def test_close_from_front_end(kc: BlockingKernelClient) -> None:
    iopub = execute(kc, "w2 = Counter(); display(w2)")
    model_id = comm_msgs(iopub, "comm_open")[0]["content"]["comm_id"]
    mid = send_comm(kc, "comm_close", {"comm_id": model_id, "data": {}})
    assert comm_msgs(until_idle(kc, mid)) == []
    assert evaluate(kc, f"(len(w2.links), '{model_id}' in __import__('comm').get_comm_manager().comms)") == (0, False)
    iopub = execute(kc, "w2.value = 5")  # the widget lives on, unshown: nothing is sent
    assert comm_msgs(iopub) == []


def test_a_displayed_widget_without_a_reference_stays_until_closed(kc: BlockingKernelClient) -> None:
    iopub = execute(kc, "display(Counter(value=5))")
    model_id = comm_msgs(iopub, "comm_open")[0]["content"]["comm_id"]
    iopub = execute(kc, "import gc; gc.collect()")
    assert comm_msgs(iopub) == []  # still open: the page keeps working with it
    manager = "__import__('comm').get_comm_manager()"
    shown = f"[w for w in Counter.instances() if w.model_id == '{model_id}']"
    assert evaluate(kc, f"[w.value for w in {shown}]") == [5]
    iopub = execute(kc, f"{shown}[0].close(); gc.collect()")
    (closed,) = comm_msgs(iopub)
    assert closed["msg_type"] == "comm_close" and closed["content"]["comm_id"] == model_id
    assert evaluate(kc, f"'{model_id}' in {manager}.comms") is False


def test_control_comm_restores_models(kc: BlockingKernelClient, shown: dict[str, Any]) -> None:
    """What a reloaded JupyterLab page does first: open jupyter.widget.control and send request_states."""
    content = {"comm_id": "control-test", "target_name": "jupyter.widget.control", "data": {}}
    msg = kc.session.msg("comm_open", content=content, metadata={"version": "1.0.0"})
    kc.shell_channel.send(msg)
    until_idle(kc, msg["header"]["msg_id"])
    mid = send_comm(kc, "comm_msg", {"comm_id": "control-test", "data": {"method": "request_states"}})
    (answer,) = comm_msgs(until_idle(kc, mid))
    log("  ", summarize(answer)[:300])
    data = answer["content"]["data"]
    assert answer["content"]["comm_id"] == "control-test" and data["method"] == "update_states"
    entry = data["states"][shown["model_id"]]
    assert entry["model_name"] == "AnyModel" and entry["model_module"] == "anywidget"
    assert entry["state"]["_esm"].startswith("export default") and entry["state"]["value"] == 11
    assert len(answer["buffers"]) == len(data["buffer_paths"])
    index = data["buffer_paths"].index([shown["model_id"], "state", "meta", "part"])
    assert bytes(answer["buffers"][index]) == b"\x01\x02"


def test_a_front_end_can_reference_only_displayed_widgets(kc: BlockingKernelClient) -> None:
    """A widget never displayed in this kernel is not reachable by naming its id; a displayed one is."""
    code = (
        "class Holder(awc.Widget):\n    child: awc.Widget | None = None\n    value: int = 0\n"
        "holder, hidden = Holder(), Counter(value=42)\ndisplay(holder)"
    )
    holder_id = comm_msgs(execute(kc, code), "comm_open")[0]["content"]["comm_id"]
    hidden_id = evaluate(kc, "hidden.model_id")
    mid = update(kc, holder_id, {"value": 5, "child": f"anywidget:{hidden_id}"})
    (err,) = comm_msgs(until_idle(kc, mid))  # an error, and no comm_open of the hidden widget
    data = err["content"]["data"]
    assert (err["msg_type"], data["method"], data["code"]) == ("comm_msg", "error", "invalid_value")
    assert hidden_id in data["message"]
    assert evaluate(kc, "(holder.value, holder.child, len(hidden.links))") == (0, None, 0)
    execute(kc, "display(hidden)")
    mid = update(kc, holder_id, {"child": f"anywidget:{hidden_id}"})
    (echo,) = comm_msgs(until_idle(kc, mid))
    assert echo["content"]["data"]["method"] == "echo_update"
    assert evaluate(kc, "holder.child is hidden") is True
