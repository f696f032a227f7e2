"""Widgets the test notebooks import (copied next to each notebook: the kernel runs in the notebook's folder)."""

from __future__ import annotations

import anywidget_core as awc


class Clicker(awc.Widget):
    """A count and a binary field; a click adds one to the count."""

    _esm = """
    export default {
      render({ model, el }) {
        const button = document.createElement("button");
        button.className = "clicker";
        const show = () => {
          const bytes = new Uint8Array(model.get("data").buffer);
          button.textContent = `${model.get("value")} / ${bytes.reduce((a, b) => a + b, 0)}`;
        };
        button.addEventListener("click", () => { model.set("value", model.get("value") + 1); model.save_changes(); });
        model.on("change:value", show);
        show();
        el.append(button);
      },
    };
    """
    value: int = 0
    data: bytes = b""


class Holder(awc.Widget):
    """Renders its child widgets under a title."""

    _esm = """
    export default {
      async render({ model, el, host }) {
        const title = document.createElement("h4");
        title.className = "holder-title";
        title.textContent = model.get("title");
        el.append(title);
        for (const ref of model.get("children")) {
          const slot = document.createElement("div");
          slot.className = "holder-child";
          el.append(slot);
          await (await host.getWidget(ref)).render({ el: slot });
        }
      },
    };
    """
    title: str = ""
    children: list[awc.Widget] = []


def plain_anywidget() -> object:
    """An anywidget.AnyWidget (model module "anywidget" too): the export renders it with the same runtime."""
    import anywidget
    import traitlets

    class Plain(anywidget.AnyWidget):  # type: ignore[misc]
        _esm = """
        export default {
          render({ model, el }) {
            const button = document.createElement("button");
            button.className = "plain-anywidget";
            const show = () => { button.textContent = `n=${model.get("n")}`; };
            button.addEventListener("click", () => { model.set("n", model.get("n") + 1); model.save_changes(); });
            model.on("change:n", show);
            show();
            el.append(button);
          },
        };
        """
        n = traitlets.Int(3).tag(sync=True)

    return Plain()
