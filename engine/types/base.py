"""The contract of a project type, and the registry that finds one by name.

A project type says what its signal files mean, how they load, how the benchmark's splits
are drawn, what is measured on each split, how candidates are scored and how the library
that ships is fitted. Everything else — the search, the benchmark job, the store, the
daemon, the clients — asks the registry and never tells types apart, so a fifth type is
one new module here plus its C side in `nanoforge.codegen.apis`.
"""

from __future__ import annotations

import importlib
import inspect
import os
import time
from collections import OrderedDict
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from .. import evaluation as ev
from .. import metrics
from ..dataset import Dataset
from ..pipeline import Pipeline, candidate_key
from ..validation import Input, detection_metrics, of_role

if TYPE_CHECKING:
    from ..project import Project
    from ..search import Context

_REGISTRY: dict[str, ProjectType] = {}
DEFAULT = "ncc"  # stored libraries and contexts written before types were named are n-class
SCORE_RULE = 2  # 2: no footprint term in the Score (docs/selection.md, "Size orders ties only")


@dataclass(frozen=True)
class EntryProblem:
    """What is wrong with one [[signals]] table: on `key`'s value, or on the table (None)."""

    message: str
    hint: str
    key: str | None = None


class ProjectType:
    """One project type. Subclasses set `name` and are registered on definition."""

    name: ClassVar[str] = ""
    title: ClassVar[str] = ""
    main_metric: ClassVar[str] = "balanced_accuracy"
    ci_low: ClassVar[float] = 0.0  # lowest value of the main metric's interval (R² may be negative)
    roles: ClassVar[tuple[str, ...]] = ()  # keys of a [[signals]] table
    sensors: ClassVar[tuple[str, ...]] = ("generic",)
    targets_first: ClassVar[bool] = False  # each line is a target value, then the buffer
    learns_on_device: ClassVar[bool] = False  # emulation learns files, then detects others
    backstops: ClassVar[bool] = False  # its libraries carry a backstop (`backstop = false` in the project drops it)
    single_entry: ClassVar[bool] = False  # one [[signals]] table only
    usage: ClassVar[str] = ""  # how `nanoforge signals add` is called for this type
    order: ClassVar[int] = 100  # place in lists shown to users (NanoEdge's order for the built-in types)
    validation_roles: ClassVar[tuple[str, ...]] = ()  # how `nanoforge validate` labels its files
    validation_usage: ClassVar[str] = ""
    validation_good: ClassVar[float] = 0.9  # the main metric on new data below which no library "works well"
    lcb_weight: ClassVar[float] = 0.80  # the main metric's lower bound's share of the Score (`rank_on`)
    # Before `SCORE_RULE` 2 every Score also counted the free share of each budget at this
    # weight, and the bound at `lcb_weight_before`: `upgrade` rescores such records.
    lcb_weight_before: ClassVar[float] = 0.80
    footprint_weight_before: ClassVar[float] = 0.0

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.__dict__.get("name"):  # a subclass that names no type of its own registers nothing
            _REGISTRY[cls.name] = cls()

    # ------------------------------------------------------------ the project file

    def describe(self) -> dict[str, Any]:
        """What a client shows and asks for (`nanoforge/types`)."""
        return {"name": self.name, "title": self.title, "roles": list(self.roles), "sensors": list(self.sensors),
                "main_metric": self.main_metric, "usage": self.usage, "targets_first": self.targets_first,
                "learns_on_device": self.learns_on_device, "validation_roles": list(self.validation_roles),
                "validation_usage": self.validation_usage}

    def entry_problem(self, entry: dict[str, str], earlier: list[dict[str, str]]) -> EntryProblem | None:
        """A problem with one [[signals]] table whose keys are all allowed, or None."""
        return None

    def entries_problem(self, count: int) -> tuple[int, EntryProblem] | None:
        """A problem with the list of valid [[signals]] tables: (table index, problem)."""
        if self.single_entry and count > 1:
            return 1, EntryProblem(f"a {self.title} project takes one signals entry", "keep one [[signals]] table")
        return None

    def entry(self, cls: str | None, file: str | None, nominal: str | None, abnormal: str | None) -> dict[str, str]:
        """The [[signals]] table `nanoforge signals add` writes; ValueError on wrong flags."""
        raise NotImplementedError

    def replaces(self, existing: dict[str, Any], new: dict[str, str]) -> bool:
        """Whether `new` replaces the `existing` table rather than being added beside it."""
        return self.single_entry

    # ------------------------------------------------------------ data

    def load(self, project: Project) -> Dataset:
        raise NotImplementedError

    def library_meta(self, project: Project, ds: Dataset) -> dict[str, Any]:
        """Spec fields of this type's libraries beyond axes, buffer and classes."""
        return {}

    def library_classes(self, ds: Dataset) -> list[str]:
        return ds.classes

    def library_fields(self, rec: dict[str, Any]) -> dict[str, Any]:
        """Spec fields that come from the candidate's evaluation (AD: learn calls)."""
        return {}

    # ------------------------------------------------------------ the search

    def prepare(self, ctx: Context) -> None:
        """Draws the splits (and anything else the evaluation needs) into `ctx`."""
        if not ctx.splits:
            ctx.splits = ev.stratified_splits(ctx.y, ev.N_SPLITS, ev.TEST_FRACTION, ctx.seed)

    def outputs(self, ctx: Context) -> int:
        """Floats the model writes per signal."""
        return ctx.n_classes

    def preprocessings(self, ctx: Context) -> list[list[dict[str, Any]]]:
        raise NotImplementedError

    def probe_models(self, ctx: Context) -> list[dict[str, Any]]:
        raise NotImplementedError

    def models(self, ctx: Context) -> list[dict[str, Any]]:
        raise NotImplementedError

    def baselines(self, ctx: Context) -> list[dict[str, Any]]:
        """Candidates (whole configurations) evaluated before anything else: the simple
        answers published baselines say are hard to beat, sized to the budget, so that no
        time budget ends without them and the search never returns a library clearly
        worse than one of them. Their preprocessings join the search space."""
        return []

    def shipped_rows(self, ctx: Context) -> np.ndarray:
        """The signals the shipped library is fitted on (`fit`)."""
        return np.arange(len(ctx.y))

    def shipped_signals(self, ctx: Context) -> int:
        """What a model that keeps signals (k-NN) holds on the device, hence what its
        footprint is estimated with."""
        return len(self.shipped_rows(ctx))

    def footprint(self, ctx: Context, pipe: Pipeline) -> tuple[int, int]:
        """(flash, RAM) estimated before any fit, to reject candidates over the budget:
        for the library that ships (fitted on `shipped_signals`), on the project's core."""
        return pipe.footprint(ctx.axes, ctx.length, self.shipped_signals(ctx), self.outputs(ctx),
                              ctx.data.get("core"))

    def estimate(self, ctx: Context, cfg: dict[str, Any]) -> tuple[int, int]:
        """(flash, RAM) the search records, scores and rejects on: the estimate before any
        fit, except for models whose estimate is only a worst case (tree ensembles, their
        nodes bounded by depth and signals, several times what a fit gives): those are
        fitted as they ship and counted with their real knowledge (`fitted_footprint`)."""
        pipe = ev.build(ctx, cfg)
        est = self.footprint(ctx, pipe)
        return self.fitted_footprint(ctx, cfg, est) if pipe.model.estimate_is_bound else est

    def fitted_footprint(self, ctx: Context, cfg: dict[str, Any], estimate: tuple[int, int]) -> tuple[int, int]:
        """(flash, RAM) of the library that ships, fitted, its knowledge counted exactly:
        for models whose estimate is only a worst case (`Model.estimate_is_bound`); the
        estimate when the fit fails (the evaluation then says why)."""
        try:
            cut, feats = ev.shared_features(ctx, cfg)
            rows = self.shipped_rows(ctx)
            tail = Pipeline.from_config({"blocks": cfg["blocks"][cut:], "model": cfg["model"]})
            tail.fit(feats[rows], ctx.y[rows], self.outputs(ctx))
            head = ev.build(ctx, {"blocks": cfg["blocks"][:cut], "model": cfg["model"]})
            return self.footprint(ctx, Pipeline(head.blocks + tail.blocks, tail.model))
        except ev.EVAL_ERRORS:
            return estimate

    def run_splits(self, ctx: Context, cfg: dict[str, Any], race_below: float | None
                   ) -> tuple[list[dict[str, Any]], dict[str, Any]]:
        """Each split's metrics, stopping early when racing says so, and the metrics the
        candidate is ranked by (its worst case); raises ev.Rejected for a candidate that
        cannot ship, or one of ev.EVAL_ERRORS."""
        raise NotImplementedError

    def worst(self, per_split: list[dict[str, Any]]) -> dict[str, Any]:
        """The worst split's metrics."""
        return min(per_split, key=lambda m: m[self.main_metric])

    def lower_bound(self, mains: list[float]) -> float:
        """The main metric's lower confidence bound over the splits: what ranks."""
        return ev.lower_bound(mains)

    def score(self, ctx: Context, worst: dict[str, Any], per_split: list[dict[str, Any]], ram: int, flash: int
              ) -> float:
        """The candidate's Score (0–100). A type that defines `harder_splits` also takes
        `harder=`: for a candidate perfect on every split, the metrics on those splits, one
        dict per split; an empty list when the candidate failed on them (too few signals
        left to fit), which must score as the worst there."""
        raise NotImplementedError

    def harder_splits(self, ctx: Context) -> list[Any] | None:
        """Splits that still tell apart candidates perfect on every one of `ctx.splits`,
        or None (the type has no such protocol): run only for those candidates, whose
        Score then takes one secondary term from them (`evaluate`). Why: once every split
        is perfect, the secondary terms left to order them (certainty, then size) reward
        the most over-confident and the smallest models, which on the development suite
        were the ones that generalised worst (docs/selection.md, "Ties at the top")."""
        return None

    def harder_cache(self, ctx: Context) -> dict[str, Any]:
        """What the harder splits' context holds besides the shared features: a type
        whose harder splits need more than the signals puts it here."""
        return {}

    def saturated(self, mains: list[float]) -> bool:
        """True when the main metric is perfect on every split: the splits can no
        longer rank the candidate against the others that are."""
        return bool(mains) and min(mains) >= 1.0 - 1e-12

    def rank_on(self, scores: np.ndarray, mains: np.ndarray, idx: np.ndarray) -> np.ndarray:
        """Every candidate's Score had only the splits `idx` been run, from what the
        records hold (`scores`: the all-split Scores; `mains`: candidates × splits of the
        main metric): the selection's optimism (engine/optimism.py) re-runs the choice on
        half the splits. The main metric's bound is recomputed on `idx`; the other terms
        are recorded as all-split means only and stay at those values."""
        term = self.bound_term
        return scores + 100.0 * self.lcb_weight * (term(ev.lower_bounds(mains[:, idx])) - term(ev.lower_bounds(mains)))

    def bound_term(self, bounds: np.ndarray) -> np.ndarray:
        """The main metric's bound as the Score counts it (`rank_on`)."""
        return bounds

    def split_figures(self, rec: dict[str, Any]) -> list[float] | None:
        """A record's main metric on each split, as the selection's optimism compares them."""
        return rec.get("split_ba")

    def stated(self, rec: dict[str, Any]) -> float:
        """The benchmark's own figure for a candidate, as it expects it on new data before
        the selection's optimism is taken off: the main metric's mean over the splits."""
        return float(rec["ba_mean"])

    def synthetic_faults(self, rec: dict[str, Any]) -> bool:
        """Whether a candidate's figures count synthetic faults as anomalies
        (`engine/synthetic.py`: 1-class always, anomaly detection without enough abnormal
        signals). Then the selection's optimism says nothing about real anomalies: on the
        development suite, where the 1-class figure missed real detection by −0.23 to
        +0.32, the estimate and the measured drop were unrelated (docs/selection.md)."""
        return (rec.get("worst") or {}).get("detection_synthetic") is not None

    def record_extras(self, per_split: list[dict[str, Any]]) -> dict[str, Any]:
        """Fields of the results record beyond those every type has."""
        return {}

    def evaluate(self, ctx: Context, cfg: dict[str, Any], race_below: float | None) -> dict[str, Any]:
        """One candidate on the splits: a record for the results log."""
        t0 = time.perf_counter()
        rec: dict[str, Any] = {"key": candidate_key(cfg), "config": cfg}
        flash, ram = self.estimate(ctx, cfg)
        rec.update(ram=ram, flash=flash)
        if ram > ctx.max_ram or flash > ctx.max_flash:
            rec["state"] = "rejected"
            rec["reason"] = f"estimated RAM {ram} B / flash {flash} B over the budget"
            return rec
        try:
            per_split, worst = self.run_splits(ctx, cfg, race_below)
        except ev.Rejected as e:
            rec["state"] = "rejected"
            rec["reason"] = str(e)
            return rec
        except ev.EVAL_ERRORS as e:
            rec["state"] = "failed"
            rec["reason"] = str(e)[:200]
            return rec
        mains = [m[self.main_metric] for m in per_split]
        extras = self.record_extras(per_split)
        full = len(per_split) == len(ctx.splits)
        harder = self.run_harder(ctx, cfg) if full and self.saturated(mains) else None
        if harder is not None:
            extras["harder"] = ({**ev.mean_metrics(harder), "splits": len(harder),
                                 "split_ba": [m[self.main_metric] for m in harder],
                                 **({"split_ba_noisy": [m[f"{self.main_metric}_noisy"] for m in harder]}
                                    if f"{self.main_metric}_noisy" in harder[0] else {})} if harder
                                else {self.main_metric: 0.0, "splits": 0, "failed": True})
            # what the selection's optimism re-ranks by: it cannot re-run the harder splits
            # for the candidates perfect on only half of the splits (engine/optimism.py)
            extras["score_ordinary"] = self.score(ctx, worst, per_split, ram, flash)
        rec.update(
            state="full" if full else "pruned",
            splits=len(per_split), worst=worst, ba_mean=float(np.mean(mains)), ba_lcb=self.lower_bound(mains),
            ba_ci95=list(metrics.ci95(mains, self.ci_low)), split_ba=mains, **extras,
            score=(self.score(ctx, worst, per_split, ram, flash) if harder is None
                   else self.score(ctx, worst, per_split, ram, flash, harder=harder)),
            seconds=round(time.perf_counter() - t0, 4), score_rule=SCORE_RULE,
        )
        self.apply_offset(rec)
        if rec["state"] == "pruned":
            rec["score"] = round(rec["score"] - 100.0, 3)  # never ranks above a full evaluation
        return rec

    def score_offset(self, cfg: dict[str, Any]) -> float:
        """Score points a candidate's configuration costs whatever its figures (1-class:
        its margin). Taken off every Score a record holds, and recorded, so a benchmark
        resumed from records written before an offset existed ranks them alike (`upgrade`)."""
        return 0.0

    def apply_offset(self, rec: dict[str, Any]) -> None:
        off = self.score_offset(rec["config"])
        if off:
            for k in ("score", "score_ordinary"):
                if isinstance(rec.get(k), (int, float)):
                    rec[k] = round(rec[k] - off, 3)
            rec["score_offset"] = off

    def upgrade(self, rec: dict[str, Any], budgets: tuple[int, int] | None = None) -> dict[str, Any]:
        """A record of an earlier version, scored as this one scores (its figures are the
        same; only the Score's rule changed), so a resumed benchmark, its lists and its
        reports rank old and new records alike: the offset applied when it has none, and
        the footprint term taken out of a Score written before `SCORE_RULE` 2, which
        needs the project's (max RAM, max flash) `budgets` (left as it was without them)."""
        if rec.get("state") not in ("full", "pruned") or "config" not in rec:
            return rec
        out = rec
        if "score_offset" not in rec:
            out = dict(rec)
            self.apply_offset(out)
        if rec.get("score_rule", 1) < SCORE_RULE and budgets is not None and self._own_score_rule():
            out = dict(out)
            free = sum(ev.footprint_term(out["ram"], out["flash"], *budgets))
            try:
                bound = self.main_term(out)
            except (KeyError, TypeError, ValueError):
                return out
            delta = 100.0 * ((self.lcb_weight - self.lcb_weight_before) * bound - self.footprint_weight_before * free)
            for k in ("score", "score_ordinary"):
                if isinstance(out.get(k), (int, float)):
                    out[k] = round(out[k] + delta, 3)
            out["score_rule"] = SCORE_RULE
        return out

    def _own_score_rule(self) -> bool:
        """True when the class whose `score` this type uses is the one that states what
        its earlier rule counted: a plug-in with a Score of its own, subclassing a built-in
        type, never had the built-in's footprint term (nor its weights)."""
        def owner(attr: str) -> type | None:
            return next((c for c in type(self).__mro__ if attr in c.__dict__), None)
        return owner("score") is owner("footprint_weight_before")

    def main_term(self, rec: dict[str, Any]) -> float:
        """The main metric's term of the Score as a record holds it (`upgrade`): the lower
        bound over the splits."""
        return float(rec["ba_lcb"])

    def run_harder(self, ctx: Context, cfg: dict[str, Any]) -> list[dict[str, Any]] | None:
        """Each of `harder_splits`' metrics for a candidate; [] when it fails on them (it
        then scores as the worst there: failing must not keep the easier Score); None when
        the type has no harder splits, or its `score` predates `harder=` (a plug-in
        subclassing a type that has them)."""
        if "harder" not in inspect.signature(self.score).parameters:
            return None
        if "harder_splits" not in ctx.cache:  # drawn once per worker and data set, from the seed
            ctx.cache["harder_splits"] = self.harder_splits(ctx)
        sp = ctx.cache["harder_splits"]
        if not sp:
            return None
        # the features of all signals do not depend on the splits and are shared; any
        # per-split cache a type keeps (keyed by split index) must not be
        cache = {"features": ctx.cache.setdefault("features", OrderedDict()), **self.harder_cache(ctx)}
        try:
            return self.run_splits(replace(ctx, splits=sp, cache=cache), cfg, None)[0]
        except (ev.Rejected, *ev.EVAL_ERRORS):
            return []

    def fit(self, ctx: Context, pipe: Pipeline) -> Pipeline:
        """The library that ships, fitted on all training signals."""
        pipe.fit(ctx.x, ctx.y, self.outputs(ctx))
        return pipe

    # ------------------------------------------------------------ results shown

    def headline(self, worst: dict[str, Any]) -> dict[str, Any]:
        """The main metrics of a candidate, as lists and status lines show them."""
        return {self.main_metric: worst[self.main_metric]}

    def scores(self, rec: dict[str, Any]) -> dict[str, Any]:
        """The scores a library's spec and metadata.json carry."""
        raise NotImplementedError

    def best_extras(self, rec: dict[str, Any]) -> dict[str, Any]:
        """Fields of the benchmark's best beyond the headline (warnings, learn calls)."""
        return {}

    # ------------------------------------------------------------ validation on new files

    def validation_problem(self, inputs: list[Input], classes: list[str]) -> str | None:
        """What is wrong with the labelled files of `nanoforge validate`, or None."""
        wrong = sorted({i.role for i in inputs} - set(self.validation_roles))
        if wrong or not inputs:
            return f"to validate {self.title} libraries, label the files with {self.validation_usage}"
        return None

    def validation_runs(self, inputs: list[Input]) -> list[dict[str, Any]]:
        """The emulator runs the labelled files need (`nanoforge emulate`'s parameters)."""
        raise NotImplementedError

    def validation_metrics(self, inputs: list[Input], classes: list[str], answers: list[dict[str, Any]]
                           ) -> dict[str, Any]:
        """This type's metrics from the emulator's answers to `validation_runs`, in order."""
        raise NotImplementedError

    # ------------------------------------------------------------ report

    def library_output(self, classes: list[str]) -> str:
        """What the library answers, as the report's flowchart ends."""
        return f"{len(classes)} outputs"

    def report_plots(self, project: Project, pipe: Pipeline) -> list[dict[str, Any]]:
        """The type's results plots as charts any renderer draws: title, x_label,
        y_label, series (name, x, y, style "points" or "line"), and optionally hlines (y,
        label), y_range, diagonal (y = x) and grid (x, y, inside: the 0/1 map under the
        points, row = y)."""
        return []

    def plot(self, project: Project, pipe: Pipeline) -> dict[str, Any]:
        """Data for the benchmark plot, for the types that have one."""
        raise ValueError(f"there is no benchmark plot for {self.title} libraries")


