"""10,000 widgets created, shown, closed and dropped leave nothing behind: no widgets, comms, links, watcher
threads or memory (Panel: 500, each a Bokeh document; its sessions end too). A displayed Jupyter widget with no
other reference stays alive while its comm is open."""

from __future__ import annotations

import gc
import time
import tracemalloc
import weakref
from pathlib import Path
from typing import Any

import comm
import pytest
from panel.io.state import state as panel_state

import anywidget_core
import anywidget_core.hosts
from anywidget_core import Widget, reload
from anywidget_core.host import MemoryHost
from anywidget_core.hosts import jupyter
from anywidget_core.hosts.jupyter import JupyterHost
from anywidget_core.hosts.panel import PanelHost

OUR_CODE = [Path(anywidget_core.__file__).parent, Path(anywidget_core.hosts.__file__).parent]

COUNT = 10_000
PANEL_COUNT = 500  # each Panel view is a Bokeh document and component: fewer, same bytes-per-widget bound
WARMUP = 1_000
MAX_GROWTH = 256 * 1024  # bytes left after 10,000 widgets: a leak of even 30 bytes per widget exceeds it


class Item(Widget):
    value: int = 0
    blob: bytes = b""


def _cycle(host: Any, n: int, refs: list[weakref.ref[Item]]) -> None:
    for i in range(n):
        widget = Item(value=i, blob=b"x" * 64)
        widget.observe(lambda change: None)
        probe = host.probe(widget)
        probe.deliver({"method": "update", "state": {"value": i + 1}, "buffer_paths": []})
        if i % 2:
            widget.close()  # from Python
        else:
            probe.close()  # from the front end
        assert not [link for link in widget.links.values() if not link.closed]
        getattr(probe, "disconnect", lambda: None)()  # the session ends (Panel: its root is cleaned up)
        if i % 97 == 0:
            refs.append(weakref.ref(widget))


def _growth(
    host: Any, count: int, refs: list[weakref.ref[Item]], filters: list[tracemalloc.Filter] | None
) -> tuple[int, str]:
    """Bytes still allocated after ``count`` widget cycles and a gc (only ``filters``' files when given), and the
    largest lines."""
    tracemalloc.start()
    try:
        before = tracemalloc.take_snapshot()
        _cycle(host, count, refs)
        gc.collect()
        after = tracemalloc.take_snapshot()
    finally:
        tracemalloc.stop()
    if filters is not None:
        before, after = before.filter_traces(filters), after.filter_traces(filters)
    top = "\n".join(str(s) for s in after.compare_to(before, "lineno")[:5])
    return sum(stat.size_diff for stat in after.compare_to(before, "filename")), top


@pytest.mark.timeout(300)
@pytest.mark.parametrize(
    ("host_cls", "count"),
    [(MemoryHost, COUNT), (JupyterHost, COUNT), (PanelHost, PANEL_COUNT)],
    ids=["memory", "jupyter", "panel"],
)
def test_ten_thousand_widgets_leave_nothing(host_cls: type, count: int) -> None:
    host = host_cls()
    comms_before = set(comm.get_comm_manager().comms)
    views_before = len(panel_state._views)
    refs: list[weakref.ref[Item]] = []
    _cycle(host, WARMUP, refs)  # caches, interned strings, lazily imported modules
    gc.collect()
    if host_cls is PanelHost:
        # Bokeh keeps ~220 bytes of property containers per document ever made, a plain Panel JSComponent
        # too (measured: 220 KiB per 1,000 get_root/cleanup cycles, no anywidget-core involved): count only
        # what our own code allocated. Some recent documents also stay alive a while (20-76 seen, however many
        # were made), and with them what our code attached to them (a saved page's module table: the probe's
        # documents have no session, as Panel's save()): so compare two runs, of count/2 and 3*count/2 widgets.
        # Retention that does not grow with the count cancels out; a leak leaves count widgets' worth.
        ours = [tracemalloc.Filter(True, f"{folder}/*") for folder in OUR_CODE]
        small, _ = _growth(host, count // 2, refs, ours)
        large, top = _growth(host, 3 * count // 2, refs, ours)
        growth = large - small
        top = f"{large} bytes after {3 * count // 2}, {small} after {count // 2}:\n{top}"
    else:
        growth, top = _growth(host, count, refs, None)
    alive = [r for r in refs if r() is not None]
    assert not alive, f"{len(alive)} of {len(refs)} sampled widgets are still alive"
    assert Item.instances() == []
    assert set(comm.get_comm_manager().comms) <= comms_before, "comms left open"
    assert len(panel_state._views) <= views_before, "Panel views left behind"
    assert growth < MAX_GROWTH * count / COUNT, f"{growth} bytes more after {count} widgets:\n{top}"


def test_displayed_widget_lives_while_its_comm_is_open() -> None:
    """``display(Counter())``: nothing but the open comm refers to the widget; it must keep working."""
    widget = Item()
    jupyter.show(widget, create_comm=comm.DummyComm)  # a comm the manager holds, like the kernel's
    model_id, ref = widget.model_id, weakref.ref(widget)
    del widget
    gc.collect()
    alive = ref()
    assert alive is not None, "a displayed widget was collected while its comm was open"
    channel = comm.get_comm_manager().comms[model_id]
    channel.handle_msg({"content": {"data": {"method": "update", "state": {"value": 5}}}, "buffers": []})
    assert alive.value == 5  # the front end still drives it
    del alive
    channel.handle_close({"content": {"data": {}}})  # the front end closes it
    comm.get_comm_manager().unregister_comm(channel)  # as ipykernel's CommManager.comm_close does
    del channel
    gc.collect()
    assert ref() is None, "a widget whose comm closed was not collected"


def test_closed_from_python_is_collected() -> None:
    widget = Item()
    jupyter.show(widget, create_comm=comm.DummyComm)
    ref = weakref.ref(widget)
    widget.close()
    del widget
    gc.collect()
    assert ref() is None


@pytest.mark.timeout(60)
def test_file_watcher_stops_when_watched_widgets_are_gone(tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.setenv(reload.ENV_VAR, "1")
    source = tmp_path / "watched.js"
    source.write_text("export default { render() {} };", encoding="utf-8")

    class Watched(Widget):
        _esm = source
        value: int = 0

    refs = []
    for _ in range(1_000):
        widget = Watched()
        jupyter.show(widget, create_comm=comm.DummyComm)
        refs.append(weakref.ref(widget))
        widget.close()
        del widget
    assert reload.reloader().running
    gc.collect()
    assert not [r for r in refs if r() is not None]
    deadline = time.monotonic() + 10 * reload.POLL_MS / 1000
    while reload.reloader().running and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not reload.reloader().running, "the watcher thread outlived every widget it watched"
