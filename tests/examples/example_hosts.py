"""Running an example's real host as a user would: a server process on loopback, its log, its end."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

EXAMPLES = Path(__file__).parents[2] / "examples"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def server(
    command: Sequence[str], log: Path, cwd: Path | None = None, env: dict[str, str] | None = None
) -> Iterator[subprocess.Popen[bytes]]:
    """``command`` running in its own process group (stdout and stderr to ``log``); the group is killed on exit."""
    with log.open("wb") as out:
        proc = subprocess.Popen(
            list(command), stdout=out, stderr=subprocess.STDOUT, cwd=cwd, env=env, start_new_session=True
        )
    try:
        yield proc
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)


def wait_http(url: str, proc: subprocess.Popen[bytes], log: Path, timeout: float = 90) -> None:
    """Until ``url`` answers; fails with the server's log if the process ends or time runs out."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            urllib.request.urlopen(url, timeout=2).close()
            return
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"{url} did not come up:\n{log.read_text(errors='replace')}") from None
            time.sleep(0.3)


@contextlib.contextmanager
def marimo_run(
    target: Path, log: Path, cwd: Path | None = None, env: dict[str, str] | None = None, timeout: float = 90
) -> Iterator[str]:
    """``marimo run`` of a notebook (or a folder of them) on a free local port, headless and without a token;
    yields its URL once it answers, and stops the server's process group on exit."""
    port = free_port()
    command = [sys.executable, "-m", "marimo", "-q", "run", str(target), "-p", str(port)]
    command += ["--host", "127.0.0.1", "--headless", "--no-token"]
    with server(command, log, cwd=cwd, env=env) as proc:
        url = f"http://127.0.0.1:{port}"
        wait_http(url, proc, log, timeout=timeout)
        yield url


def first_url(log: Path, proc: subprocess.Popen[bytes], timeout: float = 60) -> str:
    """The first line of ``log`` that is a URL, as the server printed it (with any token it added)."""
    deadline = time.monotonic() + timeout
    while True:
        for line in log.read_text(errors="replace").splitlines():
            if line.startswith(("http://", "https://")):
                return line.strip()
        if proc.poll() is not None or time.monotonic() > deadline:
            raise AssertionError(f"no URL printed:\n{log.read_text(errors='replace')}")
        time.sleep(0.2)


def click_through_counter(page: Any, start: int, step: int = 1, timeout: float = 60_000) -> None:
    """Drive examples/counter.py's widget on ``page``: it renders and comes to show ``start``, two clicks count up
    by ``step``, and "reset" asks Python, which answers with the value it had: proof that the clicks reached
    Python."""
    shows = lambda n: page.locator(".awc-counter-value", has_text=re.compile(f"^{n}$"))  # noqa: E731
    shows(start).wait_for(timeout=timeout)
    page.locator(".awc-counter-inc").click()
    shows(start + step).wait_for(timeout=10_000)
    page.locator(".awc-counter-inc").click()
    shows(start + 2 * step).wait_for(timeout=10_000)
    page.locator(".awc-counter-reset").click()
    page.locator(".awc-counter-note", has_text=f"reset from {start + 2 * step}").wait_for(timeout=20_000)
    shows(0).wait_for(timeout=10_000)
