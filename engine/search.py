"""The benchmark's search, the same for every project type: which candidates to
evaluate, in which order, on how many worker processes, and when to stop.

Each candidate is evaluated by its project type (`nanoforge.engine.types`) on the type's
splits and ranked by its Score. Multi-fidelity: every candidate runs the first
`RACE_SPLITS` splits; one that is already clearly worse than the best full result stops
there ("pruned"), the rest run all splits. Racing only pays when the budget cannot cover
the space: while the measured cost of a full evaluation says that everything left fits in
the time left, nothing is pruned, so a small dataset gets every candidate's complete
numbers. Scheduling: the project type's baselines (the simple answers, sized to the
budget) go first; each preprocessing is then probed with a few cheap models, and
preprocessings are opened to every model in the order of their probe score.
"""

from __future__ import annotations

import ctypes
import multiprocessing as mp
import os
import signal
import time
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import sklearn
from threadpoolctl import threadpool_limits

from . import types
from .evaluation import FOLDS, N_SPLITS, RACE_MARGIN, RACE_SPLITS, TEST_FRACTION, build
from .pipeline import Pipeline, candidate_key

__all__ = ["FOLDS", "N_SPLITS", "RACE_MARGIN", "RACE_SPLITS", "TEST_FRACTION", "Context", "Scheduler", "evaluate",
           "fit_library", "ranked", "run"]

BATCH = 8  # candidates per task sent to a worker
PROBES_BETWEEN = 2  # probe batches issued after each batch of baselines


@dataclass
class Context:
    """Everything a worker needs to evaluate candidates; picklable. `data` holds what
    only one project type needs (AD: each signal's couple, multi-sensor), `cache` what a
    type keeps between evaluations in one process."""

    x: np.ndarray
    y: np.ndarray
    classes: list[str]
    max_ram: int
    max_flash: int
    seed: int = 0
    sos: list[list[float]] | None = None  # the project's band-pass filter, when enabled
    splits: list[Any] = field(default_factory=list)
    type: str = types.DEFAULT
    data: dict[str, Any] = field(default_factory=dict)
    cache: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.kind.prepare(self)

    @property
    def kind(self) -> types.ProjectType:
        return types.get(self.type)

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
        """Floats the model writes per signal."""
        return self.kind.outputs(self)


def config(prep: list[dict[str, Any]], model: dict[str, Any]) -> dict[str, Any]:
    return {"blocks": prep, "model": model}


def evaluate(ctx: Context, cfg: dict[str, Any], race_below: float | None) -> dict[str, Any]:
    """One candidate on its type's splits: a record for the results log."""
    return ctx.kind.evaluate(ctx, cfg, race_below)


def fit_library(ctx: Context, cfg: dict[str, Any], meta: dict[str, Any]) -> Pipeline:
    """The candidate refitted on all training signals: the library that ships."""
    pipe = build(ctx, cfg)
    pipe.meta = dict(meta)
    return ctx.kind.fit(ctx, pipe)


_CTX: Context | None = None


