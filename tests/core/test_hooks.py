"""What an ipywidgets/anywidget author ports: @validate, @observe, traitlets' change["new"], _handle_custom_msg."""

from __future__ import annotations

from typing import Any

import pytest

import anywidget_core as awc
from anywidget_core.host import Host, MemoryHost
from anywidget_core.hosts.standalone import StandaloneHost


class Range(awc.Widget):
    lo: int = 0
    hi: int = 10
    step: int = 1
    seen: list[str] = []

    @awc.validate("step")
    def _positive_step(self, value: int) -> int:
        if value == 0:
            raise ValueError("step must not be 0")
        return abs(value)  # a validator may change the value it keeps

    @awc.validate()
    def _ordered(self, state: dict[str, Any]) -> None:
        if state["lo"] > state["hi"]:
            raise ValueError("lo must be below hi")

    @awc.observe("lo", "hi")
    def _record(self, change: awc.Change) -> None:
        self.seen = [*self.seen, f"{change['name']} {change['old']}->{change['new']} {change['type']}"]


def test_validators_run_on_every_python_set_all_or_nothing() -> None:
    w = Range(lo=1)
    w.step = -3
    assert w.step == 3
    with pytest.raises(awc.ValidationError, match="lo must be below hi"):
        w.lo = 11
    with pytest.raises(awc.ValidationError, match="step must not be 0"):
        w.set_state({"hi": 20, "step": 0})
    assert (w.lo, w.hi, w.step) == (1, 10, 3)  # neither set applied any part
    w.set_state({"lo": 15, "hi": 20})  # valid together, though lo alone would not be
    assert (w.lo, w.hi) == (15, 20)
    with pytest.raises(awc.ValidationError, match="lo must be below hi"):
        Range(lo=11)
    with w.hold_sync(), pytest.raises(awc.ValidationError):
        w.hi = 0


@pytest.mark.parametrize("host_class", [MemoryHost, StandaloneHost], ids=["memory", "standalone"])
def test_validators_refuse_a_front_end_update_whole(host_class: type[Host]) -> None:
    w = Range()
    host = host_class()
    try:
        fe = host.probe(w)
        fe.take()
        fe.deliver({"method": "update", "state": {"lo": 5, "hi": 2}})
        (error,) = [f.data for f in fe.take()]
        assert error["method"] == "error" and error["code"] == "invalid_value" and error["rejected"] == "update"
        assert "lo must be below hi" in error["message"]
        assert (w.lo, w.hi, w.seen) == (0, 10, [])  # nothing applied, no observer ran
        fe.deliver({"method": "update", "state": {"step": -2, "hi": 4}})
        echo = {"method": "echo_update", "state": {"step": 2, "hi": 4}, "buffer_paths": []}
        observed = {"method": "update", "state": {"seen": ["hi 10->4 change"]}, "buffer_paths": []}
        assert [f.data for f in fe.take()] == [echo, observed]  # front ends see the value the validator kept
        assert (w.step, w.hi, w.seen) == (2, 4, ["hi 10->4 change"])
    finally:
        if isinstance(host, StandaloneHost):
            host.shutdown()


def test_validate_names_fields_and_subclasses_may_replace_hooks() -> None:
    with pytest.raises(TypeError, match="validates unknown field"):

        class Broken(awc.Widget):
            x: int = 0

            @awc.validate("y")
            def _y(self, value: int) -> int:
                return value

    class Loose(Range):
        def _ordered(self, state: dict[str, Any]) -> None:  # no longer a validator
            pass

        def _record(self, change: awc.Change) -> None:  # no longer an observer
            pass

    w = Loose()
    w.lo = 50
    assert (w.lo, w.seen) == (50, [])


def test_a_validator_returning_the_wrong_type_is_refused() -> None:
    class Bad(awc.Widget):
        n: int = 0

        @awc.validate("n")
        def _n(self, value: int) -> Any:
            return str(value)

    with pytest.raises(awc.ValidationError, match="validator returned a value of the wrong type"):
        Bad().n = 1


def test_change_reads_like_a_traitlets_change() -> None:
    w = Range()
    change = awc.Change(w, "lo", 0, 1)
    assert (change["owner"], change["name"], change["old"], change["new"], change["type"]) == (w, "lo", 0, 1, "change")
    assert change[1:] == ("lo", 0, 1) and change.new == 1
    with pytest.raises(KeyError):
        change["value"]


def test_handle_custom_msg_can_be_overridden_as_in_ipywidgets() -> None:
    got: list[Any] = []

    class Echo(awc.Widget):
        def _handle_custom_msg(self, content: Any, buffers: list[memoryview]) -> None:
            got.append((content, [bytes(b) for b in buffers]))
            super()._handle_custom_msg(content, buffers)  # the on_msg handlers still run

    w = Echo()
    w.on_msg(lambda widget, content, buffers: got.append(("on_msg", content)))
    MemoryHost().probe(w).deliver({"method": "custom", "content": {"k": 1}}, [b"ab"])
    assert got == [({"k": 1}, [b"ab"]), ("on_msg", {"k": 1})]
