"""Memory amplification against the standalone server, measured: the server runs in its own process
(:mod:`.standalone_victim`, a widget with an 8 MiB field) and each attack's peak RSS growth is read from
``/proc`` (``VmHWM``, reset before the attack). Goal: growth under 2x the bytes the attacker sent plus a fixed
budget, every attacking connection let go, and the server still serving a new tab afterwards.

``ANYWIDGET_MEMORY_REPORT=FILE`` appends one JSON line of figures per attack (the robustness README's table).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import urlsplit

import pytest
from websockets.client import ClientProtocol
from websockets.protocol import State
from websockets.sync.client import connect
from websockets.uri import parse_uri

from anywidget_core.chunks import Completed, Failed, Reassembler, is_chunk_message
from anywidget_core.hosts.standalone.framing import Decoded, decode_frame, encode_frame

MiB = 1024 * 1024
# The fixed part of the goal: what the server may hold beyond 2x what an attacker sent. It covers a few
# frames of the 8 MiB state per connection (queued, in the socket, being encoded) and the allocator's slack.
FIXED_BUDGET = 128 * MiB
STALL_SECONDS = 2.0  # the victim's ServerLimits.stall_seconds
ROOT = Path(__file__).resolve().parents[2]


class Victim(NamedTuple):
    proc: subprocess.Popen[str]
    ws_url: str
    model_id: str


@pytest.fixture
def victim() -> Iterator[Victim]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.robustness.standalone_victim"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "ANYWIDGET_VICTIM_STALL": os.environ.get("H1_STALL", str(STALL_SECONDS))},
    )
    try:
        assert proc.stdout is not None
        ws_url, model_id = proc.stdout.readline().strip(), proc.stdout.readline().strip()
        assert ws_url.startswith("ws://"), ws_url
        served = Victim(proc, ws_url, model_id)
        healthy(served)  # warm up: the code paths and allocator arenas of one ordinary tab
        yield served
    finally:
        proc.kill()
        proc.wait(timeout=30)


def memory(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM (peak RSS) of a process, in bytes."""
    out = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            out[key] = int(value.split()[0]) * 1024
    return out


def settle(pid: int, quiet: float = 1.0, timeout: float = 60) -> int:
    """Wait until the RSS stops moving for ``quiet`` seconds; return it."""
    deadline = time.monotonic() + timeout
    last, since = memory(pid)["VmRSS"], time.monotonic()
    while time.monotonic() < deadline:
        time.sleep(0.1)
        now = memory(pid)["VmRSS"]
        if abs(now - last) > MiB:
            last, since = now, time.monotonic()
        elif time.monotonic() - since > quiet:
            break
    return last


def established(victim: Victim) -> int:
    """The server's established TCP connections (its port, local side)."""
    port = urlsplit(victim.ws_url).port
    count = 0
    for table in ("tcp", "tcp6"):
        for line in Path(f"/proc/{victim.proc.pid}/net/{table}").read_text().splitlines()[1:]:
            fields = line.split()
            local_port = int(fields[1].rsplit(":", 1)[1], 16)
            if local_port == port and fields[3] == "01":
                count += 1
    return count


_REASSEMBLERS: weakref.WeakKeyDictionary[Any, Reassembler] = weakref.WeakKeyDictionary()


def receive(ws: Any, timeout: float) -> Any:
    """The next whole message on ``ws``: a message larger than the server's chunk size comes in pieces (SPEC §8.6),
    put back together here as the page's runtime does."""
    reassembler = _REASSEMBLERS.setdefault(ws, Reassembler())
    while True:
        decoded = decode_frame(ws.recv(timeout=timeout), max_bytes=1 << 40)
        if decoded.model_id is None or not is_chunk_message(decoded.data):
            return decoded
        event = reassembler.feed(decoded.model_id, decoded.data, decoded.buffers)
        assert not isinstance(event, Failed), event
        if isinstance(event, Completed):
            return Decoded(decoded.model_id, event.data, event.buffers)


def skip_open(ws: Any, timeout: float) -> None:
    """Read the widget code (module frames, SPEC §8.3) and the open that follows it."""
    while receive(ws, timeout).data["method"] == "module":
        pass


def healthy(victim: Victim) -> None:
    """A new tab gets the open (the whole 8 MiB state) and its ping answered."""
    with connect(victim.ws_url, max_size=None, open_timeout=10) as ws:
        _, data, buffers = receive(ws, 30)
        while data["method"] == "module":  # the widget code comes first (SPEC §8.3)
            _, data, buffers = receive(ws, 30)
        assert data["method"] == "open" and buffers[0].nbytes == 8 * MiB
        ws.send(encode_frame(None, {"method": "ping", "id": 1}))
        while receive(ws, 30).data.get("method") != "pong":
            pass


