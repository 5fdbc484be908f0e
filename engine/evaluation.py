"""What every project type's evaluation shares: the split protocol's constants and
generators, the per-worker feature cache, and building a candidate's pipeline.

Features up to the first block that learns per split (scaling, PCA) are computed once
per preprocessing on all training signals and cached in the worker: the same
preprocessing is evaluated with dozens of models in a row. Unsupervised feature blocks
(MiniRocket's biases) are fitted once on all signals for the same reason: no labels are
involved, and refitting them per split would multiply the cost by ten. Anomaly detection
is the exception (`features_of(rows=)`): its held-out signals stand for a device's new
buffers, which the biases shipped to it never saw.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from typing import Any, Protocol

import numpy as np

from .pipeline import Pipeline, candidate_key

N_SPLITS = 10
FOLDS = 5  # K of a repeated K-fold: N_SPLITS // FOLDS repeats
RACE_SPLITS = 3
RACE_MARGIN = 0.05
TEST_FRACTION = 0.3

# What a candidate may raise on awkward data; it is then recorded as failed, not fatal.
EVAL_ERRORS = (ValueError, FloatingPointError, np.linalg.LinAlgError)


class Rejected(Exception):
    """A candidate that cannot ship (too many support vectors, …): recorded as rejected."""


class Signals(Protocol):
    """The part of a search context that features need."""

    x: np.ndarray
    sos: list[list[float]] | None
    cache: dict[str, Any]


def block(kind: str, **p: Any) -> dict[str, Any]:
    return {"kind": kind, "params": p}


def stratified_splits(y: np.ndarray, n: int, test_fraction: float, seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Random splits keeping each class's share; at least one test and one training
    signal per class, so every split can score every class."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        tr, te = [], []
        for c in np.unique(y):
            idx = np.flatnonzero(y == c)
            rng.shuffle(idx)
            k = min(max(1, round(len(idx) * test_fraction)), len(idx) - 1)
            te.append(idx[:k])
            tr.append(idx[k:])
        out.append((np.sort(np.concatenate(tr)), np.sort(np.concatenate(te))))
    return out


def kfold_splits(n: int, repeats: int, folds: int, seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Repeated K-fold: every signal is tested once per repeat."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(repeats):
        parts = np.array_split(rng.permutation(n), folds)
        for i in range(folds):
            out.append((np.sort(np.concatenate([p for j, p in enumerate(parts) if j != i])), np.sort(parts[i])))
    return out


def split_point(blocks: list[dict[str, Any]]) -> int:
    """Blocks before this index are computed once on all signals and cached."""
    for i, b in enumerate(blocks):
        if b["kind"] in ("scale", "pca"):
            return i
    return len(blocks)


def build(ctx: Signals, cfg: dict[str, Any]) -> Pipeline:
    """The candidate's pipeline, with the project's band-pass filter where it asks for one."""
    pipe = Pipeline.from_config(cfg)
    for b in pipe.blocks:
        if b.kind == "bandpass":
            b.state["sos"] = np.asarray(ctx.sos, np.float32).reshape(-1, 6)
    return pipe


_CACHE_SIZE = 24


def features(ctx: Signals, blocks: list[dict[str, Any]]) -> np.ndarray:
    """`blocks` applied to every signal of `ctx`, cached in the context (so per worker
    process, and never shared between two datasets evaluated by one process)."""
    return features_of(ctx, blocks, "features", None)


def features_of(ctx: Signals, blocks: list[dict[str, Any]], name: str, other: np.ndarray | None,
                size: int = _CACHE_SIZE, rows: np.ndarray | None = None) -> np.ndarray:
    """`blocks` fitted on the signals of `ctx` and applied to `other` signals (to them when
    None), the last `size` kept under `name`, keyed by the blocks (and `rows`): one name,
    one set of other signals. Fitted on the project's signals even for others: a block that
    learns something (MiniRocket's biases) must be the one the model was fitted with.
    `rows`: fitted on those signals only (anomaly detection: a split's learned ones)."""
    cache: OrderedDict[str, np.ndarray] = ctx.cache.setdefault(name, OrderedDict())
    key = candidate_key({"blocks": blocks, "model": None})
    if rows is not None:
        key += ":" + hashlib.sha1(np.ascontiguousarray(rows, np.int64).tobytes()).hexdigest()[:16]
    if key in cache:
        cache.move_to_end(key)
        return cache[key]
    pipe = build(ctx, {"blocks": blocks, "model": block("centroid")})
    h, o = ctx.x, other
    for b in pipe.blocks:
        b.fit(h if rows is None else h[rows], None)
        h = b.transform(h)
        o = None if o is None else b.transform(o)
    out = h if o is None else o
    cache[key] = out
    while len(cache) > size:
        cache.popitem(last=False)
    return out


def shared_features(ctx: Signals, cfg: dict[str, Any]) -> tuple[int, np.ndarray]:
    """(cut, features): the candidate's blocks before `cut` applied to every signal once
    (cached), the rest to be fitted on each split's training part."""
    cut = split_point(cfg["blocks"])
    return cut, features(ctx, cfg["blocks"][:cut])


def raced_out(per_split: list[dict[str, Any]], race_below: float | None, key: str) -> bool:
    """True when the first `RACE_SPLITS` splits are done and already clearly worse than
    the best full result: multi-fidelity stops the candidate here."""
    return (race_below is not None and len(per_split) == RACE_SPLITS
            and min(m[key] for m in per_split) < race_below)


LCB_Z = 0.674  # one-sided 75 %: a bound, not a test; wider ones rank by spread alone on a few dozen signals


def lower_bound(values: list[float], test_fraction: float = TEST_FRACTION) -> float:
    """The mean over splits less `LCB_Z` corrected standard errors: what a candidate is
    expected to do on data it never saw, penalised by how much it depends on the draw.

    Why not the worst split: with a few dozen signals a 30 % hold-out is a handful, and
    the worst of ten such draws mostly says which candidate was lucky on the hardest one;
    on the development suite ranking by it predicted test performance worst of the rules
    tried (docs/selection.md). Why not the plain mean: between candidates of equal mean,
    the one whose splits scatter more is the fragile one. The standard error is Nadeau and
    Bengio's correction for overlapping resampled splits, (1/J + n_test/n_train) · s²:
    the splits share training signals, so the naive s²/J is far too small."""
    v = np.asarray(values, float)
    if len(v) < 2:
        return float(v.mean()) if len(v) else 0.0
    return float(lower_bounds(v[None, :], test_fraction)[0])


def lower_bounds(rows: np.ndarray, test_fraction: float = TEST_FRACTION, z: float = LCB_Z) -> np.ndarray:
    """`lower_bound` of each row of a (candidates × splits) matrix at once: the selection's
    optimism (engine/optimism.py) re-ranks every candidate on hundreds of halves of the
    splits."""
    v = np.asarray(rows, float)
    if v.shape[1] < 2:
        return v.mean(axis=1)
    ratio = test_fraction / (1.0 - test_fraction)
    return v.mean(axis=1) - z * np.sqrt((1.0 / v.shape[1] + ratio) * v.var(axis=1, ddof=1))


def footprint_term(ram: int, flash: int, max_ram: int, max_flash: int) -> tuple[float, float]:
    """The share of the RAM and flash budgets a library leaves free, each in [0, 1]. No
    built-in Score counts it any more (size only orders equal Scores: docs/selection.md,
    "Size orders ties only"); kept for plug-in types whose Score does."""
    return max(0.0, 1 - ram / max_ram), max(0.0, 1 - flash / max_flash)


def mean_metrics(per_split: list[dict[str, Any]]) -> dict[str, Any]:
    """Each numeric metric's mean over the splits (None where a split has none)."""
    out: dict[str, Any] = {}
    for k, v0 in per_split[0].items():
        vals = [m[k] for m in per_split if isinstance(m.get(k), (int, float)) and not isinstance(m.get(k), bool)]
        out[k] = float(np.mean(vals)) if vals and isinstance(v0, (int, float)) else v0
    return out
