// The kernel side of the AFM widget protocol (SPEC §1-§7): widgets, the front ends showing them, and what each
// front-end message and Python-side action does. I/O-free: messages leave through `this.out`.
import { Refused, check, checkConstraints, checkJson, hasWidgets, parseType } from "./types.mjs";
import { encodeState, fromBase64, fromNotation, insertBuffers, same, toBase64, toNotation, tooDeep } from "./wire.mjs";

const LIMITS = { buffers: 1024, depth: 64, keys: 10000, pending: 1000 };
const KNOWN_METHODS = new Set(["open", "update", "echo_update", "request_state", "custom", "close", "error"]);
const MEMBERS = {
  update: ["method", "state", "buffer_paths"],
  request_state: ["method"],
  custom: ["method", "content"],
  close: ["method"],
};
const SEVERITY = ["private_field", "unknown_field", "invalid_value"];
const MODULE_VERSION = "~0.11.*";
const CONTROL_MAJOR = "1"; // the control comm's protocol, as ipywidgets 8 speaks it
const isObject = (v) => v !== null && typeof v === "object" && !Array.isArray(v);
const isRequest = (c) =>
  isObject(c) && c.kind === "anywidget-command" && typeof c.id === "string" && typeof c.name === "string";
const name = (text) => JSON.stringify(text); // escaped: a refused name never travels verbatim (SPEC §6.1)

export class Kernel {
  constructor(breaks = new Set()) {
    this.breaks = breaks; // rules deliberately broken, to show the vectors catch it (see kernel.mjs)
    this.reset({});
  }

  reset(specs) {
    this.widgets = new Map();
    this.controls = new Map(); // front end -> true while its control comm (SPEC §8.1.1) is open
    this.out = [];
    this.received = [];
    this.changes = [];
    for (const [widgetName, spec] of Object.entries(specs)) {
      this.widgets.set(widgetName, this.build(widgetName, spec));
    }
  }

  build(widgetName, spec) {
    const fields = new Map();
    for (const [field, fieldSpec] of Object.entries(spec.fields ?? {})) {
      const type = parseType(fieldSpec.type);
      fields.set(field, { type, echo: fieldSpec.echo ?? true, constraints: fieldSpec.constraints ?? {} });
    }
    const widget = {
      name: widgetName,
      modelId: crypto.randomUUID().replaceAll("-", ""),
      fields,
      assets: { _esm: spec.esm ?? "export default {}", ...(spec.css === undefined ? {} : { _css: spec.css }) },
      values: {},
      links: new Map(), // front end -> true while its transport for this model is open
      pending: [], // custom messages sent before any front end showed the model
      commands: spec.commands ?? {}, // name -> {"echo": true} or {"fails": reason} (SPEC §9)
    };
    for (const [field, fieldSpec] of Object.entries(spec.fields ?? {})) {
      const raw = spec.init && Object.hasOwn(spec.init, field) ? spec.init[field] : fieldSpec.default;
      widget.values[field] = this.checkField(widget, field, fromNotation(raw ?? null, this.widgets));
    }
    return widget;
  }

  checkField(widget, field, value, resolve) {
    const spec = widget.fields.get(field);
    const checked = check(spec.type, value, field, resolve);
    checkConstraints(spec.constraints, checked, field);
    return checked;
  }

  // ------------------------------------------------------------------ sending

  send(frontend, widget, data, buffers = []) {
    this.out.push({ frontend, model_id: widget.modelId, data, buffers: buffers.map(toBase64) });
  }

  openLinks(widget) {
    return [...widget.links].filter(([, open]) => open).map(([frontend]) => frontend);
  }

  protocolState(widget) {
    return {
      _model_module: "anywidget",
      _model_name: "AnyModel",
      _model_module_version: MODULE_VERSION,
      _view_module: "anywidget",
      _view_name: "AnyView",
      _view_module_version: MODULE_VERSION,
      _view_count: null,
      _anywidget_id: `reference.${widget.name}`,
      ...widget.assets,
    };
  }

