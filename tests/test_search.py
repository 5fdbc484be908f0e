"""The search's scheduling decisions: racing prunes only when the budget needs it, and
workers use one BLAS thread each."""

from __future__ import annotations

import numpy as np

from nanoforge.engine import search


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

    with ProcessPoolExecutor(1, mp_context=mp.get_context("fork"), initializer=search._init_worker,
                             initargs=(_ctx(),)) as ex:
        assert set(ex.submit(_blas_threads).result()) <= {1}
