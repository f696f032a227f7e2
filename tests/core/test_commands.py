"""Commands: ``@awc.command`` methods answer the front end's ``experimental.invoke`` (anywidget's wire)."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest

import anywidget_core as awc
from anywidget_core.host import MemoryHost, Received


class Calculator(awc.Widget):
    total: int = 0

    @awc.command
    def double(self, msg: Any, buffers: list[memoryview]) -> tuple[Any, list[bytes]]:
        return {"y": msg["x"] * 2}, [bytes(b)[::-1] for b in buffers]

    @awc.command
    async def slow_add(self, msg: Any, buffers: list[memoryview]) -> tuple[Any, list[bytes]]:
        await asyncio.sleep(0)
        self.total += msg
        return self.total, []

    @awc.command
    def broken(self, msg: Any, buffers: list[memoryview]) -> tuple[Any, list[bytes]]:
        raise RuntimeError("boom")

    @awc.command
    def wrong_shape(self, msg: Any, buffers: list[memoryview]) -> Any:
        return {"not": "a tuple"}

    def plain(self, msg: Any, buffers: list[memoryview]) -> Any:  # not a command
        return None, []


def request(name: str, msg: Any, request_id: str = "r1") -> dict[str, Any]:
    content = {"id": request_id, "kind": "anywidget-command", "name": name, "msg": msg}
    return {"method": "custom", "content": content}


def responses(received: list[Received]) -> list[tuple[Any, list[bytes]]]:
    return [(r.data["content"], r.buffers) for r in received if r.data["method"] == "custom"]


def test_a_command_answers_with_its_response_and_buffers() -> None:
    widget = Calculator()
    front = MemoryHost().probe(widget)
    front.take()
    front.deliver(request("double", {"x": 21}), [b"\x01\x02"])
    assert responses(front.take()) == [
        ({"id": "r1", "kind": "anywidget-command-response", "response": {"y": 42}}, [b"\x02\x01"])
    ]


def test_commands_do_not_reach_on_msg_handlers_but_other_custom_messages_do() -> None:
    widget = Calculator()
    seen: list[Any] = []
    widget.on_msg(lambda w, content, buffers: seen.append(content))
    front = MemoryHost().probe(widget)
    front.deliver(request("double", {"x": 1}))
    front.deliver({"method": "custom", "content": {"kind": "other"}})
    assert seen == [{"kind": "other"}]


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("missing", "no command 'missing' on Calculator"),
        ("plain", "no command 'plain' on Calculator"),
        ("broken", "command 'broken' failed: boom"),
        ("wrong_shape", "a command returns (response, buffers), not dict"),
    ],
)
def test_unknown_and_failing_commands_answer_with_an_error(
    name: str, reason: str, caplog: pytest.LogCaptureFixture
) -> None:
    widget = Calculator()
    front = MemoryHost().probe(widget)
    front.take()
    with caplog.at_level(logging.ERROR, logger="anywidget_core"):
        front.deliver(request(name, 1))
    ((content, _),) = responses(front.take())
    assert content["id"] == "r1" and content["response"] is None and reason in content["error"]
    front.deliver(request("double", {"x": 2}, "r2"))  # still usable
    assert responses(front.take())[0][0]["response"] == {"y": 4}


def test_async_commands_answer_when_they_finish(in_fresh_thread: Any) -> None:
    async def main() -> list[tuple[Any, list[bytes]]]:
        widget = Calculator(total=1)
        front = MemoryHost().probe(widget)
        front.take()
        front.deliver(request("slow_add", 4))
        for _ in range(50):
            await asyncio.sleep(0.01)
            got = responses(front.take())
            if got:
                return got
        return []

    answered = in_fresh_thread(lambda: asyncio.run(main()))
    assert answered == [({"id": "r1", "kind": "anywidget-command-response", "response": 5}, [])]


def test_subclasses_inherit_and_can_override_commands() -> None:
    class Sub(Calculator):
        def double(self, msg: Any, buffers: list[memoryview]) -> Any:  # no longer a command
            return None, []

        @awc.command
        def triple(self, msg: Any, buffers: list[memoryview]) -> tuple[Any, list[bytes]]:
            return msg * 3, []

    assert set(Sub._commands) == {"slow_add", "broken", "wrong_shape", "triple"}
    assert set(Calculator._commands) == {"double", "slow_add", "broken", "wrong_shape"}
