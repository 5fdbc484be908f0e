"""Anomaly detection: nominal and abnormal files, one couple per machine; the library
learns on the device and the benchmark only *selects* it.

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

from typing import TYPE_CHECKING, Any

import numpy as np

from .. import evaluation as ev
from .. import space
from ..dataset import Dataset, load_couples
from ..models import NOMINAL, ADModel
from ..pipeline import STACK_BYTES, Pipeline
from .base import NominalFiles

if TYPE_CHECKING:
    from ..project import Project
    from ..search import Context

LEARN_FRACTION = 0.7
CURVE_TOLERANCE = 0.02

_b = ev.block


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


class AnomalyDetection(NominalFiles):
    name = "ad"
    order = 10
    title = "anomaly detection"
    sensors = ("generic", "multi")
    learns_on_device = True
    usage = "--nominal FILE [--abnormal FILE] (one couple per machine)"

    def load(self, project: Project) -> Dataset:
        return load_couples(project)

    def library_meta(self, project: Project, ds: Dataset) -> dict[str, Any]:
        return {"sensor": project.sensor}

    def library_fields(self, rec: dict[str, Any]) -> dict[str, Any]:
        return {"min_learn": int(rec["min_learn"])}

    def prepare(self, ctx: Context) -> None:
        if not ctx.splits:
            groups = ctx.data.get("groups")
            groups = groups if groups is not None else np.zeros(len(ctx.y), np.int64)
            ctx.splits = ad_splits(ctx.y, groups, ev.N_SPLITS, ctx.seed, bool(ctx.data.get("multi")))

    def preprocessings(self, ctx: Context) -> list[list[dict[str, Any]]]:
        """Blocks that need nothing learned off the device (the band-pass filter comes from
        the project's settings)."""
        if ctx.data.get("multi"):
            return [[_b("rolling", window=w)] for w in (0, 4, 8, 16, 32)]
        prefixes = space.signal_prefixes(ctx.length, ctx.sos)
        feats = [_b("stats"), _b("catch"), _b("spectral"), _b("flatten"), *space.fft_variants((4, 8, 16))]
        return [pre + [f] for pre in prefixes for f in feats]

    def probe_models(self, ctx: Context) -> list[dict[str, Any]]:
        return [_b("gauss", margin=3.0), _b("kmeans", k=2, margin=3.0)]

    def baselines(self, ctx: Context) -> list[dict[str, Any]]:
        """Distance to the nearest kept buffer (a reservoir of raw buffers, z-normalised
        or not, decimated until the slots fit the RAM) and half-space trees (isolation-
        style) on a catch22-kind summary and on the decimated buffer."""
        if ctx.data.get("multi"):
            return []
        s, out = ctx.seed, []
        for slots in (16, 8):
            # RAM floats: the buffer's axis, then d × (slots + weights + Welford + vector)
            most = ((ctx.max_ram - STACK_BYTES) // 4 - ctx.length - slots - 64) // (slots + 4)
            f = space.decimation(ctx.length, ctx.axes, most)
            margins = (3.0, 5.0) if slots == 16 else (3.0,)
            for z in (False, True):
                out += space.configs(space.raw_buffer(f, zscore=z),
                                     [_b("reservoir", slots=slots, margin=m, seed=s) for m in margins])
        hst = [_b("hst", trees=8, depth=4, margin=3.0, seed=s)]
        out += space.configs([_b("catch")], hst)
        out += space.configs(space.raw_buffer(space.decimation(ctx.length, ctx.axes, 64), zscore=False), hst)
        return out

    def models(self, ctx: Context) -> list[dict[str, Any]]:
        s = ctx.seed
        margins = (2.0, 3.0, 5.0, 8.0)
        out = [_b("gauss", margin=m) for m in margins]
        out += [_b("kmeans", k=k, margin=m) for k in (2, 4, 8) for m in margins]
        out += [_b("reservoir", slots=r, margin=m, seed=s) for r in (8, 16, 32) for m in margins]
        out += [_b("hst", trees=t, depth=d, margin=m, seed=s) for t, d in ((4, 4), (8, 4), (8, 6)) for m in margins]
        return out

    def footprint(self, ctx: Context, pipe: Pipeline) -> tuple[int, int]:
        return pipe.footprint(ctx.axes, ctx.length, 0, 0)

    def run_splits(self, ctx: Context, cfg: dict[str, Any], race_below: float | None
                   ) -> tuple[list[dict[str, Any]], dict[str, Any]]:
        model = ev.build(ctx, cfg).model
        feats = ev.features(ctx, cfg["blocks"])
        if not np.all(np.isfinite(feats)):
            raise FloatingPointError("non-finite features")
        per_split: list[dict[str, Any]] = []
        for couples in ctx.splits:
            results = [run_split(model, feats, ctx.y, learn, test) for learn, test in couples]
            worst_c = min(results, key=lambda r: (r["balanced_accuracy"], r["margin"]))
            worst_c = {**worst_c, "min_learn": max(r["min_learn"] for r in results)}
            per_split.append(worst_c)
            if ev.raced_out(per_split, race_below, self.main_metric):
                break
        return per_split, min(per_split, key=lambda m: (m["balanced_accuracy"], m["margin"]))

    def record_extras(self, per_split: list[dict[str, Any]]) -> dict[str, Any]:
        return {"min_learn": max(m["min_learn"] for m in per_split)}

    def score(self, ctx: Context, worst: dict[str, Any], per_split: list[dict[str, Any]], ram: int, flash: int
              ) -> float:
        """100 × (0.85 · worst balanced accuracy + 0.10 · functional margin clipped to [0, 1]
        + 0.02 · free RAM + 0.02 · free flash + 0.01 · (1 − recommended learn calls / learned))."""
        min_learn = max(m["min_learn"] for m in per_split)
        learned = min(m["learned"] for m in per_split)
        free_ram, free_flash = ev.footprint_term(ram, flash, ctx.max_ram, ctx.max_flash)
        s = (0.85 * worst["balanced_accuracy"] + 0.10 * min(1.0, max(0.0, worst["margin"]))
             + 0.02 * free_ram + 0.02 * free_flash
             + 0.01 * max(0.0, 1 - min_learn / max(learned, 1)))
        return round(100 * s, 3)

    def fit(self, ctx: Context, pipe: Pipeline) -> Pipeline:
        return pipe  # ships untrained: it learns on the device

    def scores(self, rec: dict[str, Any]) -> dict[str, Any]:
        w = rec.get("worst", {})
        return {"score": rec.get("score"), "balanced_accuracy": w.get("balanced_accuracy"),
                "balanced_accuracy_ci95": rec.get("ba_ci95"), "nominal_recall": w.get("nominal_recall"),
                "detection": w.get("detection"), "functional_margin": w.get("margin"),
                "min_learn": rec.get("min_learn"), "splits": rec.get("splits"),
                "ram_estimate": rec.get("ram"), "flash_estimate": rec.get("flash")}

    def best_extras(self, rec: dict[str, Any]) -> dict[str, Any]:
        return {"min_learn": rec["min_learn"]}
