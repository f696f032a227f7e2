"""The marimo adapter inside marimo's real kernel (production ``kernel_session``, edit mode, in process).

Cells are run as marimo runs them; browser messages arrive as the ``ModelCommand`` marimo's server builds from
``/api/kernel/set_model_value``; what the browser would receive is read from the kernel's outbound stream.
"""

from __future__ import annotations

import asyncio
import base64
import concurrent.futures
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from anywidget_core.hosts import _marimo_private as private

pytestmark = pytest.mark.timeout(120)

WIDGET_CELL = """
import marimo as mo
import anywidget_core as awc
from anywidget_core.hosts.marimo import display

class Counter(awc.Widget):
    _esm = "export default { render({ model, el }) { el.textContent = model.get('count'); } }"
    _css = ".counter { color: rgb(255, 0, 0); }"
    count: int = 0
    blob: bytes = b""
    tags: list[str] = []

counter = Counter(count=1, blob=b"\\x01\\x02")
received = []

def on_msg(widget, content, buffers):
    received.append((content, [bytes(b) for b in buffers]))
    widget.send({"echo": content, "n": len(buffers)}, [b"\\xff\\xfe", bytes(reversed(bytes(buffers[0])))])

counter.on_msg(on_msg)
runs = []
"""
SHOW_CELL = "view = display(counter)\nview"
DEPENDENT_CELL = "runs.append(view.value['count'])\nseen = view.value['count']"

Scenario = Callable[[private.KernelSession], Awaitable[None]]


def run_in_kernel(scenario: Scenario) -> None:
    """A fresh kernel per test, on its own thread and event loop: Playwright's sync API (the browser tests
    in this process) keeps an event loop running on the main thread."""

    async def main() -> None:
        with private.kernel_session() as session:
            await scenario(session)

    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, main()).result()


async def notebook(s: private.KernelSession) -> tuple[Any, str]:
    await s.run(WIDGET_CELL)
    await s.run(SHOW_CELL)
    await s.run(DEPENDENT_CELL)
    counter = s.globals["counter"]
    return counter, counter.model_id


def test_open_shows_a_reactive_element_with_state_css_and_esm_spec() -> None:
    async def scenario(s: private.KernelSession) -> None:
        counter, model_id = await notebook(s)
        view = s.globals["view"]
        assert type(view).__name__ == "anywidget"  # marimo's mo.ui.anywidget element
        assert view.value == {"count": 1, "blob": b"\x01\x02", "tags": []}
        assert view.count == 1  # field access forwards to the widget
        assert view["count"] == 1 and "count" in view  # so do item access and `in`, as marimo documents
        assert "_esm" not in view and "nope" not in view
        with pytest.raises(KeyError):
            view["_esm"]
        [opened] = s.model_messages(model_id)
        assert opened["method"] == "open"
        assert opened["state"]["_css"] == ".counter { color: rgb(255, 0, 0); }"
        assert "_esm" not in opened["state"]  # marimo moves the code into an import spec
        assert opened["esm_spec"]["url"]
        assert opened["buffer_paths"] == [["blob"]]
        assert [base64.b64decode(b) for b in opened["buffers"]] == [b"\x01\x02"]
        # the element is what the widget's marimo display hook returns; showing twice reuses it
        assert counter._display_() is view
        assert len(s.model_messages(model_id)) == 1

    run_in_kernel(scenario)


def test_browser_update_applies_and_reruns_the_dependent_cell() -> None:
    async def scenario(s: private.KernelSession) -> None:
        counter, model_id = await notebook(s)
        assert s.globals["runs"] == [1]
        # marimo's browser leaves base64 at each buffer path and sends the bytes beside it
        await s.model_update(model_id, {"count": 7, "blob": "CQgH"}, [["blob"]], [b"\t\x08\x07"])
        assert counter.count == 7
        assert counter.blob == b"\t\x08\x07"
        assert s.globals["runs"] == [1, 7]
        assert s.globals["seen"] == 7
        # marimo drops echo_update, so nothing goes back to the browser for its own write
        assert [m["method"] for m in s.model_messages(model_id)] == ["open"]

    run_in_kernel(scenario)


