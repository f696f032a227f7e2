"""Colab, simulated: a real ipykernel (driven over ZMQ by jupyter_client) whose start-up imports a stand-in
``google.colab`` package laid out as Colab's is.

No Colab is in the loop (it runs only on Google's servers). The stand-in has the parts anywidget and this
adapter touch, behaving as colabtools' ``google/colab/output/_widgets.py`` does: ``enable_custom_widget_manager()``
sets ``_widgets._installed_url`` and registers a display-publisher hook that adds the manager's URL to
``display_data`` widget views; ``disable_custom_widget_manager()`` undoes both. It also records each enable call
and how many comms were open at the time.
"""

from __future__ import annotations

import logging
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import comm
import pytest
from comm.base_comm import BaseComm
from jupyter_client.blocking.client import BlockingKernelClient
from jupyter_client.manager import KernelManager, start_new_kernel
from jupyter_kernel_util import comm_msgs, evaluate, execute, kernel_env

import anywidget_core as awc
from anywidget_core.hosts.jupyter import colab

VIEW = "application/vnd.jupyter.widget-view+json"
URL = "https://ssl.gstatic.com/colaboratory-static/widgets/colab-cdn-widget-manager/bf763107cca07459/manager.min.js"
COLAB_METADATA = {VIEW: {"colab": {"custom_widget_manager": {"url": URL}}}}

FAKE_WIDGETS = f'''
"""Stand-in for google.colab.output._widgets (colabtools): the behaviour anywidget relies on."""
import IPython

_installed_url = None
calls = []  # (comms open when called,) per enable call: the test's record


def _hook(msg):
    data = msg.get("content", {{}}).get("data", {{}})
    if _installed_url and "{VIEW}" in data:
        meta = msg["content"].setdefault("metadata", {{}}).setdefault("{VIEW}", {{}})
        meta["colab"] = {{"custom_widget_manager": {{"url": _installed_url}}}}
    return msg


def enable_custom_widget_manager():
    global _installed_url
    import comm

    calls.append(len(comm.get_comm_manager().comms))
    if not _installed_url:
        IPython.get_ipython().display_pub.register_hook(_hook)
    _installed_url = "{URL}"


def disable_custom_widget_manager():
    global _installed_url
    if _installed_url:
        IPython.get_ipython().display_pub.unregister_hook(_hook)
    _installed_url = None
'''

FAKE_OUTPUT = """
from . import _widgets
from ._widgets import calls, disable_custom_widget_manager, enable_custom_widget_manager
"""

DEFINE = """
import anywidget_core as awc

class Counter(awc.Widget):
    _esm = "export default { render({ model, el }) { el.textContent = model.get('value'); } }"
    value: int = 0
"""

pytestmark = [pytest.mark.kernel, pytest.mark.timeout(180)]


def fake_colab(root: Path) -> tuple[Path, Path]:
    """``google`` as a namespace package (no __init__: other ``google.*`` distributions stay importable), and an
    IPython profile whose start-up imports ``google.colab`` before any user code, as Colab's kernel does."""
    package = root / "site" / "google" / "colab"
    (package / "output").mkdir(parents=True)
    (package / "__init__.py").write_text("from . import output\n")
    (package / "output" / "__init__.py").write_text(FAKE_OUTPUT)
    (package / "output" / "_widgets.py").write_text(textwrap.dedent(FAKE_WIDGETS))
    startup = root / "ipython" / "profile_default" / "startup"
    startup.mkdir(parents=True)
    (startup / "00-colab.py").write_text("import google.colab\n")
    return root / "site", root / "ipython"


@pytest.fixture(scope="module")
def kc(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BlockingKernelClient]:
    site, ipython_dir = fake_colab(tmp_path_factory.mktemp("colab"))
    env = kernel_env(PYTHONPATH=str(site), IPYTHONDIR=str(ipython_dir))
    km: KernelManager
    km, client = start_new_kernel(kernel_name="python3", env=env)
    try:
        assert evaluate(client, "__import__('sys').executable") == sys.executable
        assert evaluate(client, "'google.colab.output' in __import__('sys').modules")  # start-up imported it
        execute(client, DEFINE)
        yield client
    finally:
        client.stop_channels()
        km.shutdown_kernel(now=True)


