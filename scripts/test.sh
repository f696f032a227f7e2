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

# marimo's internals are private and change between minor versions: the marimo tests also run against the lowest
# marimo pyproject.toml declares, in a throwaway venv that sees everything else installed above.
MARIMO_MIN="$(python -c 'import re,tomllib;print(re.search(r"marimo>=([0-9.]+)",str(tomllib.load(open("pyproject.toml","rb"))["project"]["optional-dependencies"]["marimo"])).group(1))')"
VENV="$(mktemp -d)/marimo-min"
python -m venv --system-site-packages "$VENV"
"$VENV/bin/python" -m pip install -q --disable-pip-version-check "marimo==$MARIMO_MIN"
"$VENV/bin/python" -m pytest -p no:cacheprovider tests/marimo "$@"
rm -rf "$(dirname "$VENV")"
