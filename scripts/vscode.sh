#!/usr/bin/env bash
# The VS Code extension (clients/vscode): npm ci, build the .vsix, unit tests, then the
# end-to-end test in a real VS Code (code-server, from ../shared/tools/vscode-e2e/setup.sh)
# with screenshots in clients/vscode/test-output/e2e/. Needs .venv (scripts/install.sh).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT/clients/vscode"
npm ci --no-audit --no-fund --loglevel=error
log=$(mktemp)
npm run --silent build >"$log" 2>&1 || { cat "$log"; exit 1; }
rm -f "$log"
npm run --silent test
SETUP="$ROOT/../shared/tools/vscode-e2e/setup.sh"
if [[ ! -f $SETUP ]]; then
  echo "vscode e2e: skipped ($SETUP not found)"
  exit 0
fi
E2E_DIR=$(bash "$SETUP" | tail -n 1)
VSCODE_E2E_DIR=$E2E_DIR NANOFORGE_PYTHON="$ROOT/.venv/bin/python" node test/e2e/e2e.mjs 2>&1 | grep '^e2e' || {
  echo "vscode e2e failed: see clients/vscode/test-output/e2e/"; exit 1; }
