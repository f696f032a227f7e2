"""Workload 11: 200 MB each way in real JupyterLab, for both libraries (``python -m benchmarks.lab_large``).

Both widgets live in one kernel and one Lab page (started by :func:`benchmarks.lab.jupyterlab`), rendered by
anywidget's front end. Four transfers per library, each timed inside the page:

- ``to_page/field``: the page asks (a small custom message); Python sets the binary field; the clock stops when
  ``change:data`` fires with the full length.
- ``to_page/custom``: the same, with ``widget.send(..., buffers=[payload])`` and ``msg:custom``.
- ``to_python/field``: the page sets the field to a DataView and calls ``save_changes()``; Python's observer
  answers with the length it got; the clock stops at that answer.
- ``to_python/custom``: the same with ``model.send(content, undefined, [bytes])``.

Each transfer is checked for exact bytes (SHA-256 on both sides, outside the clock). A failure is recorded as
precisely as the parts tell it: the WebSocket close code and reason the page saw (a patched ``WebSocket``), whether
the kernel process changed (a restart), and the server log's last relevant line. Peak memory: each process's
VmHWM is reset (``/proc/PID/clear_refs`` 5) before a transfer and read after it, for the kernel, the server and the
Chromium renderers (the page: its JS heap plus ArrayBuffers); the page's JS heap (CDP ``Runtime.getHeapUsage``) is
read right after. A third widget, ``core_noecho``, is anywidget-core's with ``field(echo=False)``: both libraries
echo a front end's update back to every front end, the sender included, so a 200 MB upload otherwise comes back
as 200 MB more. anywidget's field is ``traitlets.Any`` (its no-copy route: ``traitlets.Bytes`` refuses the
memoryview a front end's buffer arrives as).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import psutil

from .cdp import CdpPage
from .harness import Counts, Row
from .lab import jupyterlab

MiB = 1 << 20

MODULE = '''\
import hashlib

import anywidget
import traitlets

import anywidget_core as awc

ESM = """
export default {
  render({ model, el }) {
    const lib = model.get("lib");
    el.className = "big-" + lib;
    el.textContent = lib;
    (globalThis.__big ??= {})[lib] = model;
  },
};
"""


class CoreBig(awc.Widget):
    _esm = ESM
    lib: str = "core"
    data: bytes = b""


class CoreBigNoEcho(awc.Widget):
    """The same with the field's echo off: an upload is not sent back to the page that sent it."""

    _esm = ESM
    lib: str = "core_noecho"
    data: bytes = awc.field(default=b"", echo=False)


class AwBig(anywidget.AnyWidget):
    _esm = ESM
    lib = traitlets.Unicode("aw").tag(sync=True)
    data = traitlets.Any(b"").tag(sync=True)


PAYLOADS = {}


