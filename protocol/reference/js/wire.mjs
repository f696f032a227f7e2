// Values on the wire: buffer paths (SPEC §4), child references (§3.2), and the driver's JSON notation (§9.1).
import { Refused } from "./types.mjs";

export const toBase64 = (bytes) => Buffer.from(bytes).toString("base64");
export const fromBase64 = (text) => new Uint8Array(Buffer.from(text, "base64"));
const isWidget = (v) => v !== null && typeof v === "object" && typeof v.modelId === "string";

// Kernel values to wire JSON plus buffers: binary leaves leave the JSON (absent from a dict, null in a list).
export function encodeState(values) {
  const paths = [];
  const buffers = [];
  const walk = (value, path) => {
    if (value instanceof Uint8Array) {
      paths.push(path);
      buffers.push(value);
      return undefined;
    }
    if (isWidget(value)) return `anywidget:${value.modelId}`;
    if (Array.isArray(value)) return value.map((v, i) => walk(v, [...path, i]) ?? null);
    if (value !== null && typeof value === "object") {
      const out = {};
      for (const [k, v] of Object.entries(value)) {
        const encoded = walk(v, [...path, k]);
        if (encoded !== undefined) out[k] = encoded;
      }
      return out;
    }
    return value;
  };
  return { state: walk(values, []), buffer_paths: paths, buffers };
}

// Buffers put into a front end's state at their paths; every path is checked before anything is written.
export function insertBuffers(state, paths, buffers, { check = true } = {}) {
  if (check && paths.length !== buffers.length) {
    throw new Refused("bad_buffers", `${buffers.length} buffer(s) for ${paths.length} path(s)`);
  }
  const targets = [];
  for (const path of paths) {
    const target = resolve(state, path);
    if (target) targets.push(target);
    else if (check) throw new Refused("bad_buffers", `buffer path ${JSON.stringify(path)} does not resolve`);
    else targets.push(null);
  }
  targets.forEach((target, i) => {
    if (target && i < buffers.length) target[0][target[1]] = buffers[i];
  });
}

function resolve(state, path) {
  let node = state;
  for (const [depth, key] of path.entries()) {
    const last = depth === path.length - 1;
    if (node !== null && typeof node === "object" && !Array.isArray(node) && typeof key === "string") {
      if (last) return [node, key];
      if (!Object.hasOwn(node, key)) return null;
      node = node[key];
    } else if (Array.isArray(node) && Number.isInteger(key) && key >= 0 && key < node.length) {
      if (last) return [node, key];
      node = node[key];
    } else return null;
  }
  return null;
}

// Containers nested deeper than `limit` (SPEC §7), walked without recursion.
export function tooDeep(value, limit) {
  const stack = [[value, 0]];
  while (stack.length) {
    const [node, depth] = stack.pop();
    if (node === null || typeof node !== "object" || node instanceof Uint8Array) continue;
    if (depth >= limit) return true;
    for (const child of Array.isArray(node) ? node : Object.values(node)) stack.push([child, depth + 1]);
  }
  return false;
}

// The driver's notation (SPEC §9.1) to kernel values: {"$bytes": b64} is binary, {"$widget": name} a widget.
export function fromNotation(value, widgets) {
  if (Array.isArray(value)) return value.map((v) => fromNotation(v, widgets));
  if (value !== null && typeof value === "object") {
    const keys = Object.keys(value);
    if (keys.length === 1 && keys[0] === "$bytes") return fromBase64(value.$bytes);
    if (keys.length === 1 && keys[0] === "$widget") {
      const widget = widgets.get(value.$widget);
      if (!widget) throw new Error(`no widget ${value.$widget}`);
      return widget;
    }
    return Object.fromEntries(keys.map((k) => [k, fromNotation(value[k], widgets)]));
  }
  return value;
}

// Kernel values to the driver's notation: binary as {"$bytes": b64}, widgets as "anywidget:<model_id>".
export function toNotation(value) {
  if (value instanceof Uint8Array) return { $bytes: toBase64(value) };
  if (isWidget(value)) return `anywidget:${value.modelId}`;
  if (Array.isArray(value)) return value.map(toNotation);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toNotation(v)]));
  }
  return value;
}

// Equality for "did this assignment change the field": binary always counts as changed (SPEC leaves it to
// the implementation; anywidget-core compares binary values by identity).
export function same(a, b) {
  if (a instanceof Uint8Array || b instanceof Uint8Array) return false;
  if (isWidget(a) || isWidget(b)) return a === b;
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((v, i) => same(v, b[i]));
  if (a !== null && typeof a === "object") {
    if (b === null || typeof b !== "object" || Array.isArray(b)) return false;
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((k) => Object.hasOwn(b, k) && same(a[k], b[k]));
  }
  return a === b;
}
