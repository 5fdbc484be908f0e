#!/usr/bin/env bash
# Installs, lints, tests the VS Code extension (unit + end to end in a real VS Code), and
# runs the whole Python test suite; prints pytest's summary line last.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
.venv/bin/ruff check engine codegen daemon clients/cli tests bench examples
bash scripts/vscode.sh
# Each test run gets its own daemon home so that it never meets a user's daemon.
export NANOFORGE_HOME="${NANOFORGE_HOME:-$(mktemp -d /tmp/nanoforge-test.XXXXXX)}"
.venv/bin/python -m pytest -p no:cacheprovider "$@"
