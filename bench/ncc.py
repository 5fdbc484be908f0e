"""n-class benchmark goals (issue #3): BasicMotions and GunPoint from ../shared/datasets.

For each dataset: a project from train/, `nanoforge bench start --wait` (budget from
--budget, default 300 s, 2 cores), then the emulator on every test file, and a deploy for
Cortex-M4F for the measured footprint. Prints one table row per dataset beside the
dataset's published accuracies. Run: python bench/ncc.py [--budget S] [--seed N] [--datasets DIR]
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

from common import bench, measured, new_project, nf, options, run

GOALS = {"BasicMotions": 0.975, "GunPoint": 0.967}


def evaluate(ds_dir: Path, a: argparse.Namespace, work: Path) -> dict:
    meta = json.loads((ds_dir / "dataset.json").read_text())
    proj = work / ds_dir.name
    new_project(proj, "ncc", meta["axes"], meta["buffer_length"], meta.get("sampling_hz") or 1, 8192, 20480, a.seed)
    for cls, rel in meta["files"]["train"].items():
        run("signals", "add", str(proj), "--class", cls, str(ds_dir / rel))
    st = bench(proj, a)
    results = [json.loads(x) for x in (proj / ".nanoforge" / "benchmarks" / st["id"] / "results.jsonl")
               .read_text().splitlines() if x.endswith("}")]
    full = sum(r.get("state") == "full" for r in results)
    correct = total = 0
    names = list(meta["files"]["test"])
    for cls, rel in meta["files"]["test"].items():
        em = nf("emulate", str(proj), "--file", str(ds_dir / rel))
        correct += sum(r["class"] == cls for r in em["results"])
        total += len(em["results"])
    m = measured(proj, work / f"{ds_dir.name}-fw")
    return {"dataset": ds_dir.name, "classes": len(names), "test_accuracy": correct / total, "flash": m["flash"],
            "ram": m["ram"], "time_to_best_s": st["best"]["found_at_s"], "elapsed_s": st["elapsed_s"],
            "full_per_s": full / max(st["elapsed_s"], 1e-9), "all_per_s": len(results) / max(st["elapsed_s"], 1e-9),
            "best": f"{'→'.join(st['best']['pipeline'])}→{st['best']['model']}",
            "published": meta.get("published_test_accuracy", {})}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--only", nargs="*", default=list(GOALS))
    a = options(ap)
    rows = []
    with tempfile.TemporaryDirectory(prefix="nf-bench-") as tmp:
        for name in a.only:
            rows.append(evaluate(Path(a.datasets) / name, a, Path(tmp)))
    print(f"\n{'dataset':<14}{'test acc':>9}{'goal':>7}{'flash B':>9}{'RAM B':>7}{'to best s':>10}"
          f"{'full/s':>8}{'all/s':>7}  best library            published")
    for r in rows:
        pub = ", ".join(f"{k} {v}" for k, v in r["published"].items())
        print(f"{r['dataset']:<14}{r['test_accuracy']:>9.3f}{GOALS.get(r['dataset'], 0):>7.3f}{r['flash']:>9}"
              f"{r['ram']:>7}{r['time_to_best_s']:>10.1f}{r['full_per_s']:>8.1f}{r['all_per_s']:>7.1f}  "
              f"{r['best']:<24}{pub}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
