// The standalone page: renders the widgets listed in #awc-widgets with the shared runtime, over one WebSocket.
// On every (re)connect the server opens each model again with its current state; the runtime treats a repeated
// open as a full state reset, so a tab that lost its connection catches up without reloading.
import { createRuntime, decodeFrame, encodeFrame } from "/static/runtime.js";

const MAX_RETRY_MS = 5000;
const MAX_ERRORS_SHOWN = 20;
const POLICY_VIOLATION = 1008; // the server refused our token

const widgets = JSON.parse(document.getElementById("awc-widgets").textContent);
// chunk_bytes: messages with larger buffers go in pieces both ways, under the server's frame limit (SPEC §8.6)
const config = JSON.parse(document.getElementById("awc-config")?.textContent ?? "{}");
const main = document.getElementById("awc-main");
const status = document.getElementById("awc-status");
const errors = document.getElementById("awc-errors");

let socket = null;
let retries = 0;
let wanted = true; // false after disconnect(): no automatic reconnect
let modulesReceived = 0; // module messages taken (tests check each module comes once per connection)

function setStatus(state, text) {
  status.dataset.state = state;
  status.textContent = text;
}

function showError(text) {
  const line = document.createElement("div");
  line.textContent = text;
  errors.append(line);
  while (errors.childElementCount > MAX_ERRORS_SHOWN) errors.firstElementChild.remove();
}

const WRITABLE_POLL_MS = 5; // how often a paced send looks at the socket's bufferedAmount

const runtime = createRuntime({
  chunkSize: config.chunk_bytes,
  // While disconnected, sends are dropped: the open on reconnect brings the page back to Python's state.
  send(modelId, data, buffers) {
    if (socket && socket.readyState === WebSocket.OPEN) socket.send(encodeFrame(modelId, data, buffers));
  },
  // Paced chunked sends (runtime.js header): WebSocket has no drain event, so poll bufferedAmount until at most
  // about one piece is still queued; the page then holds ~2 pieces in the socket, not a second copy of the message.
  writable() {
    const limit = config.chunk_bytes;
    return new Promise((resolve, reject) => {
      const check = () => {
        if (!socket || socket.readyState !== WebSocket.OPEN) reject(new Error("the connection closed mid-transfer"));
        else if (socket.bufferedAmount <= limit) resolve();
        else setTimeout(check, WRITABLE_POLL_MS);
      };
      check();
    });
  },
  onError({ modelId, code, message, source }) {
    showError(`${source} error (${code}) in ${modelId.slice(0, 8)}: ${message}`);
  },
});

function onMessage(event) {
  let parsed;
  try {
    parsed = typeof event.data === "string" ? JSON.parse(event.data) : decodeFrame(event.data);
  } catch (e) {
    showError(`undecodable frame from the server: ${e}`);
    return;
  }
  if (typeof event.data !== "string") take(parsed.modelId, parsed.data, parsed.buffers);
  else if (Array.isArray(parsed)) for (const one of parsed) take(one?.model_id, one?.data, []); // a batch, in order
  else take(parsed?.model_id, parsed?.data, []);
}

function take(modelId, data, buffers) {
  if (modelId === null) {
    // About the connection itself: widget code shared by its models, or an error for a frame no model could take.
    if (data && data.method === "module") {
      modulesReceived += 1;
      runtime.receive(null, data, []);
    } else if (data && data.method === "error") showError(`server: ${data.code}: ${data.message}`);
    return;
  }
  runtime.receive(modelId, data, buffers);
  // not "if data is an open": a large open arrives chunked, and the model exists once its last piece is in
  if (sections.has(modelId)) renderOnOpen(modelId);
}

function connect() {
  wanted = true;
  if (socket && socket.readyState <= WebSocket.OPEN) return;
  const url = new URL("ws", location.href);
  url.protocol = location.protocol === "https:" ? "wss:" : "ws:";
  url.searchParams.set("batch", "1"); // several small frames per WebSocket message (SPEC §8.3)
  const ws = new WebSocket(url);
  ws.binaryType = "arraybuffer";
  socket = ws;
  setStatus("connecting", "connecting…");
  ws.onopen = () => {
    retries = 0;
    setStatus("open", "connected");
  };
  ws.onmessage = onMessage;
  ws.onclose = (event) => {
    if (socket !== ws) return;
    if (!wanted) {
      setStatus("closed", "disconnected");
      return;
    }
    if (event.code === POLICY_VIOLATION) {
      // The token was refused (the server restarted with a new one): retrying cannot help.
      setStatus("closed", `refused: ${event.reason}; open the URL the server printed`);
      return;
    }
    const delay = Math.min(MAX_RETRY_MS, 250 * 2 ** retries++);
    const why = event.reason ? ` (${event.reason})` : "";
    setStatus("closed", `disconnected${why}, retrying in ${Math.round(delay / 100) / 10} s`);
    setTimeout(() => wanted && connect(), delay);
  };
}

function disconnect() {
  wanted = false;
  socket?.close();
}

// Each widget is rendered when its model first opens (not before, so a slow first connection cannot make the
// runtime's wait for the open time out); later opens (reconnects) reset its state in place.
const sections = new Map();
for (const { name, model_id } of widgets) {
  const section = document.createElement("section");
  section.className = "awc-widget";
  section.dataset.modelId = model_id;
  if (widgets.length > 1) {
    const heading = document.createElement("h2");
    heading.textContent = name;
    section.append(heading);
  }
  const el = document.createElement("div");
  section.append(el);
  main.append(section);
  sections.set(model_id, { name, el });
}

function renderOnOpen(modelId) {
  const section = sections.get(modelId);
  if (!section || !runtime.model(modelId)) return;
  sections.delete(modelId);
  runtime.render(modelId, section.el).catch((e) => showError(`${section.name}: ${e}`));
}

// For tests and debugging in the console.
globalThis.anywidgetCorePage = {
  runtime,
  connect,
  disconnect,
  get socket() {
    return socket;
  },
  get modulesReceived() {
    return modulesReceived;
  },
};
connect();
