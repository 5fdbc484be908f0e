"""Extrapolation: each line of the training file is a target value, then the buffer; the
library estimates the value from a buffer.

Protocol: 2 repeats of a 5-fold. A candidate is ranked by its worst *repeat*, each
repeat's estimates pooled over its folds (`pooled_repeats`): one fold holds a fifth of
the signals, and its R² mostly says which few large targets it drew (Covid3Month: negative
for every candidate, so a worst-fold Score ranked by SMAPE alone); a repeat tests every
signal once, so its R² and RMSE are the data set's, and the worst repeat stays a worst case.
Racing compares the first folds, pooled.

Score (0–100) = 100 × (0.85 · R² clipped to [0, 1] + 0.15 · (1 − SMAPE / 200)), both of
the worse repeat; the library's size only orders equal Scores (`search.rank_key`).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

from .. import evaluation as ev
from .. import metrics, space
from ..dataset import Dataset, load_target_values, load_targets
from ..validation import Input, of_role, regression_metrics
from .base import EntryProblem, ProjectType
from .ncc import RESERVE, buffer_features, fit_split, outputs_on, rocket_features

if TYPE_CHECKING:
    from ..pipeline import Pipeline
    from ..project import Project
    from ..search import Context

_b = ev.block


def r2_whole(ctx: Context, est: np.ndarray, te: np.ndarray) -> float:
    """1 − the fold's mean squared error / the variance of every training target: the
    fold's share of its repeat's pooled R² (their mean over equal folds is that R²)."""
    var = float(np.var(ctx.y))
    return 1.0 - float(np.mean((est - ctx.y[te]) ** 2)) / var if var > 0 else 0.0


def pooled_repeats(ctx: Context, preds: list[np.ndarray]) -> list[dict[str, float]]:
    """The metrics per K-fold repeat, from the estimates of the splits done so far pooled
    over the signals they tested."""
    out = []
    for r in range(0, len(preds), ev.FOLDS):
        idx = np.concatenate([ctx.splits[i][1] for i in range(r, min(r + ev.FOLDS, len(preds)))])
        out.append(metrics.regression(ctx.y[idx], np.concatenate(preds[r: r + ev.FOLDS])))
    return out


class Extrapolation(ProjectType):
    name = "ext"
    order = 40
    title = "extrapolation"
    main_metric = "r2"
    ci_low = -math.inf
    roles = ("file",)
    targets_first = True
    single_entry = True
    usage = "--file FILE (each line: the target value, then the buffer)"
    lcb_weight = 0.85  # of the worse repeat's R², for which the folds' R² bound stands in (`rank_on`)
    lcb_weight_before = 0.75
    footprint_weight_before = 0.05

    def entry_problem(self, entry: dict[str, str], earlier: list[dict[str, str]]) -> EntryProblem | None:
        if "file" not in entry:
            return EntryProblem("the entry needs a file", 'write file = "signals/train.csv"')
        return None

    def entry(self, cls: str | None, file: str | None, nominal: str | None, abnormal: str | None) -> dict[str, str]:
        if file is None or cls or nominal or abnormal:
            raise ValueError("an extrapolation project takes --file FILE")
        return {"file": file}

    def load(self, project: Project) -> Dataset:
        return load_targets(project)

    def library_output(self, classes: list[str]) -> str:
        return "the estimated value"

    def report_plots(self, project: Project, pipe: Pipeline) -> list[dict[str, Any]]:
        ds = self.load(project)
        est = pipe.predict_proba(ds.x)[:, 0]
        return [{"title": "Estimated vs real value per training signal (the library was fitted on them)",
                 "x_label": "real value", "y_label": "estimated value", "diagonal": True,
                 "series": [{"name": "signals", "x": ds.y.astype(float).tolist(), "y": est.astype(float).tolist(),
                             "style": "points"}]}]

    validation_roles = ("file", "targets")
    validation_usage = "--file F --targets T (one targets file per signal file, in the same order)"
    validation_good = 0.5  # R²: the estimates explain half the spread of the true values

    def validation_problem(self, inputs: list[Input], classes: list[str]) -> str | None:
        wrong = super().validation_problem(inputs, classes)
        if wrong is None and len(of_role(inputs, "file")) != len(of_role(inputs, "targets")):
            return "give one --targets T (the true values, one per line) for each --file F, in the same order"
        return wrong

    def validation_runs(self, inputs: list[Input]) -> list[dict[str, Any]]:
        return [{"file": f.file, "targets": t.file}
                for f, t in zip(of_role(inputs, "file"), of_role(inputs, "targets"), strict=True)]

    def validation_metrics(self, inputs: list[Input], classes: list[str], answers: list[dict[str, Any]]
                           ) -> dict[str, Any]:
        y = np.concatenate([load_target_values(t.file) for t in of_role(inputs, "targets")])
        est = np.array([r["value"] for a in answers for r in a["results"]], float)
        return regression_metrics(y, est)

    def prepare(self, ctx: Context) -> None:
        if not ctx.splits:
            ctx.splits = ev.kfold_splits(len(ctx.y), ev.N_SPLITS // ev.FOLDS, ev.FOLDS, ctx.seed)

    def outputs(self, ctx: Context) -> int:
        return 1

    def preprocessings(self, ctx: Context) -> list[list[dict[str, Any]]]:
        # Raw distances too: 5NN on the raw buffer is the published baseline, and PCA
        # without scaling keeps those distances in a few KB of flash.
        posts = [[], [_b("pca", k=8)], [_b("pca", k=16)],
                 [_b("scale")], [_b("scale"), _b("pca", k=8)], [_b("scale"), _b("pca", k=16)]]
        return [pre + [f] + post for pre in space.signal_prefixes(ctx.length, ctx.sos)
                for f in buffer_features(ctx.seed) for post in posts]

    def probe_models(self, ctx: Context) -> list[dict[str, Any]]:
        return [_b("ridge", alpha=1.0), _b("knn_reg", k=5)]

    def baselines(self, ctx: Context) -> list[dict[str, Any]]:
        """k-NN regression on the raw buffer (decimated until every signal fits, whole
        with k-means prototypes sized to the flash, or PCA-compressed), z-normalised or
        not (the level of a signal may be what predicts its target), a random forest on
        the raw buffer, and MiniRocket with ridge heads sized to the budget."""
        s, kb, n = ctx.seed, ctx.max_flash - RESERVE, self.shipped_signals(ctx)
        every = space.decimation(ctx.length, ctx.axes, kb // 4 // max(n, 1) - 1)
        squeeze = space.decimation(ctx.length, ctx.axes, ctx.max_flash // 2 // 4 // 17)
        knn = [_b("knn_reg", k=k, kb=kb, seed=s) for k in (1, 5)] + [_b("knn_reg", k=5, weighted=True, kb=kb, seed=s)]
        out = []
        for z in (False, True):
            out += space.configs(space.raw_buffer(every, zscore=z), knn)
            if every > 1:  # the whole buffer with k-means prototypes: dearer, so one model
                out += space.configs(space.raw_buffer(1, zscore=z), knn[1:2])
            left = max(1, kb - space.pca_bytes(ctx.axes * (ctx.length // squeeze), 16))
            out += space.configs([*space.raw_buffer(squeeze, zscore=z), _b("pca", k=16)],
                                 [_b("knn_reg", k=5, weighted=w, kb=left, seed=s) for w in (False, True)])
        # a regression tree grows to its depth: 2^(depth+1) nodes of 18 bytes, at most 2n
        trees = max(3, min(20, int(0.75 * ctx.max_flash) // (min(2 ** 7, 2 * n) * 18)))
        out += space.configs(space.raw_buffer(1, zscore=False), [_b("forest_reg", algo="rf", trees=trees, depth=6, seed=s)])
        rocket = [space.rocket(ctx.axes, ctx.length, rocket_features(ctx, 1), s), _b("scale")]
        out += space.configs(rocket, [_b("ridge", alpha=a) for a in (1.0, 10.0, 100.0)])
        return out

    def models(self, ctx: Context) -> list[dict[str, Any]]:
        s = ctx.seed
        out = [_b("ridge", alpha=a) for a in (0.1, 1.0, 10.0, 100.0, 1000.0)]  # MiniRocket gives more features than signals
        out += [_b("knn_reg", k=k) for k in (1, 3, 5, 7, 10, 15)]
        out += [_b("knn_reg", k=k, weighted=True) for k in (5, 7, 10, 15)]
        out += [_b("svr", C=c, gamma=g, epsilon=0.1, max_sv=64) for c in (1.0, 10.0) for g in (0.3, 1.0, 3.0)]
        out += [_b("forest_reg", algo="tree", depth=d, seed=s) for d in (4, 8)]
        out += [_b("forest_reg", algo=a, trees=t, depth=d, seed=s) for a in ("rf", "et") for t in (10, 20)
                for d in (4, 8)]
        out += [_b("gbt_reg", stages=n, depth=d, lr=0.1, seed=s) for n in (30, 60) for d in (2, 3)]
        out += [_b("mlp_reg", hidden=h, alpha=1e-3, seed=s) for h in (8, 16, 32)]
        return out

    def run_splits(self, ctx: Context, cfg: dict[str, Any], race_below: float | None
                   ) -> tuple[list[dict[str, Any]], dict[str, Any]]:
        cut, feats = ev.shared_features(ctx, cfg)
        per_split: list[dict[str, Any]] = []
        preds: list[np.ndarray] = []
        for tr, te in ctx.splits:
            est = outputs_on(fit_split(ctx, cfg, cut, feats, tr), feats[te])[:, 0]
            per_split.append({**metrics.regression(ctx.y[te], est), "r2_whole": r2_whole(ctx, est, te)})
            preds.append(est)
            if (race_below is not None and len(preds) == ev.RACE_SPLITS  # the first folds, pooled
                    and min(m[self.main_metric] for m in pooled_repeats(ctx, preds)) < race_below):
                break
        return per_split, min(pooled_repeats(ctx, preds), key=lambda m: m[self.main_metric])

    def score(self, ctx: Context, worst: dict[str, Any], per_split: list[dict[str, Any]], ram: int, flash: int
              ) -> float:
        s = self.lcb_weight * self._r2_term(worst) + 0.15 * (1 - min(worst["smape"], 200.0) / 200.0)
        return round(100 * s, 3)

    def record_extras(self, per_split: list[dict[str, Any]]) -> dict[str, Any]:
        return {"split_r2_whole": [m["r2_whole"] for m in per_split]}

    def split_figures(self, rec: dict[str, Any]) -> list[float] | None:
        """Each fold's R² against the whole data set's target variance (`r2_whole`), not
        the fold's own: a fold that drew similar targets has an R² of −10⁴, which would
        swamp every mean, while these average to the pooled repeat's R² that ranks. Below
        −1 (errors twice the targets' spread) a candidate is broken, not unlucky: such
        folds count as −1, so one exploding fit does not swamp the mean either."""
        v = rec.get("split_r2_whole")
        return [max(-1.0, float(x)) for x in v] if isinstance(v, list) else None

    def bound_term(self, bounds: np.ndarray) -> np.ndarray:
        return np.clip(bounds, 0.0, 1.0)  # the Score counts R² in [0, 1]

    def _r2_term(self, worst: dict[str, Any]) -> float:
        """The worse repeat's R² in [0, 1], as the Score counts it."""
        return float(self.bound_term(np.asarray(worst["r2"], float)))

    def main_term(self, rec: dict[str, Any]) -> float:
        return self._r2_term(rec["worst"])

    def stated(self, rec: dict[str, Any]) -> float:
        """The worse pooled repeat's R²: one fold's R² says little (module docstring)."""
        return float(rec["worst"]["r2"])

    def headline(self, worst: dict[str, Any]) -> dict[str, Any]:
        return {"r2": worst["r2"], "rmse": worst["rmse"], "smape": worst["smape"]}

    def scores(self, rec: dict[str, Any]) -> dict[str, Any]:
        w = rec.get("worst", {})
        return {"score": rec.get("score"), "r2": w.get("r2"), "rmse": w.get("rmse"), "smape": w.get("smape"),
                "r2_ci95": rec.get("ba_ci95"), "splits": rec.get("splits"),
                "ram_estimate": rec.get("ram"), "flash_estimate": rec.get("flash")}

    def best_extras(self, rec: dict[str, Any]) -> dict[str, Any]:
        w = metrics.weak_regression(rec["worst"])
        return {"warning": w} if w else {}
