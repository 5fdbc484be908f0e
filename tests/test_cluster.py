"""The benchmark on a real Dask cluster (a `dask scheduler` and two `dask worker`
processes on 127.0.0.1) gives what the local pool gives for the same seed: the same
records, the same best library, the same library bytes; also when a worker is killed
mid-run (Dask runs its batch elsewhere, and nothing is recorded twice)."""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from nanoforge.daemon import benchstore
from nanoforge.engine import blas, search
from nanoforge.engine.project import add_signals, load, new_project

from . import smallspace
from .conftest import FIXTURES
from .test_determinism import bench, gunpoint_ctx, library_bytes, recorded_once, strip

distributed = pytest.importorskip("distributed", reason="the cluster extra: pip install 'nanoforge[cluster]'")
from nanoforge.daemon.cluster import DaskWorkers, Loopback, free_port  # noqa: E402 - needs distributed

ROOT = Path(__file__).resolve().parent.parent
SLOW_SWITCH = Path(tempfile.gettempdir()) / f"nanoforge-test-slow-{os.getpid()}"  # smallspace.SLOW's file


def dask_env() -> dict[str, str]:
    """What a cluster's machines have: nanoforge installed, plug-ins named."""
    return dict(os.environ, NANOFORGE_PLUGINS=smallspace.__name__, OMP_NUM_THREADS="1",
                PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
                **{smallspace.SLOW: str(SLOW_SWITCH)})


@pytest.fixture
def slowed() -> Iterator[None]:
    """Every evaluation slowed until the test removes the switch (or ends)."""
    SLOW_SWITCH.touch()
    try:
        yield
    finally:
        SLOW_SWITCH.unlink(missing_ok=True)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Loopback]:
    c = Loopback(tmp_path_factory.mktemp("dask"), env=dask_env())
    try:
        yield c
    finally:
        c.close()


@pytest.fixture(scope="module")
def local() -> search.Scheduler:
    return bench(2)[0]


