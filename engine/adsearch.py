"""The benchmark for anomaly detection (DESIGN §3.3): it only *selects* a library; the
library learns on the device.

Protocol, per split and per nominal/abnormal couple (one couple per machine): the
candidate starts empty, learns a random 70 % of that couple's nominal signals one by one
as the device would, then detects the held-out nominal signals and every abnormal signal
of the couple. A signal counts as nominal when its similarity is ≥ 90 %. Ranked by the
worst (split, couple) balanced accuracy. Multi-sensor data is never shuffled: the
nominal stream is cut into contiguous blocks and each split holds one block out, learning
the rest in order.

The learning curve: balanced accuracy after m learn calls at a few checkpoints; the
minimum recommended number of learn() calls is the first checkpoint within 0.02 of the
final balanced accuracy, the largest over splits and couples.

Score (0–100) = 100 × (0.85 · worst balanced accuracy
                      + 0.10 · functional margin clipped to [0, 1]
                      + 0.02 · (1 − RAM / max RAM) + 0.02 · (1 − flash / max flash)
                      + 0.01 · (1 − recommended learn calls / nominal signals learned)),
the functional margin being (mean similarity of held-out nominal − mean similarity of
abnormal) / 100 on the worst split.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from . import metrics, space
from .admodels import NOMINAL, ADModel
from .pipeline import candidate_key

LEARN_FRACTION = 0.7
CURVE_TOLERANCE = 0.02


_b = space.block


def ad_splits(y: np.ndarray, groups: np.ndarray, n: int, seed: int, ordered: bool
              ) -> list[list[tuple[np.ndarray, np.ndarray]]]:
    """Per split, per couple: (learn indices in learn order, test indices)."""
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        per = []
        for g in np.unique(groups):
            nom = np.flatnonzero((groups == g) & (y == 0))
            abn = np.flatnonzero((groups == g) & (y == 1))
            if ordered:
                blocks = np.array_split(nom, n)
                held = blocks[i % len(blocks)]
                learn = np.setdiff1d(nom, held)
            else:
                perm = rng.permutation(nom)
                k = min(max(1, round(len(nom) * LEARN_FRACTION)), len(nom) - 1)
                learn, held = perm[:k], np.sort(perm[k:])
            per.append((learn, np.concatenate([held, abn])))
        out.append(per)
    return out


def preprocessings(ctx: Any) -> list[list[dict[str, Any]]]:
    """Blocks that need nothing learned off the device (the band-pass filter comes from
    the project's settings)."""
    if ctx.multi:
        return [[_b("rolling", window=w)] for w in (0, 4, 8, 16, 32)]
    prefixes = space.signal_prefixes(ctx.length, ctx.sos)
    feats = [_b("stats"), _b("spectral"), _b("flatten"), *space.fft_variants((4, 8, 16))]
    return [pre + [f] for pre in prefixes for f in feats]


def probe_models(ctx: Any) -> list[dict[str, Any]]:
    return [_b("gauss", margin=3.0), _b("kmeans", k=2, margin=3.0)]


def models(ctx: Any) -> list[dict[str, Any]]:
    s = ctx.seed
    margins = (2.0, 3.0, 5.0, 8.0)
    out = [_b("gauss", margin=m) for m in margins]
    out += [_b("kmeans", k=k, margin=m) for k in (2, 4, 8) for m in margins]
    out += [_b("reservoir", slots=r, margin=m, seed=s) for r in (8, 16, 32) for m in margins]
    out += [_b("hst", trees=t, depth=d, margin=m, seed=s) for t, d in ((4, 4), (8, 4), (8, 6)) for m in margins]
    return out


def _checkpoints(n: int, warmup: int) -> list[int]:
    pts, m = [], max(warmup + 2, 3)
    while m < n:
        pts.append(m)
        m = int(np.ceil(m * 1.5))
    return pts + [n]


def _ba(sim_nom: np.ndarray, sim_abn: np.ndarray) -> float:
    parts = []
    if len(sim_nom):
        parts.append(float(np.mean(sim_nom >= NOMINAL)))
    if len(sim_abn):
        parts.append(float(np.mean(sim_abn < NOMINAL)))
    return float(np.mean(parts)) if parts else 0.0


def run_split(model: ADModel, feats: np.ndarray, y: np.ndarray, learn: np.ndarray, test: np.ndarray
              ) -> dict[str, Any]:
    """One device's life: learn `learn` in order, checking the curve, then detect `test`."""
    model.reset(feats.shape[1])
    nom, abn = test[y[test] == 0], test[y[test] == 1]
    curve = []
    done = 0
    for m in _checkpoints(len(learn), model.warmup):
        model.learn_seq(feats[learn[done:m]])
        done = m
        sims = model.similarity(feats[test])
        curve.append((m, _ba(sims[y[test] == 0], sims[y[test] == 1])))
    sims = model.similarity(feats[test])
    s_nom = sims[y[test] == 0].astype(float)
    s_abn = sims[y[test] == 1].astype(float)
    ba = _ba(s_nom, s_abn)
    min_learn = next(m for m, b in curve if b >= ba - CURVE_TOLERANCE)
    margin = (s_nom.mean() if len(nom) else 100.0) - (s_abn.mean() if len(abn) else 0.0)
    return {"balanced_accuracy": ba, "nominal_recall": float(np.mean(s_nom >= NOMINAL)) if len(nom) else None,
            "detection": float(np.mean(s_abn < NOMINAL)) if len(abn) else None, "margin": margin / 100.0,
            "min_learn": int(min_learn), "learned": len(learn)}


def score(worst: dict[str, Any], min_learn: int, learned: int, ram: int, flash: int, max_ram: int,
          max_flash: int) -> float:
    s = (0.85 * worst["balanced_accuracy"] + 0.10 * min(1.0, max(0.0, worst["margin"]))
         + 0.02 * max(0.0, 1 - ram / max_ram) + 0.02 * max(0.0, 1 - flash / max_flash)
         + 0.01 * max(0.0, 1 - min_learn / max(learned, 1)))
    return round(100 * s, 3)


def evaluate(ctx: Any, cfg: dict[str, Any], race_below: float | None, features: Any, build: Any,
             race_splits: int) -> dict[str, Any]:
    t0 = time.perf_counter()
    rec: dict[str, Any] = {"key": candidate_key(cfg), "config": cfg}
    pipe = build(ctx, cfg)
    flash, ram = pipe.footprint(ctx.axes, ctx.length, 0, 0)
    rec.update(ram=ram, flash=flash)
    if ram > ctx.max_ram or flash > ctx.max_flash:
        rec["state"] = "rejected"
        rec["reason"] = f"estimated RAM {ram} B / flash {flash} B over the budget"
        return rec
    try:
        feats = features(ctx, cfg["blocks"])
        if not np.all(np.isfinite(feats)):
            raise FloatingPointError("non-finite features")
        per_split: list[dict[str, Any]] = []
        for couples in ctx.ad_splits:
            results = [run_split(pipe.model, feats, ctx.y, learn, test) for learn, test in couples]
            worst_c = min(results, key=lambda r: (r["balanced_accuracy"], r["margin"]))
            worst_c = {**worst_c, "min_learn": max(r["min_learn"] for r in results)}
            per_split.append(worst_c)
            if space.raced_out(per_split, race_below, race_splits):
                break
    except space.EVAL_ERRORS as e:
        return space.failed(rec, e)
    worst = min(per_split, key=lambda m: (m["balanced_accuracy"], m["margin"]))
    bas = [m["balanced_accuracy"] for m in per_split]
    min_learn = max(m["min_learn"] for m in per_split)
    learned = min(m["learned"] for m in per_split)
    rec.update(
        state="full" if len(per_split) == len(ctx.ad_splits) else "pruned",
        splits=len(per_split), worst=worst, ba_mean=float(np.mean(bas)), ba_ci95=list(metrics.ci95(bas)),
        split_ba=bas, min_learn=min_learn,
        score=score(worst, min_learn, learned, ram, flash, ctx.max_ram, ctx.max_flash),
        seconds=round(time.perf_counter() - t0, 4),
    )
    if rec["state"] == "pruned":
        rec["score"] = round(rec["score"] - 100.0, 3)
    return rec
