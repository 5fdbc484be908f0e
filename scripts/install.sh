#!/usr/bin/env bash
# Creates .venv (once) and installs nanoforge with its test tools into it. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/toolchain.sh
PY=${PYTHON:-python3}
if [[ ! -x .venv/bin/python ]]; then
  "$PY" -m venv .venv
fi
stamp=.venv/.nanoforge-installed
if [[ ! -f $stamp || pyproject.toml -nt $stamp ]]; then
  .venv/bin/python -m pip install -q --upgrade pip >/dev/null
  .venv/bin/python -m pip install -q -e '.[test,cluster]'
  touch "$stamp"
fi