@pytest.fixture(scope="module")
def local_project(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The best library of the test project (as the daemon loads it) on a local pool."""
    root = tmp_path_factory.mktemp("local") / "gun"
    new_project(root, smallspace.NAME, axes=1, buffer=150, sampling_hz=30, max_ram=8192, max_flash=20480)
    for c in ("1", "2"):
        add_signals(root, cls=f"class_{c}", file=shutil.copy(FIXTURES / f"gunpoint_train_{c}.csv", root / "signals"))
    project, _ = load(root)
    assert project is not None
    ctx, _ = benchstore.context(dataclasses.replace(project, seed=3))
    best = search.run(ctx, 600.0, 2).best()
    assert best is not None
    return str(best["key"])


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


def test_two_dask_workers_give_the_local_result(cluster: Loopback, local: search.Scheduler) -> None:
    installed: list[dict[str, bool]] = []

    def check(n: int, w: DaskWorkers) -> None:
        if n == 8:  # mid-run: every worker holds the dataset, shipped once, not per task
            installed.append(w.client.run(_has_dataset, w.token))

    sched, w, order = on_cluster(cluster.address, check)
    same_benchmark(sched, local)
    assert recorded_once(order)
    assert w.shipments == 1
    assert installed and len(installed[0]) == 2 and all(installed[0].values())
    assert w.note() == ""  # the workers run this machine's BLAS kernels


@pytest.mark.skipif(not blas.pinnable(), reason="the kernel is pinned on x86-64 CPUs with AVX2 and FMA only")
def test_workers_on_other_blas_kernels_are_named_with_the_fix(tmp_path: Path) -> None:
    """`dask worker` loads numpy before nanoforge can pin its kernel (engine/blas.py): a
    worker started without OPENBLAS_CORETYPE on an AVX-512 machine scores in other last
    bits than its coordinator. The benchmark says so, and how to fix it, without holding."""
    c = Loopback(tmp_path, workers=1, env=dict(dask_env(), OPENBLAS_CORETYPE="Sandybridge"))
    try:
        w = DaskWorkers(c.address, gunpoint_ctx())
        try:
            assert w.count() == 1
            note = w.note()
            assert "1 of 1 Dask workers" in note and "Sandybridge" in note, note
            assert "OPENBLAS_CORETYPE=Haswell" in note, note
            assert w.status() == ""  # a note, not a reason to pause
        finally:
            w.close()
    finally:
        c.close()


def _has_dataset(token: str) -> bool:
    from nanoforge.engine import workers

    return token in workers._INSTALLED


def test_a_worker_killed_mid_run_changes_nothing(cluster: Loopback, local: search.Scheduler) -> None:
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


# ---------------------------------------------------------------- through the CLI and the daemon


@pytest.fixture
def cli(tmp_path: Path) -> Iterator[Any]:
    """The CLI talking to a daemon of its own that loads the small-space type."""
    env = dict(dask_env(), NANOFORGE_HOME=tempfile.mkdtemp(prefix="nf-dask-", dir="/tmp"))

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "nanoforge.cli", *args], capture_output=True, text=True,
                              env=env, timeout=600)

    yield run
    run("daemon", "stop")


def gunpoint_project(cli: Any, root: Path) -> Path:
    r = cli("new", str(root), "--type", smallspace.NAME, "--axes", "1", "--buffer", "150", "--hz", "30",
            "--max-ram", "8192", "--max-flash", "20480")
    assert r.returncode == 0, r.stderr
    for c in ("1", "2"):
        shutil.copy(FIXTURES / f"gunpoint_train_{c}.csv", root / "signals" / f"class_{c}.csv")
        r = cli("signals", "add", str(root), "--class", f"class_{c}", str(root / "signals" / f"class_{c}.csv"))
        assert r.returncode == 0, r.stderr
    return root


def status(cli: Any, root: Path) -> dict[str, Any]:
    r = cli("bench", "status", str(root), "--json")
    assert r.returncode in (0, 1), r.stderr
    return json.loads(r.stdout)


def wait_until(cli: Any, root: Path, ok: Any, seconds: float = 300) -> dict[str, Any]:
    deadline = time.monotonic() + seconds
    st = status(cli, root)
    while not ok(st) and time.monotonic() < deadline:
        time.sleep(0.3)
        st = status(cli, root)
    assert ok(st), st
    return st


def records(root: Path, bench_id: str) -> list[dict[str, Any]]:
    lines = (root / ".nanoforge" / "benchmarks" / bench_id / "results.jsonl").read_text().splitlines()
    return [json.loads(x) for x in lines if x.strip()]


def test_the_daemon_killed_mid_run_resumes_on_the_cluster(cluster: Loopback, cli: Any, tmp_path: Path,
                                                          local_project: str, slowed: None) -> None:
    root = gunpoint_project(cli, tmp_path / "gun")
    r = cli("bench", "start", str(root), "--cluster", cluster.address, "--seed", "3", "--time-budget", "600",
            "--json")
    assert r.returncode == 0, r.stderr
    st = wait_until(cli, root, lambda s: s["candidates_evaluated"] >= 6 or s["state"] == "failed")
    assert st["state"] == "running" and st["cluster"] == cluster.address and st["workers"] == 2, st
    assert "evals_per_s_per_worker" in st
    assert "2 workers on " + cluster.address in cli("bench", "status", str(root)).stdout
    os.kill(json.loads(cli("daemon", "status", "--json").stdout)["pid"], signal.SIGKILL)
    st = wait_until(cli, root, lambda s: s["state"] == "interrupted", 30)  # the job died with its daemon
    assert st["candidates_evaluated"] < 24
    SLOW_SWITCH.unlink()

    r = cli("bench", "resume", str(root), "--wait", "--json")
    assert r.returncode == 0, r.stderr
    st = json.loads(r.stdout)
    assert st["state"] == "finished" and st["cluster"] == cluster.address, st
    recs = records(root, st["id"])
    assert recorded_once([(x["key"], x["state"]) for x in recs])
    assert len({x["key"] for x in recs}) == 24
    assert st["best"]["library"] == local_project


def test_an_unreachable_scheduler_pauses_the_benchmark_until_it_is_back(cluster: Loopback, cli: Any,
                                                                        tmp_path: Path, local_project: str,
                                                                        slowed: None) -> None:
    root = gunpoint_project(cli, tmp_path / "gun")
    r = cli("bench", "start", str(root), "--cluster", cluster.address, "--seed", "3", "--time-budget", "600",
            "--json")
    assert r.returncode == 0, r.stderr
    wait_until(cli, root, lambda s: s["candidates_evaluated"] >= 4 or s["state"] == "failed")
    cluster.stop_scheduler()
    SLOW_SWITCH.unlink()
    st = wait_until(cli, root, lambda s: s["state"] == "paused" and bool(s.get("message")), 60)
    assert cluster.address in st["message"], st
    out = cli("bench", "status", str(root)).stdout
    assert "paused" in out and cluster.address in out
    cluster.restart()
    r = cli("bench", "resume", str(root), "--wait", "--json")  # or wait: it retries by itself
    assert r.returncode == 0, r.stderr
    st = json.loads(r.stdout)
    assert st["state"] == "finished" and not st.get("message"), st
    recs = records(root, st["id"])
    assert recorded_once([(x["key"], x["state"]) for x in recs])
    assert len({x["key"] for x in recs}) == 24
    assert st["best"]["library"] == local_project


def test_a_scheduler_unreachable_at_start_pauses_until_it_is_there(cluster: Loopback, cli: Any, tmp_path: Path,
                                                                   local_project: str) -> None:
    """The build server is down when the user starts: the benchmark waits, says where it
    is waiting, and runs once a scheduler answers at that address."""
    root = gunpoint_project(cli, tmp_path / "gun")
    cluster.stop_scheduler()
    try:
        r = cli("bench", "start", str(root), "--cluster", cluster.address, "--seed", "3", "--time-budget", "600",
                "--json")
        assert r.returncode == 0, r.stderr
        st = wait_until(cli, root, lambda s: s["state"] == "paused" and bool(s.get("message")), 60)
        assert cluster.address in st["message"] and "unreachable" in st["message"], st
        assert st["candidates_evaluated"] == 0
    finally:
        cluster.restart()
    r = cli("bench", "resume", str(root), "--wait", "--json")
    assert r.returncode == 0, r.stderr
    st = json.loads(r.stdout)
    assert st["state"] == "finished" and st["cluster"] == cluster.address and not st.get("message"), st
    assert len({x["key"] for x in records(root, st["id"])}) == 24
    assert st["best"]["library"] == local_project


def test_cluster_local_runs_here_whatever_the_project_names(cli: Any, tmp_path: Path, local_project: str) -> None:
    """`--cluster local` overrides a project's `cluster =` (the cluster is down, or the
    user wants a quick local run) without editing the project file."""
    root = gunpoint_project(cli, tmp_path / "gun")
    toml = root / "nanoforge.toml"
    toml.write_text(f'cluster = "tcp://127.0.0.1:{free_port()}"\n' + toml.read_text())
    r = cli("bench", "start", str(root), "--cluster", "local", "--seed", "3", "--time-budget", "600",
            "--wait", "--json")
    assert r.returncode == 0, r.stderr
    st = json.loads(r.stdout)
    assert st["state"] == "finished" and not st.get("cluster"), st
    assert st["best"]["library"] == local_project
