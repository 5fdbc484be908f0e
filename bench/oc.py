"""1-class goal (issue #5): BasicMotions-anomaly from ../shared/datasets.

A 1-class project from train/nominal.csv only (no abnormal file: the benchmark's
tightness comes from synthetic outliers alone), `nanoforge bench start --wait` (budget
from --budget, default 300 s, 2 cores), then the emulator on test/nominal.csv (recall:
signals kept inside) and test/abnormal.csv (detection: signals flagged). A deploy for
Cortex-M4F gives the measured footprint. Goal: recall ≥ 0.9 and detection ≥ 0.9.
Run: python bench/oc.py [--budget S] [--cores N] [--seed N]
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from common import bench, measured, new_project, nf, options, run

MAX_RAM, MAX_FLASH, GOAL = 8192, 32768, 0.9


def main() -> int:
    a = options()
    ds = Path(a.datasets) / "BasicMotions-anomaly"
    with tempfile.TemporaryDirectory(prefix="nf-bench-oc-") as tmp:
        proj = Path(tmp) / "motion"
        new_project(proj, "1cc", 6, 100, 10, MAX_RAM, MAX_FLASH, a.seed)
        run("signals", "add", str(proj), "--nominal", str(ds / "train/nominal.csv"))
        st = bench(proj, a)
        nom = nf("emulate", str(proj), "--file", str(ds / "test/nominal.csv"))["summary"]
        abn = nf("emulate", str(proj), "--file", str(ds / "test/abnormal.csv"))["summary"]
        recall, detection = nom["nominal"] / nom["signals"], abn["outliers"] / abn["signals"]
        m = measured(proj, Path(tmp) / "fw")
        b = st["best"]
    print(f"\n{'dataset (1-class)':<22}{'recall':>8}{'detect':>8}{'goal':>6}{'RAM B':>7}{'flash B':>9}"
          f"{'to best s':>10}{'evaluated':>10}  best library")
    print(f"{'BasicMotions-anomaly':<22}{recall:>8.3f}{detection:>8.3f}{GOAL:>6.2f}{m['ram']:>7}{m['flash']:>9}"
          f"{b['found_at_s']:>10.1f}{st['candidates_evaluated']:>10}  {'→'.join(b['pipeline'])}→{b['model']}")
    ok = recall >= GOAL and detection >= GOAL and m["ram"] <= MAX_RAM and m["flash"] <= MAX_FLASH
    print("goal met" if ok else "goal NOT met")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
