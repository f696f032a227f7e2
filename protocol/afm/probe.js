// AFM conformance probe: an anywidget front-end module that exercises the AFM contract from inside a host's page
// and records one result per feature in `globalThis.__afm.results` (and as JSON in the view's
// `data-afm-results`), so a driver can read them from the DOM with any browser automation.
//
// The Python side (tests/afm/widgets.py, one class per host API) answers: a change of `from_js` sets
// `echo = "echo:" + from_js` and sends a custom message {kind: "hello"} with two buffers; a custom
// {kind: "ping", id} is answered with {kind: "pong", id, got: <the bytes it came with>}; commands "double", "fail"
// (raises) and "slow" (answers after 1.5 s). Every result is measured here, in the page: Python only echoes.
//
// Each result is {status: "pass"} or {status: "fail", reason}; a passing one may carry a `note`.

// kept across hot reloads: a reloaded module finds the same record
const A = (globalThis.__afm ??= { events: [], results: {}, views: [], gens: [], done: false, initModel: null });
// how long to wait for Python; a driver that knows there is none (static HTML) sets a short one
const WAIT_MS = globalThis.__afmWaitMs ?? 10_000;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const tagOf = (v) => Object.prototype.toString.call(v).slice(8, -1);
const bytesOf = (v) =>
  tagOf(v) === "ArrayBuffer" ? [...new Uint8Array(v)] : [...new Uint8Array(v.buffer, v.byteOffset, v.byteLength)];
const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);
const errText = (e) => (e && typeof e === "object" && "message" in e ? `${e.name}: ${e.message}` : String(e));

function publish(el) {
  if (el?.isConnected) el.dataset.afmResults = JSON.stringify(A.results);
}

/** Run `fn` (returns true, or a reason string, or {note}) and record the feature's result. */
async function check(name, fn, el) {
  let result;
  try {
    const out = await fn();
    if (out === true) result = { status: "pass" };
    else if (out && typeof out === "object" && "note" in out) result = { status: "pass", note: out.note };
    else result = { status: "fail", reason: String(out) };
  } catch (e) {
    result = { status: "fail", reason: `threw ${errText(e)}` };
  }
  A.results[name] = result;
  publish(el);
}

/** Resolves with the first value `get()` returns that is not undefined, or rejects after `ms`. */
async function until(get, ms = WAIT_MS, what = "condition") {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = get();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(25);
  }
}

/** A DataView over its own whole buffer with exactly these bytes, or why not. */
function ownDataView(v, expected) {
  if (tagOf(v) !== "DataView") return `a ${tagOf(v)}, not a DataView`;
  if (v.byteOffset !== 0 || v.byteLength !== v.buffer.byteLength) {
    return `a DataView at offset ${v.byteOffset}, ${v.byteLength} of its buffer's ${v.buffer.byteLength} bytes`;
  }
  if (!same(bytesOf(v), expected)) return `bytes ${bytesOf(v)} instead of ${expected}`;
  return true;
}

/** A round trip through Python: set `from_js`, save, and wait until `echo` says Python saw it. */
async function roundTrip(model, token) {
  model.set("from_js", token);
  model.save_changes();
  return until(() => (model.get("echo") === `echo:${token}` ? true : undefined), WAIT_MS, "Python's echo");
}

function initialize({ model, signal }) {
  A.events.push("initialize");
  A.initModel = model;
  // whether a new `_esm` reached the page at all, for the hot reload row's reason
  model.on("change:_esm", () => A.events.push("esm-changed"));
  const gen = { aborted: false, cleanup: false, hasSignal: typeof signal?.addEventListener === "function" };
  A.gens.push(gen);
  if (gen.hasSignal) signal.addEventListener("abort", () => (gen.aborted = true));
  return () => {
    gen.cleanup = true;
    A.events.push("initialize-cleanup");
  };
}

