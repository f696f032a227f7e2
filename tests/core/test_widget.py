"""The Widget API: observers, messages, hold_sync, lifecycle, assets."""

from __future__ import annotations

import asyncio
import threading
import time
from pathlib import Path
from typing import Any

import pytest

import anywidget_core as awc
from anywidget_core.host import Host, MemoryHost
from anywidget_core.hosts.standalone import StandaloneHost


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


def test_async_handlers_run_on_the_event_loop(in_fresh_thread: Any) -> None:
    in_fresh_thread(_async_handlers_run_on_the_event_loop)


def _async_handlers_run_on_the_event_loop() -> None:
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


def _import_widget_module(folder: Path, name: str, esm: str) -> type[awc.Widget]:
    """A module file in ``folder`` declaring a widget whose ``_esm`` is the relative path ``esm``, imported."""
    import importlib.util

    source = folder / f"{name}.py"
    source.write_text(f"import anywidget_core as awc\n\nclass W(awc.Widget):\n    _esm = {esm!r}\n")
    spec = importlib.util.spec_from_file_location(name, source)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    import sys

    sys.modules[name] = module  # as an import does: the class finds its module by name
    try:
        spec.loader.exec_module(module)
    finally:
        del sys.modules[name]
    return module.W  # type: ignore[no-any-return]


def test_relative_asset_paths_are_the_defining_modules_never_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    library, notebook = tmp_path / "library", tmp_path / "notebook"
    library.mkdir(), notebook.mkdir()
    (library / "index.js").write_text("export default { library: true }")
    (notebook / "index.js").write_text("export default { planted: true }")  # where the user runs Python
    monkeypatch.chdir(notebook)
    W = _import_widget_module(library, "awc_lib_widget", "index.js")
    assert MemoryHost().probe(W()).take()[0].data["state"]["_esm"] == "export default { library: true }"
    (notebook / "other.js").write_text("export default { planted: true }")
    with pytest.raises(FileNotFoundError, match="library"):  # only in the working directory: not found
        _import_widget_module(library, "awc_lib_widget2", "other.js")


def test_a_deleted_asset_file_keeps_serving_its_last_good_source(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    source = tmp_path / "widget.js"
    source.write_text("export default { v: 1 }")

    class FromFile(awc.Widget):
        _esm = source
        value: int = 0

    w = FromFile()
    first = MemoryHost().probe(w)
    first.take()
    source.unlink()  # mid-save, or gone
    with caplog.at_level("WARNING", logger="anywidget_core"):
        second = MemoryHost().probe(w)  # a new display: no FileNotFoundError
        assert second.take()[0].data["state"]["_esm"] == "export default { v: 1 }"
        second.deliver({"method": "request_state"})
        (answer,) = second.take()
        assert answer.data["method"] == "update" and answer.data["state"]["_esm"] == "export default { v: 1 }"
        w.reload_asset("_esm")
    assert [r.getMessage() for r in caplog.records].count(
        f"anywidget_core: cannot read {source} ([Errno 2] No such file or directory: '{source}'); "
        "sending its last good source"
    ) == 1  # warned once, not per send
    source.write_text("export default { v: 2 }")
    assert MemoryHost().probe(w).take()[0].data["state"]["_esm"] == "export default { v: 2 }"


def test_a_symlinked_asset_follows_the_link_when_it_is_re_pointed(tmp_path: Path) -> None:
    (tmp_path / "v1.js").write_text("export default { v: 1 }")
    (tmp_path / "v2.js").write_text("export default { v: 2 }")
    link = tmp_path / "widget.js"
    link.symlink_to(tmp_path / "v1.js")

    class Linked(awc.Widget):
        _esm = link

    w = Linked()
    assert MemoryHost().probe(w).take()[0].data["state"]["_esm"] == "export default { v: 1 }"
    link.unlink()
    link.symlink_to(tmp_path / "v2.js")
    assert MemoryHost().probe(w).take()[0].data["state"]["_esm"] == "export default { v: 2 }"


@pytest.mark.parametrize("host_class", [MemoryHost, StandaloneHost], ids=["memory", "standalone"])
def test_a_long_hold_sync_body_never_holds_up_front_end_messages(host_class: type[Host]) -> None:
    w = Counter()
    host = host_class()
    try:
        holder, other = host.probe(w), host.probe(w)
        holder.take(), other.take()
        inside, done = threading.Event(), threading.Event()

        def body() -> None:
            with w.hold_sync():
                w.value = 1
                inside.set()
                done.wait(2.0)  # a 2 s body (cut short once the test has seen what it needs)
                w.label = "held"

        thread = threading.Thread(target=body)
        thread.start()
        assert inside.wait(10)
        start = time.monotonic()
        other.deliver({"method": "update", "state": {"value": 7}})  # returns once applied (standalone: pong)
        elapsed = time.monotonic() - start
        applied_during_body = thread.is_alive()
        done.set()
        thread.join(10)
        assert applied_during_body and elapsed < 1.0, elapsed
        assert w.value == 7
        echo = {"method": "echo_update", "state": {"value": 7}, "buffer_paths": []}
        grouped = {"method": "update", "state": {"value": 7, "label": "held"}, "buffer_paths": []}
        assert [f.data for f in other.take()] == [echo, grouped]  # the held sets leave as one message
        assert [f.data for f in holder.take()] == [echo, grouped]
    finally:
        if isinstance(host, StandaloneHost):
            host.shutdown()


def test_hold_sync_groups_only_its_own_threads_sets() -> None:
    w = Counter()
    fe = MemoryHost().probe(w)
    fe.take()
    with w.hold_sync():
        w.value = 1
        thread = threading.Thread(target=lambda: setattr(w, "label", "other"))
        thread.start()
        thread.join(10)
        assert [f.data for f in fe.take()] == [{"method": "update", "state": {"label": "other"}, "buffer_paths": []}]
    assert [f.data for f in fe.take()] == [{"method": "update", "state": {"value": 1}, "buffer_paths": []}]


def test_custom_messages_kept_for_a_first_display_are_bounded_and_dropping_is_logged_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    from anywidget_core.widget import MAX_PENDING_MESSAGES

    w = Counter()
    with caplog.at_level("WARNING", logger="anywidget_core"):
        for i in range(MAX_PENDING_MESSAGES):
            w.send({"i": i})
        assert not caplog.records  # at the cap, nothing dropped yet
        for i in range(MAX_PENDING_MESSAGES, MAX_PENDING_MESSAGES + 5):
            w.send({"i": i})
    assert [r.getMessage() for r in caplog.records] == [
        f"anywidget_core: {w!r} is shown nowhere and keeps only its last {MAX_PENDING_MESSAGES} custom messages "
        "for its first display; older ones are being dropped"
    ]
    frames = MemoryHost().probe(w).take()
    assert [f.data["content"]["i"] for f in frames[1:]] == list(range(5, MAX_PENDING_MESSAGES + 5))
    caplog.clear()
    for frontend in list(w.links.values()):
        frontend.receive({"method": "close"})  # shown nowhere again: messages pile up again, warned again
    with caplog.at_level("WARNING", logger="anywidget_core"):
        for i in range(MAX_PENDING_MESSAGES + 1):
            w.send({"i": i})
    assert len(caplog.records) == 1
