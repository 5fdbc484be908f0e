"""Same seed, same benchmark, whatever the number of workers: the same candidates with
the same scores, the same best library and the same library bytes once the space is
exhausted; when the budget ends first, what both evaluated identically ranks identically.
This is what lets a cluster (tests/test_cluster.py) promise a laptop's result."""

from __future__ import annotations

import multiprocessing as mp
import os
import signal
from typing import Any

import numpy as np
import pytest

from nanoforge.engine import search
from nanoforge.engine.pipeline import pack

from . import smallspace
from .conftest import FIXTURES

TIMING = ("seconds", "t")  # what a record measures of the machine, not of the candidate


def gunpoint_ctx(seed: int = 3, type_: str = smallspace.NAME) -> search.Context:
    parts = [np.loadtxt(FIXTURES / f"gunpoint_train_{c}.csv", delimiter=",", dtype=np.float32, ndmin=2)
             for c in ("1", "2")]
    x = np.concatenate(parts)[:, None, :]
    y = np.concatenate([np.full(len(p), i) for i, p in enumerate(parts)]).astype(np.int64)
    return search.Context(x, y, ["1", "2"], 8192, 20480, seed, type=type_)


def strip(rec: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in rec.items() if k not in TIMING}


def bench(cores: int, budget: float = 600.0, seed: int = 3) -> tuple[search.Scheduler, list[tuple[str, str]]]:
    ctx = gunpoint_ctx(seed)
    order: list[tuple[str, str]] = []
    sched = search.run(ctx, budget, cores, on_record=lambda r: order.append((r["key"], r["state"])))
    return sched, order


def recorded_once(order: list[tuple[str, str]]) -> bool:
    """Each candidate recorded once, or twice when a pruned record was completed."""
    seen: dict[str, str] = {}
    for key, state in order:
        if key in seen and not (seen[key] == "pruned" and state == "full"):
            return False
        seen[key] = state
    return True


def library_bytes(sched: search.Scheduler, seed: int = 3) -> bytes:
    best = sched.best()
    assert best is not None
    return pack(search.fit_library(gunpoint_ctx(seed), best["config"], {"library": best["key"]}).to_spec())


@pytest.fixture(scope="module")
def one_and_two() -> tuple[tuple[search.Scheduler, list[str]], tuple[search.Scheduler, list[str]]]:
    return bench(1), bench(2)


def test_an_exhausted_space_gives_the_same_records_on_one_and_two_workers(one_and_two: Any) -> None:
    (one, order1), (two, order2) = one_and_two
    assert len(one.done) == one.total  # exhausted: every candidate has its record
    assert set(one.done) == set(two.done)
    for key, rec in one.done.items():
        assert strip(rec) == strip(two.done[key]), key
    assert recorded_once(order1) and recorded_once(order2)
    assert [r["key"] for r in search.ranked(one.done)] == [r["key"] for r in search.ranked(two.done)]


def test_an_exhausted_space_evaluates_every_candidate_fully(one_and_two: Any) -> None:
    """Racing prunes against the best found so far, which depends on the order results
    come back in; once the space is exhausted with time left, the pruned candidates are
    completed, so no record depends on that order."""
    (one, _), (two, _) = one_and_two
    for sched in (one, two):
        states = {r["state"] for r in sched.done.values()}
        assert "pruned" not in states and "full" in states


def test_an_exhausted_space_gives_the_same_library_bytes(one_and_two: Any) -> None:
    (one, _), (two, _) = one_and_two
    assert one.best()["key"] == two.best()["key"]
    assert library_bytes(one) == library_bytes(two)


def test_when_the_budget_ends_first_identical_evaluations_rank_identically() -> None:
    (one, _), (two, _) = bench(1, budget=1.5), bench(2, budget=1.5)
    common = [k for k in one.done if k in two.done]
    assert common
    same = [k for k in common if one.done[k]["state"] == two.done[k]["state"]]
    for k in same:
        assert strip(one.done[k]) == strip(two.done[k]), k
    rank1 = [r["key"] for r in search.ranked(one.done) if r["key"] in same]
    rank2 = [r["key"] for r in search.ranked(two.done) if r["key"] in same]
    assert rank1 == rank2


def test_a_local_worker_killed_mid_run_changes_nothing(one_and_two: Any) -> None:
    """Its pool breaks; the batches it was running are sent again to a fresh pool."""
    (one, _), _ = one_and_two
    killed: list[int] = []

    def kill(rec: dict[str, Any]) -> None:
        order.append((rec["key"], rec["state"]))
        if len(order) == 6 and not killed:
            child = mp.active_children()[0]  # a worker of the pool
            assert child.pid is not None
            os.kill(child.pid, signal.SIGKILL)
            killed.append(child.pid)

    order: list[tuple[str, str]] = []
    sched = search.run(gunpoint_ctx(), 600.0, 2, on_record=kill)
    assert killed and recorded_once(order)
    assert set(sched.done) == set(one.done)
    assert all(strip(rec) == strip(one.done[k]) for k, rec in sched.done.items())
    assert sched.best()["key"] == one.best()["key"]
