"""Hot reload (ANYWIDGET_HMR=1): a real watchfiles thread on real files, seen through the Jupyter probe."""

from __future__ import annotations

import gc
import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import anywidget_core as awc
from anywidget_core import reload
from anywidget_core.host import Received
from anywidget_core.hosts.jupyter import JupyterHost, JupyterProbe

WAIT = 10.0


@pytest.fixture(autouse=True)
def hmr(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("ANYWIDGET_HMR", "1")
    yield
    reload.stop()


def _widget_class(tmp_path: Path) -> type[awc.Widget]:
    esm = tmp_path / "widget.js"
    css = tmp_path / "widget.css"
    esm.write_text("export default { render() {} } // v1")
    css.write_text(".a { color: red; }")

    class FileWidget(awc.Widget):
        _esm = esm
        _css = css
        value: int = 0

    return FileWidget


def _wait_for(probes: list[JupyterProbe], pred: Callable[[Received], bool]) -> list[Received]:
    got: list[Received] = []
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        for p in probes:
            got.extend(p.take())
        if sum(map(pred, got)) >= len(probes):
            return got
        time.sleep(0.02)
    raise AssertionError(f"no reload seen; got {got}")


def _settle() -> None:
    time.sleep(0.3)  # let the watcher's inotify watch be in place before editing


def test_edit_sends_only_the_changed_source_to_every_instance(tmp_path: Path) -> None:
    cls = _widget_class(tmp_path)
    a, b = cls(value=1), cls(value=2)
    host = JupyterHost()
    probes = [host.probe(a), host.probe(b)]
    for p in probes:
        p.take()
    assert reload.reloader().running
    _settle()
    (tmp_path / "widget.js").write_text("export default { render() {} } // v2")
    got = _wait_for(probes, lambda r: r.data.get("state", {}).get("_esm", "").endswith("v2"))
    assert all(
        r.data == {"method": "update", "state": {"_esm": r.data["state"]["_esm"]}, "buffer_paths": []} for r in got
    )
    assert {r.model_id for r in got} == {a.model_id, b.model_id}
    assert (a.value, b.value) == (1, 2)  # state survives a reload
    (tmp_path / "widget.css").write_text(".a { color: blue; }")
    got = _wait_for(probes, lambda r: "_css" in r.data.get("state", {}))
    assert all(list(r.data["state"]) == ["_css"] for r in got)
    a.close()
    b.close()


def test_atomic_save_is_seen(tmp_path: Path) -> None:
    cls = _widget_class(tmp_path)
    widget = cls()
    probe = JupyterHost().probe(widget)
    probe.take()
    _settle()
    tmp = tmp_path / ".widget.js.tmp"
    tmp.write_text("export default { render() {} } // atomic")
    os.replace(tmp, tmp_path / "widget.js")  # how editors save: write elsewhere, rename over
    _wait_for([probe], lambda r: r.data.get("state", {}).get("_esm", "").endswith("atomic"))
    (tmp_path / "widget.js").unlink()
    (tmp_path / "widget.js").write_text("export default { render() {} } // recreated")
    _wait_for([probe], lambda r: r.data.get("state", {}).get("_esm", "").endswith("recreated"))
    widget.close()


def test_unchanged_save_sends_nothing(tmp_path: Path) -> None:
    cls = _widget_class(tmp_path)
    widget = cls()
    probe = JupyterHost().probe(widget)
    probe.take()
    _settle()
    path = tmp_path / "widget.js"
    path.write_text(path.read_text())
    time.sleep(1.0)
    assert probe.take() == []
    widget.close()


def test_watcher_holds_widgets_weakly_and_stops(tmp_path: Path) -> None:
    cls = _widget_class(tmp_path)
    widget: Any = cls()
    probe = JupyterHost().probe(widget)
    assert reload.reloader().running
    widget.close()  # an open comm keeps its widget alive; a closed one lets it go, and the watcher with it
    del widget, probe  # the probe (a front end) holds the comm it recorded
    gc.collect()
    deadline = time.monotonic() + WAIT
    while reload.reloader().running and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not reload.reloader().running


def test_off_without_env_and_for_inline_sources(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    class Inline(awc.Widget):
        _esm = "export default {}"

    assert reload.watch(Inline()) is False
    monkeypatch.delenv("ANYWIDGET_HMR")
    assert reload.watch(_widget_class(tmp_path)()) is False
    assert not reload.reloader().running


def test_a_re_pointed_symlink_is_reloaded_and_a_deleted_file_keeps_the_last_source(tmp_path: Path) -> None:
    (tmp_path / "v1.js").write_text("export default { render() {} } // v1")
    (tmp_path / "v2.js").write_text("export default { render() {} } // v2")
    link = tmp_path / "widget.js"
    link.symlink_to(tmp_path / "v1.js")

    class Linked(awc.Widget):
        _esm = link

    widget = Linked()
    probe = JupyterHost().probe(widget)
    assert probe.take()[0].data["state"]["_esm"].endswith("v1")
    _settle()
    staged = tmp_path / ".widget.js.tmp"
    staged.symlink_to(tmp_path / "v2.js")
    os.replace(staged, link)  # re-point the link atomically (as `ln -sfn` and deploy tools do)
    _wait_for([probe], lambda r: r.data.get("state", {}).get("_esm", "").endswith("v2"))
    link.unlink()
    time.sleep(1.0)  # the watcher sees the deletion and sends nothing
    assert probe.take() == []
    again = JupyterHost().probe(widget)  # a new display while the file is gone: the last good source
    assert again.take()[0].data["state"]["_esm"].endswith("v2")
    widget.close()
