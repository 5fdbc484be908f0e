"""The selection rule: candidates are ranked by what predicts data the benchmark never
saw (the lower confidence bound over the splits), not by their luckiest worst split."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nanoforge.engine import evaluation as ev
from nanoforge.engine import search, types


def _split(ba: float) -> dict[str, Any]:
    return {"balanced_accuracy": ba, "accuracy": ba, "f1": ba, "mcc": 2 * ba - 1, "certainty": 0.8,
            "nominal_recall": ba, "detection": ba, "auc": 0.9, "margin": 0.3, "min_learn": 5, "learned": 20}


class _Ctx:
    max_ram, max_flash = 8192, 20480


# A robust candidate: right on nine splits of ten, one hard split drawn against it.
ROBUST = [1.0] * 9 + [0.85]
# A fragile one: never as good, but its worst split happens to be better.
FRAGILE = [0.90, 0.91, 0.90, 0.92, 0.90, 0.91, 0.90, 0.93, 0.90, 0.91]


@pytest.mark.parametrize("name", ["ncc", "1cc", "ad"])
def test_the_rule_picks_the_candidate_that_generalises_over_the_lucky_worst_split(name: str) -> None:
    kind = types.get(name)
    recs = {}
    for key, bas in (("robust", ROBUST), ("fragile", FRAGILE)):
        per_split = [_split(b) for b in bas]
        worst = kind.worst(per_split)
        recs[key] = {"key": key, "state": "full", "ram": 1000, "flash": 2000,
                     "score": kind.score(_Ctx(), worst, per_split, 1000, 2000)}  # type: ignore[arg-type]
    assert min(FRAGILE) > min(ROBUST)  # ranking by the worst split would pick the fragile one
    assert [r["key"] for r in search.ranked(recs)] == ["robust", "fragile"]


def test_equal_means_rank_the_steadier_candidate_first() -> None:
    steady = [0.9] * 10
    scattered = [1.0, 0.8] * 5
    assert np.mean(steady) == pytest.approx(np.mean(scattered))
    assert ev.lower_bound(steady) > ev.lower_bound(scattered)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(0.0, 1.0), min_size=2, max_size=20), st.floats(0.0, 0.2))
def test_the_bound_is_below_the_mean_and_rises_with_it(values: list[float], shift: float) -> None:
    lb = ev.lower_bound(values)
    assert lb <= np.mean(values) + 1e-12
    assert ev.lower_bound([v + shift for v in values]) == pytest.approx(lb + shift, abs=1e-9)


def test_the_bound_uses_the_corrected_standard_error_of_overlapping_splits() -> None:
    """Nadeau and Bengio: the splits share training signals, so the naive s²/J
    understates the spread; the bound must be wider than the naive one."""
    v = [0.8, 0.9, 1.0, 0.85, 0.95]
    naive = np.mean(v) - ev.LCB_Z * np.std(v, ddof=1) / np.sqrt(len(v))
    assert ev.lower_bound(v) < naive
