// anywidget-core front-end runtime: the host side of the anywidget front-end module (AFM) contract over an
// abstract transport. One plain ES module, no build step and no dependencies, so every host (standalone page,
// static HTML, the Panel shim) serves this same file.
//
//   const runtime = createRuntime({ send(modelId, data, buffers) {...}, onError(info) {...}, chunkSize, writable });
//   transport.onmessage = (modelId, data, buffers) => runtime.receive(modelId, data, buffers);
//   const dispose = await runtime.render(modelId, el);
//
// Messages are Jupyter widget protocol 2.1 `data` dicts ({"method": ...}); binary values travel beside them as
// buffers located by `buffer_paths`. Everything that arrives is treated as untrusted: receive() never throws.
// With `chunkSize` (bytes), a message whose buffers are larger is sent as `chunked` + `chunk` frames, and such
// frames that arrive are put back together before they are handled (SPEC §8.6); models emit `progress` events.
// With `writable` too (`() => Promise<void>`, resolving once the transport has room for about one more piece;
// rejecting when it is gone), a chunked message is paced: the runtime awaits it before each piece, so `send`
// progress follows what the transport actually sent and the transport never holds the whole message. While a
// paced transfer runs, every later message (any model) waits behind it in order (SPEC §5); a model destroyed
// mid-transfer ends it with `chunk_abort`. Without `writable`, every piece is handed to `send` at once.

const REF_PREFIX = "anywidget:";
const IPY_REF_PREFIX = "IPY_MODEL_"; // ipywidgets' form, sent for fields declared references="ipywidgets"
/** The model id a reference names, in either form; null when it is neither. */
const refModelId = (ref) => {
  if (typeof ref !== "string") return null;
  if (ref.startsWith(REF_PREFIX)) return ref.slice(REF_PREFIX.length);
  if (ref.startsWith(IPY_REF_PREFIX)) return ref.slice(IPY_REF_PREFIX.length);
  return null;
};
const OPEN_TIMEOUT_MS = 10_000; // how long a view waits for its model's open (marimo uses the same)
const INVOKE_TIMEOUT_MS = 3_000; // anywidget's default for experimental.invoke
const UNSAFE_KEYS = new Set(["__proto__", "constructor", "prototype"]);
const LARGE_BINARY = 1 << 20; // bytes; binary values above this are never compared byte by byte
const MAX_DEPTH = 256; // nesting guard for walks over state (and cycles in widget-made values)

// ---------------------------------------------------------------------------------------------- binary values

const tag = (v) => Object.prototype.toString.call(v);
// Tag checks instead of instanceof so values from another realm (an iframe) are recognised too.
const isArrayBuffer = (v) => tag(v) === "[object ArrayBuffer]";
const isBinary = (v) => isArrayBuffer(v) || ArrayBuffer.isView(v);

function isPlainObject(v) {
  if (typeof v !== "object" || v === null) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** The bytes a value stands for, as an ArrayBuffer: only a view's own range, never its whole backing buffer. */
function toArrayBuffer(v) {
  if (isArrayBuffer(v)) return v;
  if (ArrayBuffer.isView(v)) {
    if (v.byteOffset === 0 && v.byteLength === v.buffer.byteLength && isArrayBuffer(v.buffer)) return v.buffer;
    return v.buffer.slice(v.byteOffset, v.byteOffset + v.byteLength);
  }
  throw new TypeError(`a buffer must be an ArrayBuffer, TypedArray or DataView, not ${tag(v)}`);
}

/** A DataView over the same bytes (no copy). */
function toDataView(v) {
  if (isArrayBuffer(v)) return new DataView(v);
  if (tag(v) === "[object DataView]") return v;
  if (ArrayBuffer.isView(v)) return new DataView(v.buffer, v.byteOffset, v.byteLength);
  throw new TypeError(`a buffer must be an ArrayBuffer, TypedArray or DataView, not ${tag(v)}`);
}

/**
 * A DataView over its own ArrayBuffer (offset 0, exact length), as anywidget's and marimo's front ends hand
 * widgets: widgets read `view.buffer` directly (`new Uint8ClampedArray(v.buffer)` for ImageData, Arrow readers),
 * so a view into a larger buffer (a whole WebSocket frame) would show them other bytes. Copies only such views.
 */
function toOwnDataView(v) {
  const view = toDataView(v);
  if (view.byteOffset === 0 && view.byteLength === view.buffer.byteLength && isArrayBuffer(view.buffer)) return view;
  const copy = new Uint8Array(view.byteLength);
  copy.set(new Uint8Array(view.buffer, view.byteOffset, view.byteLength));
  return new DataView(copy.buffer);
}

const toBytes = (v) => {
  const dv = toDataView(v);
  return new Uint8Array(dv.buffer, dv.byteOffset, dv.byteLength);
};

/**
 * Take binary values out of a state dict for the wire: dict keys holding one are deleted, list slots become
 * null, and each one's path goes to buffer_paths. Containers are copied only where something was taken out, so
 * the caller's values are never modified.
 */
function removeBuffers(state) {
  const buffer_paths = [];
  const buffers = [];
  const stack = new Set(); // containers on the current path: a cycle is an error, not a hang
  const walk = (node, path) => {
    if (stack.has(node) || path.length > MAX_DEPTH) throw new TypeError("state is cyclic or nested too deeply");
    stack.add(node);
    let out = node;
    const take = (key, value) => {
      if (isBinary(value)) {
        if (out === node) out = Array.isArray(node) ? node.slice() : { ...node };
        if (Array.isArray(out)) out[key] = null;
        else delete out[key];
        buffer_paths.push([...path, key]);
        buffers.push(toArrayBuffer(value));
      } else if (Array.isArray(value) || isPlainObject(value)) {
        const replaced = walk(value, [...path, key]);
        if (replaced !== value) {
          if (out === node) out = Array.isArray(node) ? node.slice() : { ...node };
          out[key] = replaced;
        }
      }
    };
    if (Array.isArray(node)) node.forEach((value, i) => take(i, value));
    else for (const key of Object.keys(node)) take(key, node[key]);
    stack.delete(node);
    return out;
  };
  return { state: walk(state, []), buffer_paths, buffers };
}

/** Put incoming buffers (DataViews) into `state` at their paths, in place. Throws on a path that does not fit. */
function putBuffers(state, paths, buffers) {
  if (!Array.isArray(paths)) throw new TypeError("buffer_paths must be a list");
  if (paths.length !== buffers.length) {
    throw new TypeError(`${paths.length} buffer_paths for ${buffers.length} buffers`);
  }
  paths.forEach((path, i) => {
    if (!Array.isArray(path) || path.length === 0) throw new TypeError("a buffer path must be a non-empty list");
    let node = state;
    path.forEach((key, depth) => {
      const last = depth === path.length - 1;
      if (Array.isArray(node)) {
        if (!Number.isInteger(key) || key < 0 || key > node.length || (!last && key === node.length)) {
          throw new TypeError(`buffer path ${JSON.stringify(path)} does not fit the state`);
        }
      } else if (!isPlainObject(node) || typeof key !== "string" || UNSAFE_KEYS.has(key)) {
        throw new TypeError(`buffer path ${JSON.stringify(path)} does not fit the state`);
      } else if (!last && !Object.hasOwn(node, key)) {
        throw new TypeError(`buffer path ${JSON.stringify(path)} does not fit the state`);
      }
      if (last) node[key] = buffers[i];
      else node = node[key];
    });
  });
  return state;
}

/** Value equality used to decide whether a change event fires (Backbone's rule, with bytes compared). */
function deepEqual(a, b, depth = 0) {
  if (Object.is(a, b)) return true;
  if (depth > MAX_DEPTH) return false;
  if (isBinary(a) && isBinary(b)) return sameBytes(toBytes(a), toBytes(b));
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((v, i) => deepEqual(v, b[i], depth + 1));
  }
  if (isPlainObject(a) && isPlainObject(b)) {
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((k) => Object.hasOwn(b, k) && deepEqual(a[k], b[k], depth + 1));
  }
  return false;
}

