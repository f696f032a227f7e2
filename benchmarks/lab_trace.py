"""Where a JupyterLab widget round trip spends its time: one timestamp per hop, all on the machine's wall clock.

``python -m benchmarks.lab_trace [--rounds N] [--batch N] [--nodelay 0|1] [--favicons 0|1]`` runs the workload-8
page (:mod:`benchmarks.lab`) with timestamp hooks in all three processes (:mod:`benchmarks.lab_trace_hooks`): the
page (``WebSocket.send``, the socket's ``message`` events, the model's ``set`` and ``change:pong``), jupyter_server
(a server extension wrapping the kernel WebSocket connection's two directions, and logging HTTP requests) and
ipykernel (the shell channel thread, the shell thread's dispatch and comm handler, the IOPub thread's queue and
send). It prints the median milliseconds of each hop per library, the order of the IOPub replies (``busy``, echo,
``pong``, ``idle``), and each process's CPU time and run-queue wait per round trip (``/proc/*/task/*/schedstat``).
``--status-ui`` compares the page as it is with the page without JupyterLab's status display; ``--paired favicons``
(or ``comm-busy``) times two servers at once, that extension off and on; ``--profile DIR`` adds py-spy and a Chromium
trace. A diagnostic for benchmarks/README.md (workload 8), not a benchmark row: the hooks cost a few microseconds
each.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from . import lab
from .browser import launch, round_trips_js

HOOKS = Path(__file__).with_name("lab_trace_hooks.py")

# Runs before JupyterLab's code: every frame the page sends or receives on a WebSocket, with its header.
PAGE_HOOKS = """
(() => {
  const now = () => performance.timeOrigin + performance.now();
  const trace = (globalThis.__trace = []);
  // performance.timeOrigin can be a few ms off the system clock; Date.now() is the system clock in whole ms, so
  // the largest Date.now() - now() over many samples is the correction (to within the sampling step).
  globalThis.__clockCorrection = () => {
    let best = -Infinity;
    const end = Date.now() + 200;
    while (Date.now() < end) best = Math.max(best, Date.now() - now());
    return best;
  };
  const decoder = new TextDecoder();
  const parts = (data) => {
    try {
      if (typeof data === "string") {
        const m = JSON.parse(data);
        return [m.header, m.parent_header, m.channel];
      }
      const view = new DataView(data);  // v1.kernel.websocket.jupyter.org: offsets, channel, header, parent, ...
      const at = (i) => Number(view.getBigUint64(8 * (i + 1), true));
      const slice = (i) => decoder.decode(new Uint8Array(data, at(i), at(i + 1) - at(i)));
      return [JSON.parse(slice(1)), JSON.parse(slice(2)), slice(0)];
    } catch (e) {
      return [null, null, null];
    }
  };
  const log = (what, data) => {
    const t = now();
    const [h, p, channel] = parts(data);
    trace.push([t / 1000, "page", what, h?.msg_id, h?.msg_type, p?.msg_id, channel]);
  };
  // A kernel "busy" whose parent is a comm_msg (what JupyterLab redraws its status display for; the "idle" after it
  // then changes nothing, and the widget throttle needs only the idle).
  const isCommBusy = (data) => {
    const [h, p] = parts(data);
    return h?.msg_type === "status" && p?.msg_type === "comm_msg" && busyIn(data);
  };
  const busyIn = (data) => (typeof data === "string" ? data : decoder.decode(data)).includes('"busy"');
  const send = WebSocket.prototype.send;
  WebSocket.prototype.send = function (data) {
    log("ws_send", data);
    return send.call(this, data);
  };
  const setter = Object.getOwnPropertyDescriptor(WebSocket.prototype, "onmessage").set;
  Object.defineProperty(WebSocket.prototype, "onmessage", {
    set(handler) {
      setter.call(this, handler && ((event) => {
        log("ws_message", event.data);
        if (globalThis.__hideCommBusy && isCommBusy(event.data)) return;  // the --status-ui experiment only
        return handler.call(this, event);
      }));
    },
  });
})();
"""

# The round-trip loop of benchmarks.browser, with the page's own events on the same clock.
TRACED_ROUND_TRIPS = """
async ([lib, n, start]) => {
  const model = globalThis.__pingpong[lib];
  const now = () => performance.timeOrigin + performance.now();
  const trace = globalThis.__trace;
  for (let i = start; i < start + n; i++) {
    await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no pong for ${i}`)), 10000);
      const onPong = () => {
        if (model.get("pong") !== i) return;
        trace.push([now() / 1000, "page", "change_pong", null, null, null, [lib, i]]);
        clearTimeout(timer);
        model.off("change:pong", onPong);
        resolve();
      };
      model.on("change:pong", onPong);
      trace.push([now() / 1000, "page", "set_ping", null, null, null, [lib, i]]);
      model.set("ping", i);
      model.save_changes();
      trace.push([now() / 1000, "page", "save_changes_returned", null, null, null, [lib, i]]);
    });
  }
}
"""

CELL = (
    "from pingpong_bench import pair\nimport lab_trace_hooks\n"
    "lab_trace_hooks.install_kernel(get_ipython().kernel)\ncore, aw = pair()\ndisplay(core, aw)"
)


def trace(rounds: int, batch: int, nodelay: bool, favicons: bool, profile: Path | None = None) -> list[list[Any]]:
    """All events of ``rounds`` alternating batches of ``batch`` round trips per library, merged and sorted; with
    ``profile``, py-spy profiles of the server and the kernel and a Chromium trace of the measured rounds go there."""
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="awc-lab-trace-") as tmp:
        root = Path(tmp)
        events_dir = root / "events"
        events_dir.mkdir()
        (root / "pingpong_bench.py").write_text(lab.MODULE)
        shutil.copy(HOOKS, root / "lab_trace_hooks.py")
        lab.write_notebook(root / "bench.ipynb", CELL)
        env = {"AWC_TRACE_DIR": str(events_dir)}
        hooks = {"lab_trace_hooks": True}
        server = lab.jupyterlab(root, nodelay, favicons, comm_busy=False, extensions=hooks, env=env)
        with server as url, sync_playwright() as pw:
            browser = launch(pw)
            try:
                page = browser.new_page()
                page.add_init_script(PAGE_HOOKS)
                lab.open_notebook(page, url)
                events: list[list[Any]] = []
                page_events: list[list[Any]] = []
                start = dict.fromkeys(lab.LIBS, 1)
                before = cpu_stats()
                for round_ in range(rounds + 1):  # round 0 is a warm-up, not kept
                    for lib in lab.rotated(round_):
                        page.evaluate("() => { globalThis.__trace.length = 0; }")
                        page.evaluate(TRACED_ROUND_TRIPS, [lib, batch, start[lib]])
                        start[lib] += batch
                        if round_:
                            page_events += page.evaluate("() => globalThis.__trace")
                    if round_ == 0:
                        if profile:
                            spies = start_profiles(profile, browser, page)
                        before = cpu_stats()
                after = cpu_stats()
                if profile:
                    stop_profiles(profile, browser, spies)
                correction = page.evaluate("() => globalThis.__clockCorrection()") / 1000
                events += [[e[0] + correction, *e[1:]] for e in page_events]
                events.append([0.0, "meta", "clock_correction_ms", None, None, None, correction * 1e3])
                events.append([0.0, "meta", "cpu", None, None, None, cpu_delta(before, after)])
            finally:
                browser.close()
        for path in events_dir.glob("*.jsonl"):
            events += [json.loads(line) for line in path.read_text().splitlines()]
    events.sort(key=lambda e: e[0])
    return events


# Takes away the parts of JupyterLab's page that redraw on every kernel status change (busy, idle): the notebook's
# toolbar (kernel status, execution indicator), the status bar, the busy favicon. Nothing a widget needs.
STRIP_STATUS_UI = """
() => {
  const panel = window.jupyterapp.shell.currentWidget;
  panel.toolbar.dispose();
  if (window.jupyterapp.commands.isToggled("statusbar:toggle")) window.jupyterapp.commands.execute("statusbar:toggle");
  for (const link of document.querySelectorAll("link.favicon")) link.remove();
}
"""


def status_ui_cost(batches: int, batch: int, favicons: bool, lib: str = "core") -> dict[str, Any]:
    """Round trips of one library with JupyterLab's page as it is, then with its status-driven UI taken away
    (STRIP_STATUS_UI): median ms and CPU ms per round trip of each process kind, per phase."""
    from playwright.sync_api import sync_playwright

    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="awc-lab-ui-") as tmp:
        root = Path(tmp)
        (root / "pingpong_bench.py").write_text(lab.MODULE)
        lab.write_notebook(root / "bench.ipynb", lab.CELL)
        with lab.jupyterlab(root, True, favicons) as url, sync_playwright() as pw:
            browser = launch(pw)
            try:
                page = browser.new_page()
                page.add_init_script(PAGE_HOOKS)
                lab.open_notebook(page, url)
                start = 1
                page.evaluate(round_trips_js(f"globalThis.__pingpong.{lib}"), [batch, start])
                start += batch
                for phase in ("as is", "comm busy hidden from the page", "status UI taken away"):
                    if phase == "comm busy hidden from the page":
                        page.evaluate("() => { globalThis.__hideCommBusy = true; }")
                    if phase == "status UI taken away":
                        page.evaluate("() => { globalThis.__hideCommBusy = false; }")
                        page.evaluate(STRIP_STATUS_UI)
                    if phase != "as is":
                        page.evaluate(round_trips_js(f"globalThis.__pingpong.{lib}"), [batch, start])  # settle
                        start += batch
                    before = cpu_stats()
                    millis: list[float] = []
                    for _ in range(batches):
                        millis += page.evaluate(round_trips_js(f"globalThis.__pingpong.{lib}"), [batch, start])
                        start += batch
                    delta = cpu_delta(before, cpu_stats())
                    kinds: dict[str, float] = defaultdict(float)
                    for key, (run, _wait, _slices) in delta.items():
                        kinds[key.split("[", 1)[0]] += run * 1e3 / len(millis)
                    results[phase] = {"p50": statistics.median(millis), "n": len(millis), "cpu": dict(kinds)}
            finally:
                browser.close()
    return results


PAIRS = {
    "favicons": {"favicons off": {"favicons": False}, "favicons on": {"favicons": True}},
    "comm-busy": {"comm_busy off": {"favicons": True}, "comm_busy on": {"favicons": True, "comm_busy": True}},
}


def paired(rounds: int, batch: int, arms: dict[str, dict[str, bool]]) -> dict[str, dict[str, list[float]]]:
    """Round-trip ms per library on two JupyterLab servers at once, TCP_NODELAY on in both and the server extensions
    of each arm (``lab.jupyterlab`` keywords), one page each in one browser, batches alternating between them so
    both see the same load."""
    from playwright.sync_api import sync_playwright

    results: dict[str, dict[str, list[float]]] = {arm: {lib: [] for lib in lab.LIBS} for arm in arms}
    with contextlib.ExitStack() as stack:
        urls = {}
        for arm, extensions in arms.items():
            root = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="awc-lab-pair-")))
            (root / "pingpong_bench.py").write_text(lab.MODULE)
            lab.write_notebook(root / "bench.ipynb", lab.CELL)
            urls[arm] = stack.enter_context(lab.jupyterlab(root, True, **extensions))
        browser = launch(stack.enter_context(sync_playwright()))
        stack.callback(browser.close)
        pages = {}
        for arm, url in urls.items():
            pages[arm] = browser.new_page()
            lab.open_notebook(pages[arm], url)
        start = 1
        for round_ in range(rounds + 1):  # round 0 is a warm-up, not kept
            for arm in list(arms) if round_ % 2 == 0 else list(arms)[::-1]:
                for lib in lab.rotated(round_):
                    millis = pages[arm].evaluate(round_trips_js(f"globalThis.__pingpong.{lib}"), [batch, start])
                    if round_:
                        results[arm][lib] += millis
            start += batch
    return results


def start_profiles(out: Path, browser: Any, page: Any) -> list[subprocess.Popen[bytes]]:
    """py-spy (sampling, without pausing the process) on the server and the kernel; a Chromium performance trace."""
    out.mkdir(parents=True, exist_ok=True)
    spies = []
    for pid in _descendants(os.getpid()):
        with contextlib.suppress(OSError):
            kind = _kind(Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" "))
            if kind in ("kernel", "jupyter-server"):
                spy = str(Path(sys.executable).with_name("py-spy"))
                options = ["--rate", "1000", "--format", "raw", "--nonblocking", "-o", str(out / f"{kind}.txt")]
                spies.append(subprocess.Popen([spy, "record", "--pid", str(pid), *options], stdout=subprocess.DEVNULL))
    categories = ["devtools.timeline", "disabled-by-default-devtools.timeline", "v8.execute", "blink.user_timing"]
    browser.start_tracing(page=page, categories=categories)
    time.sleep(1)  # py-spy attaches
    return spies


def stop_profiles(out: Path, browser: Any, spies: list[subprocess.Popen[bytes]]) -> None:
    (out / "chromium-trace.json").write_bytes(browser.stop_tracing())
    for spy in spies:
        spy.send_signal(signal.SIGINT)
        spy.wait(30)


def _descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = defaultdict(list)
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            children[int(fields[1])].append(int(stat.parent.name))
    found, todo = [], [pid]
    while todo:
        found.append(current := todo.pop())
        todo += children.get(current, [])
    return found


def _kind(cmdline: bytes) -> str:
    if b"ipykernel_launcher" in cmdline:
        return "kernel"
    if b"jupyterlab" in cmdline:
        return "jupyter-server"
    if b"--type=renderer" in cmdline:
        return "chromium-renderer"
    if b"--type=" in cmdline:
        return "chromium-" + cmdline.split(b"--type=", 1)[1].split()[0].decode()
    if b"chrom" in cmdline:
        return "chromium-browser"
    if b"node" in cmdline.split(b" ", 1)[0]:
        return "playwright-driver"
    return "this-script"


def cpu_stats() -> dict[str, tuple[float, float, int]]:
    """Per thread of this process's descendants (server, kernel, Chromium): CPU seconds run, seconds waited on a
    run queue for a CPU, and time slices, from /proc/<pid>/task/<tid>/schedstat."""
    stats: dict[str, tuple[float, float, int]] = {}
    for pid in _descendants(os.getpid()):
        with contextlib.suppress(OSError):
            kind = _kind(Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" "))
            for task in Path(f"/proc/{pid}/task").iterdir():
                with contextlib.suppress(OSError):
                    run, wait, slices = Path(task, "schedstat").read_text().split()
                    name = Path(task, "comm").read_text().strip()
                    stats[f"{kind}[{pid}]/{name}[{task.name}]"] = (int(run) / 1e9, int(wait) / 1e9, int(slices))
    return stats


def cpu_delta(before: dict[str, tuple[float, float, int]], after: dict[str, tuple[float, float, int]]) -> dict:
    return {
        key: [a - b for a, b in zip(value, before.get(key, (0.0, 0.0, 0)), strict=True)] for key, value in after.items()
    }


# Hops in order; each is (name, where, what, which message: "ping" the page's comm_msg, "pong" the kernel's
# comm_msg carrying pong, "idle" the kernel's idle status for the ping).
HOPS = [
    ("page: set_ping", "page", "set_ping", None),
    ("page: WebSocket.send(ping)", "page", "ws_send", "ping"),
    ("server: ws message in", "server", "ws_in", "ping"),
    ("server: sent to shell ZMQ", "server", "zmq_sent", "ping"),
    ("kernel: shell channel thread recv", "kernel", "shell_thread_recv", "ping"),  # ipykernel 7's router thread
    ("kernel: dispatch_shell (shell thread)", "kernel", "dispatch_start", "ping"),
    ("kernel: comm_msg handler start", "kernel", "handler_start", "ping"),
    ("kernel: pong queued for IOPub", "kernel", "iopub_queued", "pong"),
    ("kernel: IOPub thread sends pong", "kernel", "iopub_sending", "pong"),
    ("server: pong from IOPub ZMQ", "server", "zmq_in", "pong"),
    ("server: pong written to ws", "server", "ws_written", "pong"),
    ("page: ws message(pong)", "page", "ws_message", "pong"),
    ("page: change:pong", "page", "change_pong", None),
    # Off the pong's path (the hop column above is each row against the one before it):
    ("kernel: comm_msg handler end", "kernel", "handler_end", "ping"),
    ("kernel: idle queued", "kernel", "iopub_queued", "idle"),
    ("kernel: dispatch_shell end", "kernel", "dispatch_end", "ping"),
    ("server: idle written to ws", "server", "ws_written", "idle"),
    ("page: ws message(idle)", "page", "ws_message", "idle"),
]


def per_round_trip(events: list[list[Any]]) -> dict[str, list[dict[str, float]]]:
    """For each library, one dict per round trip: hop name -> timestamp (seconds)."""
    # The page's ping comm_msg follows set_ping; kernel messages name it as their parent.
    trips: dict[str, list[dict[str, float]]] = defaultdict(list)
    by_parent: dict[str, list[list[Any]]] = defaultdict(list)
    by_id: dict[str, list[list[Any]]] = defaultdict(list)
    for e in events:
        if e[5]:
            by_parent[e[5]].append(e)
        if e[3]:
            by_id[e[3]].append(e)
    pending: dict[str, Any] = {}
    page_sends = [e for e in events if e[1] == "page" and e[2] in ("set_ping", "ws_send", "change_pong")]
    current: dict[str, Any] | None = None
    for e in page_sends:
        if e[2] == "set_ping":
            current = {"lib": e[6][0], "i": e[6][1], "page: set_ping": e[0]}
            pending[e[6][0]] = current
        elif e[2] == "ws_send" and e[4] == "comm_msg" and current is not None and "ping_id" not in current:
            current["ping_id"] = e[3]
            current["page: WebSocket.send(ping)"] = e[0]
        elif e[2] == "change_pong":
            trip = pending.pop(e[6][0])
            trip["page: change:pong"] = e[0]
            trips[trip["lib"]].append(trip)
    for lib_trips in trips.values():
        for trip in lib_trips:
            ping = trip.get("ping_id")
            for e in by_id.get(ping, []):
                for name, where, what, which in HOPS:
                    if which == "ping" and e[1] == where and e[2] == what:
                        trip.setdefault(name, e[0])
            replies = by_parent.get(ping, [])
            pong_ids = {e[3] for e in replies if e[4] == "comm_msg" and e[1] == "kernel" and e[2] == "iopub_queued"}
            status_ids = {e[3] for e in replies if e[4] == "status" and e[1] == "kernel" and e[2] == "iopub_queued"}
            trip["iopub"] = [e[4] for e in replies if e[1] == "kernel" and e[2] == "iopub_queued"]  # type: ignore[assignment]
            # The pong is the last comm_msg reply (ipywidgets echoes the ping first); idle is the last status.
            ordered = [e for e in replies if e[1] == "kernel" and e[2] == "iopub_queued"]
            pong = next((e[3] for e in reversed(ordered) if e[3] in pong_ids), None)
            idle = next((e[3] for e in reversed(ordered) if e[3] in status_ids), None)
            for kind, msg_id in (("pong", pong), ("idle", idle)):
                for e in by_id.get(msg_id, []):
                    for name, where, what, which in HOPS:
                        if which == kind and e[1] == where and e[2] == what:
                            trip.setdefault(name, e[0])
    return trips


def report(trips: dict[str, list[dict[str, float]]]) -> str:
    lines = []
    for lib, lib_trips in trips.items():
        lines.append(f"\n{lib}: {len(lib_trips)} round trips; median ms since set_ping (and since the previous hop)")
        previous = None
        for name, *_ in HOPS:
            since_set = [(t[name] - t["page: set_ping"]) * 1e3 for t in lib_trips if name in t]
            if not since_set:
                lines.append(f"  {name:40s} (not seen)")
                continue
            hop = ""
            if previous is not None:
                deltas = [(t[name] - t[previous]) * 1e3 for t in lib_trips if name in t and previous in t]
                hop = f"  hop {statistics.median(deltas):7.2f}"
            lines.append(f"  {name:40s} {statistics.median(since_set):7.2f}{hop}   (n={len(since_set)})")
            previous = name
        orders = defaultdict(int)
        for t in lib_trips:
            orders[" ".join(t.get("iopub", []))] += 1  # type: ignore[arg-type]
        lines.append(f"  IOPub replies to the ping, in order: {dict(orders)}")
        gaps = [(b["page: set_ping"] - a["page: change:pong"]) * 1e3 for a, b in itertools.pairwise(lib_trips)]
        lines.append(f"  gap change:pong -> next set_ping (median): {statistics.median(gaps):.2f} ms")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--batch", type=int, default=50)
    parser.add_argument("--nodelay", type=int, default=1)
    parser.add_argument("--favicons", type=int, default=0, help="1: this package's cached-favicons extension on")
    parser.add_argument("--dump", type=Path, help="write all events as JSON lines here")
    parser.add_argument("--profile", type=Path, help="write py-spy profiles and a Chromium trace to this folder")
    parser.add_argument("--paired", choices=sorted(PAIRS), help="two servers at once, this extension off and on")
    parser.add_argument("--status-ui", action="store_true", help="compare the page as is and without its status UI")
    args = parser.parse_args()
    if args.paired:
        load = os.getloadavg()[0]
        for arm, libs in paired(args.rounds, args.batch, PAIRS[args.paired]).items():
            cells = [
                f"{lib} p50 {statistics.median(v):.1f} p99 {sorted(v)[int(0.99 * (len(v) - 1))]:.1f} min "
                f"{min(v):.1f} (n={len(v)})"
                for lib, v in libs.items()
            ]
            print(f"{arm}: " + "; ".join(cells))
        print(f"load average (1 min): {load:.2f} at the start, {os.getloadavg()[0]:.2f} at the end")
        return
    if args.status_ui:
        for phase, result in status_ui_cost(args.rounds, args.batch, bool(args.favicons)).items():
            cpu = ", ".join(f"{k} {v:.2f}" for k, v in sorted(result["cpu"].items(), key=lambda kv: -kv[1]))
            print(f"{phase}: p50 {result['p50']:.2f} ms over {result['n']}; CPU ms per round trip: {cpu}")
        return
    events = trace(args.rounds, args.batch, bool(args.nodelay), bool(args.favicons), args.profile)
    if args.dump:
        with contextlib.suppress(OSError), args.dump.open("w") as out:
            out.writelines(json.dumps(e) + "\n" for e in events)
    trips = per_round_trip(events)
    print(report(trips))
    print(cpu_report(events, sum(len(t) for t in trips.values())))


def cpu_report(events: list[list[Any]], round_trips: int) -> str:
    """CPU run time and run-queue wait per round trip, by process kind and for the busiest threads."""
    meta = {e[2]: e[6] for e in events if e[1] == "meta"}
    lines = [f"\npage clock correction: {meta.get('clock_correction_ms', 0):.2f} ms"]
    kinds: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0, 0])
    for key, (run, wait, slices) in meta.get("cpu", {}).items():
        total = kinds[key.split("[", 1)[0]]
        total[0] += run
        total[1] += wait
        total[2] += slices
    lines.append(f"CPU per round trip ({round_trips} round trips), ms run / ms waiting for a CPU / time slices:")
    for kind, (run, wait, slices) in sorted(kinds.items(), key=lambda kv: -kv[1][0]):
        lines.append(
            f"  {kind:28s} {run / round_trips * 1e3:7.2f} {wait / round_trips * 1e3:7.2f} {slices / round_trips:6.1f}"
        )
    busiest = sorted(meta.get("cpu", {}).items(), key=lambda kv: -kv[1][0])[:14]
    lines.append("busiest threads:")
    for key, (run, wait, slices) in busiest:
        lines.append(
            f"  {key:60s} {run / round_trips * 1e3:7.2f} {wait / round_trips * 1e3:7.2f} {slices / round_trips:6.1f}"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    main()
