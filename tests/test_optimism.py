"""The selection's optimism (engine/optimism.py) on synthetic per-split scores where the
answer is known: candidates whose per-split figures follow the noise model the ranking's
bound assumes (a shared part per candidate, r·s², and a split-to-split part, s²)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from nanoforge.engine import evaluation as ev
from nanoforge.engine import optimism, search, types

R = ev.TEST_FRACTION / (1 - ev.TEST_FRACTION)


def scored(mains: np.ndarray, kind: types.ProjectType) -> np.ndarray:
    """Scores that are the rule's main term alone (the secondary terms equal)."""
    return 100 * kind.lcb_weight * ev.lower_bounds(mains)


def draw(skill: np.ndarray, splits: int, s: float, rng: np.random.Generator) -> np.ndarray:
    shared = rng.normal(0, s * np.sqrt(R), (len(skill), 1))
    return skill[:, None] + shared + rng.normal(0, s, (len(skill), splits))


def run(mains: np.ndarray, seed: int = 0) -> tuple[optimism.Optimism, int]:
    kind = types.get("ncc")
    scores = scored(mains, kind)
    best = int(np.argmax(scores))
    return optimism.estimate(mains, scores, best, kind.rank_on, seed), best


def test_equal_candidates_and_noisy_splits_give_a_large_optimism_close_to_the_real_one() -> None:
    rng = np.random.default_rng(1)
    est, real = [], []
    for _ in range(30):
        skill = np.full(150, 0.80)
        mains = draw(skill, ev.N_SPLITS, 0.05, rng)
        o, best = run(mains)
        est.append(o.optimism)
        real.append(mains[best].mean() - skill[best])  # the stated figure less the truth
        assert o.drop > 0
    assert np.mean(real) > 0.05  # the setting really is optimistic
    assert np.mean(est) == pytest.approx(np.mean(real), rel=0.35)


def test_one_clearly_best_candidate_gives_almost_no_optimism() -> None:
    rng = np.random.default_rng(2)
    skill = np.concatenate([[0.95], np.full(150, 0.70)])
    mains = draw(skill, ev.N_SPLITS, 0.03, rng)
    o, best = run(mains)
    assert best == 0 and o.stable == 1.0
    assert abs(o.optimism) < 1e-12  # the same choice on every halving: A and B swap roles


def test_a_single_candidate_is_exactly_unbiased() -> None:
    o, _ = run(np.array([[0.9, 0.8, 0.85, 0.95, 0.7, 0.9, 0.88, 0.92, 0.81, 0.86]]))
    assert o.optimism == pytest.approx(0.0, abs=1e-12) and o.halves == 252


def test_deterministic_for_a_seed_and_seeded_when_the_halvings_are_sampled() -> None:
    rng = np.random.default_rng(3)
    ten = draw(np.full(40, 0.8), 10, 0.05, rng)
    assert run(ten, 1) == run(ten, 2)  # all 252 halvings: the seed plays no part
    many = draw(np.full(40, 0.8), 14, 0.05, rng)  # C(14, 7) = 3432: a sample
    a, b, c = run(many, 7)[0], run(many, 7)[0], run(many, 8)[0]
    assert a == b and a.halves == optimism.MAX_HALVES
    assert a.drop != c.drop


def test_the_factor_follows_the_bound_model() -> None:
    assert optimism.factor(10, 5) == pytest.approx(np.sqrt((0.1 + R) * (0.2 + R)) * 5)
    assert 2.5 < optimism.factor(10, 5) < 3.2


def test_records_give_the_expected_figure_for_every_type() -> None:
    rng = np.random.default_rng(4)
    mains = np.clip(draw(np.full(30, 0.8), 10, 0.05, rng), 0, 1)
    for kind in types.all_types():
        scores = scored(mains, kind)
        recs = [{"key": f"k{i}", "state": "full", "score": float(s), "split_ba": m.tolist(), "split_r2_whole": m.tolist(),
                 "ba_mean": float(m.mean()), "worst": {kind.main_metric: float(m.min())}}
                for i, (s, m) in enumerate(zip(scores, mains, strict=True))]
        recs.append({"key": "p", "state": "pruned", "score": 99.0, "split_ba": [1.0] * 3, "split_r2_whole": [1.0] * 3})
        best = max((r for r in recs if r["state"] == "full"), key=lambda r: (r["score"], r["key"]))
        sel = optimism.of_records(kind, recs, best["key"], seed=0)
        assert sel is not None and sel["candidates"] == 30 and sel["splits"] == 10 and not sel["saturated"]
        assert sel["optimism"] > 0
        assert sel["expected"] == pytest.approx(sel["stated"] - sel["optimism"], abs=2e-4)
        assert sel["stated"] == pytest.approx(kind.stated(best), abs=1e-4)
        assert sel["synthetic"] is (kind.name == "1cc")  # these records hold no synthetic detection
        assert optimism.of_records(kind, recs, "p", seed=0) is None  # a pruned record is never the best
        recs[0].update(split_ba=[1.0] * 10, split_r2_whole=[1.0] * 10, score=1000.0)
        assert optimism.of_records(kind, recs, "k0", seed=0)["saturated"]  # type: ignore[index]


