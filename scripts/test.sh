#!/usr/bin/env bash
# Sets up a fresh machine for the full test suite and runs it: Debian's Chromium for the browser tests (never a
# downloaded browser), the package with its test extra, then lint, types, schema drift and pytest. In CI a skipped
# test fails the run (tests/conftest.py), so a missing dependency cannot hide.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then APT=(apt-get); else APT=(sudo apt-get); fi
  "${APT[@]}" update -qq
  DEBIAN_FRONTEND=noninteractive "${APT[@]}" install -y -qq chromium >/dev/null
fi

python -m pip install -q --disable-pip-version-check -e ".[test]"

ruff check anywidget_core hosts tests benchmarks
ruff format --check anywidget_core hosts tests benchmarks
mypy anywidget_core hosts
python -m anywidget_core schemas --check

python -m pytest -p no:cacheprovider "$@"
