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

import logging
import time
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, wait
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from . import types
from .evaluation import FOLDS, N_SPLITS, RACE_MARGIN, RACE_SPLITS, TEST_FRACTION, build
from .pipeline import Pipeline, candidate_key
from .workers import LocalPool, Lost, Workers

__all__ = ["FOLDS", "N_SPLITS", "RACE_MARGIN", "RACE_SPLITS", "TEST_FRACTION", "Batch", "Context", "Scheduler",
           "evaluate", "fit_library", "ranked", "run", "why_no_library"]

BATCH = 8  # candidates per task sent to a worker
log = logging.getLogger("nanoforge.search")
PROBES_BETWEEN = 2  # probe batches issued after each batch of baselines


@dataclass
class Batch:
    """Candidates of one preprocessing sent to a worker together (its features are
    computed once). `complete`: pruned candidates evaluated again on every split."""

    prep: list[dict[str, Any]]
    models: list[dict[str, Any]]
    complete: bool = False
    attempts: int = 0


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


# ------------------------------------------------------------------ the scheduler


class Scheduler:
    """Decides what to evaluate next from what has been evaluated; deterministic for a
    seed and a set of finished records.

    Racing prunes against the best full result found so far, and which one that is
    depends on the order results come back in (the number of workers, their speed). So
    once the space is exhausted with time left, the pruned candidates are evaluated on
    every split: an exhausted space then has the same records, and the same best library,
    whatever ran it."""

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
        self.completing: set[str] = set()  # pruned candidates given back for every split
        # Every candidate this search may evaluate: the probes are models of their own
        # (a probe need not be in the model list), so they count too.
        self.space = {candidate_key(config(p, m)) for p in self.preps for m in (*self.probes, *self.models)}
        self.space |= {candidate_key(c) for c in self.first}
        self.total = len(self.space)
        # Recent cost per split, for deciding whether racing pays. Recent, because the
        # probe round computes every preprocessing's features and costs far more per
        # split than the rounds that follow.
        self._costs: deque[tuple[float, int]] = deque(maxlen=256)
        for rec in self.done.values():
            self._measure(rec)

    def evaluated(self) -> int:
        """Candidates of this space with a record: never more than `total` (records of
        another space, from before the project changed, are not this search's)."""
        return len(self.space.intersection(self.done))

    def best(self) -> dict[str, Any] | None:
        """The fully evaluated candidate `ranked` lists first: on a tie of scores the
        smaller library, as the list shows it."""
        full = [r for r in self.done.values() if r.get("state") == "full"]
        return min(full, key=rank_key) if full else None

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
        return len(self.space - self.issued) * per_candidate / max(cores, 1) <= 0.8 * time_left

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

    def fresh(self, rec: dict[str, Any]) -> bool:
        """Whether `rec` adds to what is recorded: a candidate is recorded once, or twice
        when a pruned record is completed on every split."""
        old = self.done.get(rec["key"])
        return old is None or (old.get("state") == "pruned" and rec.get("state") == "full")

    def batches(self) -> Iterator[Batch]:
        """The type's baselines first (each followed by PROBES_BETWEEN batches of the probe
        round, so the dear ones — forests, k-means — do not hold both workers while the
        cheap probes wait), then the rest of the probe round, then preprocessings by probe
        score, then (asked again once nothing is running) the pruned candidates on every
        split. A generator that must be re-asked: later choices depend on results recorded
        meanwhile."""
        probes = self._probe_round()
        for prep, models_ in by_prep(self.first):
            todo = self._pending(prep, models_)
            if todo:
                self._issue(prep, todo)
                yield Batch(prep, todo)
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
                # Small batches, so the budget is kept, cut from the whole model list before
                # what was already issued (a probe) is left out: a type that lists a fit's
                # variants together (1-class margins) keeps them in one batch, one fit.
                chunks = [self._pending(self.preps[i], self.models[j: j + BATCH])
                          for j in range(0, len(self.models), BATCH)]
                if any(chunks):
                    for todo in filter(None, chunks):
                        self._issue(self.preps[i], todo)
                        yield Batch(self.preps[i], todo)
                    break
            else:
                break
        yield from self._completion()

    def unfinished(self) -> list[dict[str, Any]]:
        return [r for r in self.done.values() if r.get("state") == "pruned" and r["key"] not in self.completing]

    def _completion(self) -> Iterator[Batch]:
        """The pruned candidates, grouped by preprocessing, in an order that depends on
        the records only (not on when they arrived)."""
        groups: dict[str, list[dict[str, Any]]] = {}
        for r in sorted(self.unfinished(), key=lambda r: r["key"]):
            groups.setdefault(candidate_key({"blocks": r["config"]["blocks"], "model": None}), []).append(r)
        for _, recs in sorted(groups.items()):
            self.completing.update(r["key"] for r in recs)
            for j in range(0, len(recs), BATCH):
                part = recs[j: j + BATCH]
                yield Batch(part[0]["config"]["blocks"], [r["config"]["model"] for r in part], complete=True)

    def _probe_round(self) -> Iterator[Batch]:
        for prep in self.preps:
            todo = self._pending(prep, self.probes)
            if todo:
                self._issue(prep, todo)
                yield Batch(prep, todo)

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


