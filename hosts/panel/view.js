// ---------------------------------------------------------------------------------------------- Panel view
// Appended to runtime.js to make the `_esm` of anywidget-core's Panel component (hosts/panel/view.py).
//
// Panel gives every view of the component a Bokeh model with `send_msg` (browser -> Python) and `msg:custom`
// (Python -> browser). Each message is an envelope {model_id, data, buffers}: `data` is a protocol message,
// `buffers` its binary parts as ArrayBuffers, which Bokeh carries as bytes both ways; the view's envelopes also
// carry `gen` (its render) and `seq` (the message's number in that render). model_id null is about
// the connection itself: the view says `ready`, Python opens the widget (children first) and says which
// model to `display`; widget code comes as `module` envelopes, once per page (SPEC §8.3-8.4).

const PANEL_VIEWS = new WeakMap(); // Panel view -> disposer of the runtime it runs
// The page is one front end for widget code (SPEC §8.4): every view's runtime shares its module texts and their
// imports, and each `ready` names the page, so Python sends a module once per page and document, whichever view
// needs it first. On globalThis: Panel may evaluate this module more than once in a page (its dev mode skips its
// module cache).
const PANEL_PAGE = (globalThis.__anywidgetCorePanelPage ??= {
  id: uuid(),
  shared: { modules: new Map(), imports: new Map() },
});
const PANEL_RENDERS = new WeakMap(); // Panel view -> how many times it was rendered (the envelopes' `gen`)

/** Bokeh serializes ArrayBuffers (and typed arrays) but not DataViews: hand it only the bytes. */
function panelBuffer(b) {
  if (Object.prototype.toString.call(b) === "[object ArrayBuffer]") return b;
  if (ArrayBuffer.isView(b)) return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength);
  throw new TypeError(`a buffer must be an ArrayBuffer, TypedArray or DataView, not ${typeof b}`);
}

/** [id, text] pairs of a saved document's widget code: its ColumnDataSource's columns (a Map or an object). */
function savedModules(source) {
  const data = source?.data;
  const column = (name) => (data instanceof Map ? data.get(name) : data?.[name]);
  const ids = column("id");
  const texts = column("text");
  if (!ids || !texts || ids.length !== texts.length) return [];
  return Array.from(ids, (id, i) => [id, texts[i]]);
}

const fromBase64 = (text) => Uint8Array.from(atob(text), (c) => c.charCodeAt(0)).buffer;

function panelNotice(el, text) {
  const line = document.createElement("div");
  line.className = "awc-panel-error";
  line.style.cssText = "color:#b00020;font:12px monospace;white-space:pre-wrap";
  line.textContent = text;
  el.append(line);
}

// Each view renders in a shadow root of its own inside the component's: the widget's CSS is alone there, as in a
// document, and no Bokeh rule reaches its elements (Bokeh's unlayered `* { box-sizing: inherit }` would beat a
// widget's layered rules, such as Tailwind's `@layer base` border-box, and change its geometry from JupyterLab's).
function ownShadowRoot(el) {
  const host = document.createElement("div");
  host.className = "awc-panel-view";
  el.append(host);
  const target = document.createElement("div");
  host.attachShadow({ mode: "open" }).append(target);
  return { target, remove: () => host.remove() };
}

export function render({ model, el, view }) {
  const key = view ?? el;
  PANEL_VIEWS.get(key)?.(); // Panel re-renders a view in place: the previous runtime goes first
  // Panel may handle events on a thread pool, out of order: number them so Python puts them back in order.
  const gen = (PANEL_RENDERS.get(key) ?? 0) + 1;
  PANEL_RENDERS.set(key, gen);
  let seq = 0;
  const post = (modelId, data, buffers) =>
    model.send_msg({ model_id: modelId, data, buffers: Array.from(buffers ?? [], panelBuffer), gen, seq: seq++ });
  // chunkSize: messages with larger buffers go in pieces both ways, under Bokeh's message limit (SPEC §8.6)
  const runtime = createRuntime({ send: post, shared: PANEL_PAGE.shared, chunkSize: model.chunk_bytes });
  let removeView = null;
  let disposed = false;

  const onMessage = (envelope) => {
    if (disposed || typeof envelope !== "object" || envelope === null) return;
    const { model_id: modelId, data } = envelope;
    if (modelId !== null && modelId !== undefined) {
      runtime.receive(modelId, data, Array.isArray(envelope.buffers) ? envelope.buffers : []);
    } else if (data?.method === "module") {
      runtime.receive(null, data, []); // widget code its models refer to (SPEC §8.4)
    } else if (data?.method === "display" && typeof data.model_id === "string") {
      removeView?.();
      const own = ownShadowRoot(el);
      const removeAll = (remove) => () => {
        remove();
        own.remove();
      };
      runtime
        .render(data.model_id, own.target)
        .then((remove) => (disposed ? removeAll(remove)() : (removeView = removeAll(remove))))
        .catch((e) => {
          own.remove();
          console.error("[anywidget] Panel view:", e);
        });
    } else if (data?.method === "error") {
      console.warn(`[anywidget] Panel: ${data.code}: ${data.message}`);
      panelNotice(el, `${data.code}: ${data.message}`);
    }
  };

  const dispose = () => {
    if (disposed) return;
    disposed = true;
    PANEL_VIEWS.delete(key);
    model.off("msg:custom", onMessage);
    removeView?.();
    runtime.dispose();
  };
  PANEL_VIEWS.set(key, dispose);
  model.on("msg:custom", onMessage);
  model.on("remove", dispose);
  // A saved or embedded document carries what Python would send (view.py, offline_frames); a live Python
  // that answers `ready` anyway starts the view afresh with its current state. Its widget code is the document's,
  // saved once for all its views (offline_modules): defined first, whichever view comes first.
  for (const [id, text] of savedModules(model.offline_modules)) {
    runtime.receive(null, { method: "module", id, text }, []);
  }
  for (const envelope of Array.isArray(model.offline_frames) ? model.offline_frames : []) {
    try {
      onMessage({ ...envelope, buffers: envelope.buffers.map(fromBase64) });
    } catch (e) {
      console.error("[anywidget] Panel: a saved message could not be replayed:", e);
    }
  }
  post(null, { method: "ready", page: PANEL_PAGE.id }, []);
}
