"""Evaluations per second on 1 and 2 local worker processes and on 1 and 2 Dask workers
on loopback, and the cost of a task itself (serialisation, scheduling, the coordinator's
loop): the numbers behind the README's projection for 8, 64 and 512 workers.

    python bench/cluster.py [--seconds S] [--project examples/fan]

Each configuration first sends empty batches (the overhead; it also warms the workers
up: a Dask worker imports nanoforge and receives the dataset on its first task), then runs the real search (engine/search.run) on the project for S seconds
from scratch, so every one evaluates the same beginning of the same seeded space (the
probe round, which computes each preprocessing's features, then the best
preprocessings). Overhead: empty batches, one at a time (latency) and 64 in flight
(what the scheduler and the coordinator can dispatch per second).
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from concurrent.futures import wait
from pathlib import Path
from typing import Any

from nanoforge.daemon import benchstore
from nanoforge.daemon.cluster import DaskWorkers, Loopback
from nanoforge.engine import search
from nanoforge.engine.project import load
from nanoforge.engine.workers import LocalPool, Workers

ROOT = Path(__file__).resolve().parent.parent


def throughput(ctx: search.Context, w: Workers, seconds: float) -> dict[str, Any]:
    t = time.monotonic()
    sched = search.run(ctx, seconds, workers=w)
    wall = time.monotonic() - t
    recs = [r for r in sched.done.values() if "seconds" in r]
    return {"evaluated": len(sched.done), "per_s": len(sched.done) / wall,
            "cpu_per_candidate_s": statistics.mean(r["seconds"] for r in recs) if recs else 0.0}


def overhead(w: Workers, n: int = 64) -> dict[str, float]:
    prep = [{"kind": "stats", "params": {}}]
    lat = []
    for _ in range(8):
        t = time.perf_counter()
        w.submit(prep, [], None).result()
        lat.append(time.perf_counter() - t)
    t = time.perf_counter()
    wait([w.submit(prep, [], None) for _ in range(n)])
    return {"latency_ms": 1e3 * statistics.median(lat), "tasks_per_s": n / (time.perf_counter() - t)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seconds", type=float, default=12.0, help="search time per configuration")
    ap.add_argument("--project", default=str(ROOT / "examples" / "fan"))
    a = ap.parse_args()
    project, diags = load(Path(a.project))
    if project is None:
        raise SystemExit(f"{a.project}: {diags[0].message if diags else 'not found'}")
    ctx, _ = benchstore.context(project)
    total = search.Scheduler(ctx).total
    rows: list[tuple[str, dict[str, Any], dict[str, float]]] = []
    for n in (1, 2):
        pool = LocalPool(ctx, n)
        try:
            ov = overhead(pool)
            rows.append((f"local {n}", throughput(ctx, pool, a.seconds), ov))
        finally:
            pool.close()
    with tempfile.TemporaryDirectory() as logs:
        for n in (1, 2):
            cluster = Loopback(Path(logs), workers=n)
            try:
                w = DaskWorkers(cluster.address, ctx)
                try:
                    ov = overhead(w)  # first: it also ships the dataset and lets the workers import nanoforge
                    rows.append((f"dask {n}", throughput(ctx, w, a.seconds), ov))
                finally:
                    w.close()
            finally:
                cluster.close()
    print(f"{Path(a.project).name}: {total} candidates in the space, {a.seconds:.0f} s per configuration, "
          f"{search.BATCH} candidates per task; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"{'workers':<9}{'evaluated':>10}{'eval/s':>9}{'eval/s/worker':>15}{'cpu s/cand':>12}"
          f"{'task latency ms':>17}{'empty tasks/s':>15}")
    for name, th, ov in rows:
        n = int(name.split()[1])
        print(f"{name:<9}{th['evaluated']:>10}{th['per_s']:>9.1f}{th['per_s'] / n:>15.2f}"
              f"{th['cpu_per_candidate_s']:>12.4f}{ov['latency_ms']:>17.2f}{ov['tasks_per_s']:>15.0f}")
    local2 = next(th["per_s"] for name, th, _ in rows if name == "local 2")
    dask2 = next(th["per_s"] for name, th, _ in rows if name == "dask 2")
    print(f"dask 2 / local 2: {dask2 / local2:.2f} (goal ≥ 0.80)")


if __name__ == "__main__":
    main()