def rank_key(r: dict[str, Any]) -> tuple[float, int, str]:
    """Order of records, best first: by score, then (scores being rounded, ties happen)
    the smaller library; the list, the best library and the one saved agree on it. Size
    only orders equal Scores: as a Score term it made the smallest of near-equal candidates
    win, which on the development suite and generated data tested worse more often than
    not (docs/selection.md, "Size orders ties only")."""
    return (-r["score"], r.get("ram", 0) + r.get("flash", 0), r["key"])


def ranked(done: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    scored = [r for r in done.values() if r.get("state") in ("full", "pruned")]
    return sorted(scored, key=rank_key)


def why_no_library(records: list[dict[str, Any]], max_ram: int, max_flash: int) -> str:
    """Why a benchmark that ended has no library, in words a user can act on: one that
    ends with nothing must not read like one still to be started. A buffer that fits the
    RAM alone (NF113 passes, NF209 warns) can still leave no room for any library's
    working memory."""
    if not records:
        return "the time budget ended before any candidate was evaluated: give the benchmark more time"
    over = [r for r in records if r.get("state") == "rejected"
            and (r.get("ram", 0) > max_ram or r.get("flash", 0) > max_flash)]
    if len(over) == len(records):
        lean = min(over, key=lambda r: max(r["ram"] / max_ram, r["flash"] / max_flash))
        return (f"no candidate fits the budget: the leanest of {len(over)} needs {lean['ram']} B of RAM "
                f"(max_ram {max_ram}) and {lean['flash']} B of flash (max_flash {max_flash}); raise max_ram or "
                "max_flash in nanoforge.toml, or record shorter buffers or fewer axes")
    budget = {id(r) for r in over}
    failed = [r for r in records if r.get("state") in ("failed", "rejected") and id(r) not in budget]
    if failed and len(failed) + len(over) == len(records):
        return (f"no candidate could be evaluated: {len(failed)} failed or were rejected "
                f"({failed[0].get('reason', 'no reason recorded')}), {len(over)} were over the budget")
    return "the time budget ended before any candidate finished its splits: give the benchmark more time"


def preload() -> None:
    """Imports the scikit-learn modules the first candidates fit with, once in this
    process before the workers fork, rather than in every worker on the budget's first
    seconds (the baselines' forests, k-means and ridge; ~1 s each under load)."""
    import sklearn.cluster
    import sklearn.ensemble
    import sklearn.linear_model  # noqa: F401


def run(ctx: Context, time_budget: float, cores: int = 1, done: dict[str, dict[str, Any]] | None = None,
        on_record: Callable[[dict[str, Any]], None] | None = None,
        control: Callable[[], str] | None = None, elapsed0: float = 0.0,
        workers: Workers | None = None) -> Scheduler:
    """Evaluates until the space is exhausted, the time budget is spent, or `control()`
    says "stop". "pause", or no worker within reach, holds dispatch (time does not
    count). `workers` defaults to a local pool of `cores` processes. A batch whose
    workers went away is sent again (once, when it may have killed its worker); a
    candidate is never recorded twice."""
    sched = Scheduler(ctx, done)
    preload()
    t_start = time.monotonic() - elapsed0
    paused = 0.0
    gen = sched.batches()
    w: Workers = workers if workers is not None else LocalPool(ctx, cores)

    def elapsed() -> float:
        return time.monotonic() - t_start - paused

    def next_batch() -> Batch | None:
        nonlocal gen
        if held:
            return held.popleft()
        for _ in range(2):
            try:
                return next(gen)
            except StopIteration:
                if running or not sched.unfinished():
                    return None  # what is still running may be pruned and need completing
                gen = sched.batches()
        return None

    held: deque[Batch] = deque()  # lost with their workers, to be sent again
    running: dict[Future[list[dict[str, Any]]], Batch] = {}
    try:
        while True:
            state = control() if control else "run"
            if state == "stop":
                break
            n = w.count()
            if (state == "pause" or n == 0) and not running:
                t = time.monotonic()
                time.sleep(0.2)
                paused += time.monotonic() - t
                continue
            while state == "run" and len(running) < 2 * n and elapsed() < time_budget:
                b = next_batch()
                if b is None:
                    break
                race = None if b.complete else sched.race_below(time_budget - elapsed(), n)
                running[w.submit(b.prep, b.models, race)] = b
            if not running:
                if held and elapsed() < time_budget:
                    continue
                break  # exhausted, or out of time
            finished, _ = wait(list(running), timeout=0.2, return_when=FIRST_COMPLETED)
            for fut in finished:
                b = running.pop(fut)
                try:
                    recs = fut.result()
                except Lost as e:
                    b.attempts += e.blame
                    if b.attempts > 1:
                        log.warning("dropped a batch that killed its workers twice: %s", e)
                    else:
                        held.append(b)
                    continue
                for rec in recs:
                    if not sched.fresh(rec):
                        continue
                    rec["t"] = round(elapsed(), 3)
                    sched.record(rec)
                    if on_record:
                        on_record(rec)
    finally:
        if workers is None:
            w.close()
    sched.elapsed = elapsed()  # type: ignore[attr-defined]
    return sched
