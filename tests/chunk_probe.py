"""A widget and page-side helpers for chunked transfers (SPEC §8.6), shared by the standalone and Panel tests:
both hosts run runtime.js, so the same page code drives both directions and checks bytes by SHA-256."""

from __future__ import annotations

import hashlib
import time
from typing import Any

import anywidget_core as awc
from anywidget_core.chunks import Progress

BLOB_ESM = """
export default {
  render({ model, el }) {
    // The test reaches the model and what it saw through this registry (Panel views live in shadow roots).
    const seen = { model, progress: [], custom: [] };
    (globalThis.chunkModels ??= {})[model.model_id] = seen;
    model.on("progress", (p) => seen.progress.push({ ...p, at: Date.now() })); // at: wall-clock ms
    model.on("msg:custom", (content, buffers) => seen.custom.push({ content, buffers }));
    const out = document.createElement("span");
    out.className = "blob-ready";
    out.textContent = "ready";
    el.append(out);
  },
};
"""

# Page helpers, defined once per evaluate: random bytes (getRandomValues takes 64 KiB at most) and their SHA-256.
_JS_HELPERS = """
const randomBytes = (n) => {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i += 65536) crypto.getRandomValues(out.subarray(i, Math.min(n, i + 65536)));
  return out;
};
const sha = async (b) => {
  const bytes = ArrayBuffer.isView(b) ? new Uint8Array(b.buffer, b.byteOffset, b.byteLength) : new Uint8Array(b);
  const digest = await crypto.subtle.digest("SHA-256", bytes);
  return Array.from(new Uint8Array(digest), (x) => x.toString(16).padStart(2, "0")).join("");
};
"""


class Blob(awc.Widget):
    """One binary field and a label; records the custom messages it gets and its progress reports."""

    _esm = BLOB_ESM
    data: bytes = b""
    label: str = ""

    def __init__(self, **values: Any) -> None:
        super().__init__(**values)
        self.received: list[tuple[Any, list[str]]] = []  # (content, SHA-256 of each buffer)
        self.progress: list[Progress] = []
        self.on_msg(lambda w, content, buffers: self.received.append((content, [sha(b) for b in buffers])))
        self.on_progress(lambda w, p: self.progress.append(p))


def sha(data: Any) -> str:
    return hashlib.sha256(data).hexdigest()


def wait_until(check: Any, timeout: float = 20) -> Any:
    deadline = time.monotonic() + timeout
    while not (value := check()):
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        time.sleep(0.02)
    return value


def page_ready(page: Any, model_id: str) -> None:
    page.wait_for_function("(id) => !!globalThis.chunkModels?.[id]", arg=model_id, timeout=20_000)


def page_sets_field(page: Any, model_id: str, nbytes: int, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """The page sets ``data`` to ``nbytes`` random bytes (and ``extra`` fields) and saves; returns the bytes'
    SHA-256 and the send progress the page saw."""
    script = f"""async ([id, n, extra]) => {{
      {_JS_HELPERS}
      const seen = globalThis.chunkModels[id];
      seen.progress.length = 0;
      const bytes = randomBytes(n);
      seen.model.set({{ data: new DataView(bytes.buffer), ...extra }});
      seen.model.save_changes();
      return {{ sha: await sha(bytes), progress: [...seen.progress] }};
    }}"""
    return page.evaluate(script, [model_id, nbytes, extra or {}])  # type: ignore[no-any-return]


def page_sends_buffers(page: Any, model_id: str, sizes: list[int]) -> dict[str, Any]:
    """The page sends a custom message with buffers of ``sizes``; returns their SHA-256s and its progress."""
    script = f"""async ([id, sizes]) => {{
      {_JS_HELPERS}
      const seen = globalThis.chunkModels[id];
      seen.progress.length = 0;
      const buffers = sizes.map(randomBytes);
      seen.model.send({{ kind: "up" }}, undefined, buffers);
      return {{ shas: await Promise.all(buffers.map(sha)), progress: [...seen.progress] }};
    }}"""
    return page.evaluate(script, [model_id, sizes])  # type: ignore[no-any-return]


def page_field_sha(page: Any, model_id: str, nbytes: int) -> str:
    """Wait until the page's ``data`` has ``nbytes`` bytes; its SHA-256."""
    page.wait_for_function(
        "([id, n]) => globalThis.chunkModels[id].model.get('data')?.byteLength === n",
        arg=[model_id, nbytes],
        timeout=30_000,
    )
    script = f"""async (id) => {{ {_JS_HELPERS} return sha(globalThis.chunkModels[id].model.get("data")); }}"""
    return page.evaluate(script, model_id)  # type: ignore[no-any-return]


def page_custom_shas(page: Any, model_id: str, count: int) -> list[Any]:
    """Wait for ``count`` custom messages on the page; each one's content and buffers' SHA-256s."""
    page.wait_for_function(
        "([id, n]) => globalThis.chunkModels[id].custom.length >= n", arg=[model_id, count], timeout=30_000
    )
    script = f"""async (id) => {{
      {_JS_HELPERS}
      const custom = globalThis.chunkModels[id].custom;
      return Promise.all(custom.map(async (c) => [c.content, await Promise.all(c.buffers.map(sha))]));
    }}"""
    return page.evaluate(script, model_id)  # type: ignore[no-any-return]


def page_progress(page: Any, model_id: str, clear: bool = False) -> list[dict[str, Any]]:
    script = """([id, clear]) => {
      const p = globalThis.chunkModels[id].progress;
      const out = [...p];
      if (clear) p.length = 0;
      return out;
    }"""
    return page.evaluate(script, [model_id, clear])  # type: ignore[no-any-return]


def check_progress(reports: list[Any], direction: str, total: int) -> None:
    """The reports of one transfer in ``direction`` (dicts from the page, or Progress from Python; an update's
    echo moves the other way too): loaded never going back, ending at ``total``, in more than two steps."""
    rows = [
        (r["direction"], r["loaded"], r["total"]) if isinstance(r, dict) else (r.direction, r.loaded, r.total)
        for r in reports
    ]
    rows = [row for row in rows if row[0] == direction and row[2] == total]
    assert rows, f"no {direction} progress of {total} bytes reported"
    loaded = [x for _, x, _ in rows]
    assert loaded == sorted(loaded) and loaded[-1] == total and len(loaded) > 2


def page_sent(page: Any, model_id: str, total: int) -> list[dict[str, Any]]:
    """Wait until the page reports sending all ``total`` bytes (a paced send ends after the call returns); the
    page's progress reports so far."""
    page.wait_for_function(
        """([id, n]) => globalThis.chunkModels[id].progress.some(
             (p) => p.direction === "send" && p.total === n && p.loaded === n)""",
        arg=[model_id, total],
        timeout=30_000,
    )
    return page_progress(page, model_id)
