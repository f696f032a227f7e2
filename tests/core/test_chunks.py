"""The chunked encoding's sans-IO pieces (SPEC §8.6): the splitter and the receiver's rules."""

from __future__ import annotations

import hashlib
import os
from typing import Any

import pytest

from anywidget_core.chunks import (
    Completed,
    Failed,
    Progress,
    Reassembler,
    Splitter,
    abort_message,
    is_chunk_message,
)
from anywidget_core.connection import Limits

MODEL = "m1"


def _update(paths: list[Any]) -> dict[str, Any]:
    return {"method": "update", "state": {}, "buffer_paths": paths}


def _feed_all(reassembler: Reassembler, pieces: list[Any]) -> list[Any]:
    return [reassembler.feed(MODEL, p.data, p.buffers) for p in pieces]


def test_a_small_message_is_sent_unchanged() -> None:
    data = _update([["a"]])
    pieces = list(Splitter(chunk_bytes=10).split(data, [b"0123456789"]))
    assert len(pieces) == 1
    assert pieces[0].data is data and bytes(pieces[0].buffers[0]) == b"0123456789" and pieces[0].transfer is None
    assert next(iter(Splitter(chunk_bytes=10).split({"method": "custom", "content": 1}, []))).buffers == []


def test_split_then_reassemble_gives_the_same_message_and_bytes() -> None:
    a, b, empty = os.urandom(1000), os.urandom(2501), b""
    data = _update([["a"], ["b"], ["c"]])
    pieces = list(Splitter(chunk_bytes=256).split(data, [a, empty, b]))
    announce = pieces[0].data
    assert announce == {"method": "chunked", "transfer": 1, "message": data, "sizes": [1000, 0, 2501]}
    assert pieces[0].buffers == []
    assert all(p.data == {"method": "chunk", "transfer": 1} and len(p.buffers) == 1 for p in pieces[1:])
    assert max(p.buffers[0].nbytes for p in pieces[1:]) <= 256
    loaded = [p.loaded for p in pieces]
    assert loaded == sorted(loaded) and loaded[-1] == 3501 and all(p.total == 3501 for p in pieces)

    events = _feed_all(Reassembler(), pieces)
    assert all(isinstance(e, Progress) for e in events[:-1])
    assert [e.loaded for e in events[:-1]] == loaded[:-1]
    done = events[-1]
    assert isinstance(done, Completed)
    assert done.data == data and done.total == 3501
    assert [hashlib.sha256(v).hexdigest() for v in done.buffers] == [
        hashlib.sha256(x).hexdigest() for x in (a, empty, b)
    ]


def test_transfer_ids_differ_per_message() -> None:
    splitter = Splitter(chunk_bytes=4)
    first = next(iter(splitter.split(_update([["a"]]), [b"12345"])))
    second = next(iter(splitter.split(_update([["a"]]), [b"12345"])))
    assert first.data["transfer"] != second.data["transfer"]


def test_pieces_spanning_buffers_are_accepted() -> None:
    # a sender may cut anywhere in the concatenation (the page's runtime does not have to cut at buffer bounds)
    r = Reassembler()
    r.feed(MODEL, {"method": "chunked", "transfer": 7, "message": _update([["a"], ["b"]]), "sizes": [3, 4]})
    assert isinstance(r.feed(MODEL, {"method": "chunk", "transfer": 7}, [b"abcd"]), Progress)
    done = r.feed(MODEL, {"method": "chunk", "transfer": 7}, [b"efg"])
    assert isinstance(done, Completed)
    assert [bytes(v) for v in done.buffers] == [b"abc", b"defg"]


def _announce(r: Reassembler, transfer: int, sizes: list[int], limits: Limits | None = None) -> Any:
    data = {"method": "chunked", "transfer": transfer, "message": _update([["x"]] * len(sizes)), "sizes": sizes}
    return r.feed(MODEL, data, [], limits or Limits())


def _code(event: Any) -> str:
    assert isinstance(event, Failed), event
    assert event.frame.data["method"] == "error"
    return str(event.error.code.value)


def test_an_announced_total_over_the_limit_is_too_large_and_nothing_is_kept() -> None:
    r = Reassembler()
    assert _code(_announce(r, 1, [600, 500], Limits(max_buffer_bytes=1000))) == "too_large"
    assert _code(_announce(r, 2, [1] * 5, Limits(max_buffers=4))) == "too_large"
    assert r.in_progress == 0


def test_announcing_costs_nothing_until_bytes_arrive() -> None:
    r = Reassembler()
    assert isinstance(_announce(r, 1, [1 << 30]), Progress)
    assert r.held_bytes == 0 and r.in_progress == 1
    r.feed(MODEL, {"method": "chunk", "transfer": 1}, [b"x" * 100])
    assert r.held_bytes == 100


def test_too_many_transfers_in_progress() -> None:
    r = Reassembler(max_transfers=2)
    assert isinstance(_announce(r, 1, [10]), Progress)
    assert isinstance(_announce(r, 2, [10]), Progress)
    assert _code(_announce(r, 3, [10])) == "too_large"
    assert r.in_progress == 2


