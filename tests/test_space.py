"""The simple answers every type evaluates first: they come before anything else in the
search's order, they fit the default budget, and the footprint they are judged by is the
shipped library's, measured when the estimate is only a worst case."""

from __future__ import annotations

import numpy as np
import pytest

from nanoforge.engine import evaluation as ev
from nanoforge.engine import search, space
from nanoforge.engine.models import KNN, KNNDistance, KNNRegressor, Model
from nanoforge.engine.pipeline import Pipeline, candidate_key
from nanoforge.engine.types.ad import RAW_MARGINS

from .conftest import FIXTURES

RAM, FLASH = 8192, 20480
SHAPES = [(1, 150, 50), (1, 275, 100), (6, 100, 40), (3, 256, 200)]  # axes, length, signals


def _ctx(kind: str, axes: int, length: int, n: int) -> search.Context:
    rng = np.random.default_rng(1)
    y = np.arange(n) % 4 if kind == "ncc" else (np.arange(n) % 5 == 0).astype(np.int64)
    x = (rng.normal(size=(n, axes, length)) + y[:, None, None]).astype(np.float32)
    if kind == "ext":
        y = rng.normal(size=n).astype(np.float32)
    classes = ["a", "b", "c", "d"] if kind == "ncc" else ["value"] if kind == "ext" else ["nominal", "abnormal"]
    data = {"groups": np.zeros(n, np.int64), "multi": False} if kind in ("ad", "1cc") else {}
    return search.Context(x, y, classes, RAM, FLASH, 3, type=kind, data=data)


@pytest.mark.parametrize("kind", ["ncc", "ext", "ad", "1cc"])
@pytest.mark.parametrize("shape", SHAPES, ids=[f"{a}x{b}-n{c}" for a, b, c in SHAPES])
def test_baselines_fit_the_default_budget(kind: str, shape: tuple[int, int, int]) -> None:
    """Sized to the budget: none is rejected on its estimate (tree ensembles, whose
    estimate is a worst case, are measured fitted instead: tested below)."""
    ctx = _ctx(kind, *shape)
    base = ctx.kind.baselines(ctx)
    assert len(base) >= 6
    kinds = {c["model"]["kind"] for c in base}
    assert kinds & {"knn", "knn_reg", "knn_oc", "reservoir"}, "a nearest-neighbour answer"
    for cfg in base:
        pipe = ev.build(ctx, cfg)
        if pipe.model.estimate_is_bound:
            continue
        flash, ram = ctx.kind.footprint(ctx, pipe)
        assert ram <= RAM and flash <= FLASH, (cfg, flash, ram)


@pytest.mark.parametrize("kind", ["ncc", "ext", "ad", "1cc"])
def test_the_search_issues_the_baselines_before_anything_else(kind: str) -> None:
    """In their order, each batch followed by at most PROBES_BETWEEN batches of the
    probe round (cheap models that keep the other worker busy), and before any
    preprocessing is opened to every model."""
    ctx = _ctx(kind, 1, 64, 40)
    sched = search.Scheduler(ctx)
    first = ctx.kind.baselines(ctx)
    groups = len(search.by_prep(first))
    issued: list[str] = []
    for batch in sched.batches():
        prep, models = batch.prep, batch.models
        issued += [candidate_key({"blocks": prep, "model": m}) for m in models]
        if len(issued) >= len(first) + groups * search.PROBES_BETWEEN * len(sched.probes):
            break
    want = [candidate_key(c) for c in first]
    assert [k for k in issued if k in set(want)] == want
    probe_keys = {candidate_key({"blocks": p, "model": m}) for p in sched.preps for m in sched.probes}
    assert set(issued) <= set(want) | probe_keys  # nothing else yet
    # their preprocessings join the space, so every model may be tried on them later
    preps = {candidate_key({"blocks": p, "model": None}) for p in sched.preps}
    assert all(candidate_key({"blocks": c["blocks"], "model": None}) in preps for c in first)