function sameBytes(x, y) {
  if (x.length !== y.length) return false;
  if (x.buffer === y.buffer && x.byteOffset === y.byteOffset) return true;
  // Comparing only saves a redundant change event; for big blobs that costs more than the event (50 MiB: ~120 ms).
  if (x.length > LARGE_BINARY) return false;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false; // a plain loop: ~50x faster than every()
  return true;
}

function uuid() {
  if (globalThis.crypto?.randomUUID) return crypto.randomUUID();
  // randomUUID needs a secure context; getRandomValues does not.
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

const errorText = (e) => (e instanceof Error ? e.message || String(e) : String(e));

// ------------------------------------------------------------------------------------------ CSS in shadow roots
// A widget's _css is written for a document (JupyterLab, marimo's notebook, a plain page). Where a host shows
// views inside a shadow root (Panel), `:root` matches nothing there and the host's own rules reach the widget's
// elements: Bokeh gives its shadow host `box-sizing: border-box` and every element `box-sizing: inherit`, which
// turned a widget's 84 px box into 60 px. So in a shadow root `:root` selectors become `:host`, and the view's
// element starts from the initial content-box, which its children then inherit. The widget's own rules come
// later in the root with at least the same specificity, so anything it asks for still wins, except rules in a
// cascade layer (Tailwind's preflight, `@layer base`): those lose to every unlayered rule, Bokeh's as well as
// this reset, so such a widget's elements take the box-sizing this reset gives.

const VIEW_ATTR = "data-anywidget-view";
const SHADOW_RESET = `:where([${VIEW_ATTR}]) { box-sizing: content-box; }`;

/**
 * `:root` in selector positions becomes `:host`; comments, strings, escapes, declarations and anything inside
 * parentheses of a declaration (url(...)) are left as they are. A prelude is the text before a `{`; text that
 * ends at `;` or `}` is a declaration (or an at-rule statement) and is never touched. CSS without `:root`
 * is returned as it is.
 */
export function rootToHost(css) {
  const candidates = Array.from(css.matchAll(/:root(?![\w-])/gi), (m) => m.index);
  if (candidates.length === 0) return css;
  const rewrite = []; // indexes of the `:root`s to replace
  let inPart = []; // candidates in plain code of the current prelude or declaration
  let next = 0; // first candidate not yet looked at
  let depth = 0; // parentheses: `;`, `{` and `}` inside them end nothing
  let i = 0;
  while (i < css.length) {
    const c = css.charCodeAt(i); // a plain loop over char codes: no allocation per token
    let end = i + 1;
    if (c === 0x2f && css.charCodeAt(i + 1) === 0x2a) {
      const close = css.indexOf("*/", i + 2); // a comment
      end = close < 0 ? css.length : close + 2;
    } else if (c === 0x22 || c === 0x27) {
      while (end < css.length && css.charCodeAt(end) !== c && css.charCodeAt(end) !== 0x0a) {
        end += css.charCodeAt(end) === 0x5c ? 2 : 1; // a string, with its escapes
      }
      end = Math.min(end + 1, css.length);
    } else if (c === 0x5c) {
      end = Math.min(i + 2, css.length); // an escape: `.a\:root` is a class name, not the pseudo-class
    } else if (c === 0x28 || c === 0x29) {
      depth = Math.max(0, depth + (c === 0x28 ? 1 : -1));
    } else if (depth === 0 && (c === 0x7b || c === 0x7d || c === 0x3b)) {
      if (c === 0x7b) rewrite.push(...inPart); // `{`: what came before was a selector
      inPart = [];
    } else if (c === 0x3a && next < candidates.length && candidates[next] === i) {
      inPart.push(i); // a `:root` in plain code
    }
    // candidates skipped over (inside a comment, string or escape) are never selectors
    while (next < candidates.length && candidates[next] < end) next++;
    i = end;
  }
  if (rewrite.length === 0) return css;
  let out = "";
  let from = 0;
  for (const at of rewrite) {
    out += `${css.slice(from, at)}:host`;
    from = at + ":root".length;
  }
  return out + css.slice(from);
}

// --------------------------------------------------------------------------------------------------- framing

const utf8 = new TextEncoder();
const utf8Strict = new TextDecoder("utf-8", { fatal: true });

/**
 * One message as a single WebSocket frame. Without buffers: JSON text {"model_id", "data"}. With buffers: binary,
 * uint32 LE part count N, N uint32 LE byte lengths, then the parts; part 0 is the UTF-8 JSON, the rest buffers.
 */
export function encodeFrame(modelId, data, buffers = []) {
  const json = JSON.stringify({ model_id: modelId, data });
  if (!buffers || buffers.length === 0) return json;
  const parts = [utf8.encode(json), ...buffers.map(toBytes)];
  const header = 4 * (1 + parts.length);
  const total = parts.reduce((sum, p) => sum + p.byteLength, header);
  const out = new ArrayBuffer(total);
  const view = new DataView(out);
  const bytes = new Uint8Array(out);
  view.setUint32(0, parts.length, true);
  let offset = header;
  parts.forEach((part, i) => {
    view.setUint32(4 * (1 + i), part.byteLength, true);
    bytes.set(part, offset);
    offset += part.byteLength;
  });
  return out;
}

/**
 * The inverse of encodeFrame; buffers are DataViews into the frame (no copy: receive() gives each one its own
 * buffer before a widget sees it). Throws on a malformed frame.
 */
export function decodeFrame(frame) {
  let envelope;
  let buffers = [];
  if (typeof frame === "string") {
    envelope = JSON.parse(frame);
  } else {
    const bytes = toBytes(frame);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (bytes.byteLength < 4) throw new TypeError("frame too short");
    const count = view.getUint32(0, true);
    const header = 4 * (1 + count);
    if (count < 1 || header > bytes.byteLength) throw new TypeError(`frame header claims ${count} parts`);
    const lengths = [];
    for (let i = 0; i < count; i++) lengths.push(view.getUint32(4 * (1 + i), true));
    if (lengths.reduce((a, b) => a + b, header) !== bytes.byteLength) {
      throw new TypeError("frame part lengths do not add up to the frame size");
    }
    let offset = header;
    const parts = lengths.map((length) => {
      const part = new DataView(bytes.buffer, bytes.byteOffset + offset, length);
      offset += length;
      return part;
    });
    envelope = JSON.parse(utf8Strict.decode(parts[0]));
    buffers = parts.slice(1);
  }
  if (!isPlainObject(envelope) || typeof envelope.model_id !== "string" || !isPlainObject(envelope.data)) {
    throw new TypeError('a frame must hold {"model_id": string, "data": object}');
  }
  return { modelId: envelope.model_id, data: envelope.data, buffers };
}

// ---------------------------------------------------------------------------------------------------- model

/** One model: its state and listeners, and the widget generations and views built on it. */
class ModelRecord {
  constructor(runtime, id, state) {
    this.runtime = runtime;
    this.id = id;
    this.state = new Map(Object.entries(state)); // a Map: keys from the wire can never reach a prototype
    this.dirty = new Set(); // keys set locally and not yet saved
    this.pendingEchoes = new Map(); // key -> number of our writes whose echo_update has not arrived yet
    this.listeners = new Map(); // event name -> Set of {cb, owner}
    this.views = new Set();
    this.styles = new Map(); // root node (document or ShadowRoot) -> {node, count}
    this.invokes = new Map(); // invoke id -> {resolve, reject}
    this.gen = null; // the current widget generation (module, initialize result, signal)
    this.ready = false; // first initialize settled: queued messages may flow
    this.queue = [];
    this.closed = false;
    this.chain = Promise.resolve(); // lifecycle steps (load, init, render, teardown) run one at a time
    this.proxy = this.makeProxy(null); // unscoped: what runtime.model() hands out
  }

  /** Run a lifecycle step after the previous one; failures are reported, never left unhandled. */
  enqueue(step) {
    const run = this.chain.then(step);
    this.chain = run.catch((e) => this.runtime.report(this.id, "widget", "lifecycle", e));
    return this.chain;
  }

  // ------------------------------------------------------------------ the AnyModel surface

  makeProxy(signal) {
    const owner = { proxy: null };
    const record = this;
    const proxy = {
      get: (key) => record.state.get(key),
      set: (key, value) => record.set(key, value),
      save_changes: () => record.saveChanges(),
      send: (content, callbacks, buffers) => record.sendCustom(content, callbacks, buffers),
      on: (name, cb, options) => record.on(name, cb, owner, options?.signal),
      off: (name, cb) => record.off(name ?? null, cb ?? null, owner),
      widget_manager: record.runtime.widgetManager(signal),
      get model_id() {
        return record.id;
      },
    };
    owner.proxy = proxy;
    // A hook's listeners live exactly as long as the hook: its signal aborting removes them all.
    signal?.addEventListener("abort", () => record.off(null, null, owner), { once: true });
    return proxy;
  }

  set(key, value) {
    if (this.closed) return;
    const changes = typeof key === "object" && key !== null ? key : { [key]: value };
    const changed = [];
    for (const [k, v] of Object.entries(changes)) {
      const before = this.state.get(k);
      this.state.set(k, v);
      // Always dirty (so an in-place mutation then set() is still sent), but events only on a real change.
      this.dirty.add(k);
      if (!deepEqual(before, v)) changed.push(k);
    }
    this.emitChanges(changed);
  }

  saveChanges() {
    if (this.closed || this.dirty.size === 0) return;
    const patch = {};
    for (const key of this.dirty) patch[key] = this.state.get(key);
    this.dirty.clear();
    let wire;
    try {
      wire = removeBuffers(patch);
    } catch (e) {
      this.runtime.report(this.id, "widget", "bad_state", e);
      return;
    }
    for (const key of Object.keys(patch)) this.pendingEchoes.set(key, (this.pendingEchoes.get(key) ?? 0) + 1);
    this.runtime.transmit(this.id, { method: "update", state: wire.state, buffer_paths: wire.buffer_paths }, wire.buffers);
  }

  sendCustom(content, callbacks, buffers) {
    if (this.closed) return;
    let out;
    try {
      out = (buffers ?? []).map(toArrayBuffer);
    } catch (e) {
      this.runtime.report(this.id, "widget", "bad_buffers", e);
      return;
    }
    this.runtime.transmit(this.id, { method: "custom", content }, out);
  }

  on(names, cb, owner, signal) {
    if (typeof names !== "string" || typeof cb !== "function" || this.closed || signal?.aborted) return;
    for (const name of names.split(/\s+/).filter(Boolean)) {
      // Backbone allows "change:a change:b"
      let set = this.listeners.get(name);
      if (!set) this.listeners.set(name, (set = new Set()));
      const entry = { cb, owner };
      set.add(entry);
      signal?.addEventListener("abort", () => set.delete(entry), { once: true });
    }
  }

  /** Backbone's off: null name = every event, null cb = every callback; always limited to one owner. */
  off(names, cb, owner) {
    const only = typeof names === "string" ? new Set(names.split(/\s+/).filter(Boolean)) : null;
    for (const [event, set] of this.listeners) {
      if (only !== null && !only.has(event)) continue;
      for (const entry of set) {
        if ((cb === null || entry.cb === cb) && (owner === null || entry.owner === owner)) set.delete(entry);
      }
    }
  }

  emit(name, ...args) {
    const set = this.listeners.get(name);
    if (!set) return;
    for (const entry of [...set]) {
      if (!set.has(entry)) continue; // removed by an earlier listener of this same event
      try {
        entry.cb(...args.map((a) => (a === LISTENER_MODEL ? entry.owner.proxy : a)));
      } catch (e) {
        this.runtime.report(this.id, "widget", "listener", e);
      }
    }
  }

  emitChanges(keys) {
    if (keys.length === 0) return;
    for (const key of keys) this.emit(`change:${key}`, LISTENER_MODEL, this.state.get(key));
    this.emit("change", LISTENER_MODEL);
  }

  // ------------------------------------------------------------------ messages from Python

  /** Apply state from Python and fire events. Returns the keys whose value changed (`removed` counts too). */
  applyState(state, isEcho, removed = []) {
    const changed = [...removed];
    for (const [key, value] of Object.entries(state)) {
      if (isEcho) {
        // Protocol 2.1: while we have writes of this key in flight, echoes are of older values; the echo of our
        // latest write carries the value Python accepted and is applied, unless the key was set again since.
        const pending = this.pendingEchoes.get(key) ?? 0;
        if (pending > 0) {
          if (pending === 1) this.pendingEchoes.delete(key);
          else this.pendingEchoes.set(key, pending - 1);
          if (pending > 1) continue;
        }
        if (this.dirty.has(key)) continue;
      } else {
        this.dirty.delete(key); // Python's value wins over an unsaved local one (and is not sent back)
      }
      const before = this.state.get(key);
      this.state.set(key, value);
      if (!deepEqual(before, value)) changed.push(key);
    }
    this.emitChanges(changed);
    return changed;
  }

  /**
   * A repeated open (e.g. after a reconnect) carries Python's full state: writes in flight were lost with the old
   * connection and keys Python no longer has go away; applyState then brings in every value.
   */
  resetTo(state) {
    this.pendingEchoes.clear();
    this.dirty.clear();
    const gone = [...this.state.keys()].filter((key) => !Object.hasOwn(state, key));
    for (const key of gone) this.state.delete(key);
    return gone;
  }

  dispatch(data, buffers) {
    switch (data.method) {
      case "open":
      case "update":
      case "echo_update": {
        const state = data.state;
        if (!isPlainObject(state)) throw new ProtocolProblem("malformed", `${data.method} needs a state object`);
        try {
          putBuffers(state, data.buffer_paths ?? [], buffers);
        } catch (e) {
          throw new ProtocolProblem("bad_buffers", errorText(e));
        }
        const gone = data.method === "open" ? this.resetTo(state) : [];
        const changed = this.applyState(state, data.method === "echo_update", gone);
        if (changed.includes("_css")) this.refreshCss();
        if (changed.includes("_esm")) this.runtime.reload(this);
        return;
      }
      case "custom":
        this.emit("msg:custom", data.content, buffers);
        return;
      case "error":
        this.runtime.pythonError(this, data);
        return;
      default:
        throw new ProtocolProblem("unknown_method", `unknown method ${JSON.stringify(data.method)}`);
    }
  }

  /** An invoke reply is taken here, before the message queue, so an awaiting initialize cannot deadlock. */
  takeInvokeReply(data, buffers) {
    const content = data.content;
    if (data.method !== "custom" || !isPlainObject(content) || content.kind !== "anywidget-command-response") return;
    const pending = this.invokes.get(content.id);
    // anywidget-core's Python answers a failed or unknown command with `error`, so the caller need not time out
    if (typeof content.error === "string") pending?.reject(new Error(content.error));
    else pending?.resolve([content.response, buffers]);
  }

  invoke(name, msg, { buffers = [], signal, timeout = INVOKE_TIMEOUT_MS } = {}) {
    return new Promise((resolve, reject) => {
      if (this.closed) return reject(new Error("the model is closed"));
      if (signal?.aborted) return reject(signal.reason);
      const id = uuid();
      const finish = (settle, value) => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
        this.invokes.delete(id);
        settle(value);
      };
      const onAbort = () => finish(reject, signal.reason);
      const timer = setTimeout(
        () => finish(reject, new DOMException(`invoke ${JSON.stringify(name)} timed out after ${timeout} ms`, "TimeoutError")),
        timeout,
      );
      signal?.addEventListener("abort", onAbort, { once: true });
      this.invokes.set(id, { resolve: (v) => finish(resolve, v), reject: (e) => finish(reject, e) });
      this.sendCustom({ id, kind: "anywidget-command", name, msg }, undefined, buffers);
    });
  }

  // ------------------------------------------------------------------ CSS

  /** The widget's stylesheet for one root; in a shadow root its `:root` rules apply to the shadow host. */
  cssNode(root) {
    const css = this.state.get("_css");
    const text = typeof css === "string" ? css : "";
    // No stylesheet for no CSS: each <style> added to a document makes the browser rebuild its list of active
    // sheets, so a page of 1,000 CSS-less widgets paid for 1,000 empty ones. The comment keeps the place where
    // CSS set later (hot reload) goes.
    if (text === "") return document.createComment(`anywidget ${this.id}: no CSS`);
    let node;
    if (/^https?:\/\//.test(text) && !text.includes("\n")) {
      node = document.createElement("link"); // fetched CSS cannot be rewritten: `:root` stays document-only
      node.rel = "stylesheet";
      node.href = text;
    } else {
      node = document.createElement("style");
      node.textContent = root === document ? text : rootToHost(text);
    }
    node.dataset.anywidgetModel = this.id;
    return node;
  }

  /**
   * One stylesheet per root a view lives in: document.head, or the ShadowRoot that holds the view. A shadow
   * root also gets the box-sizing reset, just before the widget's own CSS so that CSS can still override it.
   */
  attachCss(root) {
    let entry = this.styles.get(root);
    if (!entry) {
      entry = { node: this.cssNode(root), reset: null, count: 0 };
      if (root === document) {
        document.head.append(entry.node);
      } else {
        entry.reset = document.createElement("style");
        entry.reset.textContent = SHADOW_RESET;
        entry.reset.dataset.anywidgetReset = this.id;
        root.append(entry.reset, entry.node);
      }
      this.styles.set(root, entry);
    }
    entry.count += 1;
  }

  releaseCss(root) {
    const entry = this.styles.get(root);
    if (!entry || --entry.count > 0) return;
    entry.node.remove();
    entry.reset?.remove();
    this.styles.delete(root);
  }

  refreshCss() {
    for (const [root, entry] of this.styles) {
      const next = this.cssNode(root);
      entry.node.replaceWith(next);
      entry.node = next;
    }
  }
}