class NominalFiles(ProjectType):
    """What the types whose [[signals]] tables are a nominal file and an optional
    abnormal one (anomaly detection, 1-class) share; not a type itself (no name)."""

    roles = ("nominal", "abnormal")
    usage = "--nominal FILE [--abnormal FILE]"

    def entry_problem(self, entry: dict[str, str], earlier: list[dict[str, str]]) -> EntryProblem | None:
        if "nominal" not in entry:
            return EntryProblem("the entry needs a nominal file", 'write nominal = "signals/normal.csv"')
        return None

    def entry(self, cls: str | None, file: str | None, nominal: str | None, abnormal: str | None) -> dict[str, str]:
        if nominal is None or cls or file is not None:
            raise ValueError(f"a {self.title} project takes --nominal FILE [--abnormal FILE]")
        return {"nominal": nominal, **({"abnormal": abnormal} if abnormal is not None else {})}

    validation_roles = ("nominal", "abnormal")
    validation_usage = "--nominal FILE… --abnormal FILE…"

    def validation_problem(self, inputs: list[Input], classes: list[str]) -> str | None:
        wrong = super().validation_problem(inputs, classes)
        if wrong:
            return wrong
        both = {i.file for i in of_role(inputs, "nominal")} & {i.file for i in of_role(inputs, "abnormal")}
        if both:
            return f"{sorted(both)[0]} is given as both nominal and abnormal; give each file one label"
        if not of_role(inputs, "nominal") and not of_role(inputs, "abnormal"):
            return "give files to detect: --nominal FILE and/or --abnormal FILE"
        return None

    def split_detections(self, inputs: list[Input], per_file: list[tuple[np.ndarray, np.ndarray]]
                         ) -> dict[str, Any]:
        """The metrics from each detected file's (abnormal flags, abnormality scores), in
        the order of the nominal then abnormal inputs."""
        n = len(of_role(inputs, "nominal"))
        empty = (np.zeros(0, bool), np.zeros(0))
        nom, abn = per_file[:n] or [empty], per_file[n:] or [empty]
        return detection_metrics(np.concatenate([f for f, _ in nom]), np.concatenate([f for f, _ in abn]),
                                 np.concatenate([s for _, s in nom]), np.concatenate([s for _, s in abn]))


def get(name: str | None) -> ProjectType:
    """The type registered as `name` (n-class when None: specs from before types had names)."""
    load_plugins()
    t = _REGISTRY.get(name or DEFAULT)
    if t is None:
        raise ValueError(f"unknown project type {name!r}; known: {', '.join(names())}")
    return t


def names() -> tuple[str, ...]:
    return tuple(t.name for t in all_types())


def all_types() -> list[ProjectType]:
    load_plugins()
    return sorted(_REGISTRY.values(), key=lambda t: t.order)


_LOADED: set[str] = set()


def load_plugins() -> None:
    """Imports the modules named in NANOFORGE_PLUGINS (comma-separated): a type defined
    outside nanoforge registers itself there, in the daemon and in its benchmark jobs alike."""
    for mod in filter(None, (m.strip() for m in os.environ.get("NANOFORGE_PLUGINS", "").split(","))):
        if mod not in _LOADED:
            _LOADED.add(mod)
            importlib.import_module(mod)