@pytest.mark.parametrize("kind", ["ad", "1cc"])
def test_a_fits_margins_go_out_in_one_batch(kind: str) -> None:
    """The margins of one fit share the fit only within a worker's batch: split across two
    batches (a probe left out of the model list shifted every later fit) they were fitted
    twice, on two cores at once."""
    ctx = _ctx(kind, 1, 64, 40)
    sched = search.Scheduler(ctx)
    first = {candidate_key(c) for c in sched.first}  # baselines and probes: margins of their own
    batches: dict[str, set[int]] = {}
    for n, batch in enumerate(sched.batches()):
        for m in batch.models:
            if m in sched.probes or candidate_key({"blocks": batch.prep, "model": m}) in first:
                continue
            fit = {k: v for k, v in m["params"].items() if k != "margin"}
            batches.setdefault(candidate_key({"blocks": batch.prep, "model": {**m, "params": fit}}), set()).add(n)
        if n > 400:
            break
    assert batches and all(len(b) == 1 for b in batches.values())

def test_footprint_counts_the_signals_the_library_ships_with() -> None:
    """k-NN keeps every training signal: the shipped library holds all of them, not a
    split's 70 %, so the estimate the search rejects on is the shipped size."""
    ctx = _ctx("ncc", 1, 150, 50)
    pipe = ev.build(ctx, {"blocks": [ev.block("flatten")], "model": ev.block("knn", k=1)})
    flash, _ = ctx.kind.footprint(ctx, pipe)
    fitted = search.fit_library(ctx, {"blocks": [ev.block("flatten")], "model": ev.block("knn", k=1)}, {})
    assert fitted.model.knowledge_bytes() == 50 * (4 * 150 + 4)
    assert flash == ctx.kind.footprint(ctx, fitted)[0]
    one = _ctx("1cc", 1, 150, 50)  # 1-class ships on the nominal signals only
    assert one.kind.shipped_signals(one) == int(np.sum(one.y == 0)) < len(one.y)


def test_a_forest_over_its_worst_case_estimate_is_measured_not_rejected() -> None:
    rows = np.loadtxt(FIXTURES / "gunpoint_train_1.csv", delimiter=",", dtype=np.float32, ndmin=2)
    rows2 = np.loadtxt(FIXTURES / "gunpoint_train_2.csv", delimiter=",", dtype=np.float32, ndmin=2)
    x = np.concatenate([rows, rows2])[:, None, :]
    y = np.r_[np.zeros(len(rows)), np.ones(len(rows2))].astype(np.int64)
    ctx = search.Context(x, y, ["1", "2"], RAM, FLASH, 0, type="ncc")
    cfg = {"blocks": [ev.block("flatten")], "model": ev.block("forest", algo="rf", trees=20, depth=6, seed=0)}
    est, _ = ctx.kind.footprint(ctx, ev.build(ctx, cfg))
    assert est > FLASH
    rec = ctx.kind.evaluate(ctx, cfg, None)
    assert rec["state"] == "full"
    shipped = search.fit_library(ctx, cfg, {})
    assert rec["flash"] == ctx.kind.footprint(ctx, shipped)[0] <= FLASH


@pytest.mark.parametrize(("d", "n", "kb"), [(150, 50, 4000), (600, 40, 17408), (8, 300, 1000), (275, 100, 100)])
def test_prototypes_sized_to_a_budget_stay_within_the_estimate(d: int, n: int, kb: int) -> None:
    rng = np.random.default_rng(d + n)
    x = rng.normal(size=(n, d)).astype(np.float32)
    y = np.arange(n) % 4
    models: list[Model] = [KNN(k=1, kb=kb, seed=2), KNNRegressor(k=3, kb=kb, seed=2),
                           KNNDistance(k=1, kb=kb, seed=2)]
    for m in models:
        est = m.estimate_bytes(d, n, 4)
        m.fit(x, y.astype(np.float32) if isinstance(m, KNNRegressor) else y, 4)
        kept = m.state["proto"].shape[0]
        assert 0 < kept <= n
        assert m.knowledge_bytes() - 4 * int("limit" in m.state) <= est, (m, est)
        if n * (4 * d + 4) <= kb:  # everything fits: every signal is kept, nothing averaged
            assert kept == n
    knn = KNN(k=1, kb=kb, seed=2).fit(x, y, 4)
    assert set(knn.state["label"].tolist()) == {0, 1, 2, 3}  # every class keeps a prototype


