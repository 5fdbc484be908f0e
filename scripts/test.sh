#!/usr/bin/env bash
# Installs, lints, and runs the whole test suite; prints pytest's summary line.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
.venv/bin/ruff check engine codegen daemon clients/cli tests bench examples
# Each test run gets its own daemon home so that it never meets a user's daemon.
export NANOFORGE_HOME="${NANOFORGE_HOME:-$(mktemp -d /tmp/nanoforge-test.XXXXXX)}"
.venv/bin/python -m pytest -p no:cacheprovider "$@"
