"""A counter: the smallest widget that shows every part of anywidget-core.

Run it on a page with ``anywidget-core serve examples/counter.py``, export it with
``anywidget-core export examples/counter.py -o counter.html``, or display ``counter`` in a notebook.

- ``value`` and ``step`` are typed fields, synced both ways (the page writes ``value`` on a click);
- the reset button sends a custom message; Python answers with one that carries the old value as a buffer;
- ``_css`` styles it (class names are scoped by the ``awc-counter`` prefix, since styles are global).
"""

from __future__ import annotations

import struct
from typing import Any

import anywidget_core as awc


class Counter(awc.Widget):
    _esm = """
    export default {
      render({ model, el }) {
        const card = document.createElement("div");
        card.className = "awc-counter";
        card.innerHTML = `
          <div class="awc-counter-label">count</div>
          <output class="awc-counter-value"></output>
          <div class="awc-counter-row">
            <button class="awc-counter-dec" type="button" aria-label="decrement">&minus;</button>
            <button class="awc-counter-inc" type="button" aria-label="increment">+</button>
          </div>
          <button class="awc-counter-reset" type="button">reset</button>
          <div class="awc-counter-note"></div>`;
        const output = card.querySelector("output");
        const note = card.querySelector(".awc-counter-note");
        const show = () => { output.textContent = String(model.get("value")); };
        const bump = (sign) => () => {
          model.set("value", model.get("value") + sign * model.get("step"));
          model.save_changes();
        };
        card.querySelector(".awc-counter-inc").addEventListener("click", bump(1));
        card.querySelector(".awc-counter-dec").addEventListener("click", bump(-1));
        card.querySelector(".awc-counter-reset").addEventListener("click", () => model.send({ kind: "reset" }));
        const onMessage = (msg, buffers) => {
          if (msg && msg.kind === "was" && buffers && buffers.length) {
            const b = buffers[0];
            const view = ArrayBuffer.isView(b) ? new DataView(b.buffer, b.byteOffset, b.byteLength) : new DataView(b);
            note.textContent = `reset from ${view.getInt32(0, true)}`;
          }
        };
        model.on("change:value", show);
        model.on("msg:custom", onMessage);
        show();
        el.appendChild(card);
        return () => {
          model.off("change:value", show);
          model.off("msg:custom", onMessage);
        };
      },
    };
    """
    _css = """
    .awc-counter {
      display: inline-flex; flex-direction: column; align-items: center; gap: 0.6rem;
      padding: 1.25rem 2rem; border-radius: 14px; min-width: 11rem;
      font-family: system-ui, -apple-system, "Segoe UI", sans-serif;
      background: linear-gradient(160deg, #f8fafc, #e2e8f0); color: #0f172a;
      box-shadow: 0 1px 2px rgb(15 23 42 / 0.08), 0 8px 24px rgb(15 23 42 / 0.08);
    }
    .awc-counter-label { font-size: 0.75rem; letter-spacing: 0.12em; text-transform: uppercase; color: #64748b; }
    .awc-counter-value { font-size: 3rem; font-weight: 700; font-variant-numeric: tabular-nums; line-height: 1; }
    .awc-counter-row { display: flex; gap: 0.5rem; }
    .awc-counter button {
      font: inherit; cursor: pointer; border: 0; border-radius: 999px; transition: transform 80ms, background 120ms;
    }
    .awc-counter-row button { width: 2.75rem; height: 2.75rem; font-size: 1.4rem; background: #4f46e5; color: white; }
    .awc-counter-row button:hover { background: #4338ca; }
    .awc-counter button:active { transform: scale(0.94); }
    .awc-counter-reset { padding: 0.25rem 0.9rem; font-size: 0.8rem; background: transparent; color: #4f46e5; }
    .awc-counter-reset:hover { background: rgb(79 70 229 / 0.1); }
    .awc-counter-note { min-height: 1em; font-size: 0.75rem; color: #64748b; }
    """

    value: int = 0
    step: int = 1

    def __init__(self, **values: Any) -> None:
        super().__init__(**values)
        self.on_msg(self._on_message)

    def _on_message(self, widget: awc.Widget, content: Any, buffers: list[memoryview]) -> None:
        if isinstance(content, dict) and content.get("kind") == "reset":
            old = self.value
            self.value = 0
            self.send({"kind": "was"}, [struct.pack("<i", old)])


counter = Counter()

if __name__ == "__main__":  # `python examples/counter.py` is `anywidget-core serve examples/counter.py`
    from anywidget_core.cli import main

    raise SystemExit(main(["serve", __file__]))
