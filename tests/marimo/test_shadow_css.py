"""``hosts.shadow_css.root_to_host`` (for marimo's shadow roots) against ``runtime.js``'s ``rootToHost`` (for the
hosts that run it): the same rewrite, checked on the same inputs in Node."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from anywidget_core.hosts.shadow_css import root_to_host

RUNTIME = Path(__file__).parents[2] / "anywidget_core" / "static" / "runtime.js"

CASES = [
    ":root { --fill: red; }",
    ":root{--a:b} .x:root-y{} /* :root */ a[href=':root']{}",
    'a::after { content: ":root {"; } :ROOT .b { color: var(--x); }',
    ".a\\:root { color: red } :root, .dark :root { --bg: #000 }",
    "@media (min-width: 10px) { :root { --w: 1px } } @import url(':root');",
    ":is(:root, .x) .y { margin: 0 } .z { background: url(:root) }",
    "no root here { x: y }",
    ":root",  # no block: not a selector
    '"unterminated :root { a: b }\n:root { c: d }',
]


def test_python_and_javascript_rewrite_alike() -> None:
    script = (
        f"const m = await import({json.dumps(RUNTIME.as_uri())});"
        f"console.log(JSON.stringify({json.dumps(CASES)}.map(m.rootToHost)));"
    )
    result = subprocess.run(
        ["node", "--input-type=module", "-e", script], capture_output=True, text=True, check=True, timeout=60
    )
    assert json.loads(result.stdout) == [root_to_host(css) for css in CASES]


@pytest.mark.parametrize(
    ("css", "expected"),
    [
        (":root { --fill: red; }", ":host { --fill: red; }"),
        ("/* :root */ .a { b: c }", "/* :root */ .a { b: c }"),
        (".a:root-ish { }", ".a:root-ish { }"),
    ],
)
def test_root_selectors_become_host(css: str, expected: str) -> None:
    assert root_to_host(css) == expected