def test_python_changes_reach_the_browser() -> None:
    async def scenario(s: private.KernelSession) -> None:
        counter, model_id = await notebook(s)
        await s.run("counter.count = 3")
        await s.run("view.tags = ['a', 'b']")  # through the element, to the widget
        updates = [m for m in s.model_messages(model_id) if m["method"] == "update"]
        assert [u["state"] for u in updates] == [{"count": 3}, {"tags": ["a", "b"]}]
        assert counter.tags == ["a", "b"]

    run_in_kernel(scenario)


def test_custom_messages_with_buffers_both_ways() -> None:
    async def scenario(s: private.KernelSession) -> None:
        _, model_id = await notebook(s)
        await s.model_custom(model_id, {"kind": "ping"}, [b"\x01\x02\x03"])
        assert s.globals["received"] == [({"kind": "ping"}, [b"\x01\x02\x03"])]
        reply = s.model_messages(model_id)[-1]
        assert reply["method"] == "custom"
        assert reply["content"] == {"echo": {"kind": "ping"}, "n": 1}
        assert [base64.b64decode(b) for b in reply["buffers"]] == [b"\xff\xfe", b"\x03\x02\x01"]
        assert s.globals["runs"] == [1]  # a custom message re-runs nothing

    run_in_kernel(scenario)


@pytest.mark.parametrize(
    ("state", "paths", "buffers", "reason"),
    [
        ({"count": "seven"}, [], [], "'count': Expected `int`, got `str`"),
        ({"count": 2, "tags": "a"}, [], [], "'tags': Expected `array`, got `str`"),
        ({"_anywidget_id": "evil"}, [], [], "'_anywidget_id' is private"),
        ({"nope": 1}, [], [], "'nope' is not a field"),
        ({"blob": "AA=="}, [["blob"]], [], "1 buffer path(s)"),
    ],
    ids=["wrong-type", "partly-wrong", "private", "unknown", "missing-buffer"],
)
def test_bad_input_is_rejected_clearly_and_the_notebook_keeps_working(
    state: dict[str, Any], paths: list[Any], buffers: list[bytes], reason: str
) -> None:
    async def scenario(s: private.KernelSession) -> None:
        counter, model_id = await notebook(s)
        await s.model_update(model_id, state, paths, buffers)
        assert counter.get_state() == {"count": 1, "blob": b"\x01\x02", "tags": []}  # nothing applied
        assert reason in "".join(s.stderr)  # shown in the console of the element's cell
        assert "rejected update" in "".join(s.stderr) or "buffer" in "".join(s.stderr)
        await s.model_update(model_id, {"count": 5}, [], [])
        assert counter.count == 5
        assert s.globals["seen"] == 5

    run_in_kernel(scenario)


def test_browser_cannot_write_code_or_style() -> None:
    async def scenario(s: private.KernelSession) -> None:
        counter, model_id = await notebook(s)
        await s.model_update(model_id, {"_esm": "evil()", "_css": "*{display:none}", "count": 2}, [], [])
        assert counter.count == 2  # marimo strips _esm/_css before the adapter sees the update
        await s.run("counter.count = 4")
        assert [m["state"] for m in s.model_messages(model_id) if m["method"] == "update"] == [{"count": 4}]
        assert counter._protocol_state()["_css"] == ".counter { color: rgb(255, 0, 0); }"

    run_in_kernel(scenario)


def test_rerunning_the_showing_cell_reopens_the_model() -> None:
    async def scenario(s: private.KernelSession) -> None:
        counter, model_id = await notebook(s)
        await s.run(SHOW_CELL, cell_id="cell2")  # marimo closes the comm the cell opened, then shows again
        assert [m["method"] for m in s.model_messages(model_id)] == ["open", "close", "open"]
        await s.model_update(model_id, {"count": 9}, [], [])
        assert counter.count == 9
        assert s.globals["seen"] == 9
        await s.run("counter.count = 10")
        assert s.model_messages(model_id)[-1]["state"] == {"count": 10}

    run_in_kernel(scenario)


