#!/usr/bin/env bash
# Sets up a fresh machine for the full test suite and runs it: Debian's Chromium for the browser tests (never a
# downloaded browser) and Node.js, the package with its test extra, then lint, types, schema drift and pytest. In CI a skipped
# test fails the run (tests/conftest.py), so a missing dependency cannot hide.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian's packages the tests need: Chromium (browser tests), Node.js and npm (the JavaScript reference
# implementation of the protocol and TypeScript's checker for generated type definitions).
MISSING=()
command -v chromium >/dev/null 2>&1 || MISSING+=(chromium)
command -v node >/dev/null 2>&1 || MISSING+=(nodejs)
command -v npm >/dev/null 2>&1 || MISSING+=(npm)
if [ "${#MISSING[@]}" -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then APT=(apt-get); else APT=(sudo apt-get); fi
  "${APT[@]}" update -qq
  DEBIAN_FRONTEND=noninteractive "${APT[@]}" install -y -qq "${MISSING[@]}" >/dev/null
fi

python -m pip install -q --disable-pip-version-check -e ".[test]"

ruff check anywidget_core hosts tests benchmarks scripts
ruff format --check anywidget_core hosts tests benchmarks scripts
mypy anywidget_core hosts
python -m anywidget_core schemas --check --dir schemas

python -m pytest -p no:cacheprovider "$@"

# marimo's and Panel's internals are private and change between minor versions: their tests also run against the
# lowest versions pyproject.toml declares, in a throwaway venv that sees everything installed above
# (scripts/overlay_venv.py: a --system-site-packages venv would see the base interpreter's packages, not this venv's).
LOWEST=($(python scripts/lowest.py marimo panel))
OVERLAY="$(mktemp -d)"
trap 'rm -rf "$OVERLAY"' EXIT
PYTHON_LOW="$(python scripts/overlay_venv.py "$OVERLAY/lowest" "${LOWEST[@]}")"
"$PYTHON_LOW" scripts/lowest.py --check "${LOWEST[@]}"
"$PYTHON_LOW" -m pytest -p no:cacheprovider tests/marimo tests/panel "$@"
