"""What the bench harnesses share: the CLI as a user runs it, and the usual options."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CLI = [sys.executable, "-m", "nanoforge.cli"]


def nf(*args: str) -> dict:
    """`nanoforge ARGS --json`, parsed; a failure stops the harness with the CLI's message."""
    r = subprocess.run([*CLI, *args, "--json"], capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit(f"nanoforge {' '.join(args)} failed: {r.stderr}")
    return json.loads(r.stdout)


def run(*args: str) -> None:
    """`nanoforge ARGS` for a command without a JSON answer (`signals add`), quietly, so a
    harness's --json output stays one document; a failure stops it with the CLI's message."""
    r = subprocess.run([*CLI, *args], capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit(f"nanoforge {' '.join(args)} failed: {r.stderr}")


def options(ap: argparse.ArgumentParser | None = None, budget: float = 300.0, cores: int = 2,
            argv: list[str] | None = None) -> argparse.Namespace:
    """The options every harness takes. The datasets live outside the repository: --datasets,
    else $NANOFORGE_DATASETS, else a `shared/datasets` folder beside the checkout."""
    ap = ap or argparse.ArgumentParser()
    ap.add_argument("--budget", type=float, default=budget, help=f"benchmark budget in seconds (default {budget:g})")
    ap.add_argument("--cores", type=int, default=cores, help=f"benchmark worker processes (default {cores})")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--datasets", default=os.environ.get("NANOFORGE_DATASETS", str(ROOT.parent / "shared" / "datasets")),
                    help="folder of datasets, each with dataset.json (default: $NANOFORGE_DATASETS)")
    return ap.parse_args(argv)


def new_project(proj: Path, kind: str, axes: int, buffer: int, hz: float, max_ram: int, max_flash: int,
                seed: int) -> None:
    """`nanoforge new` for a Cortex-M4F target, as every harness starts."""
    run("new", str(proj), "--type", kind, "--axes", str(axes), "--buffer", str(buffer), "--hz", str(hz),
        "--max-ram", str(max_ram), "--max-flash", str(max_flash), "--target", "cortex-m4", "--seed", str(seed))


def bench(proj: Path, a: argparse.Namespace) -> dict:
    """`bench start --wait` with the harness's budget and cores: the final status."""
    return nf("bench", "start", str(proj), "--time-budget", str(a.budget), "--cores", str(a.cores), "--wait")


def measured(proj: Path, fw: Path) -> dict:
    """The best library's footprint as built for Cortex-M4F by `deploy`."""
    return nf("deploy", str(proj), "--dir", str(fw), "--target", "cortex-m4")["footprint"]["measured"]
