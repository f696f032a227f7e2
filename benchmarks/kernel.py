"""Workload 7: end to end through a real ipykernel, jupyter_client playing the front end (loopback only).

One kernel per library, started side by side; the phases alternate between them. Measured: kernel -> client
updates/s (a cell setting the field N times; the client counts the ``comm_msg`` it receives until the cell's
``idle``), client -> kernel updates/s (N pipelined ``update`` messages until the last one's ``idle``), and the
round-trip latency of one update (client send -> its ``echo_update`` back), sequentially.
"""

from __future__ import annotations

import os
import statistics
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from jupyter_client.blocking.client import BlockingKernelClient
from jupyter_client.manager import KernelManager, start_new_kernel

from .harness import Counts, Row

ROOT = str(Path(__file__).resolve().parent.parent)
TIMEOUT = 120.0

SETUP = {
    "core": "from benchmarks.libs import CoreCounter as W, show_core as show",
    "aw": "from benchmarks.libs import AwCounter as W, show_aw as show",
}


class Kernel:
    """A real ipykernel plus its blocking client; every wait is bounded."""

    def __init__(self, lib: str) -> None:
        env = dict(os.environ, PATH=os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", ""))
        self.km: KernelManager
        self.kc: BlockingKernelClient
        self.km, self.kc = start_new_kernel(kernel_name="python3", startup_timeout=TIMEOUT, env=env, cwd=ROOT)
        out, _ = self.run(
            f"import sys; sys.path.insert(0, {ROOT!r})\n{SETUP[lib]}\nw = W(); show(w); print(w.model_id)"
        )
        self.model_id = out.strip().splitlines()[-1]
        self.adapter = (
            self.run("from benchmarks.core_comm import why; print(why())")[0].strip() if lib == "core" else ""
        )

    def run(self, code: str) -> tuple[str, int]:
        """Execute a cell; returns its stdout and how many ``comm_msg`` it published."""
        msg_id = self.kc.execute(textwrap.dedent(code))
        out: list[str] = []
        comm_msgs = 0
        for msg in self._until_idle(msg_id):
            if msg["msg_type"] == "comm_msg":
                comm_msgs += 1
            elif msg["msg_type"] == "stream":
                out.append(msg["content"]["text"])
            elif msg["msg_type"] == "error":
                raise RuntimeError("\n".join(msg["content"]["traceback"]))
        self.kc.get_shell_msg(timeout=TIMEOUT)
        return "".join(out), comm_msgs

    def _until_idle(self, msg_id: str, on: Callable[[dict[str, Any]], None] | None = None) -> list[dict[str, Any]]:
        got = []
        while True:
            msg = self.kc.get_iopub_msg(timeout=TIMEOUT)
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            if on is not None:
                on(msg)
            got.append(msg)
            if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
                return got

    def update(self, value: int) -> str:
        """Send one front-end ``update`` on the widget's comm; returns its msg_id."""
        data = {"method": "update", "state": {"value": value}, "buffer_paths": []}
        msg = self.kc.session.msg("comm_msg", {"comm_id": self.model_id, "data": data})
        self.kc.shell_channel.send(msg)
        return str(msg["header"]["msg_id"])

    def kernel_to_client(self, n: int) -> tuple[float, int]:
        start = time.perf_counter()
        _, received = self.run(f"for i in range({n}): w.value = i + 1")
        return received / (time.perf_counter() - start), received

    def client_to_kernel(self, n: int) -> float:
        start = time.perf_counter()
        last = ""
        for i in range(n):
            last = self.update(10_000_000 + i)
        self._until_idle(last)
        rate = n / (time.perf_counter() - start)
        value = int(self.run("print(w.value)")[0])
        if value != 10_000_000 + n - 1:
            raise AssertionError(f"kernel widget has value {value} after {n} pipelined updates")
        return rate

    def round_trip(self, n: int) -> list[float]:
        latencies = []
        for i in range(n):
            start = time.perf_counter()
            seen: list[float] = []

            def on(msg: dict[str, Any], seen: list[float] = seen, start: float = start) -> None:
                if msg["msg_type"] == "comm_msg" and msg["content"]["data"].get("method") == "echo_update" and not seen:
                    seen.append(time.perf_counter() - start)

            self._until_idle(self.update(20_000_000 + i), on)
            if not seen:
                raise AssertionError("no echo_update came back for a front-end update")
            latencies.append(seen[0])
        return latencies

    def close(self) -> None:
        self.kc.stop_channels()
        self.km.shutdown_kernel(now=True)


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def run(counts: Counts) -> list[Row]:
    kernels: dict[str, Kernel] = {}
    try:
        for lib in ("core", "aw"):
            kernels[lib] = Kernel(lib)
        n_out, n_in, n_rt, repeat = counts.n(2000, 200), counts.n(1000, 100), counts.n(300, 30), counts.n(3, 1)
        out_rates: dict[str, list[float]] = {"core": [], "aw": []}
        received: dict[str, list[int]] = {"core": [], "aw": []}
        in_rates: dict[str, list[float]] = {"core": [], "aw": []}
        rtt: dict[str, list[float]] = {"core": [], "aw": []}
        for round_ in range(repeat):
            order = ("core", "aw") if round_ % 2 == 0 else ("aw", "core")
            for lib in order:
                rate, got = kernels[lib].kernel_to_client(n_out)
                out_rates[lib].append(rate)
                received[lib].append(got)
            for lib in order:
                in_rates[lib].append(kernels[lib].client_to_kernel(n_in))
            for lib in order:
                rtt[lib].extend(kernels[lib].round_trip(n_rt))
        adapter = kernels["core"].adapter
    finally:
        for kernel in kernels.values():
            kernel.close()

    med = statistics.median
    a = Row("7a", "real kernel: kernel -> client updates/s", med(out_rates["core"]), med(out_rates["aw"]), unit="/s")
    a.notes.append(
        f"comm_msg received of {n_out} sent per cell: core {received['core']}, anywidget {received['aw']} "
        f"(iopub may drop under bursts); core shown in the kernel through: {adapter}"
    )
    b = Row("7b", "real kernel: client -> kernel updates/s", med(in_rates["core"]), med(in_rates["aw"]), unit="/s")
    a.notes.append(
        "per-round rates: core "
        + ", ".join(f"{r:.0f}" for r in out_rates["core"])
        + "; anywidget "
        + ", ".join(f"{r:.0f}" for r in out_rates["aw"])
    )
    b.notes.append(f"{n_in} pipelined updates until the last one's idle; final value checked in the kernel")
    c = Row("7c", "real kernel: update round trip (send -> echo) p50", med(rtt["core"]), med(rtt["aw"]))
    p99 = {lib: _percentile(values, 0.99) * 1e3 for lib, values in rtt.items()}
    c.notes.append(
        f"p99: core {p99['core']:.2f} ms, anywidget {p99['aw']:.2f} ms over {len(rtt['core'])} round trips each"
    )
    return [a, b, c]
