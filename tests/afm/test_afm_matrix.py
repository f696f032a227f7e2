"""The AFM conformance matrix, measured again in every host and compared with the committed one.

One run of the driver for the module (every host started once). A cell that changes, in any host, fails here:
regenerate with ``python tests/afm/afm_driver.py --write`` if the change is intended and review the diff.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from afm_driver import FEATURES, HOST_TITLES, HOSTS, MATRIX, cells, run_hosts

pytestmark = [pytest.mark.browser, pytest.mark.timeout(400)]

# The hosts anywidget-core's own runtime serves: it must pass every row there (n/a only where the host cannot
# have the feature).
OUR_RUNTIME = ["standalone", "static", "panel"]


def committed_cells() -> dict[str, dict[str, str]]:
    """Feature -> host -> status, read back from protocol/afm-matrix.md."""
    rows = [line for line in MATRIX.read_text(encoding="utf-8").splitlines() if line.startswith("| ")]
    header = [c.strip() for c in rows[0].strip("|").split("|")][1:]
    by_title = {title: host for host, title in HOST_TITLES.items()}
    hosts = [by_title[title] for title in header]
    out: dict[str, dict[str, str]] = {}
    for row in rows[1:]:
        first, *rest = (c.strip() for c in row.strip("|").split("|"))
        match = re.match(r"`(\w+)`", first)
        if not match:
            continue
        out[match.group(1)] = {h: re.sub(r"[*]|\s*\[\d+\]$", "", c) for h, c in zip(hosts, rest, strict=True)}
    return out


@pytest.fixture(scope="module")
def measured(browser: Any) -> dict[str, dict[str, dict[str, Any]]]:
    return run_hosts(browser, HOSTS)


def test_committed_matrix_has_every_feature_and_host() -> None:
    committed = committed_cells()
    assert list(committed) == [name for name, _, _ in FEATURES]
    assert all(list(row) == HOSTS for row in committed.values())


def test_matrix_matches_the_committed_one(measured: dict[str, dict[str, dict[str, Any]]]) -> None:
    now = cells(measured)
    committed = committed_cells()
    changed = {
        f"{feature} @ {host}": f"{committed[feature][host]} -> {status} ({measured[host][feature].get('reason')})"
        for feature, row in now.items()
        for host, status in row.items()
        if committed[feature][host] != status
    }
    assert not changed, changed


@pytest.mark.parametrize("host", OUR_RUNTIME)
def test_our_runtime_fails_no_row(measured: dict[str, dict[str, dict[str, Any]]], host: str) -> None:
    failing = {name: r.get("reason") for name, r in measured[host].items() if r["status"] == "fail"}
    assert not failing, failing
