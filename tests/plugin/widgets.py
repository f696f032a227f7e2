"""Widgets for the plugin's tests: a counter with a custom-message echo, binary data and a child."""

from __future__ import annotations

from typing import Any

import anywidget_core as awc

ESM = """
export default {
  render({ model, el }) {
    const button = Object.assign(document.createElement("button"), { className: "inc" });
    const label = Object.assign(document.createElement("span"), { className: "label" });
    const show = () => { label.textContent = `${model.get("label")}: ${model.get("value")}`; };
    button.textContent = "+";
    button.addEventListener("click", () => { model.set("value", model.get("value") + 1); model.save_changes(); });
    model.on("change:value", show);
    model.on("change:label", show);
    show();
    el.append(button, label);
  },
};
"""


class Leaf(awc.Widget):
    note: str = ""


class Tally(awc.Widget):
    _esm = ESM
    value: int = 0
    label: str = "count"
    blob: bytes = b""
    leaf: Leaf | None = None

    def __init__(self, **values: Any) -> None:
        super().__init__(**values)
        self.on_msg(self._echo)

    def _echo(self, widget: awc.Widget, content: Any, buffers: list[memoryview]) -> None:
        self.send({"echo": content}, [bytes(b)[::-1] for b in buffers])
