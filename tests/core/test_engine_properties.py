"""Properties of the protocol engine under arbitrary front-end input (hypothesis)."""

from __future__ import annotations

import copy
import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import anywidget_core as awc
from anywidget_core.conformance.schemas import validator_for
from anywidget_core.host import MemoryHost


class Target(awc.Widget):
    n: int = 0
    label: str = ""
    points: list[float] = []
    blob: bytes = b""
    meta: dict[str, Any] = {}
    _secret: str = "s"


FIELDS = ["n", "label", "points", "blob", "meta", "_secret", "_esm", "_css", "unknown"]
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3),
    max_leaves=10,
)
paths = st.lists(st.lists(st.sampled_from(FIELDS) | st.integers(-1, 3) | st.text(max_size=3), max_size=3), max_size=3)
update = st.fixed_dictionaries(
    {"method": st.just("update"), "state": st.dictionaries(st.sampled_from(FIELDS), json_values, max_size=4)},
    optional={"buffer_paths": paths},
)
other = st.fixed_dictionaries(
    {"method": st.sampled_from(["custom", "request_state", "echo_update", "open", "error", "bogus", "update"])},
    optional={"content": json_values, "state": json_values, "extra": json_values},
)
message = update | other | json_values
buffers = st.lists(st.binary(max_size=4), max_size=3)


@pytest.fixture(autouse=True, scope="module")
def _rejections_unlogged() -> Iterator[None]:
    """Hundreds of rejections are expected here. The level is restored after the module: left at CRITICAL, it
    hid every later test's error records (the standalone encode test, which asserts one, failed in a full run)."""
    logger = logging.getLogger("anywidget_core")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    yield
    logger.setLevel(level)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.lists(st.tuples(message, buffers), max_size=12))
def test_arbitrary_messages_never_raise_or_corrupt_state(stream: list[tuple[Any, list[bytes]]]) -> None:
    w = Target()
    fe = MemoryHost().probe(w)
    fe.take()
    for data, bufs in stream:
        before = copy.deepcopy(w.get_state())
        fe.deliver(copy.deepcopy(data), bufs)
        out = fe.take()
        after = w.get_state()
        for received in out:  # everything sent is a valid protocol message
            errors = list(validator_for(received.data["method"]).iter_errors(received.data))
            assert not errors, (received.data, errors[0].message)
        errors = [m for m in out if m.data["method"] == "error"]
        if errors:
            assert after == before, "a rejected message must leave state unchanged"
            assert len(errors) == 1 and errors[0].data["message"]
        elif isinstance(data, dict) and data.get("method") == "update":
            # accepted whole: every written field now holds what was sent (buffers aside)
            for name, value in data["state"].items():
                if name in ("n", "label", "meta") and not data.get("buffer_paths"):
                    assert json.loads(json.dumps(after[name])) == value
        assert after["_secret"] == "s"
    # and the widget still works
    fe.deliver({"method": "update", "state": {"n": 41}})
    assert w.n == 41
    assert fe.take()[-1].data == {"method": "echo_update", "state": {"n": 41}, "buffer_paths": []}


# ---------------------------------------------------------------------------- the fast path agrees with the full one

_plain_values = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5)
_any_values = st.recursive(
    _plain_values,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=3),
    max_leaves=5,
)
_state_keys = st.sampled_from(["n", "label", "points", "_secret", "unknown"]) | st.integers() | st.none()
_near_plain = st.builds(
    lambda method, state, extra, drop: {
        k: v for k, v in {"method": method, "state": state, **extra}.items() if k not in drop
    },
    st.sampled_from(["update", "custom", "bogus", None]),
    st.dictionaries(_state_keys, _any_values, max_size=4) | _any_values,
    st.dictionaries(st.sampled_from(["buffer_paths", "content", "x"]), _any_values | st.just([]), max_size=2),
    st.sets(st.sampled_from(["state", "method"]), max_size=1),
)
_buffer_args = st.sampled_from([[], (), None, [b"x"], "ab"])
_limits = st.builds(awc.Limits, max_depth=st.integers(0, 3), max_keys=st.integers(0, 5))


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_near_plain, _buffer_args, _limits)
def test_plain_update_fast_path_decides_like_the_full_path(data: Any, buffers: Any, limits: Any) -> None:
    """The one-pass path for plain scalar updates must give the same event (or rejection) as the general one."""
    from unittest import mock

    from anywidget_core import connection
    from anywidget_core.connection import Connection, Phase

    def receive(fast: bool) -> str:
        engine = Connection(Target._schema, limits)
        engine.phase = Phase.OPEN
        if fast:
            return repr(engine.receive(copy.deepcopy(data), buffers))
        with mock.patch.object(connection, "_plain_update_state", lambda *args: None):
            return repr(engine.receive(copy.deepcopy(data), buffers))

    assert receive(fast=True) == receive(fast=False)


_python_values = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**53) + 1, 2**53 - 1), st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=4), st.lists(st.floats(allow_nan=False, allow_infinity=False), max_size=2), st.binary(max_size=2),
)  # fmt: skip


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(st.sampled_from(["n", "label", "points", "blob", "meta", "_esm"]), _python_values, max_size=3))
def test_flat_state_sends_what_the_general_encoding_sends(values: dict[str, Any]) -> None:
    """A state ``Schema.is_flat`` accepts (sets and echoes of scalars skip encoding) must give the very data
    ``Schema.encode`` + ``Connection.send`` give, for updates and echoes; anything else must not be called flat."""
    from anywidget_core.connection import Connection, LocalProtocolError, Phase
    from anywidget_core.messages import EchoUpdate, Update

    schema = Target._schema
    engine = Connection(schema)
    with pytest.raises(LocalProtocolError):  # nothing but open before open, flat or not
        engine.send_flat("update", {"n": 1})
    engine.phase = Phase.OPEN
    needs_encoding = any(isinstance(v, (bytes, list)) for v in values.values()) or "_esm" in values  # not a field
    if needs_encoding or not schema.is_flat(values):
        assert not schema.is_flat(values)
        return
    state, paths, buffers = schema.encode(values)
    assert (state, paths, buffers) == (values, [], [])
    for method, cls in (("update", Update), ("echo_update", EchoUpdate)):
        flat = engine.send_flat(method, values)
        assert flat == engine.send(cls(state=state, buffer_paths=paths)).data
        assert flat["state"] is not values  # a fresh dict per message, as send gives
    engine.phase = Phase.CLOSED
    with pytest.raises(LocalProtocolError):
        engine.send_flat("update", values)
