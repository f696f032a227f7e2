"""The Widget API: observers, messages, hold_sync, lifecycle, assets."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

import anywidget_core as awc
from anywidget_core.host import MemoryHost


class Counter(awc.Widget):
    _esm = "export default { render({ model, el }) {} }"
    _css = ".counter { color: teal }"
    value: int = 0
    label: str = "clicks"


def test_observe_and_unobserve() -> None:
    w = Counter()
    seen: list[awc.Change] = []
    w.observe(seen.append, names="value")
    w.value = 1
    w.label = "x"
    w.unobserve(seen.append, names="value")
    w.value = 2
    assert [(c.owner, c.name, c.old, c.new) for c in seen] == [(w, "value", 0, 1)]
    with pytest.raises(ValueError):
        w.observe(seen.append, names="nope")


def test_observer_error_from_python_propagates_but_not_from_front_end() -> None:
    w = Counter()

    def broken(change: awc.Change) -> None:
        raise RuntimeError("observer bug")

    w.observe(broken)
    with pytest.raises(RuntimeError):
        w.value = 1
    fe = MemoryHost().probe(w)
    fe.deliver({"method": "update", "state": {"value": 5}})  # must not raise into the host
    assert w.value == 5


def test_on_msg_and_removal() -> None:
    w = Counter()
    got: list = []
    handler = lambda widget, content, buffers: got.append((widget, content, [bytes(b) for b in buffers]))  # noqa: E731
    w.on_msg(handler)
    fe = MemoryHost().probe(w)
    fe.deliver({"method": "custom", "content": {"k": 1}}, [b"ab"])
    w.on_msg(handler, remove=True)
    fe.deliver({"method": "custom", "content": {"k": 2}})
    assert got == [(w, {"k": 1}, [b"ab"])]


def test_async_handlers_run_on_the_event_loop() -> None:
    w = Counter()
    seen: list[int] = []

    async def on_change(change: awc.Change) -> None:
        await asyncio.sleep(0)
        seen.append(change.new)

    w.observe(on_change, names="value")

    async def main() -> None:
        fe = MemoryHost().probe(w)
        fe.deliver({"method": "update", "state": {"value": 3}})
        await asyncio.sleep(0.01)

    asyncio.run(main())
    assert seen == [3]
    w.value = 4  # no loop running: the coroutine runs to completion right away
    assert seen == [3, 4]


def test_nested_hold_sync_sends_once_at_the_outermost_exit() -> None:
    w = Counter()
    fe = MemoryHost().probe(w)
    fe.take()
    with w.hold_sync():
        w.value = 1
        with w.hold_sync():
            w.label = "a"
        assert fe.take() == []
        w.value = 2
    assert [m.data for m in fe.take()] == [
        {"method": "update", "state": {"value": 2, "label": "a"}, "buffer_paths": []}
    ]


def test_get_state_set_state_and_send_state() -> None:
    w = Counter()
    fe = MemoryHost().probe(w)
    fe.take()
    w.set_state({"value": 5})
    assert w.get_state() == {"value": 5, "label": "clicks"}
    with pytest.raises(awc.ValidationError):
        w.set_state({"nope": 1})
    w.send_state("label")
    assert [m.data["state"] for m in fe.take()] == [{"value": 5}, {"label": "clicks"}]


def test_open_carries_the_anywidget_protocol_keys() -> None:
    state = MemoryHost().probe(Counter()).take()[0].data["state"]
    assert state["_model_module"] == "anywidget" and state["_model_name"] == "AnyModel"
    assert state["_view_module"] == "anywidget" and state["_view_name"] == "AnyView"
    assert state["_model_module_version"] == "~0.11.*" and state["_view_count"] is None
    assert state["_esm"] == Counter._esm and state["_css"] == Counter._css
    assert state["_anywidget_id"].endswith("Counter")


def test_esm_from_a_file_is_read_when_sent(tmp_path: Path) -> None:
    source = tmp_path / "widget.js"
    source.write_text("export default { v: 1 }")

    class FromFile(awc.Widget):
        _esm = source

    w = FromFile()
    fe = MemoryHost().probe(w)
    assert fe.take()[0].data["state"]["_esm"] == "export default { v: 1 }"
    source.write_text("export default { v: 2 }")
    w.reload_asset("_esm")
    assert fe.take()[0].data == {"method": "update", "state": {"_esm": "export default { v: 2 }"}, "buffer_paths": []}
    with pytest.raises(FileNotFoundError):

        class Missing(awc.Widget):
            _esm = "missing.js"


def test_url_esm_is_kept_as_a_url() -> None:
    class Remote(awc.Widget):
        _esm = "https://example.invalid/widget.js"

    assert MemoryHost().probe(Remote()).take()[0].data["state"]["_esm"] == "https://example.invalid/widget.js"


def test_close_from_python_and_from_the_front_end() -> None:
    w = Counter()
    a, b = MemoryHost().probe(w), MemoryHost().probe(w)
    b.close()
    assert not w.closed and len(w.links) == 1
    w.close()
    assert w.closed and not w.links
    assert a.take()[-1].data == {"method": "close"}


def test_widgets_without_links_are_collected() -> None:
    import gc
    import weakref

    w = Counter()
    ref = weakref.ref(w)
    del w
    gc.collect()
    assert ref() is None
