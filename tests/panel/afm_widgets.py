"""Widgets the Panel browser tests serve. ``Features`` exercises the AFM contract from the page and reports
in the DOM (and to Python); ``Label`` is a child for composition."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import anywidget_core as awc

FEATURES_ESM = """
const log = (model, event) => model.send({ log: event });

export default () => ({
  initialize({ model, experimental, signal }) {
    log(model, "initialize:" + typeof experimental.invoke + ":" + (signal instanceof AbortSignal));
    signal.addEventListener("abort", () => log(model, "initialize-signal-aborted"));
    return () => log(model, "initialize-cleanup");
  },
  async render({ model, el, experimental, signal, host }) {
    const row = (id, text) => {
      const node = document.createElement("div");
      node.id = id;
      node.textContent = text ?? "";
      el.append(node);
      return node;
    };
    row("version", "VERSION");
    const count = row("count");
    const anyChange = row("any-change", "0");
    const custom = row("custom");
    const blob = row("blob");
    const invoked = row("invoked");
    const layoutNames = ["width", "height", "name", "visible"];
    row("layout", layoutNames.map((k) => model.get(k)).join("/"));
    const show = () => (count.textContent = `count=${model.get("count")} reply=${model.get("reply")}`);
    const bytes = (v) => Array.from(new Uint8Array(v.buffer, v.byteOffset, v.byteLength)).join(",");
    const showBlob = () => {
      const v = model.get("blob");
      blob.textContent = `${Object.prototype.toString.call(v)}:${bytes(v)}`;
    };
    show();
    showBlob();
    model.on("change:count", show);
    model.on("change:reply", show);
    model.on("change:blob", showBlob);
    model.on("change", () => (anyChange.textContent = String(Number(anyChange.textContent) + 1)));
    model.on("msg:custom", (content, buffers) => {
      if (content.log) return;
      const shown = buffers.map((b) => Object.prototype.toString.call(b) + ":" + bytes(b));
      custom.textContent = `${JSON.stringify(content)}|${shown.join(";")}`;
    });
    signal.addEventListener("abort", () => log(model, "render-signal-aborted"));

    const button = (id, onclick) => {
      const b = document.createElement("button");
      b.id = id;
      b.textContent = id;
      b.onclick = onclick;
      el.append(b);
    };
    button("inc", () => {
      model.set("count", model.get("count") + 1);
      model.save_changes();
    });
    const twoBuffers = () => [new Uint8Array([1, 2, 3]), new DataView(new Uint8Array([9, 8]).buffer)];
    button("send", () => model.send({ kind: "bytes" }, undefined, twoBuffers()));
    button("burst", () => {
      for (let i = 1; i <= 300; i++) {
        model.set("count", i);
        model.save_changes();
      }
    });
    button("set-blob", () => {
      model.set("blob", new Uint8Array([7, 7, 7]));
      model.save_changes();
    });
    button("write-private", () => {
      model.set("_css", "#count { color: rgb(255, 0, 0); }");
      model.set("count", 1000);
      model.save_changes();
    });
    button("adopt", () => {
      // a hostile page: makes its child field name whatever model id the test planted (another session's)
      model.set("child", document.body.dataset.adopt);
      model.set("count", 500);
      model.save_changes();
    });
    button("invoke", async () => {
      try {
        const [response, buffers] = await experimental.invoke("double", { x: 21 }, { buffers: [new Uint8Array([5])] });
        invoked.textContent = `${JSON.stringify(response)}|${buffers.map(bytes).join(";")}`;
      } catch (e) {
        invoked.textContent = "failed: " + e;
      }
    });
    const child = model.get("child");
    if (child) {
      const slot = row("child-slot");
      const widget = await host.getWidget(child);
      await widget.render({ el: slot, signal });
    }
    return () => log(model, "render-cleanup");
  },
});
"""

LABEL_ESM = """
export default {
  render({ model, el }) {
    const span = document.createElement("span");
    span.className = "label";
    const show = () => (span.textContent = model.get("text"));
    show();
    model.on("change:text", show);
    el.append(span);
  },
};
"""


class Label(awc.Widget):
    _esm = LABEL_ESM
    text: str = "child"


def features_source(version: str) -> str:
    return FEATURES_ESM.replace("VERSION", version)


def features_class(esm: Path | str) -> type[awc.Widget]:
    """A ``Features`` class whose ``_esm`` is ``esm`` (a file for hot reload tests)."""

    class Features(awc.Widget):
        _esm = esm
        _css = "#count { color: rgb(0, 128, 0); }"
        count: int = 0
        reply: int = 0
        blob: bytes = b"\x01\x02"
        child: Label | None = None
        # Panel's layout parameter names, as ordinary fields of the widget
        width: int = 5
        height: int = 6
        name: str = "feat"
        visible: bool = False

        def __init__(self, **values: Any) -> None:
            super().__init__(**values)
            self.log: list[str] = []
            self.messages: list[tuple[Any, list[bytes]]] = []
            self.observe(self._answer, names=["count"])
            self.on_msg(self._message)

        @awc.command
        def double(self, msg: Any, buffers: list[memoryview]) -> tuple[Any, list[bytes]]:
            """What the page's experimental.invoke("double", ...) calls."""
            return {"y": msg["x"] * 2}, [bytes(b) * 2 for b in buffers]

        def _answer(self, change: Any) -> None:
            self.reply = change.new * 10

        def _message(self, widget: Any, content: Any, buffers: list[memoryview]) -> None:
            if isinstance(content, dict) and "log" in content:
                self.log.append(content["log"])
            else:
                self.messages.append((content, [bytes(b) for b in buffers]))
                self.send({"echo": content}, [b"\x00\xff", bytes(buffers[0])[::-1]] if buffers else [])

    return Features
