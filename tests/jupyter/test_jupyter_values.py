"""Issue 13 in a real ipykernel: a front end's value that cannot travel (a lone surrogate, NaN, 2**60) is
refused with an error, and that widget and its neighbours keep answering request_state, echoing and observing.

The front end here is jupyter_client with an ASCII JSON packer, so a lone surrogate goes out as the escape
``"\\ud800"``, byte for byte what a browser's ``JSON.stringify`` sends for ``"😀x".slice(0, 1)``.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
from jupyter_client.blocking.client import BlockingKernelClient
from jupyter_client.manager import KernelManager, start_new_kernel
from jupyter_kernel_util import comm_msgs, evaluate, execute, kernel_env, send_comm, until_idle

pytestmark = [pytest.mark.kernel, pytest.mark.timeout(180)]

DEFINE = """
import anywidget_core as awc

class Label(awc.Widget):
    text: str = "start"
    x: float = 0.0
    n: int = 0

seen = []
a, b, c = Label(text="a"), Label(text="b"), Label(text="c")
a.observe(lambda change: seen.append((change.name, change.new)))
display(a, b, c)
"""


def browser_packer(obj: Any) -> bytes:
    """What a browser puts on the wire: ASCII JSON, lone surrogates escaped; ``NaN`` only from a hostile one."""
    return json.dumps(obj, ensure_ascii=True, default=str).encode("ascii")


@pytest.fixture(scope="module")
def kernel() -> Iterator[tuple[BlockingKernelClient, list[str]]]:
    km: KernelManager
    km, kc = start_new_kernel(kernel_name="python3", env=kernel_env())
    try:
        kc.session.pack = browser_packer
        ids = [m["content"]["comm_id"] for m in comm_msgs(execute(kc, DEFINE), "comm_open")]
        assert len(ids) == 3
        yield kc, ids
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


def send(kc: BlockingKernelClient, model_id: str, data: dict[str, Any]) -> list[dict[str, Any]]:
    """One comm_msg from the front end; the comm messages the kernel answered it with."""
    return comm_msgs(until_idle(kc, send_comm(kc, "comm_msg", {"comm_id": model_id, "data": data})))


@pytest.mark.parametrize(
    "state",
    [{"text": "\ud800"}, {"text": "ok", "x": float("nan")}, {"n": 2**60}, {"x": float("inf")}],
    ids=["surrogate", "nan", "2**60", "infinity"],
)
def test_poisoned_front_end_value_is_refused_and_every_widget_keeps_working(
    kernel: tuple[BlockingKernelClient, list[str]], state: dict[str, Any]
) -> None:
    kc, ids = kernel
    before = evaluate(kc, "(a.text, a.x, a.n, len(seen))")
    (error,) = send(kc, ids[0], {"method": "update", "state": state, "buffer_paths": []})
    assert error["content"]["data"]["method"] == "error"
    assert error["content"]["data"]["code"] == "invalid_value"
    assert evaluate(kc, "(a.text, a.x, a.n, len(seen))") == before
    # Every widget, the poisoned one included, still gives its full state (a page reload restores all three).
    for model_id, text in zip(ids, [before[0], "b", "c"], strict=True):
        (reply,) = send(kc, model_id, {"method": "request_state"})
        assert reply["content"]["data"]["method"] == "update"
        assert reply["content"]["data"]["state"]["text"] == text
    # A later valid value is applied, echoed and observed.
    new = f"ok😀{time.monotonic()}"
    (echo,) = send(kc, ids[0], {"method": "update", "state": {"text": new}, "buffer_paths": []})
    assert echo["content"]["data"] == {"method": "echo_update", "state": {"text": new}, "buffer_paths": []}
    assert evaluate(kc, "seen[-1]") == ("text", new)


def test_python_cannot_set_or_send_what_cannot_travel(kernel: tuple[BlockingKernelClient, list[str]]) -> None:
    kc, _ = kernel
    iopub = execute(
        kc,
        """
        outcomes = []
        for action in (
            lambda: setattr(b, "text", "\\ud800"),
            lambda: setattr(b, "x", float("nan")),
            lambda: setattr(b, "n", 2**60),
            lambda: b.send({"t": "\\udc00"}),
        ):
            try:
                action()
                outcomes.append("accepted")
            except awc.ValidationError:
                outcomes.append("refused")
        """,
    )
    assert comm_msgs(iopub) == []  # nothing went out
    assert evaluate(kc, "outcomes") == ["refused"] * 4
    assert evaluate(kc, "(b.text, b.x, b.n)") == ("b", 0.0, 0)