def test_python_close_closes_the_model() -> None:
    async def scenario(s: private.KernelSession) -> None:
        counter, model_id = await notebook(s)
        await s.run("counter.close()")
        assert s.model_messages(model_id)[-1]["method"] == "close"
        assert not counter.links

    run_in_kernel(scenario)


def test_hot_reload_of_an_esm_file_in_edit_mode(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    esm = tmp_path / "widget.js"
    esm.write_text("export default { render({ el }) { el.textContent = 'v1'; } }", encoding="utf-8")
    monkeypatch.setenv("ANYWIDGET_HMR", "1")

    async def scenario(s: private.KernelSession) -> None:
        await s.run(
            "import pathlib\nimport anywidget_core as awc\nfrom anywidget_core.hosts.marimo import display\n"
            f"class Hot(awc.Widget):\n    _esm = pathlib.Path({str(esm)!r})\n    n: int = 0\n"
            "hot = Hot()\nview = display(hot)\nview"
        )
        model_id = s.globals["hot"].model_id
        first = s.model_messages(model_id)[0]["esm_spec"]
        esm.write_text("export default { render({ el }) { el.textContent = 'v2'; } }", encoding="utf-8")
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and len(s.model_messages(model_id)) < 2:
            await asyncio.sleep(0.1)
        update = s.model_messages(model_id)[-1]
        assert update["method"] == "update", s.model_messages(model_id)
        assert update["esm_spec"]["hash"] != first["hash"]  # a new import spec: the browser re-imports
        assert "_esm" not in update["state"]

    try:
        run_in_kernel(scenario)
    finally:
        from anywidget_core import reload

        reload.stop()


# ------------------------------------------------------------------- mo.ui.anywidget(widget), as marimo teaches

WRAP_CELL = "view = mo.ui.anywidget(counter)\nview"


async def wrapped_notebook(s: private.KernelSession) -> tuple[Any, str]:
    secretive = "\nclass Secretive(Counter):\n    _secret: str = 'kept'\n\ncounter = Secretive(count=1)\n"
    await s.run(WIDGET_CELL + secretive)
    await s.run(WRAP_CELL)
    await s.run(DEPENDENT_CELL)
    counter = s.globals["counter"]
    return counter, counter.model_id


def test_mo_ui_anywidget_wraps_the_widget_itself() -> None:
    async def scenario(s: private.KernelSession) -> None:
        counter, model_id = await wrapped_notebook(s)
        view = s.globals["view"]
        assert type(view).__name__ == "anywidget" and view.widget is counter
        assert view.value["count"] == 1 and view.count == 1
        [opened] = s.model_messages(model_id)
        assert opened["method"] == "open" and opened["state"]["count"] == 1
        # a browser update is applied once, through the comm, and re-runs the readers of the element
        await s.model_update(model_id, {"count": 7}, [], [])
        assert counter.count == 7
        assert s.globals["runs"] == [1, 7]
        await s.run("counter.count = 3")
        assert s.model_messages(model_id)[-1]["state"] == {"count": 3}

    run_in_kernel(scenario)


@pytest.mark.parametrize(
    ("state", "reason"),
    [({"_secret": "stolen"}, "'_secret' is private"), ({"count": "seven"}, "Expected `int`, got `str`")],
    ids=["private", "wrong-type"],
)
def test_mo_ui_anywidget_keeps_browser_updates_untrusted(state: dict[str, Any], reason: str) -> None:
    """marimo's element hands each browser update to ``widget.set_state``, Python's trusted path, after the
    comm has handled it: the rejected update must not be applied there either."""

    async def scenario(s: private.KernelSession) -> None:
        counter, model_id = await wrapped_notebook(s)
        await s.model_update(model_id, state, [], [])
        assert counter._secret == "kept" and counter.count == 1
        assert reason in "".join(s.stderr)
        await s.model_update(model_id, {"count": 5}, [], [])
        assert counter.count == 5 and s.globals["seen"] == 5
        counter.set_state({"_secret": "python may"})  # Python's own set_state stays trusted
        assert counter._secret == "python may"

    run_in_kernel(scenario)


def test_widget_has_no_comm_outside_marimo() -> None:
    import anywidget_core as awc

    class Plain(awc.Widget):
        count: int = 0

    assert not hasattr(Plain(), "comm")
