"""``anywidget-core serve FILE[:ATTR]``: show a file's widgets on a local page until Ctrl-C."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from types import FrameType

from .target import load_for_command

LOOPBACK = {"127.0.0.1", "localhost", "::1"}
TOKEN_ENV = "ANYWIDGET_CORE_TOKEN"  # the token, when --token is not given (like JUPYTER_TOKEN)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("target", metavar="FILE[:ATTR]", help="a .py file or module; ATTR names the widget(s)")
    parser.add_argument("--host", default="127.0.0.1", help="interface to bind (default: 127.0.0.1, this machine)")
    parser.add_argument("--port", type=int, default=0, help="port to bind (default: a free one)")
    parser.add_argument("--no-browser", action="store_true", help="do not open a web browser")
    parser.add_argument("--title", default=None, help="page title (default: the target)")
    auth = parser.add_mutually_exclusive_group()
    auth.add_argument(
        "--token",
        default=None,
        help=f"the token the page and WebSocket need (default: ${TOKEN_ENV}, else a random one per run; "
        "the printed URL carries it)",
    )
    auth.add_argument(
        "--no-token", action="store_true", help="no authentication: anyone who can reach the port drives the widgets"
    )
    parser.add_argument(
        "--allow-host",
        action="append",
        default=[],
        metavar="NAME",
        help="a host name browsers may use besides localhost, the bind address and IP addresses (repeatable)",
    )


def run(args: argparse.Namespace) -> int:
    try:
        from anywidget_core.hosts.standalone import serve
    except ImportError as exc:
        print(f"error: serve needs anywidget-core[standalone] ({exc})", file=sys.stderr)
        return 2
    widgets = load_for_command(args.target)
    if isinstance(widgets, int):
        return widgets
    token: str | bool = False if args.no_token else (args.token or os.environ.get(TOKEN_ENV) or True)
    if args.no_token:
        reach = "this machine" if args.host in LOOPBACK else args.host
        print(
            f"warning: --no-token: any user or process that can reach {reach}:{args.port or '<port>'} can drive "
            "these widgets (and the Python handlers behind them)",
            file=sys.stderr,
        )
    elif args.host not in LOOPBACK:
        print(
            f"note: binding {args.host}: anyone with the URL (it carries the token) can drive these widgets",
            file=sys.stderr,
        )
    try:
        title = args.title or args.target
        server = serve(
            widgets,
            host=args.host,
            port=args.port,
            open_browser=not args.no_browser,
            title=title,
            token=token,
            allow_hosts=args.allow_host,
        )
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"error: cannot listen on {args.host}:{args.port}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    names = ", ".join(widgets)
    print(f"serving {len(widgets)} widget(s) ({names}) at {server.url}", file=sys.stderr)
    print(server.url, flush=True)  # alone on stdout, for scripts
    print("press Ctrl-C to stop", file=sys.stderr, flush=True)
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = signal.signal(signal.SIGTERM, on_signal)
    try:
        while not stop.wait(0.5):  # a timed wait, so Ctrl-C (KeyboardInterrupt) is seen promptly
            pass
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        print("stopping", file=sys.stderr)
        server.stop()
    return 0
