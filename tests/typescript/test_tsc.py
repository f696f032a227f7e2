"""The generated .d.ts under the real compiler: tsc --strict accepts a correct widget module and rejects wrong
types with the expected errors, against the pinned @anywidget/types."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from . import npm

HERE = Path(__file__).parent
EXPECT = re.compile(r"// expect: (TS\d+) (.*)$")
Errors = dict[str, dict[int, tuple[str, str]]]  # file -> line -> (code, first line of the message)
ERROR = re.compile(r"^(?P<file>[\w.]+)\((?P<line>\d+),\d+\): error (?P<code>TS\d+): (?P<message>.*)$")


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with the generated widget.d.ts, the two widget modules and the cached node_modules."""
    modules = npm.ensure()
    root = tmp_path_factory.mktemp("ts")
    (root / "node_modules").symlink_to(modules, target_is_directory=True)
    for name in ("good_widget.ts", "bad_widget.ts"):
        (root / name).write_text((HERE / name).read_text())
    done = subprocess.run(
        [sys.executable, "-m", "anywidget_core", "types", f"{HERE / 'widgets.py'}:Everything", "-o", "widget.d.ts"],
        cwd=root, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return root


@pytest.fixture(scope="module")
def errors(project: Path) -> Errors:
    """tsc's errors on both widget modules (one compiler run: it takes seconds), by file and line."""
    config = {
        "compilerOptions": {
            "strict": True,
            "noEmit": True,
            "target": "es2022",
            "module": "esnext",
            "moduleResolution": "bundler",
            "lib": ["es2022", "dom"],
            "types": [],
            "skipLibCheck": False,  # the generated .d.ts is checked too
        },
        "files": ["good_widget.ts", "bad_widget.ts"],
    }
    (project / "tsconfig.json").write_text(json.dumps(config))
    compiler = project / "node_modules" / "typescript" / "bin" / "tsc"
    done = subprocess.run(
        ["node", str(compiler), "-p", "tsconfig.json", "--pretty", "false"],
        cwd=project, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    found: Errors = {}
    for line in done.stdout.splitlines():
        match = ERROR.match(line)
        if match:
            found.setdefault(match["file"], {})[int(match["line"])] = (match["code"], match["message"])
        else:  # only the indented continuation lines of a message may be left
            assert line.startswith(" "), done.stdout + done.stderr
    assert done.returncode == (2 if found else 0), done.stdout + done.stderr
    return found


def test_a_correct_widget_module_compiles(errors: Errors) -> None:
    assert set(errors) <= {"bad_widget.ts"}  # none in good_widget.ts, nor in the generated widget.d.ts


def test_wrong_types_fail_with_the_expected_errors(project: Path, errors: Errors) -> None:
    expected = {
        number: match.groups()
        for number, line in enumerate((project / "bad_widget.ts").read_text().splitlines(), start=1)
        if (match := EXPECT.search(line))
    }
    assert len(expected) == 10
    found = errors.get("bad_widget.ts", {})
    assert set(found) == set(expected), found
    for number, (code, fragment) in expected.items():
        assert found[number][0] == code, (number, found[number])
        assert fragment in found[number][1], (number, found[number])