async function runChecks(model, el, experimental) {
  // listeners first, so the round trip below is what they see
  const seen = { changeEcho: [], change: 0, removed: 0, custom: [] };
  const onEcho = (...args) => seen.changeEcho.push(args);
  const removed = () => (seen.removed += 1);
  model.on("change:echo", onEcho);
  model.on("change", () => (seen.change += 1));
  model.on("change:echo", removed);
  model.off("change:echo", removed);
  model.on("msg:custom", (content, buffers) => seen.custom.push([content, buffers]));

  await check("initialize_before_render", () => {
    const i = A.events.indexOf("initialize");
    const r = A.events.indexOf("render");
    if (i === -1) return "initialize never ran";
    return i < r ? true : `order was ${A.events.join(", ")}`;
  }, el);

  const token = `t${Math.random().toString(36).slice(2, 8)}`;
  const trip = roundTrip(model, token).then(() => true, (e) => errText(e));
  await check("get_set_save_round_trip", async () => {
    if (model.get("label") !== "probe") return `get("label") gave ${JSON.stringify(model.get("label"))}`;
    if (model.get("from_js") !== token) return "get() after set() does not give the value set";
    return trip;
  }, el);
  const tripOk = (await trip) === true;
  await sleep(100); // events that follow the echo in the same batch
  await check("change_attr_event", () => {
    if (!tripOk) return "no round trip to observe";
    const hit = seen.changeEcho.find((args) => args.some((a) => a === `echo:${token}`));
    if (seen.changeEcho.length === 0) return "change:echo never fired";
    return hit ? true : { note: "fired without the new value as an argument" };
  }, el);
  await check("change_event", () => (!tripOk ? "no round trip to observe" : seen.change > 0 || '"change" never fired'), el);
  await check("off_removes_listener", () => {
    if (!tripOk) return "no round trip to observe";
    return seen.removed === 0 || `a listener removed with off() fired ${seen.removed} time(s)`;
  }, el);

  await check("custom_python_to_js_buffers", async () => {
    const [content, buffers] = await until(() => seen.custom.find(([c]) => c?.kind === "hello"), WAIT_MS, "hello");
    if (content.n !== 2) return `content ${JSON.stringify(content)}`;
    if (!Array.isArray(buffers)) return `buffers argument is ${buffers === undefined ? "undefined" : tagOf(buffers)}`;
    const kinds = buffers.map(tagOf);
    if (!kinds.every((k) => k === "DataView" || k === "ArrayBuffer")) return `buffers are ${kinds}`;
    const got = buffers.map(bytesOf);
    return same(got, [[1, 2, 3], [255]]) || `buffers hold ${JSON.stringify(got)}`;
  }, el);

  const ping = async (id, buffers) => {
    if (typeof model.send !== "function") return "model.send is not a function";
    model.send({ kind: "ping", id }, undefined, buffers);
    const [content] = await until(() => seen.custom.find(([c]) => c?.kind === "pong" && c.id === id), WAIT_MS, "pong");
    return content.got;
  };
  await check("custom_js_to_python_buffers", async () => {
    const got = await ping("whole", [new Uint8Array([7, 8, 9]), new Uint8Array([4, 2]).buffer]);
    return typeof got === "string" ? got : same(got, [[7, 8, 9], [4, 2]]) || `Python got ${JSON.stringify(got)}`;
  }, el);
  await check("custom_js_to_python_subview", async () => {
    // a view onto part of a larger buffer: only its own bytes must travel
    const got = await ping("sub", [new DataView(new Uint8Array([1, 0, 6, 1]).buffer, 1, 2)]);
    return typeof got === "string" ? got : same(got, [[0, 6]]) || `Python got ${JSON.stringify(got)}`;
  }, el);

  await check("nested_binary_dataview", () => {
    const nested = model.get("nested");
    const a = nested?.a?.[0];
    const b = nested?.a?.[1]?.b;
    const ra = ownDataView(a, [1, 2, 3]);
    if (ra !== true) return `nested.a[0] is ${ra}`;
    const rb = ownDataView(b, [4, 5]);
    return rb === true || `nested.a[1].b is ${rb}`;
  }, el);

  await check("widget_manager_get_model_child", async () => {
    const ref = model.get("child");
    if (typeof ref !== "string") return `child is ${JSON.stringify(ref)}, not a reference string`;
    const id = ref.replace(/^(IPY_MODEL_|anywidget:)/, "");
    if (typeof model.widget_manager?.get_model !== "function") return "model.widget_manager.get_model is missing";
    const child = await Promise.race([model.widget_manager.get_model(id), sleep(WAIT_MS).then(() => "timeout")]);
    if (child === "timeout") return `get_model(${JSON.stringify(id)}) did not settle`;
    const label = child?.get?.("label");
    return label === "child" || `the child model's label is ${JSON.stringify(label)} (ref ${JSON.stringify(ref)})`;
  }, el);

  // one invoke at a time: "slow" keeps a kernel busy for its 1.5 s; a host whose invoke never settles must not
  // hold up the other checks
  const raw = experimental?.invoke;
  const unsettled = Symbol("unsettled");
  const invoke = async (...args) => {
    const out = await Promise.race([raw(...args), sleep(WAIT_MS).then(() => unsettled)]);
    if (out === unsettled) throw new Error(`invoke did not settle in ${WAIT_MS} ms`);
    return out;
  };
  let noInvoke = typeof raw !== "function" ? "experimental.invoke is not a function" : null;
  await check("invoke_success", async () => {
    if (noInvoke) return noInvoke;
    let response, buffers;
    try {
      [response, buffers] = await invoke("double", { x: 21 }, { buffers: [new Uint8Array([5, 6])] });
    } catch (e) {
      // a rejection by the error and timeout checks below would then prove nothing
      noInvoke = `invoke never resolves here, so its rejections say nothing (${errText(e)})`;
      throw e;
    }
    if (response?.y !== 42) return `response ${JSON.stringify(response)}`;
    const got = (buffers ?? []).map(bytesOf);
    return same(got, [[6, 5]]) || `response buffers ${JSON.stringify(got)}`;
  }, el);
  await check("invoke_error_rejects", async () => {
    if (noInvoke) return noInvoke;
    const start = performance.now();
    try {
      await invoke("fail", {}, { signal: AbortSignal.timeout(4000) });
      return "resolved although the command raised";
    } catch (e) {
      const ms = performance.now() - start;
      return ms < 3000 ? true : { note: `rejected only when its 4 s signal timed out, not by an error reply: ${errText(e)}` };
    }
  }, el);
  await check("invoke_timeout_rejects", async () => {
    if (noInvoke) return noInvoke;
    const start = performance.now();
    try {
      await invoke("slow", {}, { signal: AbortSignal.timeout(300) });
      return `resolved (after the command's 1.5 s) although its signal timed out after 300 ms`;
    } catch (e) {
      const ms = performance.now() - start;
      return ms < 1200 || `rejected more than 1.2 s after its signal timed out at 300 ms: ${errText(e)}`;
    }
  }, el);
  await sleep(1500); // let "slow" finish before anything else talks to Python

  await check("css_applies", async () => {
    const probe = el.querySelector(".afm-css");
    const color = () => getComputedStyle(probe).color;
    try {
      return await until(() => (color() === "rgb(1, 2, 3)" ? true : undefined), 3000, "_css");
    } catch {
      return `color is ${color()}`;
    }
  }, el);
}

