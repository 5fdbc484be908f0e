"""The benchmark's evaluations on a Dask distributed cluster: a `Workers`
(engine/workers.py) that sends batches through `distributed.Client` while the job stays
the coordinator (scheduling, racing, records, pause/resume/stop, progress).

The dataset (the search context) goes to each worker once, in a worker plugin: the
scheduler hands it to every worker, those that join later included, and each task names
it by a token, so a task carries only its candidates. (A scattered future would do the
same until Dask's memory manager drops the replicas it thinks are extra; the tasks then
crowd on the worker that kept it, or fetch it again.) Dask reruns a task whose worker
died on another worker, and a batch's result comes back once, so nothing is recorded
twice. When the scheduler is out of reach, `count()` is 0: the search holds (its time
does not count), `status()` says why, and a new connection is tried every few seconds;
the batches that were running are sent again once it is back, with the dataset.

`distributed` is the optional extra `nanoforge[cluster]`, imported only with this module.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import socket
import subprocess
import sys
import time
import uuid
from concurrent.futures import Future
from pathlib import Path
from typing import TYPE_CHECKING, Any

from distributed import Client
from distributed.diagnostics.plugin import WorkerPlugin
from distributed.scheduler import KilledWorker

from nanoforge.engine import blas
from nanoforge.engine.project import CLUSTER_ADDRESS
from nanoforge.engine.workers import Lost, evaluate_remote, install

if TYPE_CHECKING:
    from nanoforge.engine.search import Context

log = logging.getLogger("nanoforge.cluster")
RETRY_S = 3.0  # between two attempts to reach a scheduler that went away
INFO_S = 1.0  # how stale the worker count may be


class Dataset(WorkerPlugin):
    """Installs the search context on a worker when the plugin is registered or the
    worker joins, and removes it when the benchmark is done."""

    idempotent = False

    def __init__(self, token: str, ctx: Context) -> None:
        self.token = token
        self.ctx = ctx

    def setup(self, worker: Any) -> None:
        install(self.token, self.ctx)

    def teardown(self, worker: Any) -> None:
        install(self.token, None)


class DaskWorkers:
    def __init__(self, address: str, ctx: Context, connect_timeout: float = 5.0) -> None:
        if not CLUSTER_ADDRESS.match(address):
            raise ValueError(f"cluster address {address!r} is not like tcp://HOST:PORT (a Dask scheduler's address)")
        self.address = address
        self.ctx = dataclasses.replace(ctx, cache={})  # what the workers get: the data, no cache
        self.timeout = connect_timeout
        self.client: Any = None
        self.token = f"nanoforge-{uuid.uuid4().hex[:12]}"
        self._shipped = False  # the dataset plugin is registered with the scheduler we talk to
        self._message = ""
        self._next_try = 0.0
        self._workers = 0
        self._info_at = 0.0
        self._kernels_of: set[str] = set()  # the workers whose BLAS kernel was compared
        self._kernel_note = ""
        self.shipments = 0
        self._connect()

    # ------------------------------------------------------------ connection

    def _connect(self) -> bool:
        self._next_try = time.monotonic() + RETRY_S
        if self.client is not None:
            try:
                self.client.close(timeout=2)
            except Exception:  # noqa: BLE001 - the old connection is gone either way
                pass
            self.client = None
        try:
            self.client = Client(self.address, timeout=self.timeout, set_as_default=False)
        except Exception as e:  # noqa: BLE001 - OSError, TimeoutError, and whatever the comm raises
            self._say(f"the Dask scheduler at {self.address} is unreachable ({type(e).__name__}: {e}); "
                      f"retrying every {RETRY_S:.0f} s (`nanoforge bench resume` retries now, `stop` gives up)")
            return False
        self._shipped = False
        self._info_at = 0.0
        self._message = ""
        log.info("connected to %s", self.address)
        return True

    def _say(self, message: str) -> None:
        if message != self._message:
            log.warning("%s", message)
        self._message = message

    def _ready(self) -> bool:
        c = self.client
        if c is None or c.status in ("closed", "closing"):
            if time.monotonic() < self._next_try or not self._connect():
                return False
            c = self.client
        if c.status != "running":  # "connecting": the client is trying to reconnect
            self._say(f"lost the Dask scheduler at {self.address}; reconnecting")
            return False
        return True

    def retry_now(self) -> None:
        """`bench resume` while the scheduler is out of reach: try again at once."""
        self._next_try = 0.0

    # ------------------------------------------------------------ Workers

    def count(self) -> int:
        if not self._ready():
            return 0
        now = time.monotonic()
        if now - self._info_at > INFO_S:
            try:
                threads = self.client.nthreads()
            except Exception as e:  # noqa: BLE001 - the scheduler went away between two calls
                self._say(f"lost the Dask scheduler at {self.address} ({type(e).__name__}); reconnecting")
                return 0
            if set(threads) - self._kernels_of:
                self._compare_kernels()
            self._workers = sum(threads.values())
            self._info_at = now
            if self._workers == 0:
                self._say(f"the Dask scheduler at {self.address} has no worker yet; waiting for one")
            else:
                self._message = ""
        return self._workers

    def status(self) -> str:
        return self._message

    def note(self) -> str:
        """What the user should know while the cluster works (status() is what holds it)."""
        return self._kernel_note

    def _compare_kernels(self) -> None:
        """Workers whose numpy runs other BLAS kernels than the coordinator's score in other
        last bits, and a near-tie can rank otherwise than on one machine (engine/blas.py).
        `dask worker` loads numpy before nanoforge can pin the kernel, so `bench status` says
        it, with the fix, rather than the results showing it. A worker lost meanwhile only
        delays the comparison to the next count."""
        try:
            theirs: dict[str, str] = self.client.run(blas.kernel)
        except Exception as e:  # noqa: BLE001 - a worker gone between nthreads() and run()
            log.info("BLAS kernels not compared yet: %s", e)
            return
        self._kernels_of = set(theirs)
        mine = blas.kernel()
        odd = sorted({k for k in theirs.values() if k != mine})
        self._kernel_note = (
            f"{sum(k != mine for k in theirs.values())} of {len(theirs)} Dask workers run OpenBLAS's "
            f"{', '.join(odd) or '?'} kernels and this machine {mine or 'another BLAS'}: their Scores can "
            f"differ in the last digits from a run on one machine; start `dask worker` with "
            f"OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE') or mine}" if odd else "")
        if odd:
            log.warning("%s", self._kernel_note)

    def submit(self, prep: list[dict[str, Any]], models: list[dict[str, Any]], race_below: float | None
               ) -> Future[list[dict[str, Any]]]:
        out: Future[list[dict[str, Any]]] = Future()
        try:
            self._ship()
            fut = self.client.submit(evaluate_remote, self.token, prep, models, race_below, pure=False)
        except Exception as e:  # noqa: BLE001 - the connection broke while sending
            self._shipped = False
            out.set_exception(Lost(f"could not send a batch to {self.address}: {e}"))
            return out
        fut.add_done_callback(lambda f: self._done(f, out))
        return out

    def _ship(self) -> None:
        if not self._shipped:
            self.client.register_plugin(Dataset(self.token, self.ctx), name=self.token)
            self._shipped = True
            self.shipments += 1

    def _done(self, f: Any, out: Future[list[dict[str, Any]]]) -> None:
        if f.status == "finished":
            try:
                out.set_result(f.result())
                return
            except Exception as e:  # noqa: BLE001 - lost between finishing and fetching
                out.set_exception(Lost(f"result lost: {e}"))
                return
        if f.status == "error":
            exc = f.exception()
            out.set_exception(Lost(f"workers died running a batch: {exc}", blame=True)
                              if isinstance(exc, (KilledWorker, Lost)) else exc)
            return
        self._shipped = False  # cancelled: the scheduler went away, and a new one knows no plugin
        out.set_exception(Lost(f"batch {f.status} on {self.address}"))

    def close(self) -> None:
        if self.client is not None:
            try:
                if self._shipped and self.client.status == "running":
                    self.client.unregister_worker_plugin(self.token)  # the workers drop the dataset
            except Exception:  # noqa: BLE001 - a scheduler gone meanwhile dropped it already
                pass
            try:
                self.client.close(timeout=5)
            except Exception:  # noqa: BLE001 - closing a connection that is already gone
                pass
            self.client = None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Loopback:
    """A Dask cluster on this machine: `dask scheduler` and `dask worker` processes on
    127.0.0.1 (one thread each), to try a cluster benchmark, measure it (bench/cluster.py)
    and test it. Workers are stopped first, then the scheduler: a worker whose scheduler
    went first keeps retrying."""

    def __init__(self, logs: Path, workers: int = 2, env: dict[str, str] | None = None) -> None:
        self.port = free_port()
        self.address = f"tcp://127.0.0.1:{self.port}"
        self.logs = logs
        self.env = dict(env if env is not None else os.environ, OMP_NUM_THREADS="1")
        self.spawned = 0
        self.start(workers)

    def start(self, workers: int) -> None:
        self.scheduler = self._spawn("scheduler", "--host", "127.0.0.1", "--port", str(self.port), "--no-dashboard")
        self.workers = [self.add_worker() for _ in range(workers)]
        self.wait_for(workers)

    def _spawn(self, role: str, *args: str) -> subprocess.Popen[bytes]:
        self.spawned += 1
        with open(self.logs / f"{self.spawned:02d}-{role}.log", "ab") as log:
            return subprocess.Popen([sys.executable, "-m", "dask", role, *args], env=self.env,
                                    stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                    start_new_session=True)

    def add_worker(self) -> subprocess.Popen[bytes]:
        return self._spawn("worker", self.address, "--nthreads", "1", "--nworkers", "1", "--no-nanny",
                           "--no-dashboard", "--host", "127.0.0.1")

    def wait_for(self, n: int) -> None:
        with Client(self.address, timeout=60, set_as_default=False) as c:
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

    def stop_scheduler(self) -> None:
        self.scheduler.kill()
        self.scheduler.wait(10)

    def restart(self) -> None:
        """A scheduler again at the same address, and two workers (those of the old one
        may have given up on it)."""
        for p in self.workers:
            self._stop(p)
        self.start(2)