def test_held_bytes_are_capped_over_all_transfers() -> None:
    r = Reassembler(max_held_bytes=15)
    _announce(r, 1, [10])
    _announce(r, 2, [10])
    assert isinstance(r.feed(MODEL, {"method": "chunk", "transfer": 1}, [b"x" * 9]), Progress)
    assert _code(r.feed(MODEL, {"method": "chunk", "transfer": 2}, [b"x" * 9])) == "too_large"
    assert r.in_progress == 1  # the transfer that broke the cap is dropped, the other goes on


def test_overrun_unknown_and_reused_transfers_fail_and_drop() -> None:
    r = Reassembler()
    _announce(r, 1, [4])
    failed = r.feed(MODEL, {"method": "chunk", "transfer": 1}, [b"12345"])
    assert _code(failed) == "malformed"
    assert isinstance(failed, Failed) and failed.frame.data["rejected"] == "update"  # the page can resync
    assert r.in_progress == 0
    assert _code(r.feed(MODEL, {"method": "chunk", "transfer": 1}, [b"1"])) == "malformed"  # gone: unknown now
    assert _code(r.feed(MODEL, {"method": "chunk", "transfer": 99}, [b"1"])) == "malformed"
    _announce(r, 5, [4])
    assert _code(_announce(r, 5, [4])) == "malformed"
    assert r.in_progress == 0
    _announce(r, 6, [4])
    assert _code(r.feed("another-model", {"method": "chunk", "transfer": 6}, [b"1"])) == "malformed"


@pytest.mark.parametrize(
    ("data", "buffers"),
    [
        ({"method": "chunked", "transfer": "1", "message": {"method": "update"}, "sizes": [1]}, []),
        ({"method": "chunked", "transfer": -1, "message": {"method": "update"}, "sizes": [1]}, []),
        ({"method": "chunked", "transfer": 1, "message": {"method": "update"}, "sizes": [1.5]}, []),
        ({"method": "chunked", "transfer": 1, "message": {"method": "update"}, "sizes": [-1]}, []),
        ({"method": "chunked", "transfer": 1, "message": {"method": "update"}, "sizes": "1"}, []),
        ({"method": "chunked", "transfer": 1, "message": [], "sizes": [1]}, []),
        ({"method": "chunked", "transfer": 1, "message": {"method": "chunked"}, "sizes": [1]}, []),
        ({"method": "chunked", "transfer": 1, "message": {"method": "update"}, "sizes": [1], "x": 1}, []),
        ({"method": "chunked", "transfer": 1, "message": {"method": "update"}, "sizes": [1]}, [b"a"]),
        ({"method": "chunk", "transfer": True}, [b"a"]),
    ],
)
def test_malformed_frames_fail_without_raising(data: dict[str, Any], buffers: list[bytes]) -> None:
    r = Reassembler()
    assert _code(r.feed(MODEL, data, buffers)) in {"malformed", "bad_buffers"}
    assert r.in_progress == 0


def test_a_chunk_needs_exactly_one_binary_buffer() -> None:
    r = Reassembler()
    _announce(r, 1, [4])
    assert _code(r.feed(MODEL, {"method": "chunk", "transfer": 1}, [b"12", b"34"])) == "bad_buffers"
    _announce(r, 2, [4])
    assert _code(r.feed(MODEL, {"method": "chunk", "transfer": 2}, ["12"])) == "bad_buffers"
    assert r.in_progress == 0


def test_abort_and_close_drop_transfers() -> None:
    r = Reassembler()
    _announce(r, 1, [4])
    _announce(r, 2, [4])
    assert r.feed(MODEL, abort_message(1)) is None
    assert r.in_progress == 1
    r.drop_model(MODEL)
    assert r.in_progress == 0
    _announce(r, 3, [4])
    r.drop_all()
    assert r.in_progress == 0


def test_an_empty_announced_total_completes_at_once() -> None:
    done = _announce(Reassembler(), 1, [0])
    assert isinstance(done, Completed) and [bytes(v) for v in done.buffers] == [b""]


def test_is_chunk_message() -> None:
    assert is_chunk_message({"method": "chunk"}) and is_chunk_message({"method": "chunk_abort"})
    assert not is_chunk_message({"method": "update"}) and not is_chunk_message([]) and not is_chunk_message(None)
    assert not is_chunk_message({"method": ["chunk"]})


def test_the_widget_progress_hook_follows_on_msg() -> None:
    from anywidget_core import Widget

    class W(Widget):
        pass

    w = W()
    seen: list[tuple[str, int, int]] = []

    def handler(widget: Widget, p: Progress) -> None:
        assert widget is w
        seen.append((p.direction, p.loaded, p.total))

    def broken(widget: Widget, p: Progress) -> None:
        raise RuntimeError("a failing handler is logged, never raised into the host")

    assert not w.has_progress_handlers
    w.on_progress(broken)
    w.on_progress(handler)
    assert w.has_progress_handlers
    w.report_progress(Progress(w.model_id, 1, "receive", 5, 10))
    w.on_progress(handler, remove=True)
    w.report_progress(Progress(w.model_id, 1, "receive", 10, 10))
    assert seen == [("receive", 5, 10)]
