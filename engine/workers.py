"""Where candidates are evaluated. The search (engine/search.py) decides what to evaluate
and records what comes back; a `Workers` only runs batches and says how many it can run
at once. The local pool of worker processes lives here; a Dask cluster has the same shape
(daemon/cluster.py), which is why the search runs unchanged on either.
"""

from __future__ import annotations

import ctypes
import multiprocessing as mp
import os
import signal
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import TYPE_CHECKING, Any, Protocol

import sklearn
from threadpoolctl import threadpool_limits

if TYPE_CHECKING:
    from .search import Context

Dicts = list[dict[str, Any]]  # block or model configs; records


class Lost(Exception):
    """The batch did not fail: the workers running it went away (a local worker that
    crashed, a Dask worker retried too often, a scheduler out of reach). With `blame`, the
    batch itself may be the cause (it killed its worker), so it is retried only once."""

    def __init__(self, message: str, blame: bool = False) -> None:
        super().__init__(message)
        self.blame = blame


class Workers(Protocol):
    def submit(self, prep: Dicts, models: Dicts, race_below: float | None) -> Future[Dicts]:
        """Evaluates `models` on `prep`; the future's result is their records, or `Lost`."""
        ...

    def count(self) -> int:
        """Workers that can evaluate now; 0 holds the search (time does not count)."""
        ...

    def status(self) -> str:
        """What to tell the user when count() is 0 (empty otherwise)."""
        ...

    def close(self) -> None: ...


def setup_process() -> None:
    """What every process that evaluates needs, local or remote. One BLAS thread: the
    pool already has a worker per core, and BLAS threads started before a fork
    (OMP_NUM_THREADS is read too late here) would oversubscribe the cores and spin; it
    also keeps sums in one order, so a candidate scores the same on every machine."""
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    threadpool_limits(1)
    try:  # our estimators' parameters are fixed and valid; re-checking them costs ~7 %
        sklearn.set_config(skip_parameter_validation=True)  # per thread: call it in the thread that evaluates
    except TypeError:
        pass


def run_batch(ctx: Context, prep: Dicts, models: Dicts, race_below: float | None) -> Dicts:
    kind = ctx.kind
    return [kind.evaluate(ctx, {"blocks": prep, "model": m}, race_below) for m in models]


_READY = False
_INSTALLED: dict[str, Context] = {}  # on a worker of another engine: the datasets shipped to it, by token


def install(token: str, ctx: Context | None) -> None:
    """Keeps (or, with None, drops) a dataset shipped once to this worker process."""
    if ctx is None:
        _INSTALLED.pop(token, None)
    else:
        _INSTALLED[token] = ctx


def evaluate_remote(token: str, prep: Dicts, models: Dicts, race_below: float | None) -> Dicts:
    """A batch on a worker of another engine (Dask). The task names the dataset that was
    installed on the worker once, the same object for every batch there (so its feature
    cache is kept); a worker without it lost it, and the batch goes elsewhere."""
    global _READY
    ctx = _INSTALLED.get(token)
    if ctx is None:
        raise Lost(f"this worker has no dataset {token}")
    if not _READY:
        setup_process()
        _READY = True
    try:  # per thread, and the engine may run tasks on more than one
        sklearn.set_config(skip_parameter_validation=True)
    except TypeError:
        pass
    return run_batch(ctx, prep, models, race_below)


_CTX: Context | None = None


def _init_local(ctx: Context) -> None:
    global _CTX
    try:  # a worker must not outlive its job (Linux parent-death signal)
        ctypes.CDLL(None).prctl(1, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        pass
    _CTX = ctx
    setup_process()


def _local_batch(prep: Dicts, models: Dicts, race_below: float | None) -> Dicts:
    assert _CTX is not None
    return run_batch(_CTX, prep, models, race_below)


class LocalPool:
    """Worker processes on this machine, forked with the context (so the dataset is
    copied once per worker). A worker that dies breaks the pool: every batch it was
    running comes back `Lost`, and the next submit starts a fresh pool."""

    def __init__(self, ctx: Context, cores: int) -> None:
        self.ctx = ctx
        self.cores = max(1, cores)
        self._ex: ProcessPoolExecutor | None = None
        self._broken: list[ProcessPoolExecutor] = []

    def _pool(self) -> ProcessPoolExecutor:
        while self._broken:  # shut down here, not in the callback that found it broken (the pool's own thread)
            self._broken.pop().shutdown(wait=False, cancel_futures=True)
        if self._ex is None:
            self._ex = ProcessPoolExecutor(max_workers=self.cores, mp_context=mp.get_context("fork"),
                                           initializer=_init_local, initargs=(self.ctx,))
        return self._ex

    def submit(self, prep: Dicts, models: Dicts, race_below: float | None) -> Future[Dicts]:
        ex = self._pool()
        out: Future[Dicts] = Future()

        def done(f: Future[Dicts]) -> None:
            try:
                out.set_result(f.result())
            except BrokenProcessPool as e:
                if self._ex is ex:
                    self._ex = None
                    self._broken.append(ex)
                out.set_exception(Lost(f"a worker process died: {e}", blame=True))
            except BaseException as e:  # noqa: BLE001 - handed to the search as the batch's outcome
                out.set_exception(e)

        ex.submit(_local_batch, prep, models, race_below).add_done_callback(done)
        return out

    def count(self) -> int:
        return self.cores

    def status(self) -> str:
        return ""

    def close(self) -> None:
        for ex in [*self._broken, *([self._ex] if self._ex else [])]:
            ex.shutdown(wait=False, cancel_futures=True)
        self._ex, self._broken = None, []