class Mute:
    """A WebSocket client that completes its handshake and then never reads (tiny receive buffer)."""

    def __init__(self, url: str) -> None:
        self.protocol = ClientProtocol(parse_uri(url), max_size=None)
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        parts = urlsplit(url)
        self.sock.connect((parts.hostname, parts.port))
        self.sent = 0
        self.protocol.send_request(self.protocol.connect())
        self._flush()
        head = b""
        while b"\r\n\r\n" not in head:  # the handshake answer only, a byte at a time
            head += self.sock.recv(1)
        self.protocol.receive_data(head)
        assert self.protocol.state is State.OPEN, head

    def send_text(self, text: str) -> None:
        self.protocol.send_text(text.encode())
        self._flush()

    def _flush(self) -> None:
        data = b"".join(self.protocol.data_to_send())
        self.sock.sendall(data)
        self.sent += len(data)


def attack_request_state(victim: Victim) -> tuple[int, list[Mute]]:
    """4 sockets that never read, each asking for the full state 40 times."""
    mutes = [Mute(victim.ws_url) for _ in range(4)]
    ask = encode_frame(victim.model_id, {"method": "request_state"})
    assert isinstance(ask, str)
    for mute in mutes:
        for _ in range(40):
            mute.send_text(ask)
    return sum(m.sent for m in mutes), mutes


def _json_bomb(model_id: str, nbytes: int) -> str:
    head = json.dumps({"model_id": model_id, "data": {"method": "update", "state": {"value": "X"}}})
    before, after = head.split('"X"')
    items = (nbytes - len(head)) // 3
    return before + "[" + ",".join(["{}"] * items) + "]" + after


