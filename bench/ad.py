"""Anomaly-detection goal (issue #4): BasicMotions-anomaly from ../shared/datasets.

A project from train/ (nominal + abnormal), `nanoforge bench start --wait` (budget from
--budget, default 300 s, 2 cores), then the emulator as a fresh device: learn
train/nominal.csv only, detect test/nominal.csv and test/abnormal.csv. A deploy for
Cortex-M4F gives the measured footprint. Goal: balanced accuracy ≥ 0.95 with RAM ≤ 4 KB
and flash ≤ 16 KB, best library found within 5 minutes on 2 cores.
Run: python bench/ad.py [--budget S] [--cores N] [--seed N]
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from common import bench, measured, new_project, nf, options, run

MAX_RAM, MAX_FLASH, GOAL = 4096, 16384, 0.95


def main() -> int:
    a = options()
    ds = Path(a.datasets) / "BasicMotions-anomaly"
    with tempfile.TemporaryDirectory(prefix="nf-bench-ad-") as tmp:
        proj = Path(tmp) / "motion"
        new_project(proj, "ad", 6, 100, 10, MAX_RAM, MAX_FLASH, a.seed)
        run("signals", "add", str(proj), "--nominal", str(ds / "train/nominal.csv"),
            "--abnormal", str(ds / "train/abnormal.csv"))
        st = bench(proj, a)
        em = nf("emulate", str(proj), "--learn", str(ds / "train/nominal.csv"),
                "--detect", str(ds / "test/nominal.csv"), "--detect", str(ds / "test/abnormal.csv"))
        nom = [r for r in em["results"] if r["file"].endswith("nominal.csv")]
        abn = [r for r in em["results"] if r["file"].endswith("abnormal.csv")]
        recall = sum(r["status"] == "nominal" for r in nom) / len(nom)
        detection = sum(r["status"] == "anomaly" for r in abn) / len(abn)
        m = measured(proj, Path(tmp) / "fw")
        b = st["best"]
    ba = (recall + detection) / 2
    print(f"\n{'dataset':<22}{'test BA':>8}{'goal':>6}{'recall':>8}{'detect':>8}{'RAM B':>7}{'flash B':>9}"
          f"{'min learn':>10}{'to best s':>10}{'evaluated':>10}  best library")
    print(f"{'BasicMotions-anomaly':<22}{ba:>8.3f}{GOAL:>6.2f}{recall:>8.3f}{detection:>8.3f}{m['ram']:>7}"
          f"{m['flash']:>9}{b['min_learn']:>10}{b['found_at_s']:>10.1f}{st['candidates_evaluated']:>10}  "
          f"{'→'.join(b['pipeline'])}→{b['model']}")
    ok = ba >= GOAL and m["ram"] <= MAX_RAM and m["flash"] <= MAX_FLASH and b["found_at_s"] <= 300
    print("goal met" if ok else "goal NOT met")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
