"""The benchmark's search (DESIGN §3.3) for n-class classification.

Protocol: 10 seeded stratified random splits; a candidate is ranked by its worst split.
Extrapolation: 2 repeats of a 5-fold, ranked by the worst repeat, each repeat's estimates
pooled over its folds (`pooled_repeats`).
Multi-fidelity: every candidate runs the first `RACE_SPLITS` splits; one that is already
clearly worse than the best full result stops there ("pruned"), the rest run all splits.
Racing only pays when the budget cannot cover the space: while the measured cost of a
full evaluation says that everything left fits in the time left, nothing is pruned, so a
small dataset gets every candidate's complete numbers.
Scheduling: each preprocessing is first probed with three cheap models; preprocessings
are then opened to every model in the order of their probe score. Features up to the
first block that learns per split are computed once per preprocessing (and cached in the
worker); scaling and PCA are refitted on each split's training part.

Unsupervised feature blocks (MiniRocket's biases) are fitted once on all training signals:
no labels are involved, and refitting them per split would multiply the cost by ten.
"""

from __future__ import annotations

import math
import os
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from . import adsearch, metrics, ocsearch, space
from .pipeline import Pipeline, candidate_key

N_SPLITS = 10
FOLDS = 5  # extrapolation: N_SPLITS // FOLDS repeats of a K-fold
RACE_SPLITS = 3
RACE_MARGIN = 0.05
TEST_FRACTION = 0.3
BATCH = 8  # candidates per task sent to a worker