def payload(n):
    if n not in PAYLOADS:
        PAYLOADS.clear()
        PAYLOADS[n] = bytes(range(256)) * (n // 256) + bytes(n % 256)
    return PAYLOADS[n]


def _hex(buf):
    return hashlib.sha256(memoryview(buf).cast("B")).hexdigest()


def wire(w):
    def on_msg(_w, content, buffers):
        op = content.get("op")
        if op == "prepare":  # the payload is built before any clock starts
            payload(content["n"])
        elif op == "to_page":
            data = payload(content["n"])
            if content["kind"] == "field":
                w.data = b""
                w.data = data
            else:
                w.send({"op": "blob", "sha": _hex(data)}, buffers=[data])
        elif op == "sha":
            w.send({"op": "sha", "sha": _hex(payload(content["n"]) if content.get("of") == "payload" else data_of(w))})
        elif op == "blob":
            w._got = buffers[0]
            w.send({"op": "got", "n": memoryview(buffers[0]).nbytes})
            # only the latest arrival is kept: peak memory then reflects one transfer

    def on_data(new):
        if new is not None and memoryview(new).nbytes:
            w._got = new
            w.send({"op": "got", "n": memoryview(new).nbytes})

    w.on_msg(on_msg)
    if isinstance(w, awc.Widget):
        w.observe(lambda ch: on_data(ch.new), "data")
    else:
        w.observe(lambda ch: on_data(ch["new"]), names="data")


def data_of(w):
    return getattr(w, "_got", b"")


def widgets():
    made = CoreBig(), AwBig(), CoreBigNoEcho()
    for w in made:
        wire(w)
    return made
'''

CELL = "from big_bench import widgets\ndisplay(*widgets())"

# Records every kernel WebSocket's close (code, reason) before Lab's own code sees it.
WS_SPY = """
(() => {
  const Native = window.WebSocket;
  window.__wsCloses = [];
  window.WebSocket = class extends Native {
    constructor(...args) {
      super(...args);
      this.addEventListener("close", (e) => window.__wsCloses.push({url: String(args[0]).slice(-60), code: e.code,
        reason: e.reason, at: performance.now()}));
    }
  };
})();
"""

PAGE_JS = """
async ([lib, direction, kind, n, timeoutMs]) => {
  const model = globalThis.__big[lib];
  const hex = async (buf) => [...new Uint8Array(await crypto.subtle.digest("SHA-256", buf))]
      .map((b) => b.toString(16).padStart(2, "0")).join("");
  const closesBefore = window.__wsCloses.length;
  const waitMsg = (pred) => new Promise((resolve, reject) => {
    const stop = () => { clearTimeout(timer); clearInterval(closed); model.off("msg:custom", on); };
    const timer = setTimeout(() => { stop(); reject(new Error("timeout")); }, timeoutMs);
    // a closed kernel socket loses the message: fail now rather than at the timeout
    const closed = setInterval(() => {
      if (window.__wsCloses.length > closesBefore) { stop(); reject(new Error("kernel socket closed")); }
    }, 100);
    const on = (msg, buffers) => {
      if (!pred(msg, buffers)) return;
      stop(); resolve([msg, buffers]);
    };
    model.on("msg:custom", on);
  });
  const result = {};
  try {
    if (direction === "to_page") {
      let got;
      const t0 = performance.now();
      if (kind === "field") {
        got = new Promise((resolve, reject) => {
          const timer = setTimeout(() => { model.off("change:data", on); reject(new Error("timeout")); }, timeoutMs);
          const on = () => {
            const v = model.get("data");
            if (!v || v.byteLength !== n) return;
            clearTimeout(timer); model.off("change:data", on); resolve(v);
          };
          model.on("change:data", on);
        });
      } else {
        got = waitMsg((m) => m.op === "blob").then(([m, buffers]) => { result.pySha = m.sha; return buffers[0]; });
      }
      model.send({op: "to_page", kind, n});
      const v = await got;
      result.ms = performance.now() - t0;
      result.n = v.byteLength;
      const bytes = new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
      result.pageSha = await hex(bytes);
      if (!result.pySha) {  // a field carries no sha: ask Python for its payload's
        const shaP = waitMsg((m) => m.op === "sha");
        model.send({op: "sha", of: "payload", n});
        result.pySha = (await shaP)[0].sha;
      }
    } else {
      const bytes = new Uint8Array(n);
      for (let i = 0; i < n; i++) bytes[i] = (i * 7) & 255;
      result.pageSha = await hex(bytes);
      const ack = waitMsg((m) => m.op === "got");
      const t0 = performance.now();
      if (kind === "field") { model.set("data", new DataView(bytes.buffer)); model.save_changes(); }
      else model.send({op: "blob"}, undefined, [bytes]);
      const [m] = await ack;
      result.ms = performance.now() - t0;
      result.n = m.n;
      const shaP = waitMsg((m) => m.op === "sha");
      model.send({op: "sha"});
      result.pySha = (await shaP)[0].sha;
      if (kind === "field") { model.set("data", new DataView(new ArrayBuffer(0))); model.save_changes(); }
    }
  } catch (e) {
    result.error = String(e);
  }
  result.closes = window.__wsCloses.slice(closesBefore);
  return result;
}
"""


def _descendants() -> list[psutil.Process]:
    children: list[psutil.Process] = psutil.Process(os.getpid()).children(recursive=True)
    return children


def _role(proc: psutil.Process) -> str | None:
    try:
        cmd = " ".join(proc.cmdline())
    except psutil.Error:
        return None
    if "ipykernel" in cmd:
        return "kernel"
    if "-m jupyterlab" in cmd:
        return "server"
    if "--type=renderer" in cmd:
        return "page"
    return None


def _memory(field: str) -> dict[str, int]:
    """``field`` (VmHWM or VmRSS) per role, in bytes (renderers: the largest one, the Lab tab)."""
    out: dict[str, int] = {}
    for proc in _descendants():
        role = _role(proc)
        if not role:
            continue
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{proc.pid}/status").read_text().splitlines():
                if line.startswith(field + ":"):
                    out[role] = max(out.get(role, 0), int(line.split()[1]) * 1024)
    return out


def _reset_peaks() -> dict[str, int]:
    """Reset every process's peak RSS to its current RSS; returns those RSS (the baseline of the transfer)."""
    for proc in _descendants():
        if _role(proc):
            with contextlib.suppress(OSError):
                Path(f"/proc/{proc.pid}/clear_refs").write_text("5")
    return _memory("VmRSS")


def _kernel_pid() -> int | None:
    return next((p.pid for p in _descendants() if _role(p) == "kernel"), None)


def _server_log_tail(root: Path, since: int) -> list[str]:
    text = (root / "server.log").read_text(errors="replace")[since:]
    keys = ("too big", "1009", "max_message", "Traceback", "Error", "restart", "died", "closed")
    return [line.strip()[:200] for line in text.splitlines() if any(k in line for k in keys)][-5:]


def run_transfers(
    size: int,
    timeout_s: float,
    libs: tuple[str, ...] = ("core", "aw", "core_noecho"),
    large_messages: bool = False,
    repeat: int = 1,
) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="awc-bench-large-") as tmp:
        root = Path(tmp)
        (root / "big_bench.py").write_text(MODULE)
        cell: dict[str, Any] = {"cell_type": "code", "id": "c1", "metadata": {}, "outputs": [], "execution_count": None}
        notebook = {
            "nbformat": 4,
            "nbformat_minor": 5,
            "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
            "cells": [{**cell, "source": CELL}],
        }
        (root / "big.ipynb").write_text(json.dumps(notebook))
        (root / "profile").mkdir()
        with jupyterlab(root, large_messages=large_messages) as url:
            page = CdpPage(root / "profile")
            try:
                page.call("Page.enable")  # its events are few and small; the spy needs it
                page.call("Page.addScriptToEvaluateOnNewDocument", source=WS_SPY)
                page.call("Page.navigate", url=f"{url}/lab/tree/big.ipynb")
                page.wait_for("window.jupyterapp && document.querySelector('.jp-Notebook')", 90)
                time.sleep(2)  # Lab may ask which kernel; the preselected python3 is right
                page.evaluate("document.querySelector('.jp-Dialog .jp-mod-accept')?.click()")
                page.wait_for("document.querySelector(\".jp-Notebook-ExecutionIndicator[data-status='idle']\")", 90)
                page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells'), 0")
                page.wait_for("globalThis.__big?.core && globalThis.__big?.aw && globalThis.__big?.core_noecho", 90)
                page.evaluate(f"globalThis.__big.core.send({{op: 'prepare', n: {size}}}), 0")
                order = 0
                for direction in ("to_page", "to_python"):
                    for kind in ("field", "custom"):
                        for _ in range(repeat):
                            order += 1  # the libraries take turns going first
                            for lib in libs if order % 2 else libs[::-1]:
                                kernel_before = _kernel_pid()
                                log_at = len((root / "server.log").read_text(errors="replace"))
                                page.call("HeapProfiler.collectGarbage")
                                base = _reset_peaks()
                                start = time.perf_counter()
                                result = page.evaluate(PAGE_JS, [lib, direction, kind, size, timeout_s * 1000])
                                wall = time.perf_counter() - start
                                heap = page.call("Runtime.getHeapUsage")
                                row = {
                                    "lib": lib,
                                    "direction": direction,
                                    "kind": kind,
                                    "bytes": size,
                                    "large_messages": large_messages,
                                    **result,
                                    "wall_s": round(wall, 2),
                                    "base_rss": base,
                                    "peak_rss": _memory("VmHWM"),
                                    "js_heap_used": heap.get("usedSize"),
                                    "kernel_restarted": _kernel_pid() != kernel_before,
                                    "server_log": _server_log_tail(root, log_at),
                                }
                                ok = not result.get("error") and result.get("n") == size
                                ok = ok and result.get("pySha") == result.get("pageSha")
                                row["ok"] = ok
                                if ok:
                                    row["MB_per_s"] = round(size / 1e6 / (result["ms"] / 1000), 1)
                                rows.append(row)
                                print(json.dumps(_brief(row)), file=sys.stderr, flush=True)
                                if not ok:  # a closed socket: let Lab reconnect before the next transfer
                                    time.sleep(5)
            finally:
                page.close()
    return rows


ROWS = {
    ("to_page", "field"): ("11e", "Python -> page in JupyterLab, binary field"),
    ("to_page", "custom"): ("11f", "Python -> page in JupyterLab, custom-message buffer"),
    ("to_python", "field"): ("11g", "page -> Python in JupyterLab, binary field"),
    ("to_python", "custom"): ("11h", "page -> Python in JupyterLab, custom-message buffer"),
}


def run(counts: Counts) -> list[Row]:
    """The table's rows: median seconds per transfer (200 MB; 12 MB in quick mode), with the server extension
    on (without it every page -> Python row fails: benchmarks/README.md)."""
    size = counts.n(200_000_000, 12_000_000)
    rows = run_transfers(size, 150, large_messages=True, repeat=counts.n(2, 1))
    out: list[Row] = []
    for (direction, kind), (key, name) in ROWS.items():
        mine = [r for r in rows if r["direction"] == direction and r["kind"] == kind]
        seconds = {lib: [r["ms"] / 1000 for r in mine if r["lib"] == lib and r["ok"]] for lib in ("core", "aw")}
        failed = sorted({r["lib"] for r in mine if not r["ok"]})
        if not seconds["core"]:
            raise RuntimeError(f"workload {key}: anywidget-core failed: {[r for r in mine if not r['ok']][:1]}")
        median = {lib: statistics.median(v) if v else None for lib, v in seconds.items()}
        row = Row(key, f"{size / 1e6:g} MB {name}", median["core"] or 0.0, median["aw"])
        peak = {
            lib: max((r["peak_rss"].get("server", 0) for r in mine if r["lib"] == lib), default=0) for lib in seconds
        }
        row.notes.append(
            f"MB/s core {size / 1e6 / row.core:.1f}"
            + (f", anywidget {size / 1e6 / row.anywidget:.1f}" if row.anywidget else "")
            + f"; server peak RSS core {peak['core'] / MiB:.0f} MiB, anywidget {peak['aw'] / MiB:.0f} MiB"
            + (f"; failed: {failed}" if failed else "")
        )
        out.append(row)
    return out


def _brief(row: dict[str, Any]) -> dict[str, Any]:
    peaks = {k: round(v / MiB) for k, v in row["peak_rss"].items()}
    growth = {k: round((v - row["base_rss"].get(k, 0)) / MiB) for k, v in row["peak_rss"].items()}
    keep = ("lib", "direction", "kind", "ok", "MB_per_s", "ms", "error", "closes", "kernel_restarted", "server_log")
    return {
        **{k: row.get(k) for k in keep},
        "peak_MiB": peaks,
        "peak_growth_MiB": growth,
        "js_heap_MiB": round((row["js_heap_used"] or 0) / MiB),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.lab_large", description=__doc__)
    parser.add_argument("--mb", type=float, default=200, help="megabytes per transfer (default 200)")
    parser.add_argument("--timeout", type=float, default=120, help="seconds a transfer may take")
    parser.add_argument("--json", type=Path, help="write every row here")
    parser.add_argument("--repeat", type=int, default=1, help="transfers per library, direction and kind")
    parser.add_argument(
        "--large-messages", action="store_true", help="with the server extension hosts/jupyter/message_size.py"
    )
    args = parser.parse_args(argv)
    load = os.getloadavg()[0]
    rows = run_transfers(int(args.mb * 1e6), args.timeout, large_messages=args.large_messages, repeat=args.repeat)
    print(
        f"load average (1 min) on {os.cpu_count()} CPUs: {load:.2f} at the start, {os.getloadavg()[0]:.2f} at the end"
    )
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
