"""Hostile front ends against every installed host, through each host's probe (its real transport code).

Parametrized over ``available_hosts()``: a host added later (Panel) is fuzzed with no change here. Quick by
default; ``ANYWIDGET_FUZZ_EXAMPLES=20000`` is the long setting (see README.md for the figures it reached).
"""

from __future__ import annotations

import gc
import json
import logging
import os
import weakref
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from anywidget_core.host import available_hosts

from .hostile import EXAMPLES, FIELDS, ErrorLog, Tally, Target, check_error, errors_in, hostile_message, intended, same

HOSTS = sorted(available_hosts())
# Found by this suite, reported to the host's owner; the leak check still runs and reports it as xfail.
KNOWN_LEAKS: dict[str, str] = {}


def _settings() -> settings:
    return settings(max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck))


@pytest.mark.timeout(3600 * 6)
@pytest.mark.parametrize("host_name", HOSTS)
def test_hostile_messages(host_name: str) -> None:
    tally, ref = _fuzz(host_name)
    gc.collect()
    leaked = ref() is not None
    _report(tally, leaked)
    assert tally.messages > 0
    assert not tally.failures, "\n".join(tally.failures)
    if leaked and host_name in KNOWN_LEAKS:
        pytest.xfail(KNOWN_LEAKS[host_name])
    assert not leaked, f"the widget outlived its closed {host_name} front end: {gc.get_referrers(ref())!r:.500}"


def _fuzz(host_name: str) -> tuple[Tally, weakref.ref[Target]]:
    """Attack one widget on one host; returns the figures and a weak reference to the (closed) widget."""
    host_cls = available_hosts()[host_name]
    assert host_cls.missing() is None, host_cls.missing()  # a missing host fails, never skips
    errors_delivered = "error" not in host_cls.drops
    echo_delivered = "echo_update" not in host_cls.drops
    host = host_cls()
    widget = Target()
    assets = {k: v for k, v in widget.full_state()[0].items() if k.startswith("_")}
    customs: list[Any] = []
    changes: list[Any] = []
    widget.on_msg(lambda w, content, buffers: customs.append(content))
    widget.observe(lambda change: changes.append(change.name))  # names: a Change holds the widget
    probe = host.probe(widget)
    probe.take()
    tally = Tally(host_name)
    errlog = ErrorLog()
    logging.getLogger("anywidget_core").addHandler(errlog)
    counter = iter(range(1, 1 << 62))

    def deliver(data: Any, buffers: list[bytes]) -> list[Any] | None:
        tally.messages += 1
        try:
            probe.deliver(data, buffers)
            got = probe.take()
            _forget(probe)
            return got
        except Exception as exc:  # escaped into the host (or broke its transport)
            tally.fail("crashes", f"{type(exc).__name__}: {exc} for {data!r:.200}")
            return None

    def one(data: Any, buffers: list[bytes]) -> None:
        before, n_changes, n_customs, n_logged = widget.get_state(), len(changes), len(customs), len(errlog.records)
        got = deliver(data, buffers)
        if got is None:
            return
        after = widget.get_state()
        if len(errlog.records) > n_logged:
            record = errlog.records[-1]
            trace = (record.exc_text or "")[-300:]
            tally.fail("crashes", f"logged {record.getMessage()} ...{trace} for {data!r:.200}")
        want = intended(data, buffers)
        unchanged = all(same(before[k], after[k]) for k in FIELDS) and len(changes) == n_changes
        applied = (
            want is not None
            and set(want) <= set(FIELDS)
            and all(same(after[k], want[k]) for k in want)
            and all(same(before[k], after[k]) for k in FIELDS if k not in want)
        )
        errors = errors_in(got)
        method = data.get("method") if isinstance(data, dict) else None
        if errors:
            tally.rejected += 1
            if not unchanged or len(customs) != n_customs:
                tally.fail("partial_applies", f"rejected but applied: {data!r:.200}")
            reason = None if len(errors) == 1 else f"{len(errors)} errors for one message"
            reason = reason or check_error(errors[0])
            if reason:
                tally.fail("silent_rejections", f"{reason}: {data!r:.200}")
        elif applied:
            tally.accepted += 1
            if echo_delivered and want:
                echoed = [r.data for r in got if r.data.get("method") == "echo_update"]
                keys = {*echoed[0]["state"], *(p[0] for p in echoed[0]["buffer_paths"])} if echoed else set()
                if len(echoed) != 1 or keys != set(want):
                    tally.fail("partial_applies", f"applied without one whole echo: {echoed!r:.200}")
        elif not unchanged:
            tally.fail("partial_applies", f"half-applied: {data!r:.200} -> {after!r:.200}")
        elif (method == "custom" and len(customs) == n_customs + 1) or (
            method == "request_state" and any(r.data.get("method") == "update" for r in got)
        ):
            tally.accepted += 1
        elif errors_delivered:
            tally.fail("silent_rejections", f"neither applied nor answered with an error: {data!r:.200}")
        else:
            tally.rejected += 1  # a host without an error channel (marimo): unchanged is all there is to see

    @_settings()
    @given(st.lists(hostile_message(nan=True), min_size=1, max_size=6))
    def attack(batch: list[tuple[Any, list[bytes]]]) -> None:
        for data, buffers in batch:
            one(data, buffers)
        # The widget still works: a valid update applies.
        value = next(counter)
        deliver({"method": "update", "state": {"count": value}, "buffer_paths": []}, [])
        if widget.count != value:
            tally.fail("crashes", f"a valid update after the batch did not apply (count={widget.count})")

    try:
        attack()
        state = widget.full_state()[0]
        if any(state[k] != v for k, v in assets.items()):
            tally.fail("private_writes", "a protocol key or asset changed")
        # Close from the front end: the link goes, and the widget can be collected once the host lets go.
        probe.close()
        assert not [link for link in widget.links.values() if not link.closed], widget.links
    finally:
        logging.getLogger("anywidget_core").removeHandler(errlog)
        for cleanup in ("disconnect", "release"):  # the session ends (a closed tab)
            getattr(probe, cleanup, lambda: None)()
        getattr(host, "shutdown", lambda: None)()
    return tally, weakref.ref(widget)


def _forget(probe: Any) -> None:
    """Probes that keep their whole stream (memory, Jupyter) would hold every echoed huge string of a long run."""
    frames = getattr(probe, "frames", None)
    if isinstance(frames, list) and hasattr(probe, "_seen"):
        frames.clear()
        probe._seen = 0


def _report(tally: Tally, leaked: bool) -> None:
    """With ANYWIDGET_FUZZ_REPORT=<dir>, write this path's figures (the long run's record)."""
    folder = os.environ.get("ANYWIDGET_FUZZ_REPORT")
    if not folder:
        return
    figures = {**tally.__dict__, "leaks": int(leaked), "examples": EXAMPLES}
    with open(os.path.join(folder, f"fuzz-{tally.host}.json"), "w", encoding="utf-8") as out:
        json.dump(figures, out, indent=1)
