// Field types of SPEC §9 (the vectors' language-neutral grammar) and the value checks of SPEC §6.1.
//
// Values inside the kernel: JSON values, Uint8Array for binary, Widget objects for child references.

export class Refused extends Error {
  // A value or message the kernel side refuses; `code` is the SPEC §6 error code.
  constructor(code, message) {
    super(message);
    this.code = code;
  }
}

const SIMPLE = new Set(["int", "float", "str", "bool", "bytes", "any", "widget"]);

export function parseType(spec) {
  if (spec !== null && typeof spec === "object") {
    if (Object.keys(spec).length !== 1 || typeof spec.struct !== "object") {
      throw new Error(`a field type is a string or {"struct": ...}: ${JSON.stringify(spec)}`);
    }
    const members = {};
    for (const [name, member] of Object.entries(spec.struct)) members[name] = parseType(member);
    return { kind: "struct", members };
  }
  const tokens = String(spec).match(/[A-Za-z_][A-Za-z0-9_-]*|\[|\]|,/g) ?? [];
  const [type, rest] = parseTokens(tokens);
  if (rest.length) throw new Error(`unexpected ${rest.join(" ")} in type ${spec}`);
  return type;
}

function parseTokens(tokens) {
  const [head, ...rest] = tokens;
  if (SIMPLE.has(head)) return [{ kind: head }, rest];
  if (rest[0] !== "[") throw new Error(`unknown type ${head}`);
  let tail = rest.slice(1);
  const args = [];
  for (;;) {
    let arg;
    if (head === "enum") [arg, tail] = [tail[0], tail.slice(1)];
    else [arg, tail] = parseTokens(tail);
    args.push(arg);
    const sep = tail[0];
    tail = tail.slice(1);
    if (sep === "]") break;
    if (sep !== ",") throw new Error(`bad type ${head}[...]`);
  }
  if (head === "enum") return [{ kind: "enum", names: args }, tail];
  if (head === "tuple") return [{ kind: "tuple", items: args }, tail];
  if (["list", "dict", "optional"].includes(head) && args.length === 1) return [{ kind: head, item: args[0] }, tail];
  throw new Error(`bad type ${head}[...] with ${args.length} argument(s)`);
}

export function hasWidgets(type) {
  if (type.kind === "widget") return true;
  if (type.kind === "struct") return Object.values(type.members).some(hasWidgets);
  if (type.kind === "tuple") return type.items.some(hasWidgets);
  return type.item !== undefined && hasWidgets(type.item);
}

const isObject = (v) => v !== null && typeof v === "object" && !Array.isArray(v) && !(v instanceof Uint8Array);

function fail(where, message) {
  throw new Refused("invalid_value", `${where}: ${message}`);
}

// A string JSON can carry to a JavaScript front end and on as UTF-8: no lone surrogate (SPEC §6.1, 1).
export function checkText(text, where) {
  if (!text.isWellFormed()) fail(where, "a string holds a lone UTF-16 surrogate");
}

// An integer a JavaScript number holds exactly (SPEC §6.1, 3). JSON.parse cannot tell 2**60 from 2.0**60, so a
// number that is an integer beyond the safe range is refused wherever an integer may be meant.
function checkNumber(value, where) {
  if (!Number.isFinite(value)) fail(where, "NaN and infinities are not JSON");
  if (Number.isInteger(value) && !Number.isSafeInteger(value)) fail(where, `${value} is beyond ±(2**53 - 1)`);
}

// Any JSON value (and binary): every string and key well-formed, every integer safe.
export function checkJson(value, where) {
  if (typeof value === "string") checkText(value, where);
  else if (typeof value === "number") checkNumber(value, where);
  else if (Array.isArray(value)) value.forEach((v, i) => checkJson(v, `${where}[${i}]`));
  else if (value instanceof Uint8Array || value === null || typeof value === "boolean") return value;
  else if (isObject(value)) {
    for (const [k, v] of Object.entries(value)) {
      checkText(k, where);
      checkJson(v, `${where}.${k}`);
    }
  } else fail(where, `not a JSON value: ${typeof value}`);
  return value;
}

// `value` checked against `type`; returns the value as stored. `resolve(ref)` turns a wire reference string
// into a Widget (or refuses it); Python-side values carry Widget objects already.
export function check(type, value, where, resolve) {
  switch (type.kind) {
    case "int":
      if (typeof value !== "number" || !Number.isInteger(value)) fail(where, "expected an integer");
      checkNumber(value, where);
      return value;
    case "float":
      if (typeof value !== "number" || !Number.isFinite(value)) fail(where, "expected a number");
      return value;
    case "str":
      if (typeof value !== "string") fail(where, "expected a string");
      checkText(value, where);
      return value;
    case "bool":
      if (typeof value !== "boolean") fail(where, "expected true or false");
      return value;
    case "bytes":
      if (!(value instanceof Uint8Array)) fail(where, "expected binary (a buffer at its path)");
      return value;
    case "any":
      return checkJson(value, where);
    case "widget":
      if (typeof value === "string" && resolve) return resolve(value, where);
      if (value === null || typeof value !== "object" || value.modelId === undefined) fail(where, "expected a widget");
      return value;
    case "optional":
      return value === null ? null : check(type.item, value, where, resolve);
    case "list":
      if (!Array.isArray(value)) fail(where, "expected a list");
      return value.map((v, i) => check(type.item, v, `${where}[${i}]`, resolve));
    case "tuple":
      if (!Array.isArray(value) || value.length !== type.items.length) {
        fail(where, `expected a list of ${type.items.length}`);
      }
      return value.map((v, i) => check(type.items[i], v, `${where}[${i}]`, resolve));
    case "dict": {
      if (!isObject(value)) fail(where, "expected an object");
      const out = {};
      for (const [k, v] of Object.entries(value)) {
        checkText(k, where);
        out[k] = check(type.item, v, `${where}.${k}`, resolve);
      }
      return out;
    }
    case "enum":
      if (typeof value !== "string" || !type.names.includes(value)) fail(where, `expected one of ${type.names}`);
      return value;
    case "struct": {
      if (!isObject(value)) fail(where, "expected an object");
      const out = {};
      for (const [k, member] of Object.entries(type.members)) {
        if (!(k in value)) fail(where, `missing member ${k}`);
        out[k] = check(member, value[k], `${where}.${k}`, resolve);
      }
      return out;
    }
  }
  throw new Error(`unknown type kind ${type.kind}`);
}

// Constraints declared on a field (SPEC §9: JSON Schema's meanings).
export function checkConstraints(constraints, value, where) {
  const size = (v) => {
    if (typeof v === "string") return [...v].length; // characters (code points), as JSON Schema counts them
    if (v instanceof Uint8Array) return v.byteLength;
    return Array.isArray(v) ? v.length : Object.keys(v).length;
  };
  for (const [name, limit] of Object.entries(constraints ?? {})) {
    const ok = {
      ge: () => value >= limit,
      gt: () => value > limit,
      le: () => value <= limit,
      lt: () => value < limit,
      multiple_of: () => Number.isInteger(value / limit),
      min_length: () => size(value) >= limit,
      max_length: () => size(value) <= limit,
      pattern: () => new RegExp(limit, "u").test(value),
    }[name];
    if (!ok) throw new Error(`unknown constraint ${name}`);
    if (value !== null && !ok()) fail(where, `violates ${name} ${JSON.stringify(limit)}`);
  }
}
