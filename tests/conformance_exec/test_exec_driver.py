"""The exec driver against implementations that break the line protocol: each failure is reported with its
cause, within the timeout, and the run goes on with a fresh process."""

from __future__ import annotations

import shlex
import sys
import textwrap
import time
from pathlib import Path

import pytest

from anywidget_core.cli import main
from anywidget_core.conformance import load_vectors
from anywidget_core.conformance.exec_driver import ExecTarget
from anywidget_core.conformance.process import ExecError, LineProcess, decode_line

VECTORS = load_vectors()[:2]


def _script(tmp_path: Path, body: str) -> str:
    path = tmp_path / "impl.py"
    path.write_text(textwrap.dedent(body), encoding="utf-8")
    return f"{shlex.quote(sys.executable)} {shlex.quote(str(path))}"


def test_a_process_that_exits_is_reported_with_its_code_and_stderr(tmp_path: Path) -> None:
    command = _script(tmp_path, "import sys\nsys.stderr.write('boom\\n')\nsys.exit(3)\n")
    outcomes = ExecTarget(command, timeout=5).run(VECTORS)
    assert [o.status for o in outcomes] == ["fail", "fail"]
    assert "exited with code 3" in outcomes[0].detail
    assert "boom" in outcomes[0].detail


def test_garbage_on_stdout_is_reported(tmp_path: Path) -> None:
    command = _script(
        tmp_path,
        """
        import sys
        for line in sys.stdin:
            print("hello there", flush=True)
        """,
    )
    outcomes = ExecTarget(command, timeout=5).run(VECTORS)
    assert outcomes[0].status == "fail"
    assert "not JSON" in outcomes[0].detail and "hello there" in outcomes[0].detail


def test_silence_times_out(tmp_path: Path) -> None:
    command = _script(tmp_path, "import sys, time\nsys.stdin.readline()\ntime.sleep(30)\n")
    started = time.monotonic()
    outcomes = ExecTarget(command, timeout=0.5).run(VECTORS[:1])
    assert time.monotonic() - started < 10
    assert outcomes[0].status == "fail"
    assert "no answer within 0.5 s" in outcomes[0].detail


def test_a_crash_mid_vector_fails_that_vector_and_the_next_gets_a_new_process(tmp_path: Path) -> None:
    # Answers hello and reset, then dies at the first show; a second process (a new "life") does the same.
    command = _script(
        tmp_path,
        """
        import json, sys
        for line in sys.stdin:
            request = json.loads(line)
            if request["op"] == "show":
                sys.exit(4)
            ids = {name: name * 4 for name in request.get("widgets", {})}
            print(json.dumps({"model_ids": ids}), flush=True)
        """,
    )
    outcomes = ExecTarget(command, timeout=5).run(VECTORS)
    assert [o.status for o in outcomes] == ["fail", "fail"]
    assert all("exited with code 4" in o.detail for o in outcomes)


def test_a_fail_answer_fails_the_vector_with_its_text(tmp_path: Path) -> None:
    command = _script(
        tmp_path,
        """
        import json, sys
        for line in sys.stdin:
            op = json.loads(line)["op"]
            print(json.dumps({} if op == "hello" else {"fail": "no such type here"}), flush=True)
        """,
    )
    outcomes = ExecTarget(command, timeout=5).run(VECTORS[:1])
    assert outcomes[0].status == "fail"
    assert "could not do 'reset': no such type here" in outcomes[0].detail


def test_a_command_that_does_not_exist(tmp_path: Path) -> None:
    outcomes = ExecTarget(str(tmp_path / "nothing-here"), timeout=5).run(VECTORS[:1])
    assert outcomes[0].status == "fail"
    assert "cannot start" in outcomes[0].detail


def test_reply_lines_must_be_objects_and_unsafe_integers_are_doubles() -> None:
    with pytest.raises(ExecError, match="not an object"):
        decode_line(b"[1]\n")
    assert decode_line(b'{"n": 1152921504606847000, "m": 9007199254740991}') == {
        "n": float(2**60),
        "m": 9007199254740991,
    }
    assert isinstance(decode_line(b'{"m": 9007199254740991}')["m"], int)


def test_line_process_round_trip() -> None:
    echo = "import sys\nfor line in sys.stdin:\n    sys.stdout.write(line)\n    sys.stdout.flush()\n"
    process = LineProcess(f"{shlex.quote(sys.executable)} -c {shlex.quote(echo)}", timeout=5)
    try:
        assert process.ask({"op": "x", "s": "\ud800"}) == {"op": "x", "s": "\ud800"}
    finally:
        process.close()


def test_a_dead_process_keeps_saying_so(tmp_path: Path) -> None:
    process = LineProcess(_script(tmp_path, "import sys\nsys.exit(5)\n"), timeout=30)
    try:
        for _ in range(2):
            started = time.monotonic()
            with pytest.raises(ExecError, match="exited with code 5"):
                process.ask({"op": "hello", "version": 1})
            assert time.monotonic() - started < 10
    finally:
        process.close()


def test_exec_does_not_combine_with_host(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["conformance", "--exec", "true", "--host", "memory"]) == 2
    assert "does not combine" in capsys.readouterr().out


def test_hello_unsupported_marks_requiring_vectors_na(tmp_path: Path) -> None:
    command = _script(
        tmp_path,
        """
        import json, sys
        for line in sys.stdin:
            op = json.loads(line)["op"]
            print(json.dumps({"unsupported": ["request_state"]} if op == "hello" else {"fail": "no"}), flush=True)
        """,
    )
    vectors = [v for v in load_vectors() if v["name"] in {"frontend_request_state", "open_full_state"}]
    outcomes = {o.vector: o.status for o in ExecTarget(command, timeout=5).run(vectors)}
    assert outcomes == {"frontend_request_state": "n/a", "open_full_state": "fail"}


def test_hello_unsupported_control_comm_marks_the_control_vectors_na(tmp_path: Path) -> None:
    command = _script(
        tmp_path,
        """
        import json, sys
        for line in sys.stdin:
            op = json.loads(line)["op"]
            print(json.dumps({"unsupported": ["control_comm"]} if op == "hello" else {"fail": "no"}), flush=True)
        """,
    )
    vectors = [v for v in load_vectors() if v["name"].startswith("control_") or v["name"] == "open_full_state"]
    outcomes = {o.vector: o.status for o in ExecTarget(command, timeout=5).run(vectors)}
    assert len(outcomes) >= 5
    assert outcomes.pop("open_full_state") == "fail"
    assert set(outcomes.values()) == {"n/a"}