  // A model opens on a front end after the children it references (SPEC §3.2), then gets its kept customs.
  show(frontend, widget) {
    if (widget.links.get(frontend)) return;
    for (const child of this.children(widget, widget.values)) this.show(frontend, child);
    const { state, buffer_paths, buffers } = encodeState({ ...this.protocolState(widget), ...widget.values });
    this.send(frontend, widget, { method: "open", state, buffer_paths }, buffers);
    widget.links.set(frontend, true);
    for (const [content, kept] of widget.pending) this.send(frontend, widget, { method: "custom", content }, kept);
    widget.pending = [];
  }

  children(widget, values) {
    const found = [];
    const collect = (value) => {
      if (value !== null && typeof value === "object" && typeof value.modelId === "string") found.push(value);
      else if (Array.isArray(value)) value.forEach(collect);
      else if (isObject(value) && !(value instanceof Uint8Array)) Object.values(value).forEach(collect);
    };
    for (const [field, value] of Object.entries(values)) {
      const spec = widget.fields.get(field); // absent only for an unchecked write (a broken rule)
      if (spec && hasWidgets(spec.type)) collect(value);
    }
    return found;
  }

  // Fields to every front end of the model (an `update`, or an `echo_update` of a front end's write).
  broadcast(widget, values, method = "update", targets = this.openLinks(widget)) {
    if (!targets.length || !Object.keys(values).length) return;
    for (const frontend of targets) for (const child of this.children(widget, values)) this.show(frontend, child);
    const { state, buffer_paths, buffers } = encodeState(values);
    for (const frontend of targets) this.send(frontend, widget, { method, state, buffer_paths }, buffers);
  }

  assign(widget, values) {
    const changed = [];
    for (const [field, value] of Object.entries(values)) {
      const old = widget.values[field];
      if (same(old, value)) continue;
      widget.values[field] = value;
      changed.push(field);
      this.changes.push({ widget: widget.name, name: field, old: toNotation(old), new: toNotation(value) });
    }
    return changed;
  }

  // ------------------------------------------------------------------ front-end messages (SPEC §6)

  receive(frontend, widget, data, buffers) {
    if (!widget.links.get(frontend)) return; // its transport is closed: nothing arrives, nothing answers
    try {
      this.handle(frontend, widget, data, buffers.map(fromBase64));
    } catch (error) {
      if (!(error instanceof Refused)) throw error;
      const method = isObject(data) && KNOWN_METHODS.has(data.method) ? data.method : null;
      this.send(frontend, widget, { method: "error", code: error.code, message: error.message, rejected: method });
    }
  }

  handle(frontend, widget, data, buffers) {
    if (!isObject(data)) throw new Refused("malformed", "a message must be a JSON object");
    if (buffers.length > LIMITS.buffers) throw new Refused("too_large", `more than ${LIMITS.buffers} buffers`);
    const method = data.method;
    if (typeof method !== "string" || !Object.hasOwn(MEMBERS, method)) {
      throw new Refused("unknown_method", `a front end may not send ${name(String(method))} messages`);
    }
    const extra = Object.keys(data).filter((key) => !MEMBERS[method].includes(key));
    if (extra.length) throw new Refused("malformed", `unknown member(s) ${extra.map(name).join(", ")}`);
    if (method === "update") this.update(frontend, widget, data, buffers);
    else if (method === "custom") {
      const content = data.content ?? null;
      if (tooDeep(content, LIMITS.depth)) throw new Refused("too_large", `nested deeper than ${LIMITS.depth} levels`);
      checkJson(content, "content");
      const request = Object.keys(widget.commands).length > 0 && isRequest(content);
      if (request) this.invoke(widget, content, buffers);
      if (!request || this.breaks.has("commands-reach-handlers")) {
        this.received.push({ widget: widget.name, content, buffers: buffers.map(toBase64) });
      }
    } else if (method === "request_state") {
      const { state, buffer_paths, buffers: out } = encodeState({ ...this.protocolState(widget), ...widget.values });
      this.send(frontend, widget, { method: "update", state, buffer_paths }, out);
    } else widget.links.set(frontend, false);
  }