def views(iopub: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The contents of the widget-view outputs (execute_result or display_data), in order."""
    return [
        m["content"]
        for m in iopub
        if m["msg_type"] in ("execute_result", "display_data") and VIEW in m["content"]["data"]
    ]


def calls(kc: BlockingKernelClient) -> list[int]:
    return list(evaluate(kc, "__import__('google.colab.output').colab.output.calls"))


def test_every_view_names_the_custom_widget_manager_which_is_enabled_once(kc: BlockingKernelClient) -> None:
    execute(kc, "unshown = Counter(value=0)")
    assert calls(kc) == []  # creating a widget switches nothing on: showing it does

    first = execute(kc, "a = Counter(value=1)\na")  # a cell's result: Colab's display hook does not see these
    second = execute(kc, "display(Counter(value=2), Counter(value=3))")
    third = execute(kc, "b = Counter(value=4)\nb")

    assert calls(kc) == [0]  # once, before the first widget's comm opened
    shown = [*views(first), *views(second), *views(third)]
    assert len(shown) == 4
    for content in shown:
        assert content["metadata"] == COLAB_METADATA, content
    # each view's model was opened in the same cell, before its view
    for iopub in (first, second, third):
        opened = [m["content"]["comm_id"] for m in comm_msgs(iopub, "comm_open")]
        assert [v["data"][VIEW]["model_id"] for v in views(iopub)] == opened


def test_a_disabled_custom_widget_manager_is_not_named_nor_enabled_again(kc: BlockingKernelClient) -> None:
    execute(kc, "Counter(value=6)")  # shown: enabled by now, whichever test ran first
    execute(kc, "__import__('google.colab.output').colab.output.disable_custom_widget_manager()")
    (content,) = views(execute(kc, "c = Counter(value=5)\nc"))
    assert content["metadata"] == {}  # no URL: nothing to point Colab at (anywidget does the same)
    assert content["data"][VIEW]["version_major"] == 2
    assert calls(kc) == [0]  # the user's choice stands: not switched on again


# ------------------------------------------------------------------ in-process: outside Colab, and a failing Colab


class Counter(awc.Widget):
    _esm = "export default { render() {} }"
    value: int = 0


class _FailingOutput:
    def __init__(self) -> None:
        self.calls = 0

    def enable_custom_widget_manager(self) -> None:
        self.calls += 1
        raise RuntimeError("colab changed")


class _SilentComm(BaseComm):  # type: ignore[misc]
    def publish_msg(self, *args: Any, **kwargs: Any) -> None:
        pass


@pytest.fixture
def no_comms(monkeypatch: pytest.MonkeyPatch) -> None:
    """A kernel stand-in as ipykernel is one: by replacing ``comm.create_comm``; and a fresh "once"."""
    monkeypatch.setattr(comm, "create_comm", lambda **kwargs: _SilentComm(**kwargs))
    monkeypatch.setattr(colab, "_enabled", False)


def test_outside_colab_the_bundle_has_no_metadata(no_comms: None) -> None:
    assert "google.colab.output" not in sys.modules
    widget = Counter()
    bundle = widget._repr_mimebundle_()
    assert isinstance(bundle, dict) and set(bundle) == {"text/plain", VIEW}
    assert colab._enabled is False
    widget.close()


def test_a_failing_enable_is_logged_once_and_the_widget_still_shows(
    no_comms: None, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    output = _FailingOutput()
    monkeypatch.setitem(sys.modules, "google.colab.output", output)
    widgets = [Counter(), Counter()]
    with caplog.at_level(logging.ERROR, logger="anywidget_core"):
        bundles = [w._repr_mimebundle_() for w in widgets]
    assert output.calls == 1
    assert [r.getMessage() for r in caplog.records] == [
        "anywidget_core: google.colab.output.enable_custom_widget_manager() failed"
    ]
    for widget, bundle in zip(widgets, bundles, strict=True):
        assert bundle == {  # no _widgets._installed_url: no metadata, a plain view
            "text/plain": repr(widget),
            VIEW: {"version_major": 2, "version_minor": 1, "model_id": widget.model_id},
        }
        widget.close()
