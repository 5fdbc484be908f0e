"""The selection's own optimism: how much the benchmark's figure for the library it ranks
first should be expected to drop on new data, estimated from the per-split scores the
records already hold (no extra fit).

Why: the first of hundreds of candidates ranked on a few dozen signals is partly the
luckiest one, so its figure over the splits promises more than new data gives (the
development suite measured +0.06 on average). The user should see that drop, per
benchmark, before trusting the figure.

How (a nested validation over the splits): every way of halving the J splits into a
selection half A and an assessment half B (all C(J, ⌊J/2⌋) of them — 252 for 10 splits,
so no randomness; a seeded sample of `MAX_HALVES` when there are more). On each, the
type's rule ranks the fully evaluated candidates on A alone (`ProjectType.rank_on`), and
the drop is the first one's mean on A less its mean on B. B took no part in that choice,
so the mean drop is the optimism of a choice made on J/2 splits. With one candidate, or
one that wins every halving, it is exactly 0: A and B swap roles over the halvings.

That is the optimism of a different choice than the benchmark's, in two ways, and both
are corrected with the model the ranking's bound already rests on (Nadeau and Bengio's:
a candidate's figure over J resampled splits has variance (1/J + r)·s², r = n_test /
n_train, where s² is the split-to-split variance and r·s² the part every split shares
because they all come from the same signals):
- A has J/2 splits, not J: its choice is noisier;
- the drop sees only the split-to-split part of a candidate's luck (the shared part is the
  same on A and on B and cancels), while the benchmark's choice also profits from the
  shared part, which new data does not repeat.
For candidates of equal skill with Gaussian noise, the winner's expected luck is
sd × E[max of C normals] for the total noise, and its split-to-split part (s²/h) / sd_A of
that, so the benchmark's optimism is the drop × √((1/J + r)(1/h + r)) · h (h = |A|;
2.9 for 10 splits, r = 0.43). When one candidate is clearly best, the drop is near 0 and
so is the estimate; the factor only scales luck the halvings actually saw.

What it cannot see: luck when the best is perfect on every split (`saturated`: the splits
then show no spread at all, and the estimate is 0 whatever the signals' number); data that
differ from the project's signals (another machine, another day; for anomaly detection and
1-class, real anomalies unlike the synthetic ones); and the learning-curve gain of the
shipped library (fitted on every signal, not on 70 % of them). Candidates stopped early
by the racing are left out (they lost clearly on the first splits); the secondary terms of
the Score are recorded as all-split means only, so `rank_on` holds them at those values —
when many candidates tie on the main metric over half the splits, those terms decide the
half-split choices more often than the benchmark's (GunPoint: the same pick on 14 % of the
halvings), and the estimate is then on the high side. Candidates perfect on every split
are ordered by harder splits (docs/selection.md, "Ties at the top") that the halvings
cannot re-run for candidates perfect on only half of them, so the halvings rank every
candidate by its Score without those (`score_ordinary`), and the same-pick share compares
their choices with what that Score picks on all the splits.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from . import evaluation as ev
from .search import rank_key

if TYPE_CHECKING:
    from .types.base import ProjectType

CEILING = 1.0 - 1e-9  # every main metric's best value: a candidate at it on every split shows no luck to measure
MAX_HALVES = 1000  # beyond this many ways of halving, a seeded sample of this size


@dataclass(frozen=True)
class Optimism:
    drop: float  # the mean drop over the halvings (a choice on h splits, split-to-split luck only)
    optimism: float  # the drop scaled to the benchmark's own choice (module docstring)
    stable: float  # the share of halvings whose choice is the benchmark's best
    assessed: float  # the mean of the choice's figure on the assessment half: how well the rule chooses
    halves: int
    splits: int
    candidates: int


def halvings(j: int, seed: int) -> list[np.ndarray]:
    """The selection halves A (sorted split indices), every one when there are at most
    MAX_HALVES, else a seeded sample."""
    h = j // 2
    if math.comb(j, h) <= MAX_HALVES:
        return [np.array(c) for c in itertools.combinations(range(j), h)]
    rng = np.random.default_rng(seed)
    return [np.sort(rng.choice(j, h, replace=False)) for _ in range(MAX_HALVES)]


def factor(j: int, h: int, test_fraction: float = ev.TEST_FRACTION) -> float:
    """From the drop of a choice on h splits to the optimism of the choice on all j."""
    r = test_fraction / (1.0 - test_fraction)
    return math.sqrt((1.0 / j + r) * (1.0 / h + r)) * h


def estimate(mains: np.ndarray, scores: np.ndarray, best: int,
             rank_on: Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray], seed: int,
             test_fraction: float = ev.TEST_FRACTION) -> Optimism:
    """`mains`: the main metric per candidate (rows) and split (columns); `scores`: each
    candidate's Score on all splits; `best`: the row the benchmark ranks first;
    `rank_on(scores, mains, A)`: the rule's figure of every candidate on the splits A.
    Ties on A go to the candidate with the higher all-split Score (then the lower row)."""
    mains = np.asarray(mains, float)
    scores = np.asarray(scores, float)
    c, j = mains.shape
    if c == 0 or j < 2:
        return Optimism(0.0, 0.0, 1.0, float(mains.mean()) if mains.size else 0.0, 0, j, c)
    order = np.lexsort((np.arange(c), -scores))  # the tie-break order
    drops, judged, same = [], [], 0
    for a in halvings(j, seed):
        b = np.setdiff1d(np.arange(j), a)
        fig = rank_on(scores, mains, a)[order]
        won = int(order[int(np.argmax(fig))])
        drops.append(mains[won, a].mean() - mains[won, b].mean())
        judged.append(mains[won, b].mean())
        same += won == best
    drop = float(np.mean(drops))
    return Optimism(drop, drop * factor(j, j // 2, test_fraction), same / len(drops), float(np.mean(judged)),
                    len(drops), j, c)


def usable(kind: ProjectType, records: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], np.ndarray]:
    """The records the choice is re-run among — fully evaluated, with finite figures on the
    usual number of splits — and those figures (`ProjectType.split_figures`), one row each."""
    full, rows = [], []
    for r in records:
        v = kind.split_figures(r) if r.get("state") == "full" else None
        if isinstance(v, list) and all(isinstance(x, (int, float)) and math.isfinite(x) for x in v):
            full.append(r)
            rows.append(v)
    if not full:
        return [], np.zeros((0, 0))
    j = max(set(map(len, rows)), key=lambda n: (sum(len(v) == n for v in rows), n))
    keep = [i for i, v in enumerate(rows) if len(v) == j]
    return [full[i] for i in keep], np.array([rows[i] for i in keep], float)


def of_records(kind: ProjectType, records: list[dict[str, Any]], best_key: str, seed: int) -> dict[str, Any] | None:
    """The selection's optimism for benchmark records, as status, candidates and
    metadata.json show it; None when the best is not among them."""
    scored = [r for r in records if "score" in r]
    full, mains = usable(kind, sorted(scored, key=rank_key))  # the benchmark's own order decides ties
    keys = [r["key"] for r in full]
    if best_key not in keys:
        return None
    best = keys.index(best_key)
    # The harder splits that order the candidates perfect on every split cannot be re-run
    # for those perfect on only half of them: the halvings rank by the Score without them,
    # and "the same pick" compares with what that Score picks on all the splits (a
    # candidate as perfect as the best; the figures stated are the best's).
    plain = np.array([r.get("score_ordinary", r["score"]) for r in full], float)
    same_as = best
    if any("score_ordinary" in r for r in full):
        same_as = min(range(len(full)), key=lambda i: rank_key({**full[i], "score": plain[i]}))
    o = estimate(mains, plain, same_as, kind.rank_on, seed)
    stated = kind.stated(full[best])
    return {"metric": kind.main_metric, "saturated": bool(np.all(mains[best] >= CEILING)), "stated": round(stated, 4), "optimism": round(o.optimism, 4),
            "expected": round(stated - o.optimism, 4), "drop": round(o.drop, 4), "stable": round(o.stable, 3),
            "candidates": o.candidates, "splits": o.splits, "halves": o.halves,
            "synthetic": kind.synthetic_faults(full[best])}