def test_the_report_states_the_expected_figure_beside_the_benchmarks() -> None:
    from nanoforge.daemon.reporthtml import _selection

    sel = {"metric": "balanced_accuracy", "saturated": False, "stated": 0.95, "optimism": 0.04, "expected": 0.91, "drop": 0.014,
           "stable": 0.6, "candidates": 312, "splits": 10, "halves": 252}
    text = _selection({"main_label": "balanced accuracy", "selection": sel})
    assert "0.91" in text and "0.95" in text and "312 candidates" in text and "60 %" in text
    assert _selection({"main_label": "balanced accuracy", "selection": None}) == ""
    assert "synthetic" not in text
    assert "synthetic faults" in _selection({"main_label": "balanced accuracy", "selection": {**sel, "synthetic": True}})


def _ad_context(abnormal: list[int], noise: float) -> search.Context:
    """One couple per entry, 24 nominal signals each and that many abnormal ones (the
    nominal waveform with `noise`: 0.05 is the nominal signals' own, so barely caught)."""
    rng = np.random.default_rng(1)
    t = np.arange(32) / 4.0
    xs, ys, gs = [], [], []
    for g, n_abn in enumerate(abnormal):
        xs += [np.sin(t + rng.uniform(0, 6, (24, 1, 1))) + 0.05 * rng.normal(size=(24, 1, 32)),
               np.sin(t + rng.uniform(0, 6, (n_abn, 1, 1))) + noise * rng.normal(size=(n_abn, 1, 32))]
        ys += [np.zeros(24, np.int64), np.ones(n_abn, np.int64)]
        gs += [np.full(24 + n_abn, g, np.int64)]
    return search.Context(np.concatenate(xs).astype(np.float32), np.concatenate(ys), ["nominal"], 8192, 20480,
                          seed=0, type="ad", data={"groups": np.concatenate(gs)})


@pytest.mark.parametrize(("abnormal", "synthetic"), [([12], False), ([0], True), ([3], True), ([12, 12], False)])
def test_anomaly_detection_records_whether_its_figures_count_synthetic_faults(abnormal: list[int], synthetic: bool
                                                                              ) -> None:
    """Synthetic faults for a couple with fewer than 10 abnormal signals (or none)."""
    rec = search.evaluate(_ad_context(abnormal, 1.0), {"blocks": [ev.block("stats")], "model": ev.block("gauss", margin=3.0)},
                          None)
    assert rec["state"] == "full" and rec["synthetic"] is synthetic and types.get("ad").synthetic_faults(rec) is synthetic


def test_a_machine_without_abnormal_signals_counts_when_another_couple_is_the_worst() -> None:
    """Each split keeps its worst couple only: here the machine whose abnormal signals are
    barely caught. The other machine, judged on synthetic faults, still makes the figures
    synthetic; a record from before the field reads its worst couple."""
    rec = search.evaluate(_ad_context([12, 0], 0.05), {"blocks": [ev.block("stats")], "model": ev.block("gauss", margin=3.0)},
                          None)
    assert rec["worst"]["detection_synthetic"] is None  # the recorded machine is the worst
    assert rec["synthetic"] is True and types.get("ad").synthetic_faults(rec) is True
    old = {k: v for k, v in rec.items() if k != "synthetic"}
    assert types.get("ad").synthetic_faults(old) is False


def test_the_status_line_says_when_detection_counted_synthetic_faults() -> None:
    """The expected figure of a 1-class benchmark is about its synthetic faults: on the
    development suite it did not predict real detection, so the line says so."""
    from nanoforge.cli.benchcmds import _selection_line

    sel = {"metric": "balanced_accuracy", "saturated": False, "stated": 0.95, "optimism": 0.04, "expected": 0.91, "drop": 0.014,
           "stable": 0.6, "candidates": 312, "splits": 10, "halves": 252}
    plain = _selection_line(sel)
    assert plain is not None and plain.startswith("expected on new data: ") and "synthetic" not in plain
    line = _selection_line({**sel, "synthetic": True})
    assert line is not None and line.startswith(plain) and "synthetic faults" in line and "recorded abnormal" in line


