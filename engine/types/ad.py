"""Anomaly detection: nominal and abnormal files, one couple per machine; the library
learns on the device and the benchmark only *selects* it. A block that learns
(MiniRocket's biases) is the exception: fitted on each split's learned nominal signals,
and for the library that ships on the project's nominal signals, it is constant on the
device, like NanoEdge's preprocessing chosen for the project's data.

Protocol, per split and per nominal/abnormal couple (one couple per machine): the
candidate starts empty, learns a random 70 % of that couple's nominal signals one by one
as the device would, then detects the held-out nominal signals and every abnormal signal
of the couple. A signal counts as nominal when its similarity is ≥ 90 %. A couple with
fewer than `MIN_ABNORMAL` abnormal signals (or none: the usual case before a machine has
failed) is also tested on synthetic anomalies made from its held-out nominal signals
(`nanoforge.engine.synthetic`), never learned: without them a library that calls
everything nominal would score perfectly, and with two or three abnormal signals the
detection rate is a coin toss. Detection is then the mean of the synthetic and the
recorded abnormal signals' detection rates. Multi-sensor data is never shuffled: the
nominal stream is cut into contiguous blocks and each split holds one block out, learning
the rest in order.

Each split's balanced accuracy is that of its worst couple; the worst split is shown, the
rank comes from the lower confidence bound over the splits (`evaluation.lower_bound`).

The learning curve: balanced accuracy after m learn calls at a few checkpoints; the
minimum recommended number of learn() calls is the first checkpoint within 0.02 of the
final balanced accuracy, the largest over splits and couples.

Score (0–100) = 100 × (0.89 · balanced accuracy, lower bound over the splits
                      + 0.10 · functional margin clipped to [0, 1], mean over the splits
                      + 0.01 · (1 − recommended learn calls / nominal signals learned)),
the functional margin being (mean similarity of held-out nominal − mean similarity of
abnormal) / 100.

A candidate perfect on every split is also run on 10 harder splits, which learn half of
each couple's nominal signals and detect the other half, and the margin's place in its
Score is taken by its mean balanced accuracy there (`harder` in the record): the margin
ordered the perfect candidates worse on the development suite (docs/selection.md, "Ties
at the top").
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from .. import evaluation as ev
from .. import space
from ..dataset import Dataset, load_couples
from ..models import NOMINAL, ADModel
from ..models.ondevice import CAL
from ..pipeline import STACK_BYTES, Pipeline
from ..synthetic import synthesize
from ..validation import Input, of_role
from .base import NominalFiles

if TYPE_CHECKING:
    from ..project import Project
    from ..search import Context

LEARN_FRACTION = 0.7
HARDER_FRACTION = 0.5  # learned on the splits that order the candidates perfect on every split
MIN_ABNORMAL = 10  # abnormal signals a couple needs to be judged on them alone
CURVE_TOLERANCE = 0.02
RAW_MARGINS = (1.2, 1.5)  # the raw-buffer distance's extra margins (`AnomalyDetection.baselines`)
LOO_MARGINS = (1.2, 1.5, 2.0, 3.0)  # the same distance calibrated on its kept buffers (`models.Reservoir`)
ROCKET_FEATURES = (32, 64)  # MiniRocket sizes: the learned state grows with them (RAM)

_b = ev.block


def with_synthetic(x: np.ndarray, y: np.ndarray, groups: np.ndarray, seed: int
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """x, y (2 for synthetic), groups and origin (each synthetic signal's nominal source,
    −1 for recorded ones), with synthetic anomalies for the couples that lack abnormal
    signals."""
    few = [g for g in np.unique(groups) if np.sum((groups == g) & (y == 1)) < MIN_ABNORMAL]
    src_idx = np.flatnonzero((y == 0) & np.isin(groups, few))
    origin = np.full(len(y), -1, np.int64)
    if not len(src_idx):
        return x, y, groups, origin
    syn, src, _ = synthesize(x[src_idx], seed)
    idx = src_idx[src]
    return (np.concatenate([x, syn]), np.concatenate([y, np.full(len(syn), 2)]).astype(np.int64),
            np.concatenate([groups, groups[idx]]), np.concatenate([origin, idx]))


def ad_splits(y: np.ndarray, groups: np.ndarray, n: int, seed: int, ordered: bool,
              origin: np.ndarray | None = None, learn_fraction: float = LEARN_FRACTION
              ) -> list[list[tuple[np.ndarray, np.ndarray]]]:
    """Per split, per couple: (learn indices in learn order, test indices: the held-out
    nominal signals, their synthetic anomalies and the couple's abnormal signals)."""
    rng = np.random.default_rng(seed)
    origin = origin if origin is not None else np.full(len(y), -1, np.int64)
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
                k = min(max(1, round(len(nom) * learn_fraction)), len(nom) - 1)
                learn, held = perm[:k], np.sort(perm[k:])
            syn = np.flatnonzero((y == 2) & np.isin(origin, held))
            per.append((learn, np.concatenate([held, syn, abn])))
        out.append(per)
    return out


def fit_blocks(pipe: Pipeline, x: np.ndarray) -> None:
    """The blocks that learn (MiniRocket's biases) fitted on `x`, the model left as it is;
    nothing is computed past the last of them (none: nothing at all)."""
    last = max((i for i, b in enumerate(pipe.blocks) if b.learns()), default=-1)
    h = x
    for i, b in enumerate(pipe.blocks[:last + 1]):
        b.fit(h, None)
        if i < last:
            h = b.transform(h)


def _checkpoints(n: int, warmup: int) -> list[int]:
    pts, m = [], max(warmup + 2, 3)
    while m < n:
        pts.append(m)
        m = int(np.ceil(m * 1.5))
    return pts + [n]


def _rates(sims: np.ndarray, y: np.ndarray) -> tuple[float | None, float | None]:
    """(nominal recall, detection): detection is the mean of the recorded abnormal and the
    synthetic signals' detection rates, where each exists."""
    recall = float(np.mean(sims[y == 0] >= NOMINAL)) if np.any(y == 0) else None
    dets = [float(np.mean(sims[y == k] < NOMINAL)) for k in (1, 2) if np.any(y == k)]
    return recall, (float(np.mean(dets)) if dets else None)


def _ba(sims: np.ndarray, y: np.ndarray) -> float:
    parts = [r for r in _rates(sims, y) if r is not None]
    return float(np.mean(parts)) if parts else 0.0


def learn_then_detect(model: ADModel, feats: np.ndarray, y: np.ndarray, learn: np.ndarray, test: np.ndarray
                      ) -> tuple[list[tuple[int, float]], np.ndarray]:
    """One device's life: learn `learn` in order, checking the balanced accuracy on
    `test` at each checkpoint (the learning curve), then the similarity of `test`."""
    model.reset(feats.shape[1])
    yt = y[test]
    curve = []
    done = 0
    for m in _checkpoints(len(learn), model.warmup):
        model.learn_seq(feats[learn[done:m]])
        done = m
        sims = model.similarity(feats[test])
        curve.append((m, _ba(sims, yt)))
    return curve, model.similarity(feats[test]).astype(float)


def run_split(model: ADModel, feats: np.ndarray, y: np.ndarray, learn: np.ndarray, test: np.ndarray
              ) -> dict[str, Any]:
    yt = y[test]
    curve, sims = learn_then_detect(model, feats, y, learn, test)
    ba = _ba(sims, yt)
    recall, detection = _rates(sims, yt)
    min_learn = next(m for m, b in curve if b >= ba - CURVE_TOLERANCE)
    s_nom, s_out = sims[yt == 0], sims[yt != 0]
    margin = (s_nom.mean() if len(s_nom) else 100.0) - (s_out.mean() if len(s_out) else 0.0)
    return {"balanced_accuracy": ba, "nominal_recall": recall, "detection": detection,
            "detection_synthetic": float(np.mean(sims[yt == 2] < NOMINAL)) if np.any(yt == 2) else None,
            "detection_abnormal": float(np.mean(sims[yt == 1] < NOMINAL)) if np.any(yt == 1) else None,
            "margin": margin / 100.0, "min_learn": int(min_learn), "learned": len(learn)}


class AnomalyDetection(NominalFiles):
    name = "ad"
    order = 10
    title = "anomaly detection"
    sensors = ("generic", "multi")
    learns_on_device = True
    lcb_weight = 0.89
    lcb_weight_before = 0.85
    footprint_weight_before = 0.02
    usage = "--nominal FILE [--abnormal FILE] (one couple per machine)"

    def load(self, project: Project) -> Dataset:
        return load_couples(project)

    validation_roles = ("learn", "nominal", "abnormal")
    validation_usage = "--learn FILE… (nominal, learned in order) --nominal FILE… --abnormal FILE…"

    def validation_problem(self, inputs: list[Input], classes: list[str]) -> str | None:
        wrong = super().validation_problem(inputs, classes)
        if wrong is None and not of_role(inputs, "learn"):
            return "the library learns on the device: give the nominal files it learns first with --learn FILE"
        return wrong

    def validation_runs(self, inputs: list[Input]) -> list[dict[str, Any]]:
        """One device: it learns the --learn files in order, then detects the others."""
        return [{"learn": [i.file for i in of_role(inputs, "learn")],
                 "detect": [i.file for i in (*of_role(inputs, "nominal"), *of_role(inputs, "abnormal"))]}]

    def validation_metrics(self, inputs: list[Input], classes: list[str], answers: list[dict[str, Any]]
                           ) -> dict[str, Any]:
        res = answers[0]["results"]
        per_file = []
        for i in (*of_role(inputs, "nominal"), *of_role(inputs, "abnormal")):
            sims = np.array([r["similarity"] for r in res if r["file"] == i.file], float)
            per_file.append((sims < NOMINAL, 100.0 - sims))  # the score grows as the similarity falls
        out = self.split_detections(inputs, per_file)
        summary = answers[0]["summary"]
        out.update(learned=summary["learned"], min_learn=summary["minimum_learn_calls"])
        return out

    def library_meta(self, project: Project, ds: Dataset) -> dict[str, Any]:
        return {"sensor": project.sensor}

    def library_fields(self, rec: dict[str, Any]) -> dict[str, Any]:
        return {"min_learn": int(rec["min_learn"])}

    def prepare(self, ctx: Context) -> None:
        if "origin" not in ctx.data:
            groups = ctx.data.get("groups")
            groups = groups if groups is not None else np.zeros(len(ctx.y), np.int64)
            ctx.x, ctx.y, ctx.data["groups"], ctx.data["origin"] = with_synthetic(ctx.x, ctx.y, groups, ctx.seed)
        if not ctx.splits:
            ctx.splits = ad_splits(ctx.y, ctx.data["groups"], ev.N_SPLITS, ctx.seed, bool(ctx.data.get("multi")),
                                   ctx.data["origin"])

    def preprocessings(self, ctx: Context) -> list[list[dict[str, Any]]]:
        """Blocks that learn nothing, and MiniRocket, whose biases are fitted off the
        device on nominal signals (`fit`) and ship as constants: the model still learns
        on the device (the band-pass filter comes from the project's settings)."""
        if ctx.data.get("multi"):
            return [[_b("rolling", window=w)] for w in (0, 4, 8, 16, 32)]
        prefixes = space.signal_prefixes(ctx.length, ctx.sos)
        feats = [_b("stats"), _b("catch"), _b("spectral"), _b("flatten"), *space.fft_variants((4, 8, 16))]
        feats += [space.rocket(ctx.axes, ctx.length, n, ctx.seed) for n in ROCKET_FEATURES]
        return [pre + [f] for pre in prefixes for f in feats]

    def probe_models(self, ctx: Context) -> list[dict[str, Any]]:
        return [_b("gauss", margin=3.0), _b("kmeans", k=2, margin=3.0)]

    def baselines(self, ctx: Context) -> list[dict[str, Any]]:
        """Distance to the nearest kept buffer (a reservoir of raw buffers, z-normalised
        or not, decimated until the slots fit the RAM) and half-space trees (isolation-
        style) on a catch22-kind summary and on the decimated buffer.

        The raw-buffer distance also gets `RAW_MARGINS`, below the space's tightest
        margin: it sums many samples' squared differences, so its prequential scores
        crowd around their median and twice the median lies far in their tail (two
        classes of 24 samples in noise: 0.93 test balanced accuracy at margin 1.2, 0.58
        at 2). The other features are a few summary values, whose scores spread more
        (docs/selection.md, "Anomaly detection: the raw-buffer distance at tighter
        margins"). And it is tried calibrated on its kept buffers (`LOO_MARGINS`,
        `models.Reservoir`): a threshold from a uniform sample of what was learned, not
        from scores taken while the device knew less (docs/selection.md, "Anomaly
        detection: the raw-buffer distance calibrated on its kept buffers")."""
        if ctx.data.get("multi"):
            return []
        s, out = ctx.seed, []
        for slots in (16, 8):
            margins = (*RAW_MARGINS, 3.0, 5.0) if slots == 16 else (*RAW_MARGINS, 3.0)
            for calibration, ms, sort in (("prequential", margins, 0), ("loo", LOO_MARGINS, max(0, slots - CAL))):
                # RAM floats: the buffer's axis, the calibration buffer's growth for the
                # kept buffers' sort, then d × (slots + weights + Welford + vector)
                most = ((ctx.max_ram - STACK_BYTES) // 4 - ctx.length - slots - sort - 64) // (slots + 4)
                f = space.decimation(ctx.length, ctx.axes, most)
                own = {} if calibration == "prequential" else {"calibration": calibration}
                for z in (False, True):
                    out += space.configs(space.raw_buffer(f, zscore=z),
                                         [_b("reservoir", slots=slots, margin=m, seed=s, **own) for m in ms])
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
        return pipe.footprint(ctx.axes, ctx.length, 0, 0, ctx.data.get("core"))

    def run_splits(self, ctx: Context, cfg: dict[str, Any], race_below: float | None
                   ) -> tuple[list[dict[str, Any]], dict[str, Any]]:
        pipe = ev.build(ctx, cfg)
        model = pipe.model
        learns = any(b.learns() for b in pipe.blocks)
        per_split: list[dict[str, Any]] = []
        for couples in ctx.splits:
            # a block that learns (MiniRocket's biases) is fitted on what the split learns
            rows = np.sort(np.concatenate([learn for learn, _ in couples])) if learns else None
            feats = ev.features_of(ctx, cfg["blocks"], "features", None, rows=rows)
            if not np.all(np.isfinite(feats)):
                raise FloatingPointError("non-finite features")
            results = [run_split(model, feats, ctx.y, learn, test) for learn, test in couples]
            worst_c = min(results, key=lambda r: (r["balanced_accuracy"], r["margin"]))
            worst_c = {**worst_c, "min_learn": max(r["min_learn"] for r in results),
                       "synthetic": any(r["detection_synthetic"] is not None for r in results)}
            per_split.append(worst_c)
            if ev.raced_out(per_split, race_below, self.main_metric):
                break
        return per_split, min(per_split, key=lambda m: (m["balanced_accuracy"], m["margin"]))

    def record_extras(self, per_split: list[dict[str, Any]]) -> dict[str, Any]:
        return {"min_learn": max(m["min_learn"] for m in per_split),
                "synthetic": any(m.get("synthetic", False) for m in per_split)}

    def synthetic_faults(self, rec: dict[str, Any]) -> bool:
        """Any couple judged on synthetic faults on any split, not only the worst one's: a
        machine without abnormal signals is the one whose real anomalies nobody checked."""
        return bool(rec.get("synthetic")) or super().synthetic_faults(rec)

    def harder_splits(self, ctx: Context) -> list[Any] | None:
        """Half of each couple's nominal signals learned, the other half detected; none for
        multi-sensor streams, whose splits are contiguous blocks."""
        if ctx.data.get("multi"):
            return None
        return ad_splits(ctx.y, ctx.data["groups"], ev.N_SPLITS, ctx.seed + 1, False, ctx.data["origin"],
                         HARDER_FRACTION)

    def score(self, ctx: Context, worst: dict[str, Any], per_split: list[dict[str, Any]], ram: int, flash: int,
              harder: list[dict[str, Any]] | None = None) -> float:
        """100 × (0.89 · balanced accuracy's lower bound + 0.10 · mean functional margin clipped
        to [0, 1] + 0.01 · (1 − recommended learn calls / learned)); for a candidate perfect
        on every split, the margin's place is taken by its mean balanced accuracy on the
        harder splits (module docstring)."""
        lcb = self.lower_bound([m["balanced_accuracy"] for m in per_split])
        if harder is None:
            second = float(np.mean([m["margin"] for m in per_split]))
        else:  # perfect on every split; 0 when it cannot learn from half the signals
            second = float(np.mean([m["balanced_accuracy"] for m in harder])) if harder else 0.0
        min_learn = max(m["min_learn"] for m in per_split)
        learned = min(m["learned"] for m in per_split)
        s = (self.lcb_weight * lcb + 0.10 * min(1.0, max(0.0, second))
             + 0.01 * max(0.0, 1 - min_learn / max(learned, 1)))
        return round(100 * s, 3)

    def fit(self, ctx: Context, pipe: Pipeline) -> Pipeline:
        """The model ships untrained (it learns on the device); a block that learns
        (MiniRocket's biases) is fitted on the project's nominal signals, as on each split
        on the learned ones."""
        fit_blocks(pipe, ctx.x[ctx.y == 0])
        return pipe

    def scores(self, rec: dict[str, Any]) -> dict[str, Any]:
        w = rec.get("worst", {})
        return {"score": rec.get("score"), "balanced_accuracy": w.get("balanced_accuracy"),
                "balanced_accuracy_ci95": rec.get("ba_ci95"), "balanced_accuracy_lower_bound": rec.get("ba_lcb"),
                "nominal_recall": w.get("nominal_recall"), "detection": w.get("detection"),
                "detection_synthetic": w.get("detection_synthetic"), "detection_abnormal": w.get("detection_abnormal"),
                "functional_margin": w.get("margin"),
                "balanced_accuracy_harder": (rec.get("harder") or {}).get("balanced_accuracy"),
                "min_learn": rec.get("min_learn"), "splits": rec.get("splits"),
                "ram_estimate": rec.get("ram"), "flash_estimate": rec.get("flash")}

    def best_extras(self, rec: dict[str, Any]) -> dict[str, Any]:
        return {"min_learn": rec["min_learn"]}

    def library_output(self, classes: list[str]) -> str:
        return "similarity 0–100 % to what it learned (nominal when ≥ 90 %)"

    def report_plots(self, project: Project, pipe: Pipeline) -> list[dict[str, Any]]:
        """One device of the first split, as the benchmark ran it: the similarity of each
        held-out nominal and abnormal signal of the first couple, and its learning curve."""
        ds = self.load(project)
        groups = ds.groups if ds.groups is not None else np.zeros(len(ds.y), np.int64)
        learn, test = ad_splits(ds.y, groups, ev.N_SPLITS, project.seed, project.sensor == "multi")[0][0]
        pipe = Pipeline.from_spec(pipe.to_spec())  # a copy: the shipped blocks stay as shipped
        fit_blocks(pipe, ds.x[learn])  # as the split fitted them: on what it learns
        model = pipe.model
        assert isinstance(model, ADModel)
        curve, sims = learn_then_detect(model, pipe.features(ds.x), ds.y, learn, test)
        series = [{"name": name, "x": np.flatnonzero(ds.y[test] == k).tolist(),
                   "y": sims[ds.y[test] == k].astype(float).tolist(), "style": "points"}
                  for k, name in enumerate(("nominal (held out)", "abnormal"))]
        return [{"title": f"Similarity per signal after learning {len(learn)} nominal signals",
                 "x_label": "signal", "y_label": "similarity (%)", "series": series,
                 "hlines": [{"y": float(NOMINAL), "label": f"{NOMINAL:g} %: nominal above"}], "y_range": [-4, 104]},
                {"title": "Learning curve", "x_label": "learn() calls", "y_label": "balanced accuracy",
                 "series": [{"name": "balanced accuracy", "x": [m for m, _ in curve], "y": [b for _, b in curve],
                             "style": "line"}], "y_range": [0, 1.05]}]