def test_budget_sized_knn_is_seeded() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(60, 40)).astype(np.float32)
    y = np.arange(60) % 3
    a = KNN(k=1, kb=2000, seed=5).fit(x, y, 3).state["proto"]
    b = KNN(k=1, kb=2000, seed=5).fit(x, y, 3).state["proto"]
    assert a.tobytes() == b.tobytes() and len(a) < 60


def test_rocket_and_decimation_follow_the_budget() -> None:
    for axes, length, feats in [(1, 150, 614), (6, 100, 439), (9, 64, 100), (1, 16, 50)]:
        blk = Pipeline.from_config({"blocks": [space.rocket(axes, length, feats, 0)],
                                    "model": ev.block("centroid")}).blocks[0]
        assert blk.out_shape((axes, length))[0] <= max(feats, axes * len(blk.plan(length)[1]))
    assert space.decimation(150, 1, 150) == 1
    f = space.decimation(275, 1, 100)
    assert 275 // f <= 100 < 275 // (f - 1)
    assert 64 // space.decimation(64, 6, 1) >= space.MIN_SAMPLES  # never below 8 samples per axis


def test_the_raw_buffer_distance_is_tried_tight_enough_to_see_another_shape() -> None:
    """Anomaly detection: the distance to kept raw buffers sums many samples' squared
    differences, so twice its median learning score lets through a buffer of another
    shape in the same noise. The baselines also try it at `RAW_MARGINS`, where the splits
    see it catch the other shape (two shapes of 24 samples, noise half their height), and
    calibrated on its kept buffers (`LOO_MARGINS`)."""
    rng = np.random.default_rng(2)
    t = np.arange(24)
    shapes = [sum(rng.normal() * np.exp(-0.5 * ((t - rng.uniform(0, 24)) / rng.uniform(1, 4)) ** 2) for _ in range(3))
              for _ in range(2)]
    x = np.concatenate([s + rng.normal(0, 0.5, (30, 24)) for s in shapes])[:, None, :].astype(np.float32)
    y = np.repeat([0, 1], 30).astype(np.int64)
    ctx = search.Context(x, y, ["nominal", "abnormal"], RAM, FLASH, 3, type="ad",
                         data={"groups": np.zeros(60, np.int64), "multi": False})
    best: dict[bool, float] = {}
    at3: dict[tuple[str, bool, int], float] = {}
    loo = 0.0
    for cfg in ctx.kind.baselines(ctx):
        p = cfg["model"]["params"]
        if cfg["model"]["kind"] == "reservoir":
            rec = ctx.kind.evaluate(ctx, cfg, None)
            assert rec["state"] == "full", rec.get("reason")
            if p["margin"] == 3.0:
                z = any(b["kind"] == "zscore" for b in cfg["blocks"])
                at3[(p.get("calibration", "prequential"), z, p["slots"])] = rec["ba_mean"]
            if p.get("calibration") == "loo":
                loo = max(loo, rec["ba_mean"])
                continue
            tight = p["margin"] in RAW_MARGINS
            best[tight] = max(best.get(tight, 0.0), rec["ba_mean"])
    assert best[True] >= 0.95
    assert best[True] >= best[False] + 0.2
    # Calibrated on its kept buffers, not on scores taken while it knew less: it sees the
    # other shape too, and at the margin both calibrations share it is the tighter one.
    assert loo >= 0.95
    pairs = [(v, at3[("prequential", *k[1:])]) for k, v in at3.items() if k[0] == "loo"]
    assert len(pairs) == 4 and all(a >= b + 0.1 for a, b in pairs), pairs
