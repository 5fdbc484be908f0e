"""The search's scheduling decisions: racing prunes only when the budget needs it, and
workers use one BLAS thread each."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from nanoforge.daemon import benchstore
from nanoforge.engine import search, workers
from nanoforge.engine.dataset import deinterleave
from nanoforge.engine.project import new_project

from .conftest import FIXTURES


def _ctx() -> search.Context:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(40, 1, 32)).astype(np.float32)
    y = np.repeat([0, 1], 20)
    return search.Context(x, y, ["a", "b"], 1 << 20, 1 << 20, 0)


def _full(i: int, seconds: float) -> dict:
    return {"key": f"k{i}", "state": "full", "splits": search.N_SPLITS, "seconds": seconds, "score": 90.0 + i * 1e-3,
            "worst": {"balanced_accuracy": 0.9}}


def test_racing_only_when_the_rest_of_the_space_does_not_fit_in_the_time_left() -> None:
    sched = search.Scheduler(_ctx())
    assert sched.race_below(1e9, 2) is None  # nothing measured, no best yet: nothing to race against
    for i in range(10):
        sched.record(_full(i, 0.01))  # 1 ms per split
    left = sched.total - len(sched.issued)
    need = left * 0.01 / 2  # seconds for full evaluations of the rest on 2 cores
    assert sched.race_below(need / 0.8 * 1.01, 2) is None
    assert sched.race_below(need / 0.8 * 0.99, 2) == 0.9 - search.RACE_MARGIN
    assert sched.race_below(None) == 0.9 - search.RACE_MARGIN  # no budget given: always race


def test_racing_decision_follows_the_latest_costs() -> None:
    """The probe round computes features and is dear per split; what follows is cheap,
    and only the recent cost predicts the rest."""
    sched = search.Scheduler(_ctx())
    for i in range(300):
        sched.record(_full(i, 1.0))
    time_left = (sched.total - len(sched.issued)) * 0.01 / 2 / 0.8 * 1.5
    assert sched.race_below(time_left, 2) is not None
    for i in range(300, 600):
        sched.record(_full(i, 0.01))
    assert sched.race_below(time_left, 2) is None


def _blas_threads() -> list[int]:
    from threadpoolctl import threadpool_info

    return [p["num_threads"] for p in threadpool_info()]


def test_workers_use_one_blas_thread_each() -> None:
    """Forked after numpy started its BLAS threads, a worker per core would otherwise run
    a BLAS thread per core each, and the search slowed 3-4x."""
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(1, mp_context=mp.get_context("fork"), initializer=workers._init_local,
                             initargs=(_ctx(),)) as ex:
        assert set(ex.submit(_blas_threads).result()) <= {1}


def _ext_ctx() -> search.Context:
    rows = np.loadtxt(FIXTURES / "covid3month_train.csv", delimiter=",", dtype=np.float32, ndmin=2)
    return search.Context(deinterleave(rows[:, 1:], 1), rows[:, 0], ["value"], 1 << 20, 1 << 20, 0, type="ext")


def _oof(ctx: search.Context, cfg: dict, splits: range) -> tuple[np.ndarray, np.ndarray]:
    """Out-of-fold estimates, fitted here from scratch: the reference for the record."""
    from nanoforge.engine.pipeline import Pipeline

    idx, est = [], []
    for i in splits:
        tr, te = ctx.splits[i]
        p = Pipeline.from_config(cfg)
        p.fit(ctx.x[tr], ctx.y[tr], 1)
        idx.append(te)
        est.append(p.predict_proba(ctx.x[te])[:, 0])
    return np.concatenate(idx), np.concatenate(est)


CFG = {"blocks": [{"kind": "stats", "params": {}}, {"kind": "scale", "params": {}}],
       "model": {"kind": "ridge", "params": {"alpha": 1.0}}}


def test_extrapolation_is_ranked_by_its_worst_repeat_pooled_over_the_folds() -> None:
    """A fold's R² says mostly which large targets it drew (negative for every candidate
    on Covid3Month); a K-fold repeat tests every signal once."""
    from nanoforge.engine import metrics

    ctx = _ext_ctx()
    rec = search.evaluate(ctx, CFG, None)
    assert rec["state"] == "full" and rec["splits"] == search.N_SPLITS
    repeats = []
    for r in range(0, search.N_SPLITS, search.FOLDS):
        idx, est = _oof(ctx, CFG, range(r, r + search.FOLDS))
        assert sorted(idx) == list(range(len(ctx.y)))  # a repeat tests every signal once
        repeats.append(metrics.regression(ctx.y[idx], est))
    worst = min(repeats, key=lambda m: m["r2"])
    assert rec["worst"] == pytest.approx(worst, rel=1e-5)
    assert rec["worst"]["r2"] > min(rec["split_ba"])  # the worst fold is worse than any whole repeat here


def test_extrapolation_races_on_the_first_folds_pooled() -> None:
    from nanoforge.engine import metrics

    ctx = _ext_ctx()
    idx, est = _oof(ctx, CFG, range(search.RACE_SPLITS))
    first = metrics.regression(ctx.y[idx], est)
    pruned = search.evaluate(ctx, CFG, first["r2"] + 1e-3)
    assert pruned["state"] == "pruned" and pruned["splits"] == search.RACE_SPLITS
    assert pruned["worst"] == pytest.approx(first, rel=1e-5)
    assert search.evaluate(ctx, CFG, first["r2"] - 1e-3)["state"] == "full"


def test_bad_lines_in_the_results_log_are_skipped_not_fatal(tmp_path: Path) -> None:
    """A kill mid-write or a disk error leaves a partial or binary line in results.jsonl:
    the other records still rank (candidates) and resume (the scheduler)."""
    good = [{"key": f"k{i}", "config": {"blocks": [], "model": {"kind": "centroid", "params": {}}}, "state": "full",
             "splits": 10, "score": 90.0 + i, "worst": {"balanced_accuracy": 0.9}, "ram": 100, "flash": 200}
            for i in range(3)]
    lines = [json.dumps(r).encode() for r in good]
    lines[1:1] = [b"\xff\xfe\x00garbage", b'{"key": "k9", "config": {}, "state": "full", "sco', b"[1, 2]",
                  b'{"key": "k8", "config": {}, "state": "full"}']
    (tmp_path / "results.jsonl").write_bytes(b"\n".join(lines) + b"\n")
    recs = benchstore.read_results(tmp_path)
    assert sorted(recs) == ["k0", "k1", "k2"]
    assert [r["key"] for r in search.ranked(recs)] == ["k2", "k1", "k0"]


def test_a_candidate_scores_the_same_whatever_the_process_did_before() -> None:
    """liblinear (linsvm) shuffled with numpy's global state: one candidate scored
    differently from one worker to the next (68 of 2426 BasicMotions records differed
    between two runs of the same seed)."""
    parts = [np.loadtxt(FIXTURES / f"basicmotions_train_{c}.csv", delimiter=",", dtype=np.float32, ndmin=2)
             for c in ("badminton", "running", "standing", "walking")]
    x = deinterleave(np.concatenate(parts), 6)
    y = np.concatenate([np.full(len(p), i) for i, p in enumerate(parts)]).astype(np.int64)
    ctx = search.Context(x, y, ["a", "b", "c", "d"], 1 << 20, 1 << 20, seed=0)
    cfg = {"blocks": [{"kind": "decimate", "params": {"factor": 2}},
                      {"kind": "fft", "params": {"window": False, "log": False, "bands": 8}},
                      {"kind": "scale", "params": {}}],
           "model": {"kind": "linear", "params": {"algo": "linsvm", "C": 0.1}}}
    recs = []
    for seed in (1, 2, 3):
        np.random.seed(seed)  # what other work in the same worker leaves behind
        np.random.rand(seed * 7)
        recs.append(search.evaluate(ctx, cfg, None)["worst"])
    assert recs[0] == recs[1] == recs[2]


def test_candidates_evaluated_never_exceed_the_total() -> None:
    """The probes are candidates of their own (n-class probes k-NN without the model
    list's seed), so a benchmark that went through the whole space counted more
    candidates evaluated than its total."""
    from nanoforge.engine.pipeline import candidate_key

    sched = search.Scheduler(_ctx())
    issued: list[str] = []
    for batch in sched.batches():
        prep, models = batch.prep, batch.models
        for m in models:
            key = candidate_key(search.config(prep, m))
            issued.append(key)
            sched.record({"key": key, "state": "full", "score": 0.5, "worst": {"balanced_accuracy": 0.5}})
    assert len(issued) == len(set(issued)) == sched.total
    assert sched.evaluated() == sched.total
    sched.record(_full(0, 0.01))  # a record from another space (the project changed since) is not counted
    assert sched.evaluated() == sched.total


def test_records_scored_with_a_footprint_term_are_read_without_it(tmp_path: Path) -> None:
    """A benchmark from before size left the Score, resumed or listed now: its records are
    rescored against the project's budgets, so an old small library does not keep the
    points a new one no longer gets, and the file on disk is left as it was."""
    toml = new_project(tmp_path / "p", "1cc", max_ram=8192, max_flash=20480)
    root = toml.parent
    d = benchstore.new_bench_dir(root)
    benchstore.write_json(d / "job.json", {"type": "1cc", "project": str(root)})
    cfg = {"blocks": [{"kind": "flatten", "params": {}}],
           "model": {"kind": "maha", "params": {"robust": False, "contamination": 0.05, "margin": 1.0}}}
    base = {"config": cfg, "state": "full", "worst": {"balanced_accuracy": 0.9}, "splits": 10}
    # old rule: 100 × (0.80 · bound + 0.15 · AUC + 0.025 · free RAM + 0.025 · free flash), AUC 0.9
    small = {**base, "key": "small", "ram": 2048, "flash": 5120, "ba_lcb": 0.90, "score": 89.25}
    big = {**base, "key": "big", "ram": 8192, "flash": 20480, "ba_lcb": 0.91, "score": 86.3}
    newer = {**base, "key": "newer", "ram": 2048, "flash": 5120, "ba_lcb": 0.90, "score": 90.2, "score_rule": 2}
    text = "".join(json.dumps(r) + "\n" for r in (small, big, newer))
    (d / "results.jsonl").write_text(text)
    recs = benchstore.read_results(d)
    assert recs["small"]["score"] == pytest.approx(90.0) and recs["big"]["score"] == pytest.approx(90.85)
    assert recs["newer"]["score"] == 90.2
    assert [r["key"] for r in search.ranked(recs)] == ["big", "newer", "small"]
    assert (d / "results.jsonl").read_text() == text
    toml.unlink()  # no budgets to rescore against: read as written
    assert benchstore.read_results(d)["small"]["score"] == 89.25


def test_records_of_a_benchmark_started_before_the_margin_cost_are_read_with_it(tmp_path: Path) -> None:
    """A 1-class benchmark resumed (or listed) after the upgrade: every reader gets its
    old records with the Score offset, once, and the file on disk is left as it was."""
    cfg = {"blocks": [{"kind": "flatten", "params": {}}],
           "model": {"kind": "maha", "params": {"robust": False, "contamination": 0.05, "margin": 2.0}}}
    worst = {"balanced_accuracy": 0.98}
    old = {"key": "loose", "config": cfg, "state": "full", "score": 95.8, "worst": worst, "splits": 10, "ram": 100,
           "flash": 200}
    tight = {"key": "tight", "config": {**cfg, "model": {**cfg["model"], "params": {**cfg["model"]["params"],
                                                                                    "margin": 1.0}}},
             "state": "full", "score": 95.7, "worst": worst, "splits": 10, "ram": 100, "flash": 200}
    text = "\n".join(json.dumps(r) for r in (old, tight)) + "\n"
    (tmp_path / "results.jsonl").write_text(text)
    (tmp_path / "job.json").write_text(json.dumps({"type": "1cc"}))
    recs = benchstore.read_results(tmp_path)
    assert recs["loose"]["score"] == pytest.approx(94.8) and recs["tight"]["score"] == 95.7
    assert [r["key"] for r in search.ranked(recs)] == ["tight", "loose"]
    assert (tmp_path / "results.jsonl").read_text() == text
    (tmp_path / "job.json").write_text(json.dumps({"type": "ad"}))  # AD margins cost nothing
    assert benchstore.read_results(tmp_path)["loose"]["score"] == 95.8


def test_a_benchmark_without_a_library_is_told_why_in_words_a_user_acts_on() -> None:
    """The leanest over-budget candidate is the one nearest to fitting (by the tighter of
    its two ratios), a failure is quoted, and time is the cause only when nothing else is."""
    over = [{"state": "rejected", "ram": 9000, "flash": 100}, {"state": "rejected", "ram": 8300, "flash": 30000},
            {"state": "rejected", "ram": 8500, "flash": 900}]
    words = search.why_no_library(over, 8192, 20480)
    assert words.startswith("no candidate fits the budget: the leanest of 3 needs 8500 B of RAM (max_ram 8192)")
    broken = [*over, {"state": "failed", "reason": "non-finite features", "ram": 10, "flash": 10}]
    assert search.why_no_library(broken, 8192, 20480) == (
        "no candidate could be evaluated: 1 failed or were rejected (non-finite features), 3 were over the budget")
    assert "more time" in search.why_no_library([], 8192, 20480)
    assert "more time" in search.why_no_library([*over, {"state": "pruned", "ram": 10, "flash": 10}], 8192, 20480)