def _send_and_wait(victim: Victim, frames: list[str | bytes]) -> tuple[int, list[dict[str, Any]]]:
    """Send each frame on its own socket, all at once; wait until each is handled. Returns the bytes sent and
    each socket's first reply (an error, or {} when there was none)."""
    sockets = [connect(victim.ws_url, max_size=None, open_timeout=10).__enter__() for _ in frames]
    for ws in sockets:
        skip_open(ws, 30)
    sent = [0] * len(frames)
    replies: list[dict[str, Any]] = [{} for _ in frames]

    def one(i: int) -> None:
        sockets[i].send(frames[i])
        sent[i] = len(frames[i])
        sockets[i].send(encode_frame(None, {"method": "ping", "id": 0}))
        while True:
            _, data, _ = receive(sockets[i], 120)
            if data.get("method") == "pong":
                return
            replies[i] = replies[i] or data

    threads = [threading.Thread(target=one, args=(i,)) for i in range(len(frames))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(180)
    for ws in sockets:
        ws.close()
    return sum(sent), replies


def attack_json_23(victim: Victim) -> tuple[int, list[Mute]]:
    """One 23 MiB text frame of [{},{},...]."""
    return _send_and_wait(victim, [_json_bomb(victim.model_id, 23 * MiB)])[0], []


def attack_json_60x2(victim: Victim) -> tuple[int, list[Mute]]:
    """Two 60 MiB text frames of [{},{},...], on two sockets at once."""
    bomb = _json_bomb(victim.model_id, 60 * MiB)
    return _send_and_wait(victim, [bomb, bomb])[0], []


def attack_binary_60x2(victim: Victim) -> tuple[int, list[Mute]]:
    """Two 60 MiB binary frames (a custom message with one 60 MiB buffer; valid, so accepted), at once."""
    frame = encode_frame(victim.model_id, {"method": "custom", "content": None}, [memoryview(b"\x00" * (60 * MiB))])
    return _send_and_wait(victim, [frame, frame])[0], []


ATTACKS: dict[str, Callable[[Victim], tuple[int, list[Mute]]]] = {
    "4 non-reading sockets x 40 request_state": attack_request_state,
    "one 23 MiB text frame of [{},{},...]": attack_json_23,
    "two 60 MiB text frames of [{},{},...] at once": attack_json_60x2,
    "two 60 MiB binary frames (valid custom + buffer) at once": attack_binary_60x2,
}


@pytest.mark.parametrize("name", list(ATTACKS))
def test_peak_memory_under_attack(victim: Victim, name: str) -> None:
    pid = victim.proc.pid
    base = settle(pid)
    Path(f"/proc/{pid}/clear_refs").write_text("5")  # peak RSS := current RSS
    started = time.monotonic()
    sent, mutes = ATTACKS[name](victim)
    settle(pid)
    growth = memory(pid)["VmHWM"] - base
    # every attacking connection is let go: mute ones once they have stalled for STALL_SECONDS (plus the
    # close grace and a poll), and the attack leaves no connection of its own behind
    deadline = time.monotonic() + STALL_SECONDS + 10
    while established(victim) and time.monotonic() < deadline:
        time.sleep(0.2)
    held = established(victim)
    seconds = time.monotonic() - started
    for mute in mutes:
        mute.sock.close()
    healthy(victim)  # and the server still serves a new tab
    figures = {
        "attack": name,
        "bytes_sent": sent,
        "peak_growth_mib": round(growth / MiB, 1),
        "goal_mib": round((2 * sent + FIXED_BUDGET) / MiB, 1),
        "connections_held": held,
        "seconds": round(seconds, 1),
    }
    if report := os.environ.get("ANYWIDGET_MEMORY_REPORT"):
        with open(report, "a") as out:
            out.write(json.dumps(figures) + "\n")
    assert growth < 2 * sent + FIXED_BUDGET, figures
    assert held == 0, figures


def test_json_bombs_are_refused_with_a_reason(victim: Victim) -> None:
    small_but_many = _json_bomb(victim.model_id, 1 * MiB)  # under the size limit, over the value count
    _, replies = _send_and_wait(victim, [_json_bomb(victim.model_id, 23 * MiB), small_but_many])
    whys = ("larger than the limit of 16777216 bytes", "more than 250000 values")
    for reply, why in zip(replies, whys, strict=True):
        assert reply["method"] == "error" and reply["code"] == "too_large", reply
        assert why in reply["message"], reply


def test_a_legitimate_50_mb_field_still_travels(victim: Victim) -> None:
    blob = os.urandom(50 * 1000 * 1000)
    with (
        connect(victim.ws_url, max_size=None, open_timeout=10) as writer,
        connect(victim.ws_url, max_size=None, open_timeout=10) as reader,
    ):
        for ws in (writer, reader):
            skip_open(ws, 30)
        update = {"method": "update", "state": {}, "buffer_paths": [["blob"]]}
        writer.send(encode_frame(victim.model_id, update, [memoryview(blob)]))
        _, echo, _ = receive(writer, 60)
        assert echo["method"] == "echo_update", echo
        _, data, buffers = receive(reader, 60)
        assert data["method"] in ("update", "echo_update") and data["buffer_paths"] == [["blob"]]
        assert bytes(buffers[0]) == blob


def test_over_budget_the_socket_holding_most_is_dropped_not_the_one_that_reads() -> None:
    """One tab stopped reading while Python keeps changing an 8 MiB field: it is dropped (its output freed)
    when the server's output budget runs out; a tab that keeps up gets every change."""
    from anywidget_core.hosts.standalone import ServerLimits, serve

    from .standalone_victim import Victim as Blob

    widget = Blob(blob=b"\x00" * (8 * MiB))
    with serve({"blob": widget}, limits=ServerLimits(output_bytes=40 * MiB)) as server:
        mute = Mute(server.ws_url)
        with connect(server.ws_url, max_size=None, open_timeout=10) as reader:
            skip_open(reader, 30)
            for i in range(1, 9):
                widget.blob = bytes([i]) * (8 * MiB)
                _, data, buffers = receive(reader, 30)
                assert data["method"] == "update" and bytes(buffers[0][:1]) == bytes([i])
            assert server.output.total <= server.limits.output_bytes
        deadline = time.monotonic() + 10
        while server.output.total and time.monotonic() < deadline:  # the mute tab's output is freed
            time.sleep(0.05)
        assert server.output.total == 0
        mute.sock.close()


def test_request_state_is_answered_again_once_the_answer_was_taken() -> None:
    from anywidget_core.hosts.standalone import serve

    from .standalone_victim import Victim as Small

    widget = Small(value=5)
    with serve({"small": widget}) as server, connect(server.ws_url, max_size=None, open_timeout=10) as ws:
        module = receive(ws, 10)  # the widget code (SPEC §8.3)
        assert module.model_id is None and module.data["method"] == "module"
        receive(ws, 10)  # the open
        for _ in range(3):
            ws.send(encode_frame(widget.model_id, {"method": "request_state"}))
            _, data, _ = receive(ws, 10)
            assert data["method"] == "update" and data["state"]["value"] == 5
            assert data["state"]["_esm"] == {"$module": module.data["id"]}  # the code is not sent again


def test_a_stalled_client_is_dropped_with_a_reason_it_can_read() -> None:
    """A tab that stops reading is dropped after stall_seconds; if it reads again within the close grace it
    finds, after the data it had not taken, a close frame (1013) saying why."""
    from anywidget_core.hosts.standalone import ServerLimits, serve

    from .standalone_victim import Victim as Blob

    widget = Blob(blob=b"\x00" * (8 * MiB))
    with serve({"blob": widget}, limits=ServerLimits(stall_seconds=1.0)) as server:
        mute = Mute(server.ws_url)  # the 8 MiB open fills the socket buffers; the client takes no more
        time.sleep(1.6)  # past stall_seconds (the server looks every 0.5 s), within the 2 s grace after it
        mute.sock.settimeout(10)
        while mute.protocol.close_rcvd is None:
            data = mute.sock.recv(1 << 20)
            if not data:
                break
            mute.protocol.receive_data(data)
        mute.sock.close()
        close = mute.protocol.close_rcvd
        assert close is not None, "no close frame: the connection was cut"
        assert close.code == 1013 and "too slow" in close.reason, close
        deadline = time.monotonic() + 10  # the writer releases the rest as it ends, after the close
        while server.output.total and time.monotonic() < deadline:
            time.sleep(0.05)
        assert server.output.total == 0