  update(frontend, widget, data, buffers) {
    const { state } = data;
    const paths = data.buffer_paths ?? [];
    if (!isObject(state)) throw new Refused("malformed", "state must be an object");
    const goodPath = (p) =>
      Array.isArray(p) && p.length > 0 && p.every((k) => typeof k === "string" || Number.isInteger(k));
    if (!Array.isArray(paths) || !paths.every(goodPath)) {
      throw new Refused("malformed", "buffer_paths must be a list of non-empty paths of keys and indexes");
    }
    if (Object.keys(state).length > LIMITS.keys) throw new Refused("too_large", `more than ${LIMITS.keys} fields`);
    if (tooDeep(state, LIMITS.depth)) throw new Refused("too_large", `nested deeper than ${LIMITS.depth} levels`);
    insertBuffers(state, paths, buffers, { check: !this.breaks.has("no-buffer-path-check") });
    if (this.breaks.has("echo-before-validate")) this.broadcast(widget, this.echoed(widget, state), "echo_update");
    const values = this.decode(frontend, widget, state);
    this.assign(widget, values);
    if (this.breaks.has("echo-before-validate")) return;
    const targets = this.breaks.has("echo-to-writer-only") ? [frontend] : this.openLinks(widget);
    this.broadcast(widget, this.echoed(widget, values), "echo_update", targets);
  }

  echoed(widget, values) {
    return Object.fromEntries(Object.entries(values).filter(([field]) => widget.fields.get(field)?.echo ?? true));
  }

  // Every field checked; all problems listed, the most serious class named (SPEC §6).
  decode(frontend, widget, state) {
    const values = {};
    const problems = [];
    const codes = new Set();
    const resolve = (ref, where) => this.resolve(frontend, ref, where);
    for (const [field, raw] of Object.entries(state)) {
      if (widget.fields.has(field) && !field.startsWith("_")) {
        try {
          values[field] = this.checkField(widget, field, raw, resolve);
        } catch (error) {
          if (!(error instanceof Refused)) throw error;
          problems.push(error.message);
          codes.add(error.code);
        }
      } else if (field.startsWith("_")) {
        problems.push(`${name(field)} is private: a front end may not write it`);
        codes.add("private_field");
      } else {
        problems.push(`${name(field)} is not a field of this widget`);
        codes.add("unknown_field");
      }
    }
    if (!problems.length) return values;
    if (this.breaks.has("no-all-or-nothing")) {
      this.assign(widget, values);
      this.broadcast(widget, this.echoed(widget, values), "echo_update");
    }
    throw new Refused(SEVERITY.find((c) => codes.has(c)), `rejected update: ${problems.join("; ")}`);
  }

  // A child reference names a model shown to this front end (SPEC §3.2).
  resolve(frontend, ref, where) {
    const match = /^(?:anywidget:|IPY_MODEL_)(.+)$/s.exec(ref); // either form (SPEC §3.2)
    const anyFrontend = this.breaks.has("no-ref-check");
    for (const widget of this.widgets.values()) {
      if (match && widget.modelId === match[1] && (anyFrontend || widget.links.get(frontend))) return widget;
    }
    throw new Refused("invalid_value", `${where}: not a reference to a model shown to this front end`);
  }

  stateOf(widget) {
    return toNotation(widget.values);
  }

  // experimental.invoke (SPEC §2.1): answered with the request's id, to every front end of the model, as
  // Python's widget.send would; a failing or unknown command is answered with `error` at once.
  invoke(widget, request, buffers) {
    const command = Object.hasOwn(widget.commands, request.name) ? widget.commands[request.name] : undefined;
    const answer = { id: request.id, kind: "anywidget-command-response" };
    let out = [];
    if (command === undefined) Object.assign(answer, { response: null, error: `no command ${name(request.name)}` });
    else if ("fails" in command) Object.assign(answer, { response: null, error: `command failed: ${command.fails}` });
    else [answer.response, out] = [request.msg ?? null, buffers];
    if ("error" in answer && this.breaks.has("silent-command-errors")) return;
    for (const frontend of this.openLinks(widget)) {
      this.send(frontend, widget, { method: "custom", content: answer }, out);
    }
  }

  // ------------------------------------------------------------------ the control comm (SPEC §8.1.1)