def _init_worker(ctx: Context) -> None:
    global _CTX
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    try:  # a worker must not outlive its job (Linux parent-death signal)
        ctypes.CDLL(None).prctl(1, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        pass
    _CTX = ctx
    # One BLAS thread per worker: the pool already has a worker per core, and BLAS
    # threads started before the fork (OMP_NUM_THREADS is read too late here) would
    # oversubscribe the cores and spin.
    threadpool_limits(1)
    try:  # our estimators' parameters are fixed and valid; re-checking them costs ~7 %
        sklearn.set_config(skip_parameter_validation=True)
    except TypeError:
        pass


def _run_batch(prep: list[dict[str, Any]], models_: list[dict[str, Any]], race_below: float | None,
               ctx: Context | None = None) -> list[dict[str, Any]]:
    c = ctx or _CTX
    assert c is not None
    return [evaluate(c, config(prep, m), race_below) for m in models_]


# ------------------------------------------------------------------ the scheduler


class Scheduler:
    """Decides what to evaluate next from what has been evaluated; deterministic for a
    seed and a set of finished records."""

    def __init__(self, ctx: Context, done: dict[str, dict[str, Any]] | None = None) -> None:
        rng = np.random.default_rng(ctx.seed)
        kind = ctx.kind
        self.first = kind.baselines(ctx)
        preps = kind.preprocessings(ctx)
        known = {candidate_key({"blocks": p, "model": None}) for p in preps}
        for cfg in self.first:  # the baselines' preprocessings join the space
            k = candidate_key({"blocks": cfg["blocks"], "model": None})
            if k not in known:
                known.add(k)
                preps.append(cfg["blocks"])
        order = rng.permutation(len(preps))
        self.preps = [preps[i] for i in order]
        self.models = kind.models(ctx)
        self.probes = kind.probe_models(ctx)
        self.main_metric = kind.main_metric
        self.done: dict[str, dict[str, Any]] = dict(done or {})
        self.issued: set[str] = set(self.done)
        self.total = len(self.preps) * len(self.models) + len(self.first)
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
        return b["worst"][self.main_metric] - RACE_MARGIN

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
        """The type's baselines first (each followed by PROBES_BETWEEN batches of the probe
        round, so the dear ones — forests, k-means — do not hold both workers while the
        cheap probes wait), then the rest of the probe round, then preprocessings by probe
        score. A generator that must be re-asked: later choices depend on results
        recorded meanwhile."""
        probes = self._probe_round()
        for prep, models_ in by_prep(self.first):
            todo = self._pending(prep, models_)
            if todo:
                self._issue(prep, todo)
                yield prep, todo
            for _ in range(PROBES_BETWEEN):
                nxt = next(probes, None)
                if nxt is None:
                    break
                yield nxt
        yield from probes
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

    def _probe_round(self) -> Iterator[tuple[list[dict[str, Any]], list[dict[str, Any]]]]:
        for prep in self.preps:
            todo = self._pending(prep, self.probes)
            if todo:
                self._issue(prep, todo)
                yield prep, todo

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


def by_prep(cfgs: list[dict[str, Any]]) -> list[tuple[list[dict[str, Any]], list[dict[str, Any]]]]:
    """Consecutive configurations grouped by preprocessing (one worker task computes a
    preprocessing's features once), at most BATCH models a task."""
    out: list[tuple[list[dict[str, Any]], list[dict[str, Any]]]] = []
    for cfg in cfgs:
        if out and out[-1][0] == cfg["blocks"] and len(out[-1][1]) < BATCH:
            out[-1][1].append(cfg["model"])
        else:
            out.append((cfg["blocks"], [cfg["model"]]))
    return out


def ranked(done: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    scored = [r for r in done.values() if r.get("state") in ("full", "pruned")]
    return sorted(scored, key=lambda r: (-r["score"], r["ram"] + r["flash"], r["key"]))


def preload() -> None:
    """Imports the scikit-learn modules the first candidates fit with, once in this
    process before the workers fork, rather than in every worker on the budget's first
    seconds (the baselines' forests, k-means and ridge; ~1 s each under load)."""
    import sklearn.cluster
    import sklearn.ensemble
    import sklearn.linear_model  # noqa: F401


def run(ctx: Context, time_budget: float, cores: int = 1, done: dict[str, dict[str, Any]] | None = None,
        on_record: Callable[[dict[str, Any]], None] | None = None,
        control: Callable[[], str] | None = None, elapsed0: float = 0.0) -> Scheduler:
    """Evaluates until the space is exhausted, the time budget is spent, or `control()`
    says "stop". "pause" holds dispatch (time does not count). A worker that dies is
    replaced and its batch retried once."""
    sched = Scheduler(ctx, done)
    preload()
    t_start = time.monotonic() - elapsed0
    paused = 0.0
    gen = sched.batches()
    retried: set[str] = set()

    def elapsed() -> float:
        return time.monotonic() - t_start - paused

    def pool() -> ProcessPoolExecutor:
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