async function render({ model, el, experimental, signal }) {
  A.events.push("render");
  const view = { index: A.views.length, cleanup: false, aborted: false, calls: 0, hasSignal: false };
  A.views.push(view);
  if (signal && typeof signal.addEventListener === "function") {
    view.hasSignal = true;
    signal.addEventListener("abort", () => (view.aborted = true));
  }
  // counts calls after this view is gone, to see whether the host dropped its listeners
  model.on("change:echo", () => (view.calls += 1));
  const css = document.createElement("div");
  css.className = "afm-css";
  css.textContent = `AFM probe view ${view.index}`;
  el.append(css);
  if (view.index === 0) {
    runChecks(model, el, experimental).finally(() => {
      A.done = true;
      publish(el);
    });
  }
  return () => {
    view.cleanup = true;
  };
}

/**
 * Called by the driver after the host removed view `index`: the model that initialize got (it outlives views)
 * is changed locally, and the removed view's listener must stay silent while a fresh listener hears it.
 */
A.afterRemoval = async (index) => {
  const view = A.views[index];
  if (!view) return { error: `no view ${index}` };
  await sleep(300); // cleanups may run asynchronously after removal
  const result = (ok, reason) => (ok ? { status: "pass" } : { status: "fail", reason });
  A.results.render_cleanup_on_removal = result(view.cleanup, "render's cleanup did not run");
  A.results.signal_aborted_on_removal = view.hasSignal
    ? result(view.aborted, "render's signal was not aborted")
    : result(false, "render got no signal");
  const model = A.initModel;
  const before = view.calls;
  let heard = 0;
  const sentinel = () => (heard += 1);
  try {
    model.on("change:echo", sentinel);
    model.set("echo", `after-${Math.random().toString(36).slice(2, 8)}`);
    await sleep(300);
    model.off("change:echo", sentinel);
    A.results.listeners_dropped_on_removal =
      heard === 0
        ? { status: "n/a", reason: "the model fires no change events once its view is gone (it went with the view)" }
        : result(view.calls === before, `a removed view's change listener still fired (${view.calls - before}x)`);
  } catch (e) {
    A.results.listeners_dropped_on_removal = { status: "n/a", reason: `the model cannot be changed: ${errText(e)}` };
  }
  return A.results;
};

/**
 * Called by the driver after it changed the widget's `_esm` in Python (hot reload) and a new render ran: the
 * first module's initialize and view signals must have been aborted and its cleanups run.
 */
A.afterReload = async () => {
  await sleep(300);
  const [gen] = A.gens;
  const [view] = A.views;
  const problems = [];
  if (A.gens.length < 2) problems.push("initialize did not run again");
  if (!gen?.hasSignal) problems.push("initialize got no signal");
  else if (!gen.aborted) problems.push("initialize's signal was not aborted");
  if (!view?.hasSignal) problems.push("render got no signal");
  else if (!view.aborted) problems.push("render's signal was not aborted");
  if (!gen?.cleanup) problems.push("initialize's cleanup did not run");
  if (!view?.cleanup) problems.push("render's cleanup did not run");
  A.results.signal_aborted_on_hot_reload = problems.length
    ? { status: "fail", reason: problems.join("; ") }
    : { status: "pass" };
  return A.results;
};

export default { initialize, render };
