#!/usr/bin/env bash
# The main job on the bundled example: benchmark examples/fan, deploy the best library
# into examples/firmware/nanoforge/, time it on every core, and build the example firmware against it.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
NF=.venv/bin/nanoforge
BUDGET=${NANOFORGE_BUDGET:-60}
$NF check examples/fan
$NF bench start examples/fan --time-budget "$BUDGET" --cores 2 --wait
$NF deploy examples/fan
$NF timing examples/fan
$NF bench candidates examples/fan --limit 5
make -s -C examples/firmware