// Placeholder replaced, per listener, by that listener's own model proxy (Backbone passes the model first).
const LISTENER_MODEL = Symbol("listener model");

class ProtocolProblem extends Error {
  constructor(code, message) {
    super(message);
    this.code = code;
  }
}

// ------------------------------------------------------------------------------------------- shared modules
// Hosts that run this runtime (standalone, static HTML, Panel) send each distinct `_esm`/`_css` text once per
// front end, as a connection-level message {"method": "module", "id", "text"} (model id null), and put
// {"$module": id} in the state where the text would be (SPEC §8.3-8.5). A state keeps the text itself, so
// widgets and change events see what they always saw. A module's import is shared by every model using that
// text; each model still gets its own initialize and render.

const CODE_KEYS = ["_esm", "_css"];
const MODULE_ID = /^[0-9a-f]{64}$/; // sha256 of the text's UTF-8, as hex

/** Remember a module text. Definitions are kept for the life of the runtime: any later open may refer to one. */
function defineModule(modules, data) {
  if (typeof data.id !== "string" || !MODULE_ID.test(data.id) || typeof data.text !== "string") {
    throw new ProtocolProblem("malformed", 'a module message needs "id" (64 hex digits) and "text" (a string)');
  }
  if (!modules.has(data.id)) modules.set(data.id, data.text);
}

