"""A child process spoken to in JSON lines: one object per line in, exactly one object per line back.

Used by the exec driver (protocol/SPEC.md §9.1) to run a kernel side written in another language. Every read
has a timeout, and a process that died, stayed silent or printed something other than one JSON object per line
raises :class:`ExecError` with what it wrote on stderr, so a broken implementation can never hang the runner.
"""

from __future__ import annotations

import json
import queue
import shlex
import subprocess
import threading
from collections import deque
from typing import IO, Any

# Integers a JavaScript front end cannot hold exactly arrive as the double it would read (SPEC §6.1): a
# JavaScript implementation writes 2**60 as 1152921504606847000, which is that double, not that integer.
_SAFE = 2**53 - 1


class ExecError(RuntimeError):
    """The implementation broke the line protocol: exited, timed out, or printed garbage."""


def _read_int(text: str) -> int | float:
    value = int(text)
    return value if -_SAFE <= value <= _SAFE else float(value)


def decode_line(line: bytes) -> dict[str, Any]:
    """One reply line as a JSON object (ExecError for anything else)."""
    try:
        value = json.loads(line.decode("utf-8"), parse_int=_read_int)
    except (UnicodeDecodeError, ValueError) as exc:
        raise ExecError(f"printed a line that is not JSON ({exc}): {line[:200]!r}") from None
    if not isinstance(value, dict):
        raise ExecError(f"printed JSON that is not an object: {line[:200]!r}")
    return value


class LineProcess:
    """The command, started at once; ``ask`` sends one line and returns the one line that answers it."""

    def __init__(self, command: str, timeout: float = 10.0) -> None:
        self.command = command
        self.timeout = timeout
        self._lines: queue.Queue[bytes | None] = queue.Queue()
        self._stderr: deque[str] = deque(maxlen=40)
        try:
            self._process = subprocess.Popen(
                shlex.split(command),
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
            )
        except OSError as exc:
            raise ExecError(f"cannot start {command!r}: {exc}") from None
        assert self._process.stdout is not None and self._process.stderr is not None
        threading.Thread(target=self._pump, args=(self._process.stdout,), daemon=True).start()
        self._drainer = threading.Thread(target=self._drain, args=(self._process.stderr,), daemon=True)
        self._drainer.start()

    def _pump(self, stream: IO[bytes]) -> None:
        for line in stream:
            self._lines.put(line)
        self._lines.put(None)  # end of output: the process closed stdout or died

    def _drain(self, stream: IO[bytes]) -> None:
        for line in stream:
            self._stderr.append(line.decode("utf-8", "replace").rstrip())

    def ask(self, request: dict[str, Any]) -> dict[str, Any]:
        # ensure_ascii: a lone surrogate a vector sends travels as the escape "\ud800", as a browser writes it.
        line = json.dumps(request, ensure_ascii=True, allow_nan=False) + "\n"
        # Written from a thread: a process that stops reading would otherwise block us once the pipe is full,
        # past any timeout. Its answer (or its silence) is what the timeout below measures.
        threading.Thread(target=self._write, args=(line.encode("ascii"),), daemon=True).start()
        try:
            reply = self._lines.get(timeout=self.timeout)
        except queue.Empty:
            raise ExecError(f"no answer within {self.timeout:g} s to {line[:120].strip()}{self._said()}") from None
        if reply is None:
            self._lines.put(None)  # stays at the end: a later ask must not wait for a timeout
            raise ExecError(f"the process exited{self._ending()}")
        try:
            return decode_line(reply)
        except ExecError as exc:
            raise ExecError(f"{exc}{self._said()}") from None

    def _write(self, data: bytes) -> None:
        stdin = self._process.stdin
        assert stdin is not None
        try:
            stdin.write(data)
            stdin.flush()
        except (OSError, ValueError):  # it exited (its end of stdout closes too) or we closed it
            pass

    def _ending(self) -> str:
        try:
            code = self._process.wait(timeout=2)
        except subprocess.TimeoutExpired:
            return f" (closed its output){self._said()}"
        self._drainer.join(timeout=1)  # its last words, written just before it died
        return f" with code {code}{self._said()}"

    def _said(self) -> str:
        return "; stderr: " + " | ".join(self._stderr) if self._stderr else ""

    def close(self) -> None:
        """End the process: close its input, then kill it if it does not exit."""
        process = self._process
        if process.poll() is None:
            try:
                assert process.stdin is not None
                process.stdin.close()
                process.wait(timeout=2)
            except (OSError, subprocess.TimeoutExpired):
                process.kill()
                process.wait()