def test_extrapolation_folds_average_to_the_pooled_repeat_r2() -> None:
    from types import SimpleNamespace

    from nanoforge.engine import metrics
    from nanoforge.engine.types.ext import r2_whole

    rng = np.random.default_rng(5)
    y = rng.normal(size=50)
    ctx = SimpleNamespace(y=y)
    splits = ev.kfold_splits(50, 1, ev.FOLDS, 0)
    ests = [y[te] + rng.normal(0, 0.5, len(te)) for _, te in splits]
    folds = [r2_whole(ctx, est, te) for (_, te), est in zip(splits, ests, strict=True)]  # type: ignore[arg-type]
    pooled = metrics.regression(np.concatenate([y[te] for _, te in splits]), np.concatenate(ests))["r2"]
    assert np.mean(folds) == pytest.approx(pooled, abs=1e-12)


def test_one_exploding_extrapolation_fold_does_not_swamp_the_estimate() -> None:
    kind = types.get("ext")
    rng = np.random.default_rng(6)
    mains = draw(np.full(40, 0.3), 10, 0.05, rng)
    mains[5, 7] = -1e5  # a fit that exploded on one fold (R² against the data's variance)
    recs = [{"key": f"k{i}", "state": "full", "score": float(75 * np.clip(m.mean(), 0, 1)),
             "split_r2_whole": m.tolist(), "worst": {"r2": float(m.mean())}} for i, m in enumerate(mains)]
    best = max(recs, key=lambda r: (r["score"], r["key"]))
    sel = optimism.of_records(kind, recs, best["key"], seed=0)
    assert sel is not None and 0 <= sel["optimism"] < 0.5


def test_updating_the_selection_figures_keeps_the_library_built(tmp_path: Path) -> None:
    """The job re-stamps its best's selection figures as more candidates arrive; the
    build cache (and the measured figures and cycles read from it) must still find the
    library, and a best that is superseded loses the figure its metadata would claim."""
    from nanoforge.codegen import library
    from nanoforge.daemon import benchstore as bs
    from nanoforge.engine.pipeline import unpack

    spec = {"library": "abcdef123456", "type": "ncc", "blocks": [], "model": {"kind": "centroid"},
            "scores": {"balanced_accuracy": 0.9}}
    bs.save_library(tmp_path, "abcdef123456", spec)
    before = library.content_id(spec)
    sel = {"metric": "balanced_accuracy", "optimism": 0.04}
    bs.restamp_selection(tmp_path, "abcdef123456", sel)
    stamped = unpack(bs.library_path(tmp_path, "abcdef123456").read_bytes())
    assert stamped["scores"]["selection"] == sel and library.content_id(stamped) == before
    assert library.content_id({**spec, "blocks": [{"kind": "stats", "params": {}}]}) != before
    bs.restamp_selection(tmp_path, "abcdef123456", None)
    dropped = unpack(bs.library_path(tmp_path, "abcdef123456").read_bytes())
    assert "selection" not in dropped["scores"] and dropped["scores"]["balanced_accuracy"] == 0.9


def test_a_best_perfect_on_every_split_ordered_by_harder_splits_shows_no_optimism() -> None:
    """The best is perfect on all ten splits, its Score lowered by the harder splits that
    order the perfect candidates; a rival misses once. On the halves that leave its miss
    out the rival is perfect too, but the halvings cannot run the harder splits for it:
    ranked by the Scores as recorded, it would win those halves on its easier terms; ranked
    by the Score without the harder splits (as before they existed), the best wins them all."""
    kind = types.get("ncc")
    rival = [1.0] * 9 + [0.875]
    recs = [{"key": "best", "state": "full", "score": 99.2, "score_ordinary": 99.6, "split_ba": [1.0] * 10,
             "ba_mean": 1.0, "worst": {"balanced_accuracy": 1.0}},
            {"key": "rival", "state": "full", "score": 96.9, "split_ba": rival, "ba_mean": float(np.mean(rival)),
             "worst": {"balanced_accuracy": 0.875}}]
    sel = optimism.of_records(kind, recs, "best", seed=0)
    assert sel is not None and sel["saturated"] and sel["optimism"] == 0.0 and sel["stable"] == 1.0
    del recs[0]["score_ordinary"]
    assert optimism.of_records(kind, recs, "best", seed=0)["optimism"] > 0.02  # type: ignore[index]


def test_the_same_pick_share_compares_with_what_the_score_without_harder_splits_picks() -> None:
    """Two candidates perfect on every split: the harder splits made "b" the best, the
    Score without them prefers "a". Every halving picks "a": no optimism, and the same
    pick (a candidate as perfect as the best) on every halving, not on none."""
    kind = types.get("ncc")
    recs = [{"key": k, "state": "full", "score": s, "score_ordinary": o, "split_ba": [1.0] * 10, "ba_mean": 1.0,
             "worst": {"balanced_accuracy": 1.0}} for k, s, o in (("a", 99.0, 99.7), ("b", 99.3, 99.5))]
    sel = optimism.of_records(kind, recs, "b", seed=0)
    assert sel is not None and sel["optimism"] == 0.0 and sel["stable"] == 1.0 and sel["stated"] == 1.0