/** Replace {"$module": id} under `_esm`/`_css` of a state by the defined text, in place. */
function resolveModuleRefs(modules, state) {
  if (!isPlainObject(state)) return;
  for (const key of CODE_KEYS) {
    const ref = state[key];
    if (!isPlainObject(ref)) continue;
    const text = Object.keys(ref).length === 1 && typeof ref.$module === "string" ? modules.get(ref.$module) : undefined;
    if (text === undefined) {
      throw new ProtocolProblem("malformed", `${key} refers to a module this front end was not sent`);
    }
    state[key] = text;
  }
}

/** Import a widget module once per distinct text; a failed import is forgotten so a later load may retry. */
function importShared(imports, esm) {
  let pending = imports.get(esm);
  if (!pending) {
    pending = importWidget(esm);
    imports.set(esm, pending);
    pending.catch(() => imports.get(esm) === pending && imports.delete(esm));
  }
  return pending;
}

// -------------------------------------------------------------------------------------------------- runtime

async function importWidget(esm) {
  if (typeof esm !== "string" || esm.trim() === "") throw new Error("the model has no _esm");
  if (/^https?:\/\//.test(esm) && !esm.includes("\n")) return import(esm);
  const url = URL.createObjectURL(new Blob([esm], { type: "text/javascript" }));
  try {
    return await import(url);
  } finally {
    URL.revokeObjectURL(url);
  }
}

/** The widget definition {initialize?, render?} from a module: default object or (async) factory. */
async function resolveWidget(mod) {
  if (mod.default === undefined && typeof mod.render === "function") {
    console.warn("[anywidget] a named `render` export is deprecated; use `export default { render }`");
    return { initialize: mod.initialize, render: mod.render };
  }
  const def = typeof mod.default === "function" ? await mod.default() : mod.default;
  if (typeof def !== "object" || def === null) {
    throw new Error("the widget module must export default {initialize?, render?} or a function returning it");
  }
  return def;
}

function showError(el, message) {
  const pre = document.createElement("pre");
  pre.className = "anywidget-error";
  pre.textContent = `[anywidget] ${message}`; // text, never HTML
  el.replaceChildren(pre);
}

function rootOf(el) {
  const root = el.getRootNode?.();
  return typeof ShadowRoot !== "undefined" && root instanceof ShadowRoot ? root : document;
}

function withTimeout(promise, ms, message) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${message} within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function runCleanup(fn, report) {
  if (typeof fn !== "function") return;
  try {
    await fn();
  } catch (e) {
    report(e);
  }
}

// ------------------------------------------------------------------------------------------- chunked messages
// A message whose buffers are larger than the host's chunk size goes as {"method": "chunked", transfer, message,
// sizes} (no buffers), then {"method": "chunk", transfer} frames of one buffer each: the next piece of the
// buffers' concatenation (SPEC §8.6). Receiving, each buffer of the message is one ArrayBuffer of its announced
// size, filled as the pieces arrive: a transfer holds its final size (the sum of `sizes`) and nothing more, and
// the completed buffers are handed on without another copy.

const CHUNK_METHODS = new Set(["chunked", "chunk", "chunk_abort"]);

class Incoming {
  constructor(modelId, message, sizes) {
    this.modelId = modelId;
    this.message = message;
    this.parts = sizes.map((n) => new Uint8Array(n));
    this.total = sizes.reduce((a, b) => a + b, 0);
    this.loaded = 0;
    this.index = 0; // the buffer being filled
    this.offset = 0; // bytes of it filled
  }

  /** Copy one piece in; false when it would overrun the announced total. */
  add(piece) {
    if (this.loaded + piece.byteLength > this.total) return false;
    let at = 0;
    while (at < piece.byteLength) {
      const part = this.parts[this.index];
      const take = Math.min(part.byteLength - this.offset, piece.byteLength - at);
      part.set(piece.subarray(at, at + take), this.offset);
      at += take;
      this.offset += take;
      if (this.offset === part.byteLength) {
        this.index += 1;
        this.offset = 0;
      }
    }
    this.loaded += piece.byteLength;
    return true;
  }
}

/** A paced transfer ended because its model or runtime went away (not an error to report). */
class TransferDropped extends Error {}

/** Consecutive views of at most `size` bytes over `views`, in order; a piece never spans two buffers. */
function* pieces(views, size) {
  for (const view of views) {
    for (let start = 0; start < view.byteLength; start += size) yield view.subarray(start, start + size);
  }
}

class Runtime {
  constructor({ send, onError, openTimeout = OPEN_TIMEOUT_MS, shared, chunkSize = 0, writable } = {}) {
    if (typeof send !== "function") throw new TypeError("createRuntime needs a send(modelId, data, buffers) function");
    this.send = send;
    this.onError = onError;
    this.openTimeout = openTimeout;
    // 0: never chunk (a host whose transport takes any size, or that cannot reassemble)
    this.chunkSize = Number.isSafeInteger(chunkSize) && chunkSize > 0 ? chunkSize : 0;
    this.nextTransfer = 1;
    this.writable = typeof writable === "function" ? writable : null;
    this.outbox = null; // while a paced transfer runs: the messages waiting behind it, in order
    this.disposed = false;
    this.incoming = new Map(); // transfer id -> Incoming
    this.models = new Map();
    this.waiters = new Map(); // model id -> Set of resolve callbacks waiting for its open
    // Shared modules: module id -> text, and _esm text -> promise of its import. A host whose front end spans
    // several runtimes (Panel: one per view, one page) passes the same {modules, imports} to all; it outlives each.
    const valid = shared?.modules instanceof Map && shared?.imports instanceof Map;
    this.ownShared = !valid;
    this.shared = valid ? shared : { modules: new Map(), imports: new Map() };
  }

  // ------------------------------------------------------------------ errors and sending

  report(modelId, source, code, error) {
    const message = errorText(error);
    if (source === "python") console.warn(`[anywidget] ${modelId}: ${code}: ${message}`);
    else console.error(`[anywidget] ${modelId}: ${code}:`, error);
    try {
      this.onError?.({ modelId, code, message, source });
    } catch (e) {
      console.error("[anywidget] onError failed", e);
    }
  }

  transmit(modelId, data, buffers) {
    if (this.outbox) {
      this.outbox.push([modelId, data, buffers]); // a paced transfer is under way: nothing overtakes it (SPEC §5)
      return;
    }
    try {
      const size = this.chunkSize;
      const total = size && buffers?.length ? buffers.reduce((sum, b) => sum + toDataView(b).byteLength, 0) : 0;
      if (total > size && size && this.writable) {
        this.outbox = [];
        this.pump([modelId, data, buffers], total);
      } else if (total > size && size) this.transmitChunked(modelId, data, buffers, total);
      else this.send(modelId, data, buffers);
    } catch (e) {
      this.report(modelId, "widget", "transport", e);
    }
  }

  /** Send a paced transfer, then what queued behind it in order (pacing again any large one among them). */
  async pump(first, firstTotal) {
    let next = first;
    let total = firstTotal;
    while (next && !this.disposed) {
      const [modelId, data, buffers] = next;
      try {
        if (total === null) {
          const size = this.chunkSize;
          total = buffers?.length ? buffers.reduce((sum, b) => sum + toDataView(b).byteLength, 0) : 0;
          if (total <= size) total = 0;
        }
        if (total) await this.transmitPaced(modelId, data, buffers, total);
        else this.send(modelId, data, buffers);
      } catch (e) {
        this.report(modelId, "widget", "transport", e);
      }
      next = this.outbox?.shift();
      total = null;
    }
    this.outbox = null;
  }

  /** Like transmitChunked, but awaiting `writable` before each piece; stops when the model or transport goes. */
  async transmitPaced(modelId, data, buffers, total) {
    const transfer = this.announce(modelId, data, buffers, total);
    try {
      for (const piece of pieces(transfer.views, this.chunkSize)) {
        await this.writable();
        // the model was closed (either side) or the runtime disposed while we waited: drop the transfer
        if (this.disposed || (transfer.record && this.models.get(modelId) !== transfer.record)) {
          throw new TransferDropped();
        }
        this.sendPiece(modelId, transfer, piece);
      }
    } catch (e) {
      this.abort(modelId, transfer);
      if (!(e instanceof TransferDropped)) throw e;
    }
  }

  /** Send one message in pieces of at most chunkSize bytes, each a view into the caller's buffers (no copy here). */
  transmitChunked(modelId, data, buffers, total) {
    const transfer = this.announce(modelId, data, buffers, total);
    try {
      for (const piece of pieces(transfer.views, this.chunkSize)) this.sendPiece(modelId, transfer, piece);
    } catch (e) {
      this.abort(modelId, transfer);
      throw e;
    }
  }

  /** The `chunked` frame that starts an outgoing transfer; its state for sendPiece and abort. */
  announce(modelId, data, buffers, total) {
    const transfer = { id: this.nextTransfer++, views: buffers.map(toBytes), record: this.models.get(modelId) };
    transfer.loaded = 0;
    transfer.total = total;
    const sizes = transfer.views.map((v) => v.byteLength);
    this.send(modelId, { method: "chunked", transfer: transfer.id, message: data, sizes }, []);
    transfer.record?.emit("progress", { direction: "send", loaded: 0, total });
    return transfer;
  }

  sendPiece(modelId, transfer, piece) {
    this.send(modelId, { method: "chunk", transfer: transfer.id }, [piece]);
    transfer.loaded += piece.byteLength;
    transfer.record?.emit("progress", { direction: "send", loaded: transfer.loaded, total: transfer.total });
  }

  abort(modelId, transfer) {
    try {
      this.send(modelId, { method: "chunk_abort", transfer: transfer.id }, []); // Python drops what it has of it
    } catch {
      // the transport is gone: Python drops every transfer with it
    }
  }

  /** A chunk frame from Python: the whole message once its last piece is in, else null. */
  takeChunk(modelId, data, buffers) {
    const transfer = data.transfer;
    if (!Number.isSafeInteger(transfer)) throw new ProtocolProblem("malformed", `a ${data.method} needs a transfer id`);
    if (data.method === "chunk_abort") {
      this.incoming.delete(transfer);
      return null;
    }
    if (data.method === "chunked") {
      const { message, sizes } = data;
      if (!isPlainObject(message) || !Array.isArray(sizes) || !sizes.every((n) => Number.isSafeInteger(n) && n >= 0)) {
        throw new ProtocolProblem("malformed", "a chunked message needs a message object and a list of sizes");
      }
      const started = new Incoming(modelId, message, sizes);
      this.incoming.set(transfer, started);
      this.models.get(modelId)?.emit("progress", { direction: "receive", loaded: 0, total: started.total });
      return started.total === 0 ? this.finishChunks(transfer, started) : null;
    }
    const current = this.incoming.get(transfer);
    if (!current || current.modelId !== modelId) {
      throw new ProtocolProblem("malformed", `a chunk for transfer ${transfer}, which is not in progress`);
    }
    if (buffers?.length !== 1 || !current.add(toBytes(buffers[0]))) {
      this.incoming.delete(transfer);
      throw new ProtocolProblem("malformed", `a chunk of transfer ${transfer} that does not fit it`);
    }
    const progress = { direction: "receive", loaded: current.loaded, total: current.total };
    this.models.get(modelId)?.emit("progress", progress);
    return current.loaded === current.total ? this.finishChunks(transfer, current) : null;
  }

  finishChunks(transfer, done) {
    this.incoming.delete(transfer);
    return { data: done.message, buffers: done.parts.map((p) => p.buffer) };
  }

  pythonError(record, data) {
    const code = typeof data.code === "string" ? data.code : "error";
    this.report(record.id, "python", code, typeof data.message === "string" ? data.message : "error from Python");
    if (data.rejected === "update") {
      // Python kept its state and our local copy now differs: forget echo bookkeeping and fetch the truth
      // (the reply is an `update`, which always applies).
      record.pendingEchoes.clear();
      this.transmit(record.id, { method: "request_state" }, []);
    }
  }

  // ------------------------------------------------------------------ messages from Python

  receive(modelId, data, buffers = []) {
    try {
      if (modelId === null && isPlainObject(data) && data.method === "module") {
        defineModule(this.shared.modules, data); // about the connection, not a model (shared modules)
        return;
      }
      if (typeof modelId !== "string") throw new ProtocolProblem("malformed", "model id must be a string");
      if (!isPlainObject(data) || typeof data.method !== "string") {
        throw new ProtocolProblem("malformed", 'a message must be an object with a string "method"');
      }
      if (CHUNK_METHODS.has(data.method)) {
        const whole = this.takeChunk(modelId, data, buffers);
        if (whole === null) return;
        ({ data, buffers } = whole);
        if (!isPlainObject(data) || typeof data.method !== "string" || CHUNK_METHODS.has(data.method)) {
          throw new ProtocolProblem("malformed", "a chunked message must hold a protocol message");
        }
      }
      resolveModuleRefs(this.shared.modules, data.state);
      let views;
      try {
        views = Array.from(buffers ?? [], toOwnDataView); // fields, nested values, custom messages alike
      } catch (e) {
        throw new ProtocolProblem("bad_buffers", errorText(e));
      }
      const record = this.models.get(modelId);
      if (data.method === "open" && !record) {
        this.open(modelId, data, views);
        return;
      }
      if (!record) {
        if (data.method !== "close") throw new ProtocolProblem("unknown_model", `no open model ${modelId}`);
        return;
      }
      if (data.method === "close") {
        this.destroy(record);
        return;
      }
      record.takeInvokeReply(data, views);
      if (record.ready) record.dispatch(data, views);
      else record.queue.push([data, views]); // after open, nothing reaches the widget before initialize ran
    } catch (e) {
      this.report(typeof modelId === "string" ? modelId : String(modelId), "python", e.code ?? "malformed", e);
    }
  }

  open(modelId, data, views) {
    if (!isPlainObject(data.state)) throw new ProtocolProblem("malformed", "open needs a state object");
    try {
      putBuffers(data.state, data.buffer_paths ?? [], views);
    } catch (e) {
      throw new ProtocolProblem("bad_buffers", errorText(e));
    }
    const record = new ModelRecord(this, modelId, data.state);
    this.models.set(modelId, record);
    this.reload(record);
    for (const resolve of this.waiters.get(modelId) ?? []) resolve(record);
    this.waiters.delete(modelId);
  }

  flushQueue(record) {
    record.ready = true;
    for (const [data, views] of record.queue.splice(0)) {
      if (record.closed) return;
      try {
        record.dispatch(data, views);
      } catch (e) {
        this.report(record.id, "python", e.code ?? "malformed", e);
      }
    }
  }

  // ------------------------------------------------------------------ lifecycle

  /** Load `_esm` and initialize; a previous generation (hot reload) is torn down first, state is kept. */
  reload(record) {
    return record.enqueue(async () => {
      if (record.closed) return;
      if (record.gen) {
        const old = record.gen;
        record.gen = null;
        for (const view of record.views) await this.stopView(record, view);
        await this.stopGeneration(record, old);
      }
      const controller = new AbortController();
      const gen = { controller, def: null, exports: undefined, cleanup: null, error: null };
      gen.experimental = { invoke: (name, msg, options) => record.invoke(name, msg, options) };
      record.gen = gen;
      try {
        gen.def = await resolveWidget(await importShared(this.shared.imports, record.state.get("_esm")));
      } catch (e) {
        gen.error = `failed to load the widget module: ${errorText(e)}`;
        this.report(record.id, "widget", "esm_load", gen.error);
      }
      if (gen.def && typeof gen.def.initialize === "function" && !controller.signal.aborted) {
        try {
          const { signal } = controller;
          const result = await gen.def.initialize({ model: record.makeProxy(signal), experimental: gen.experimental, signal });
          if (typeof result === "function") gen.cleanup = result;
          else if (typeof result === "object" && result !== null) gen.exports = result;
        } catch (e) {
          this.report(record.id, "widget", "initialize", e); // the model stays usable; views still render
        }
      }
      if (record.closed) return;
      if (!record.ready) this.flushQueue(record);
      for (const view of record.views) await this.startView(record, view);
    });
  }

  async stopGeneration(record, gen) {
    gen.controller.abort();
    const cleanup = gen.cleanup;
    gen.cleanup = null;
    await runCleanup(cleanup, (e) => this.report(record.id, "widget", "cleanup", e));
  }

  async startView(record, view) {
    const gen = record.gen;
    if (record.closed || !gen || view.gen === gen || !record.views.has(view)) return;
    view.gen = gen;
    const controller = new AbortController();
    view.controller = controller;
    view.el.replaceChildren();
    if (!view.root) {
      view.root = rootOf(view.el);
      if (view.root !== document) view.el.setAttribute(VIEW_ATTR, ""); // the shadow-root box-sizing reset's target
      record.attachCss(view.root);
    }
    if (gen.error) return showError(view.el, gen.error);
    if (typeof gen.def.render !== "function") return;
    const { signal } = controller;
    try {
      const cleanup = await gen.def.render({
        model: record.makeProxy(signal),
        el: view.el,
        experimental: gen.experimental,
        signal,
        host: this.host(signal),
      });
      if (typeof cleanup === "function") {
        if (signal.aborted) await runCleanup(cleanup, (e) => this.report(record.id, "widget", "cleanup", e));
        else view.cleanup = cleanup;
      }
    } catch (e) {
      this.report(record.id, "widget", "render", e);
      if (!signal.aborted) showError(view.el, `render failed: ${errorText(e)}`);
    }
  }

  async stopView(record, view) {
    view.controller?.abort();
    view.controller = null;
    view.gen = null;
    const cleanup = view.cleanup;
    view.cleanup = null;
    await runCleanup(cleanup, (e) => this.report(record.id, "widget", "cleanup", e));
  }

  waitForOpen(modelId, timeout = this.openTimeout) {
    const record = this.models.get(modelId);
    if (record) return Promise.resolve(record);
    return new Promise((resolve, reject) => {
      let waiters = this.waiters.get(modelId);
      if (!waiters) this.waiters.set(modelId, (waiters = new Set()));
      const done = (rec) => {
        clearTimeout(timer);
        resolve(rec);
      };
      const timer = setTimeout(() => {
        waiters.delete(done);
        reject(new Error(`model ${modelId} not found: no open within ${timeout} ms`));
      }, timeout);
      waiters.add(done);
    });
  }

  /** One view of the model in `el`; resolves to a function that removes it. */
  async render(modelId, el) {
    let record;
    try {
      record = await this.waitForOpen(modelId);
    } catch (e) {
      showError(el, errorText(e));
      throw e;
    }
    const view = { el, controller: null, cleanup: null, gen: null, root: null };
    record.views.add(view);
    await record.enqueue(() => this.startView(record, view));
    let removed = false;
    return () => {
      if (removed) return;
      removed = true;
      record.views.delete(view);
      view.controller?.abort(); // the widget sees removal at once; cleanup runs in lifecycle order
      record.enqueue(async () => {
        await this.stopView(record, view);
        view.el.replaceChildren();
        if (view.root) record.releaseCss(view.root);
      });
    };
  }

  /** Destroy a model: abort every signal, run cleanups, empty its views and drop its styles. */
  destroy(record) {
    if (record.closed) return;
    record.closed = true;
    for (const [transfer, incoming] of this.incoming) if (incoming.modelId === record.id) this.incoming.delete(transfer);
    this.models.delete(record.id);
    const gen = record.gen;
    gen?.controller.abort();
    const views = [...record.views];
    for (const view of views) view.controller?.abort();
    for (const { reject } of [...record.invokes.values()]) reject(new Error("the model is closed"));
    record.enqueue(async () => {
      for (const view of views) {
        await this.stopView(record, view);
        view.el.replaceChildren();
      }
      if (gen) await this.stopGeneration(record, gen);
      for (const { node, reset } of record.styles.values()) {
        node.remove();
        reset?.remove();
      }
      record.styles.clear();
      record.views.clear();
      record.listeners.clear();
    });
  }

  // ------------------------------------------------------------------ composition

  widgetManager(signal) {
    return {
      // ipywidgets' get_model: a promise of the model. Takes a bare model id (or a reference in either form).
      get_model: async (id) => {
        const modelId = refModelId(id) ?? id;
        return (await this.waitForOpen(modelId)).makeProxy(signal);
      },
      // ipywidgets' create_view (what anywidget 0.11 hands widgets in JupyterLab): a promise of a rendered view of
      // a model from get_model, whose `el` the caller places; see createChildView.
      create_view: (model) => createChildView(this, model, signal),
    };
  }

  host(signal) {
    const parse = (ref) => {
      const modelId = refModelId(ref);
      if (modelId === null) {
        throw new TypeError(`a widget reference looks like "anywidget:<model id>", got ${JSON.stringify(ref)}`);
      }
      return modelId;
    };
    return {
      getModel: async (ref) => (await this.waitForOpen(parse(ref))).makeProxy(signal),
      getWidget: async (ref) => {
        const modelId = parse(ref);
        const record = await this.waitForOpen(modelId);
        // The child's initialize has run, so its exports are there (bounded like the open).
        await withTimeout(record.chain, this.openTimeout, `widget ${modelId} did not initialize`);
        const runtime = this;
        return {
          get exports() {
            return record.gen?.exports;
          },
          async render({ el, signal: viewSignal }) {
            const dispose = await runtime.render(modelId, el);
            // The child view goes when the caller says so or when the parent view that made it goes.
            for (const s of [viewSignal, signal]) {
              if (s?.aborted) dispose();
              else s?.addEventListener("abort", dispose, { once: true });
            }
            return dispose;
          },
        };
      },
    };
  }

  // ------------------------------------------------------------------ public API

  model(modelId) {
    return this.models.get(modelId)?.proxy;
  }

  /** The transport is gone (its view was removed): destroy every model here, telling nobody. */
  dispose() {
    this.disposed = true; // a paced transfer stops before its next piece; what queued behind it is dropped
    this.outbox = null;
    this.incoming.clear();
    for (const record of [...this.models.values()]) this.destroy(record);
    for (const waiters of this.waiters.values()) waiters.clear();
    this.waiters.clear();
    if (this.ownShared) {
      this.shared.modules.clear();
      this.shared.imports.clear();
    }
  }

  /** Front-end close: tell Python, then destroy the model here. */
  close(modelId) {
    const record = this.models.get(modelId);
    if (!record) return;
    this.transmit(modelId, { method: "close" }, []);
    this.destroy(record);
  }
}

// ------------------------------------------------------------------------------------ widget_manager.create_view

/**
 * ipywidgets' `create_view(model)` for widgets that compose others (manywidgets' Column): resolves, once the child
 * has rendered with its own module and CSS, to `{el, model, remove}`. `el` is a new element the caller places;
 * `remove()` runs the child's cleanup and drops its CSS. The child's model is shared, not copied. Unlike ipywidgets
 * (which leaves it to the parent), the view also goes when the parent's view or hook that asked for it goes
 * (`signal`), as host.getWidget's views do, so a parent that forgets remove() leaks no view.
 * As in ipywidgets the child renders before it is placed, so its CSS first goes to the document; once `el` is
 * connected the CSS moves to the shadow root it landed in, if any (Panel), which document styles never reach.
 */
async function createChildView(runtime, model, signal) {
  const modelId = model?.model_id;
  if (typeof modelId !== "string") throw new TypeError("create_view needs a model from widget_manager.get_model");
  const record = await runtime.waitForOpen(modelId);
  const el = document.createElement("div");
  const view = { el, controller: null, cleanup: null, gen: null, root: null };
  let removed = false;
  const remove = () => {
    if (removed) return;
    removed = true;
    signal?.removeEventListener("abort", remove);
    record.views.delete(view);
    view.controller?.abort(); // the child sees removal at once; its cleanup runs in lifecycle order
    record.enqueue(async () => {
      await runtime.stopView(record, view);
      el.replaceChildren();
      if (view.root) record.releaseCss(view.root);
      view.root = null;
    });
  };
  const childView = { el, model, remove };
  if (signal?.aborted) return (remove(), childView);
  signal?.addEventListener("abort", remove, { once: true });
  record.views.add(view);
  await record.enqueue(() => runtime.startView(record, view));
  const follow = () => {
    if (removed || !record.views.has(view) || !view.root) return; // no root yet: startView will take el's own
    if (!el.isConnected) return void requestAnimationFrame(follow);
    const root = rootOf(el);
    if (root === view.root) return;
    record.attachCss(root);
    record.releaseCss(view.root);
    view.root = root;
    if (root !== document) el.setAttribute(VIEW_ATTR, ""); // the shadow-root box-sizing reset's target
  };
  follow();
  return childView;
}

/** A runtime over one transport. See the module comment; the public surface is receive/render/model/close/dispose. */
export function createRuntime({ send, onError, openTimeout, shared, chunkSize, writable } = {}) {
  const runtime = new Runtime({ send, onError, openTimeout, shared, chunkSize, writable });
  return {
    receive: (modelId, data, buffers) => runtime.receive(modelId, data, buffers),
    render: (modelId, el) => runtime.render(modelId, el),
    model: (modelId) => runtime.model(modelId),
    close: (modelId) => runtime.close(modelId),
    dispose: () => runtime.dispose(),
  };
}
