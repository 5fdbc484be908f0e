"""The benchmark on a real Dask cluster (a `dask scheduler` and two `dask worker`
processes on 127.0.0.1) gives what the local pool gives for the same seed: the same
records, the same best library, the same library bytes; also when a worker is killed
mid-run (Dask runs its batch elsewhere, and nothing is recorded twice)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from nanoforge.engine import search

from . import smallspace
from .test_determinism import bench, gunpoint_ctx, library_bytes, recorded_once, strip

distributed = pytest.importorskip("distributed", reason="the cluster extra: pip install 'nanoforge[cluster]'")
from nanoforge.daemon.cluster import DaskWorkers  # noqa: E402 - needs distributed

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def dask_env() -> dict[str, str]:
    """What a cluster's machines have: nanoforge installed, plug-ins named."""
    return dict(os.environ, NANOFORGE_PLUGINS=smallspace.__name__, OMP_NUM_THREADS="1",
                PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))


class Cluster:
    """A scheduler and its workers, as processes; stopped workers first, then the
    scheduler (a worker whose scheduler is gone first keeps retrying)."""

    def __init__(self, logs: Path, workers: int = 2) -> None:
        self.port = free_port()
        self.address = f"tcp://127.0.0.1:{self.port}"
        self.logs = logs
        self.env = dask_env()
        self.scheduler = self._spawn("scheduler", ["scheduler", "--host", "127.0.0.1", "--port", str(self.port),
                                                   "--no-dashboard"])
        self.workers = [self.add_worker() for _ in range(workers)]
        self.wait_for(workers)

    def _spawn(self, name: str, args: list[str]) -> subprocess.Popen[bytes]:
        log = open(self.logs / f"{name}.log", "ab")
        return subprocess.Popen([sys.executable, "-m", "dask", *args], env=self.env, stdin=subprocess.DEVNULL,
                                stdout=log, stderr=subprocess.STDOUT, start_new_session=True)

    def add_worker(self) -> subprocess.Popen[bytes]:
        return self._spawn(f"worker{free_port()}", ["worker", self.address, "--nthreads", "1", "--nworkers", "1",
                                                     "--no-nanny", "--no-dashboard", "--host", "127.0.0.1"])

    def wait_for(self, n: int) -> None:
        with distributed.Client(self.address, timeout=60, set_as_default=False) as c:
            c.wait_for_workers(n, timeout=120)

    @staticmethod
    def _stop(p: subprocess.Popen[bytes]) -> None:
        if p.poll() is None:
            p.terminate()
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait(10)

    def close(self) -> None:
        for p in self.workers:
            self._stop(p)
        self._stop(self.scheduler)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    c = Cluster(tmp_path_factory.mktemp("dask"))
    try:
        yield c
    finally:
        c.close()


@pytest.fixture(scope="module")
def local() -> search.Scheduler:
    return bench(2)[0]


def on_cluster(address: str, on_record: Any = None) -> tuple[search.Scheduler, DaskWorkers, list[tuple[str, str]]]:
    ctx = gunpoint_ctx()
    order: list[tuple[str, str]] = []

    w = DaskWorkers(address, ctx)

    def record(rec: dict[str, Any]) -> None:
        order.append((rec["key"], rec["state"]))
        if on_record:
            on_record(len(order), w)

    try:
        sched = search.run(ctx, 600.0, workers=w, on_record=record)
    finally:
        w.close()
    return sched, w, order


def same_benchmark(a: search.Scheduler, b: search.Scheduler) -> None:
    assert len(a.done) == a.total and set(a.done) == set(b.done)
    for key, rec in a.done.items():
        assert strip(rec) == strip(b.done[key]), key
    assert a.best()["key"] == b.best()["key"]
    assert library_bytes(a) == library_bytes(b)


def test_two_dask_workers_give_the_local_result(cluster: Cluster, local: search.Scheduler) -> None:
    installed: list[dict[str, bool]] = []

    def check(n: int, w: DaskWorkers) -> None:
        if n == 8:  # mid-run: every worker holds the dataset, shipped once, not per task
            installed.append(w.client.run(_has_dataset, w.token))

    sched, w, order = on_cluster(cluster.address, check)
    same_benchmark(sched, local)
    assert recorded_once(order)
    assert w.shipments == 1
    assert installed and len(installed[0]) == 2 and all(installed[0].values())


def _has_dataset(token: str) -> bool:
    from nanoforge.engine import workers

    return token in workers._INSTALLED


def test_a_worker_killed_mid_run_changes_nothing(cluster: Cluster, local: search.Scheduler) -> None:
    victim = cluster.workers[1]

    def kill(n: int, w: DaskWorkers) -> None:
        if n == 6 and victim.poll() is None:
            os.kill(victim.pid, signal.SIGKILL)

    sched, _, order = on_cluster(cluster.address, kill)
    assert victim.poll() is not None  # it died mid-run
    same_benchmark(sched, local)
    assert recorded_once(order)
    cluster.workers[1] = cluster.add_worker()  # for whatever runs next on this cluster
    t = time.monotonic()
    cluster.wait_for(2)
    assert time.monotonic() - t < 120