  sendControl(frontend, data, buffers = []) {
    this.out.push({ frontend, control: true, data, buffers: buffers.map(toBase64) });
  }

  // A front end opens its control comm: major version 1 is spoken; any other is closed at once, unanswered.
  controlOpen(frontend, version) {
    const speaks = String(version ?? "").split(".")[0] === CONTROL_MAJOR || this.breaks.has("control-any-version");
    this.controls.set(frontend, speaks);
    if (!speaks) this.sendControl(frontend, { method: "close" });
  }

  // request_states gets one update_states with every model open on this front end's transport; anything else,
  // or anything on a closed control comm, is ignored.
  controlReceive(frontend, data) {
    if (!this.controls.get(frontend) || !isObject(data)) return;
    if (data.method !== "request_states" && !this.breaks.has("control-answers-any-method")) return;
    const states = {};
    const paths = [];
    const buffers = [];
    for (const widget of this.widgets.values()) {
      const shown = this.breaks.has("control-lists-closed") ? widget.links.has(frontend) || widget.closed : false;
      if (!widget.links.get(frontend) && !shown) continue;
      const full = encodeState({ ...this.protocolState(widget), ...widget.values });
      const { _model_name, _model_module, _model_module_version } = full.state;
      states[widget.modelId] = {
        model_name: _model_name,
        model_module: _model_module,
        model_module_version: _model_module_version,
        state: full.state,
      };
      const prefix = this.breaks.has("control-paths-in-state") ? [] : [widget.modelId, "state"];
      paths.push(...full.buffer_paths.map((path) => [...prefix, ...path]));
      buffers.push(...full.buffers);
    }
    this.sendControl(frontend, { method: "update_states", states, buffer_paths: paths }, buffers);
  }

  // ------------------------------------------------------------------ Python-side actions

  python(widget, request) {
    try {
      this.act(widget, request);
    } catch (error) {
      if (!(error instanceof Refused)) throw error;
      return { raised: "ValidationError", message: error.message };
    }
    return { raised: null };
  }

  checked(widget, field, raw) {
    if (!widget.fields.has(field)) throw new Refused("invalid_value", `no field ${name(field)}`);
    return this.checkField(widget, field, fromNotation(raw, this.widgets));
  }

  setValues(widget, values) {
    const changed = this.assign(widget, values);
    this.broadcast(widget, Object.fromEntries(changed.map((f) => [f, widget.values[f]])));
  }

  act(widget, request) {
    const { action } = request;
    if (action === "assign") {
      this.setValues(widget, { [request.field]: this.checked(widget, request.field, request.value) });
    } else if (action === "set") {
      const values = {};
      for (const [field, raw] of Object.entries(request.values)) {
        try {
          values[field] = this.checked(widget, field, raw); // all checked before any is kept
        } catch (error) {
          if (this.breaks.has("no-all-or-nothing")) this.setValues(widget, values);
          throw error;
        }
      }
      this.setValues(widget, values);
    } else if (action === "hold_sync") {
      const held = new Set();
      try {
        for (const [field, raw] of request.assign) {
          for (const changed of this.assign(widget, { [field]: this.checked(widget, field, raw) })) held.add(changed);
        }
      } finally {
        // as a Python `with` block: what was set before a refused assignment still goes out, once
        this.broadcast(widget, Object.fromEntries([...held].map((f) => [f, widget.values[f]])));
      }
    } else if (action === "send") {
      const content = checkJson(fromNotation(request.content ?? null, this.widgets), "content");
      const buffers = (request.buffers ?? []).map(fromBase64);
      const targets = this.openLinks(widget);
      for (const frontend of targets) this.send(frontend, widget, { method: "custom", content }, buffers);
      if (!targets.length && !widget.closed) {
        widget.pending = [...widget.pending, [content, buffers]].slice(-LIMITS.pending); // the last 1000 (§7)
      }
    } else if (action === "close") {
      for (const frontend of this.openLinks(widget)) this.send(frontend, widget, { method: "close" });
      widget.links.clear();
      widget.closed = true;
    } else throw new Error(`unknown python action ${action}`);
  }
}
