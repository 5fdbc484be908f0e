#!/usr/bin/env bash
# The main job on the bundled example: check the fan project's signals and settings.
# (When the benchmark lands, this benchmarks the project and deploys into examples/firmware/.)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
.venv/bin/nanoforge check examples/fan
.venv/bin/nanoforge signals summary examples/fan/signals/bearing.csv
echo "examples/fan: signal files and nanoforge.toml are clean"
