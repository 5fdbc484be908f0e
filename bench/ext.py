"""Extrapolation goal (issue #5): Covid3Month from ../shared/datasets.

A project from train/ (target first on each line), `nanoforge bench start --wait`
(budget from --budget, default 300 s, 2 cores), then the emulator on test/signals.csv
with test/targets.csv, and a deploy for Cortex-M4F for the measured footprint.
Goal: test RMSE ≤ 0.041 (5NN-ED's published figure; ROCKET's 0.039 is the stretch) with
flash ≤ 20 KB. Run: python bench/ext.py [--budget S] [--cores N] [--seed N]
"""

from __future__ import annotations

import nanoforge.engine  # noqa: F401  (first: it pins numpy's BLAS kernel, engine/blas.py)

# isort: split

import tempfile
from pathlib import Path

import numpy as np
from common import bench, measured, new_project, nf, options, run

MAX_FLASH, GOAL = 20480, 0.041


def main() -> int:
    a = options()
    ds = Path(a.datasets) / "Covid3Month"
    with tempfile.TemporaryDirectory(prefix="nf-bench-ext-") as tmp:
        proj = Path(tmp) / "covid"
        new_project(proj, "ext", 1, 84, 1, 16384, MAX_FLASH, a.seed)
        run("signals", "add", str(proj), "--file", str(ds / "train/train.csv"))
        st = bench(proj, a)
        em = nf("emulate", str(proj), "--file", str(ds / "test/signals.csv"), "--targets", str(ds / "test/targets.csv"))
        m = measured(proj, Path(tmp) / "fw")
        b = st["best"]
    s = em["summary"]
    train = np.loadtxt(ds / "train/train.csv", delimiter=",", ndmin=2)[:, 0]
    test = np.loadtxt(ds / "test/targets.csv", ndmin=1)
    floor = float(np.sqrt(np.mean((test - train.mean()) ** 2)))  # always answering the training mean
    print(f"\n{'dataset':<13}{'test RMSE':>10}{'goal':>7}{'R²':>7}{'SMAPE %':>9}{'RAM B':>7}{'flash B':>9}"
          f"{'to best s':>10}{'evaluated':>10}  best library")
    print(f"{'Covid3Month':<13}{s['rmse']:>10.4f}{GOAL:>7.3f}{s['r2']:>7.3f}{s['smape']:>9.1f}{m['ram']:>7}"
          f"{m['flash']:>9}{b['found_at_s']:>10.1f}{st['candidates_evaluated']:>10}  "
          f"{'→'.join(b['pipeline'])}→{b['model']}")
    print(f"always answering the training mean: test RMSE {floor:.4f}")
    if b.get("warning"):
        print(f"benchmark warning: {b['warning']}")
    ok = s["rmse"] <= GOAL and m["flash"] <= MAX_FLASH
    print("goal met" if ok else f"goal NOT met (RMSE over by {s['rmse'] - GOAL:.4f})" if m["flash"] <= MAX_FLASH
          else "goal NOT met (flash)")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