@dataclass
class Context:
    """Everything a worker needs to evaluate candidates; picklable."""

    x: np.ndarray
    y: np.ndarray
    classes: list[str]
    max_ram: int
    max_flash: int
    seed: int = 0
    sos: list[list[float]] | None = None  # the project's band-pass filter, when enabled
    splits: list[tuple[np.ndarray, np.ndarray]] = field(default_factory=list)
    type: str = "ncc"
    groups: np.ndarray | None = None  # AD: the nominal/abnormal couple of each signal
    multi: bool = False  # AD multi-sensor: ordered samples, never shuffled
    ad_splits: list[list[tuple[np.ndarray, np.ndarray]]] = field(default_factory=list)
    origin: np.ndarray | None = None  # 1-class: the nominal source of each synthetic outlier
    oc_fits: ocsearch.Fits = field(default_factory=OrderedDict, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.type == "1cc" and self.origin is None:
            self.x, self.y, self.origin = ocsearch.augment(self.x, self.y, self.seed)
        if self.type == "1cc" and not self.splits:
            assert self.origin is not None
            self.splits = ocsearch.splits(self.y, self.origin, N_SPLITS, self.seed)
        elif self.type == "ad":
            groups = self.groups if self.groups is not None else np.zeros(len(self.y), np.int64)
            if not self.ad_splits:
                self.ad_splits = adsearch.ad_splits(self.y, groups, N_SPLITS, self.seed, self.multi)
        elif not self.splits and self.type == "ext":
            self.splits = kfold_splits(len(self.y), N_SPLITS // FOLDS, FOLDS, self.seed)
        elif not self.splits:
            self.splits = stratified_splits(self.y, N_SPLITS, TEST_FRACTION, self.seed)

    @property
    def axes(self) -> int:
        return int(self.x.shape[1])

    @property
    def length(self) -> int:
        return int(self.x.shape[2])

    @property
    def n_classes(self) -> int:
        return len(self.classes)

    @property
    def outputs(self) -> int:
        """Floats the model writes: one score or value for 1-class and extrapolation."""
        return 1 if self.type in ("1cc", "ext") else self.n_classes


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
    """Repeated K-fold (extrapolation): every signal is tested once per repeat."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(repeats):
        parts = np.array_split(rng.permutation(n), folds)
        for i in range(folds):
            out.append((np.sort(np.concatenate([p for j, p in enumerate(parts) if j != i])), np.sort(parts[i])))
    return out


# ------------------------------------------------------------------ the space


def _b(kind: str, **p: Any) -> dict[str, Any]:
    return {"kind": kind, "params": p}


def preprocessings(ctx: Context) -> list[list[dict[str, Any]]]:
    """Every preprocessing chain, in a fixed order (shuffled later with the seed)."""
    if ctx.type == "ad":
        return adsearch.preprocessings(ctx)
    if ctx.type == "1cc":
        return ocsearch.preprocessings(ctx)
    prefixes = space.signal_prefixes(ctx.length, ctx.sos)
    feats = [_b("flatten"), _b("stats"), _b("spectral"), *space.fft_variants((8, 16, 32))]
    for dilations in (3, 5):  # 5 reaches MiniRocket's longest receptive field (GunPoint: 0.96 → 0.97–0.99)
        for kernels in (21, 42, 84):
            feats.append(_b("minirocket", kernels=kernels, dilations=dilations, seed=ctx.seed))
    posts = [[_b("scale")], [_b("scale"), _b("pca", k=8)], [_b("scale"), _b("pca", k=16)]]
    if ctx.type == "ext":  # raw distances too: 5NN on the raw buffer is the published baseline,
        # and PCA without scaling keeps those distances in a few KB of flash
        posts[:0] = [[], [_b("pca", k=8)], [_b("pca", k=16)]]
    out = []
    for pre in prefixes:
        for f in feats:
            for post in posts:
                out.append(pre + [f] + post)
    return out


PROBE_MODELS = [_b("centroid"), _b("knn", k=1, protos=0), _b("linear", algo="logreg", C=1.0)]


REG_PROBE_MODELS = [_b("ridge", alpha=1.0), _b("knn_reg", k=5)]


def probe_models(ctx: Context) -> list[dict[str, Any]]:
    if ctx.type == "ext":
        return REG_PROBE_MODELS
    if ctx.type == "1cc":
        return ocsearch.probe_models(ctx)
    return adsearch.probe_models(ctx) if ctx.type == "ad" else PROBE_MODELS


def regression_models(ctx: Context) -> list[dict[str, Any]]:
    s = ctx.seed
    out = [_b("ridge", alpha=a) for a in (0.1, 1.0, 10.0, 100.0, 1000.0)]  # MiniRocket gives more features than signals
    out += [_b("knn_reg", k=k) for k in (1, 3, 5, 7, 10, 15)]
    out += [_b("knn_reg", k=k, weighted=True) for k in (5, 7, 10, 15)]
    out += [_b("svr", C=c, gamma=g, epsilon=0.1, max_sv=64) for c in (1.0, 10.0) for g in (0.3, 1.0, 3.0)]
    out += [_b("forest_reg", algo="tree", depth=d, seed=s) for d in (4, 8)]
    out += [_b("forest_reg", algo=a, trees=t, depth=d, seed=s) for a in ("rf", "et") for t in (10, 20) for d in (4, 8)]
    out += [_b("gbt_reg", stages=n, depth=d, lr=0.1, seed=s) for n in (30, 60) for d in (2, 3)]
    out += [_b("mlp_reg", hidden=h, alpha=1e-3, seed=s) for h in (8, 16, 32)]
    return out


def models(ctx: Context) -> list[dict[str, Any]]:
    if ctx.type == "ad":
        return adsearch.models(ctx)
    if ctx.type == "ext":
        return regression_models(ctx)
    if ctx.type == "1cc":
        return ocsearch.models(ctx)
    s = ctx.seed
    out = [_b("centroid")]
    out += [_b("knn", k=k, protos=p, seed=s) for k in (1, 3, 5) for p in (0, 4)]
    out += [_b("gnb")]
    out += [_b("linear", algo="lda", shrinkage="auto"), _b("linear", algo="sefr")]
    out += [_b("linear", algo="logreg", C=c) for c in (0.1, 1.0, 10.0)]
    out += [_b("linear", algo="linsvm", C=c) for c in (0.1, 1.0)]
    out += [_b("svm_rbf", C=c, gamma=g, max_sv=64) for c in (1.0, 10.0) for g in (0.3, 1.0, 3.0)]
    out += [_b("forest", algo="tree", depth=d, seed=s) for d in (4, 8)]
    out += [_b("forest", algo=a, trees=t, depth=d, seed=s) for a in ("rf", "et") for t in (10, 20) for d in (4, 6)]
    out += [_b("gbt", stages=n, depth=d, lr=0.3, seed=s) for n in (10, 30) for d in (2, 3)]
    out += [_b("mlp", hidden=h, alpha=1e-3, seed=s) for h in (8, 16, 32)]
    return out


def config(prep: list[dict[str, Any]], model: dict[str, Any]) -> dict[str, Any]:
    return {"blocks": prep, "model": model}


# ------------------------------------------------------------------ evaluation


def _split_point(blocks: list[dict[str, Any]]) -> int:
    """Blocks before this index are computed once on all signals and cached."""
    for i, b in enumerate(blocks):
        if b["kind"] in ("scale", "pca"):
            return i
    return len(blocks)


_CACHE: OrderedDict[str, np.ndarray] = OrderedDict()
_CACHE_SIZE = 24
_CTX: Context | None = None


def _features(ctx: Context, blocks: list[dict[str, Any]]) -> np.ndarray:
    key = candidate_key({"blocks": blocks, "model": None})
    if key in _CACHE:
        _CACHE.move_to_end(key)
        return _CACHE[key]
    pipe = _build(ctx, {"blocks": blocks, "model": _b("centroid")})
    h = ctx.x
    for b in pipe.blocks:
        b.fit(h, None)
        h = b.transform(h)
    _CACHE[key] = h
    while len(_CACHE) > _CACHE_SIZE:
        _CACHE.popitem(last=False)
    return h


def _build(ctx: Context, cfg: dict[str, Any]) -> Pipeline:
    pipe = Pipeline.from_config(cfg)
    for b in pipe.blocks:
        if b.kind == "bandpass":
            b.state["sos"] = np.asarray(ctx.sos, np.float32).reshape(-1, 6)
    return pipe


def evaluate(ctx: Context, cfg: dict[str, Any], race_below: float | None) -> dict[str, Any]:
    """One candidate on the splits: a record for the results log."""
    if ctx.type == "ad":
        return adsearch.evaluate(ctx, cfg, race_below, _features, _build, RACE_SPLITS)
    t0 = time.perf_counter()
    key = candidate_key(cfg)
    rec: dict[str, Any] = {"key": key, "config": cfg}
    pipe = _build(ctx, cfg)
    n_train = len(ctx.splits[0][0])
    flash, ram = pipe.footprint(ctx.axes, ctx.length, n_train, ctx.outputs)
    rec.update(ram=ram, flash=flash)
    if ram > ctx.max_ram or flash > ctx.max_flash:
        rec["state"] = "rejected"
        rec["reason"] = f"estimated RAM {ram} B / flash {flash} B over the budget"
        return rec
    cut = _split_point(cfg["blocks"])
    main = space.MAIN_METRIC[ctx.type]
    try:
        feats = _features(ctx, cfg["blocks"][:cut])
        per_split = []
        preds: list[np.ndarray] = []  # extrapolation: each split's estimates, pooled per repeat
        for i, (tr, te) in enumerate(ctx.splits):
            if ctx.type == "1cc":
                m = ocsearch.split_result(ctx.oc_fits, cfg, i, ctx.y[te],
                                          lambda tr=tr, te=te: _fit_split(ctx, cfg, cut, feats, tr, te))
                if m is None:
                    rec["state"] = "rejected"
                    rec["reason"] = "more support vectors than allowed"
                    return rec
                per_split.append(m)
                if space.raced_out(per_split, race_below, RACE_SPLITS, main):
                    break
                continue
            p = Pipeline.from_config({"blocks": cfg["blocks"][cut:], "model": cfg["model"]})
            p.fit(feats[tr], ctx.y[tr], ctx.outputs)
            if getattr(p.model, "too_big", lambda: False)():
                rec["state"] = "rejected"
                rec["reason"] = "more support vectors than allowed"
                return rec
            proba = p.predict_proba(feats[te])
            if not np.all(np.isfinite(proba)):
                raise FloatingPointError("non-finite outputs")
            if ctx.type == "ext":
                per_split.append(metrics.regression(ctx.y[te], proba[:, 0]))
                preds.append(proba[:, 0])
                if (race_below is not None and len(preds) == RACE_SPLITS  # the first folds, pooled
                        and min(m[main] for m in pooled_repeats(ctx, preds)) < race_below):
                    break
                continue
            per_split.append(metrics.classification(ctx.y[te], proba))
            if space.raced_out(per_split, race_below, RACE_SPLITS, main):
                break
    except space.EVAL_ERRORS as e:
        return space.failed(rec, e)
    worst = min(pooled_repeats(ctx, preds) if ctx.type == "ext" else per_split, key=lambda m: m[main])
    mains = [m[main] for m in per_split]
    if ctx.type == "ext":
        score = metrics.score_regression(worst, ram, flash, ctx.max_ram, ctx.max_flash)
    elif ctx.type == "1cc":
        score = ocsearch.score(worst, per_split, ram, flash, ctx.max_ram, ctx.max_flash)
    else:
        score = metrics.score(worst, ram, flash, ctx.max_ram, ctx.max_flash)
    rec.update(
        state="full" if len(per_split) == len(ctx.splits) else "pruned",
        splits=len(per_split), worst=worst, ba_mean=float(np.mean(mains)),
        ba_ci95=list(metrics.ci95(mains, -math.inf if ctx.type == "ext" else 0.0)),
        split_ba=mains, score=score,
        seconds=round(time.perf_counter() - t0, 4),
    )
    if rec["state"] == "pruned":
        rec["score"] = round(rec["score"] - 100.0, 3)  # never ranks above a full evaluation
    return rec


def pooled_repeats(ctx: Context, preds: list[np.ndarray]) -> list[dict[str, float]]:
    """Extrapolation's metrics per K-fold repeat, from the estimates of the splits done so
    far pooled over the signals they tested. One fold holds a fifth of the signals, and
    its R² mostly says which few large targets it drew (Covid3Month: negative for every
    candidate, so a worst-fold Score ranked by SMAPE alone); a repeat tests every signal
    once, so its R² and RMSE are the data set's, and the worst repeat stays a worst case."""
    out = []
    for r in range(0, len(preds), FOLDS):
        idx = np.concatenate([ctx.splits[i][1] for i in range(r, min(r + FOLDS, len(preds)))])
        out.append(metrics.regression(ctx.y[idx], np.concatenate(preds[r: r + FOLDS])))
    return out


def _fit_split(ctx: Context, cfg: dict[str, Any], cut: int, feats: np.ndarray, tr: np.ndarray, te: np.ndarray
               ) -> tuple[np.ndarray, float] | None:
    """1-class: the held-out scores and the threshold's quantile before the margin, or
    None when the model is too big."""
    p = Pipeline.from_config({"blocks": cfg["blocks"][cut:], "model": cfg["model"]})
    p.fit(feats[tr], ctx.y[tr], 1)
    if getattr(p.model, "too_big", lambda: False)():
        return None
    scores = p.predict_proba(feats[te])[:, 0]
    if not np.all(np.isfinite(scores)):
        raise FloatingPointError("non-finite outputs")
    return scores, p.model.quantile


def _init_worker(ctx: Context) -> None:
    global _CTX
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    try:  # a worker must not outlive its job (Linux parent-death signal)
        import ctypes
        import signal

        ctypes.CDLL(None).prctl(1, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        pass
    _CTX = ctx
    # One BLAS thread per worker: the pool already has a worker per core, and BLAS
    # threads started before the fork (OMP_NUM_THREADS is read too late here) would
    # oversubscribe the cores and spin.
    from threadpoolctl import threadpool_limits

    threadpool_limits(1)
    try:  # our estimators' parameters are fixed and valid; re-checking them costs ~7 %
        import sklearn

        sklearn.set_config(skip_parameter_validation=True)
    except (ImportError, TypeError):
        pass


def _run_batch(prep: list[dict[str, Any]], models_: list[dict[str, Any]], race_below: float | None,
               ctx: Context | None = None) -> list[dict[str, Any]]:
    c = ctx or _CTX
    assert c is not None
    return [evaluate(c, config(prep, m), race_below) for m in models_]


def fit_library(ctx: Context, cfg: dict[str, Any], meta: dict[str, Any]) -> Pipeline:
    """The candidate refitted on all training signals: the library that ships."""
    pipe = _build(ctx, cfg)
    pipe.meta = dict(meta)
    if ctx.type == "ad":
        return pipe  # ships untrained: it learns on the device
    if ctx.type == "1cc":  # nominal signals only; abnormal and synthetic ones only evaluate
        nom = ctx.y == 0
        pipe.fit(ctx.x[nom], ctx.y[nom], 1)
        return pipe
    pipe.fit(ctx.x, ctx.y, ctx.n_classes)
    return pipe


# ------------------------------------------------------------------ the scheduler


class Scheduler:
    """Decides what to evaluate next from what has been evaluated; deterministic for a
    seed and a set of finished records."""

    def __init__(self, ctx: Context, done: dict[str, dict[str, Any]] | None = None) -> None:
        rng = np.random.default_rng(ctx.seed)
        preps = preprocessings(ctx)
        order = rng.permutation(len(preps))
        self.preps = [preps[i] for i in order]
        self.models = models(ctx)
        self.probes = probe_models(ctx)
        self.type = ctx.type
        self.done: dict[str, dict[str, Any]] = dict(done or {})
        self.issued: set[str] = set(self.done)
        self.total = len(self.preps) * len(self.models)
        # Recent cost per split, for deciding whether racing pays. Recent, because the
        # probe round computes every preprocessing's features and costs far more per
        # split than the rounds that follow.
        self._costs: deque[tuple[float, int]] = deque(maxlen=256)
        for rec in self.done.values():
            self._measure(rec)

    def best(self) -> dict[str, Any] | None:
        full = [r for r in self.done.values() if r.get("state") == "full"]
        return max(full, key=lambda r: (r["score"], r["key"])) if full else None

    def race_below(self, time_left: float | None = None, cores: int = 1) -> float | None:
        b = self.best()
        if b is None or (time_left is not None and self.affordable(time_left, cores)):
            return None
        return b["worst"][space.MAIN_METRIC[self.type]] - RACE_MARGIN

    def affordable(self, time_left: float, cores: int) -> bool:
        """Full evaluation of every candidate not yet issued fits in 80 % of the time
        left, at the cost per split of the latest evaluations (at least 50 splits)."""
        splits = sum(n for _, n in self._costs)
        if splits < 50:
            return False
        per_candidate = sum(t for t, _ in self._costs) / splits * N_SPLITS
        return (self.total - len(self.issued)) * per_candidate / max(cores, 1) <= 0.8 * time_left

    def record(self, rec: dict[str, Any]) -> None:
        self.done[rec["key"]] = rec
        self._measure(rec)

    def _measure(self, rec: dict[str, Any]) -> None:
        if rec.get("splits"):
            self._costs.append((float(rec.get("seconds", 0.0)), int(rec["splits"])))

    def _pending(self, prep: list[dict[str, Any]], models_: list[dict[str, Any]]) -> list[dict[str, Any]]:
        out = []
        for m in models_:
            k = candidate_key(config(prep, m))
            if k not in self.issued:
                out.append(m)
        return out

    def batches(self) -> Iterator[tuple[list[dict[str, Any]], list[dict[str, Any]]]]:
        """Probe round first, then preprocessings by probe score. A generator that must
        be re-asked: later choices depend on results recorded meanwhile."""
        for prep in self.preps:
            todo = self._pending(prep, self.probes)
            if todo:
                self._issue(prep, todo)
                yield prep, todo
        opened: set[int] = set()  # preprocessings already given every model
        while True:
            ranked = sorted(range(len(self.preps)), key=lambda i: (-self._prep_score(self.preps[i]), i))
            for i in ranked:
                if i in opened:
                    continue
                opened.add(i)
                todo = self._pending(self.preps[i], self.models)
                if todo:
                    for j in range(0, len(todo), BATCH):  # small batches: the budget is kept
                        self._issue(self.preps[i], todo[j: j + BATCH])
                        yield self.preps[i], todo[j: j + BATCH]
                    break
            else:
                return

    def _issue(self, prep: list[dict[str, Any]], models_: list[dict[str, Any]]) -> None:
        for m in models_:
            self.issued.add(candidate_key(config(prep, m)))

    def _prep_score(self, prep: list[dict[str, Any]]) -> float:
        best = -1e9
        for m in self.probes:
            r = self.done.get(candidate_key(config(prep, m)))
            if r and "score" in r:
                best = max(best, r["score"])
        return best


def ranked(done: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    scored = [r for r in done.values() if r.get("state") in ("full", "pruned")]
    return sorted(scored, key=lambda r: (-r["score"], r["ram"] + r["flash"], r["key"]))


def run(ctx: Context, time_budget: float, cores: int = 1, done: dict[str, dict[str, Any]] | None = None,
        on_record: Callable[[dict[str, Any]], None] | None = None,
        control: Callable[[], str] | None = None, elapsed0: float = 0.0) -> Scheduler:
    """Evaluates until the space is exhausted, the time budget is spent, or `control()`
    says "stop". "pause" holds dispatch (time does not count). A worker that dies is
    replaced and its batch retried once."""
    sched = Scheduler(ctx, done)
    t_start = time.monotonic() - elapsed0
    paused = 0.0
    gen = sched.batches()
    retried: set[str] = set()

    def elapsed() -> float:
        return time.monotonic() - t_start - paused

    def pool() -> ProcessPoolExecutor:
        import multiprocessing as mp

        return ProcessPoolExecutor(max_workers=cores, mp_context=mp.get_context("fork"),
                                   initializer=_init_worker, initargs=(ctx,))

    ex = pool()
    running: dict[Future[list[dict[str, Any]]], tuple[Any, Any]] = {}
    exhausted = False
    try:
        while True:
            state = control() if control else "run"
            if state == "stop":
                break
            if state == "pause":
                t = time.monotonic()
                time.sleep(0.2)
                if not running:
                    paused += time.monotonic() - t
                    continue
            if elapsed() >= time_budget and not running:
                break
            while state == "run" and not exhausted and len(running) < 2 * cores and elapsed() < time_budget:
                try:
                    prep, todo = next(gen)
                except StopIteration:
                    exhausted = True
                    break
                race = sched.race_below(time_budget - elapsed(), cores)
                running[ex.submit(_run_batch, prep, todo, race)] = (prep, todo)
            if not running:
                if exhausted or elapsed() >= time_budget:
                    break
                continue
            finished, _ = wait(list(running), timeout=0.2, return_when=FIRST_COMPLETED)
            for fut in finished:
                prep, todo = running.pop(fut)
                try:
                    recs = fut.result()
                except BrokenProcessPool:
                    key = candidate_key({"blocks": prep, "model": None})
                    for f in running:
                        f.cancel()
                    lost = list(running.values()) + [(prep, todo)]
                    running.clear()
                    ex.shutdown(wait=False, cancel_futures=True)
                    ex = pool()
                    for p2, t2 in lost:
                        k2 = candidate_key({"blocks": p2, "model": None})
                        if k2 == key and key in retried:
                            continue
                        retried.add(k2)
                        running[ex.submit(_run_batch, p2, t2, sched.race_below(time_budget - elapsed(), cores))] = (p2, t2)
                    break
                for rec in recs:
                    rec["t"] = round(elapsed(), 3)
                    sched.record(rec)
                    if on_record:
                        on_record(rec)
    finally:
        ex.shutdown(wait=False, cancel_futures=True)
    sched.elapsed = elapsed()  # type: ignore[attr-defined]
    return sched
