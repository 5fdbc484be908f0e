"""Where a 1-class benchmark's time goes: one split's fit of every model in the 1-class
search space (five held-out folds for the threshold, then the boundary), on Gaussian
feature vectors of the shapes a project has (signals × features).

A benchmark's budget buys candidates; a family that fits ten times slower than the rest
takes the budget from them (scikit-learn's isolation forest took 63–80 % of a 45 s
1-class run until engine/models/trees.py grew its own trees; then the robust Mahalanobis
distance's random starts, 50–68 %, until engine/models/gaussian.py skipped them where
they cannot differ). Prints milliseconds per fit and each family's share of one pass
over the space; asserts nothing.
Run: python bench/fit_speed.py [--repeat N] [--json]
"""

from __future__ import annotations

import nanoforge.engine  # noqa: F401  (first: it pins numpy's BLAS kernel, engine/blas.py)

# isort: split

import argparse
import json
import time
import warnings
from collections import defaultdict

import numpy as np

from nanoforge.engine import search
from nanoforge.engine.models import Model
from nanoforge.engine.types import oneclass

SHAPES = ((7, 24), (7, 84), (20, 84), (60, 200))  # a split of 10 signals … of 86


def space_fits() -> list[dict]:
    """The 1-class space's distinct fits: its candidates without the margin, which only
    moves the threshold of a fit the search shares."""
    x = np.random.default_rng(0).normal(size=(10, 1, 32)).astype(np.float32)  # signals, axes, samples
    ctx = search.Context(x, np.zeros(len(x), np.int64), ["nominal"], 1 << 20, 1 << 20, 0, type="1cc")
    seen, out = set(), []
    for m in oneclass.OneClass().models(ctx):
        p = {k: v for k, v in m["params"].items() if k != "margin"}
        key = json.dumps([m["kind"], p], sort_keys=True)
        if key not in seen:
            seen.add(key)
            out.append({"kind": m["kind"], "params": p})
    return out


def label(fit: dict) -> str:
    p = fit["params"]
    extra = {"maha": lambda: "robust" if p.get("robust") else "Ledoit-Wolf",
             "knn_oc": lambda: f"k={p['k']} protos={p['protos']}", "ocsvm": lambda: f"gamma={p['gamma']}",
             "iforest": lambda: f"{p['trees']} trees", "gmm": lambda: f"{p['components']} comp."}
    return f"{fit['kind']} {extra.get(fit['kind'], lambda: '')()}".strip()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeat", type=lambda v: max(1, int(v)), default=3,
                    help="timed fits per model and shape, at least 1; the median is shown")
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    warnings.simplefilter("ignore")  # scikit-learn's on degenerate covariances: the fits are what they are
    fits = space_fits()
    ms: dict[str, dict[str, float]] = defaultdict(dict)
    for n, d in SHAPES:
        x = np.random.default_rng(n * 1000 + d).normal(size=(n, d)).astype(np.float32)
        for fit in fits:
            cls = Model.registry[fit["kind"]]
            cls(**fit["params"]).fit(x)  # untimed: the first fit of a family loads scikit-learn's module
            times = []
            for _ in range(a.repeat):
                t = time.perf_counter()
                cls(**fit["params"]).fit(x)
                times.append(time.perf_counter() - t)
            ms[label(fit)][f"{n}x{d}"] = 1000 * float(np.median(times))
    cols = [f"{n}x{d}" for n, d in SHAPES]
    total = {c: sum(row[c] for row in ms.values()) for c in cols}
    family_share = {c: defaultdict(float) for c in cols}
    for name, row in ms.items():
        for c in cols:
            family_share[c][name.split()[0]] += row[c] / total[c]
    if a.json:
        print(json.dumps({"ms_per_fit": ms, "family_share": family_share}, indent=1))
        return 0
    print("ms per fit (5 held-out folds + the boundary), signals x features\n")
    print(f"| model | {' | '.join(cols)} |")
    print(f"|---|{'---|' * len(cols)}")
    for name, row in ms.items():
        print(f"| {name} | {' | '.join(f'{row[c]:.1f}' for c in cols)} |")
    print("\nshare of one pass over the space's fits\n")
    fams = sorted({n.split()[0] for n in ms})
    print(f"| family | {' | '.join(cols)} |")
    print(f"|---|{'---|' * len(cols)}")
    for f in fams:
        print(f"| {f} | {' | '.join(f'{100 * family_share[c][f]:.0f} %' for c in cols)} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
