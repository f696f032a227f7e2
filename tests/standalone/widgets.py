"""Widgets the standalone tests serve (a module, so `anywidget-core serve` can load it too)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import anywidget_core as awc

ECHO_ESM = """
export default {
  render({ model, el }) {
    const out = document.createElement("pre");
    out.className = "echo-out";
    const button = document.createElement("button");
    button.className = "echo-send";
    button.textContent = "send";
    button.addEventListener("click", () => {
      model.send({ kind: "bytes" }, undefined, [new Uint8Array([1, 2, 3, 250]).buffer]);
    });
    model.on("msg:custom", (msg, buffers) => {
      const b = buffers[0];
      const bytes = ArrayBuffer.isView(b) ? new Uint8Array(b.buffer, b.byteOffset, b.byteLength) : new Uint8Array(b);
      out.textContent = `${msg.kind}:${Array.from(bytes).join(",")}`;
    });
    el.append(button, out);
  },
};
"""


class Echo(awc.Widget):
    """Answers a custom message by sending its first buffer back reversed; records what it got."""

    _esm = ECHO_ESM
    text: str = ""
    blob: bytes = b""

    def __init__(self, **values: Any) -> None:
        super().__init__(**values)
        self.received: list[tuple[Any, list[bytes]]] = []
        self.on_msg(self._reply)

    def _reply(self, widget: awc.Widget, content: Any, buffers: list[memoryview]) -> None:
        data = [bytes(b) for b in buffers]
        self.received.append((content, data))
        self.send({"kind": "reversed"}, [data[0][::-1] if data else b""])


BOX_ESM = """
export default {
  async render({ model, el, host }) {
    const title = document.createElement("h3");
    title.className = "box-title";
    title.textContent = model.get("title");
    el.append(title);
    for (const ref of model.get("children")) {
      const slot = document.createElement("div");
      slot.className = "box-child";
      el.append(slot);
      const child = await host.getWidget(ref);
      await child.render({ el: slot });
    }
  },
};
"""


class Box(awc.Widget):
    """A parent that renders its child widgets (composition: children are opened before it)."""

    _esm = BOX_ESM
    title: str = ""
    children: list[awc.Widget] = []


ROOT = Path(__file__).resolve().parents[2]
COUNTER_PY = ROOT / "examples" / "counter.py"


def counter_class() -> type[awc.Widget]:
    """The README's Counter, loaded the way `anywidget-core serve examples/counter.py` loads it."""
    from anywidget_core.commands.target import load_widgets

    return type(load_widgets(str(COUNTER_PY))["counter"])
