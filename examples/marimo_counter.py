# An anywidget_core widget in a marimo notebook: `marimo edit examples/marimo_counter.py` (or `marimo run`).
# The counter is shown through the marimo host, so clicking it re-runs the cell that reads `view.value`;
# the marimo button sets the count from Python; "ping" sends a custom message with a buffer both ways.
import marimo

app = marimo.App()


@app.cell
def _():
    import marimo as mo

    import anywidget_core as awc
    from anywidget_core.hosts.marimo import display

    class Counter(awc.Widget):
        _esm = """
        export default {
          render({ model, el }) {
            const bytesOf = (v) => Array.from(new Uint8Array(v.buffer, v.byteOffset, v.byteLength)).join(",");
            const out = document.createElement("h2");
            out.className = "counter-out";
            const show = () => { out.textContent = "count=" + model.get("count"); };
            show();
            model.on("change:count", show);

            const inc = document.createElement("button");
            inc.className = "counter-inc";
            inc.textContent = "+1";
            inc.onclick = () => { model.set("count", model.get("count") + 1); model.save_changes(); };

            const blob = document.createElement("p");
            blob.className = "counter-blob";
            const showBlob = () => {
              const b = model.get("blob");
              blob.textContent = "blob=" + (b instanceof DataView ? bytesOf(b) : String(b));
            };
            showBlob();
            model.on("change:blob", showBlob);

            const ping = document.createElement("button");
            ping.className = "counter-ping";
            ping.textContent = "ping";
            ping.onclick = () => model.send({ kind: "ping" }, undefined, [new Uint8Array([1, 2, 3])]);

            const reply = document.createElement("p");
            reply.className = "counter-reply";
            model.on("msg:custom", (content, buffers) => {
              const shown = buffers.map(bytesOf).join("|");
              reply.textContent = "reply=" + JSON.stringify(content) + " buffers=" + shown;
            });
            el.append(out, inc, blob, ping, reply);
          },
        };
        """
        _css = ".counter-out { color: rgb(255, 0, 0); }"
        count: int = 0
        blob: bytes = b"\x01\x02\x03\x04"

    counter = Counter(count=1)
    pings = []

    def answer(widget, content, buffers):
        # Reply with a buffer: the received bytes reversed.
        pings.append((content, [bytes(b) for b in buffers]))
        widget.send({"echo": content, "n": len(buffers)}, [bytes(reversed(bytes(buffers[0])))] if buffers else [])

    counter.on_msg(answer)
    return counter, display, mo, pings


@app.cell
def _(counter, display):
    view = display(counter)
    view  # noqa: B018  (a cell's last expression is its output)
    return (view,)


@app.cell
def _(mo, view):
    mo.md(f"python-sees-{view.value['count']}")
    return


@app.cell
def _(counter, mo):
    def reset(_):
        counter.count = 100
        counter.blob = b"\x09\x08"
        return 1

    set_button = mo.ui.button(label="set-from-python", on_click=reset, value=0)
    set_button  # noqa: B018
    return (set_button,)


if __name__ == "__main__":
    app.run()
