#!/usr/bin/env node
// Reference kernel side for `anywidget-core conformance --exec "node kernel.mjs"` (SPEC §9.1): reads one JSON
// request per line on stdin, answers each with exactly one JSON line on stdout. Node 20, no dependencies.
//
// `--break RULE` (repeatable, or ANYWIDGET_REFERENCE_BREAK=RULE,RULE) breaks one rule on purpose, so a test can
// show that the vectors notice: see BREAKS.
import { createInterface } from "node:readline";
import { Kernel } from "./model.mjs";

export const BREAKS = {
  "echo-before-validate": "echo a front end's update before checking its fields (ipywidgets 8 does)",
  "no-buffer-path-check": "put buffers where their paths resolve, ignoring count and unresolved paths",
  "no-all-or-nothing": "keep the valid fields of a rejected update or Python set",
  "echo-to-writer-only": "send echo_update to the writing front end only",
  "no-ref-check": "accept a child reference to any live model, shown to that front end or not",
  "commands-reach-handlers": "hand command requests to the custom handlers as well (anywidget 0.11 does)",
  "silent-command-errors": "answer nothing for a failing or unknown command (anywidget 0.11's kernel side)",
  "control-any-version": "answer a control comm of any major version instead of closing it",
  "control-answers-any-method": "answer update_states to any method on the control comm",
  "control-lists-closed": "list models closed from Python or by the front end in update_states",
  "control-paths-in-state": "write update_states buffer paths into each state, without [model id, \"state\"]",
};

function breaksFrom(argv, env) {
  const named = (env.ANYWIDGET_REFERENCE_BREAK ?? "").split(",").filter(Boolean);
  argv.forEach((arg, i) => {
    if (arg === "--break") named.push(argv[i + 1]);
  });
  for (const rule of named) {
    if (!Object.hasOwn(BREAKS, rule)) {
      process.stderr.write(`unknown rule ${rule}; known: ${Object.keys(BREAKS).join(", ")}\n`);
      process.exit(2);
    }
  }
  return new Set(named);
}

function answer(kernel, request) {
  const widget = (key) => {
    const found = kernel.widgets.get(request[key]);
    if (!found) throw new Error(`no widget ${JSON.stringify(request[key])}`);
    return found;
  };
  switch (request.op) {
    case "hello":
      return { name: "anywidget-core reference (JavaScript)", version: 1, drops: [], unsupported: [] };
    case "reset":
      kernel.reset(request.widgets);
      return { model_ids: Object.fromEntries([...kernel.widgets].map(([n, w]) => [n, w.modelId])) };
    case "show":
      kernel.show(request.frontend, widget("widget"));
      return {};
    case "receive":
      kernel.receive(request.frontend, widget("widget"), request.data, request.buffers ?? []);
      return {};
    case "frontend_close": // the front end closes its transport: a close message from it
      kernel.receive(request.frontend, widget("widget"), { method: "close" }, []);
      return {};
    case "python":
      return kernel.python(widget("widget"), request);
    case "state":
      return { state: kernel.stateOf(widget("widget")) };
    case "control_open":
      kernel.controlOpen(request.frontend, request.version);
      return {};
    case "control":
      kernel.controlReceive(request.frontend, request.data);
      return {};
  }
  throw new Error(`unknown op ${JSON.stringify(request.op)}`);
}

function main() {
  const kernel = new Kernel(breaksFrom(process.argv.slice(2), process.env));
  const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
  lines.on("line", (line) => {
    let reply;
    try {
      reply = answer(kernel, JSON.parse(line));
    } catch (error) {
      reply = { fail: String(error?.stack ?? error) }; // a bug of ours, reported on its line: never a hang
    }
    const { out, received, changes } = kernel;
    kernel.out = [];
    kernel.received = [];
    kernel.changes = [];
    process.stdout.write(`${JSON.stringify({ ...reply, out, received, changes })}\n`);
  });
}

main();
