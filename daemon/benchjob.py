"""The benchmark job: a child process of the daemon that runs the search for one
benchmark folder and keeps its files current (see benchstore).

Run as `python -m nanoforge.daemon.benchjob DIR`. It dies with the daemon (Linux
parent-death signal), so a killed daemon never leaves an orphan computing; the next
daemon finds the state "interrupted" and can resume from the results log.
"""

from __future__ import annotations

import ctypes
import json
import os
import signal
import sys
import time
import traceback
from collections import deque
from pathlib import Path
from typing import Any

from nanoforge.engine import optimism, search, types
from nanoforge.engine.project import load
from nanoforge.engine.workers import LocalPool, Workers

from . import benchstore as bs


def _die_with_parent() -> None:
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def main(argv: list[str] | None = None) -> int:
    d = Path((argv if argv is not None else sys.argv[1:])[0])
    _die_with_parent()
    job = bs.read_json(d / "job.json", {})
    state: dict[str, Any] = bs.read_state(d)
    state.update(state="running", pid=os.getpid(), error=None, updated=bs.now())
    bs.write_json(d / "state.json", state)
    try:
        return _run(d, job, state)
    except Exception as e:  # the job's own failure must reach the user, not vanish
        # A user's problem (a bad signal file, a setting) is said in its own words; a
        # fault of the job's is said to be one, and where its traceback is: its text is
        # about nanoforge's code, which a client is never shown (#21).
        from .registry import user_message

        error = user_message(e) or (f"internal error in the benchmark job; the details are in {d / 'error.log'} "
                                    "— please report them")
        state.update(state="failed", error=error, pid=None, updated=bs.now())
        bs.write_json(d / "state.json", state)
        (d / "error.log").write_text(traceback.format_exc())
        return 1


def _run(d: Path, job: dict[str, Any], state: dict[str, Any]) -> int:
    root = Path(job["project"])
    project, diags = load(root)
    if project is None:
        raise ValueError(f"{root}/nanoforge.toml has errors: {diags[0].message}" if diags else "project not found")
    ctx, meta = bs.context(bs.as_benchmarked(project, job))
    meta["benchmark"] = d.name
    done = bs.read_results(d)
    sched = search.Scheduler(ctx, done)
    state["candidates_total"] = sched.total
    state["candidates_evaluated"] = sched.evaluated()
    space = sched.space
    counted = space.intersection(done)  # a retried batch records a key again: counted once
    best = sched.best()
    kind = ctx.kind
    full = {k: r for k, r in done.items() if r.get("state") == "full"}  # what the selection's optimism reads

    cost = [0.0]  # seconds the latest estimate took: with thousands of candidates it is not free

    def selection() -> dict[str, Any] | None:
        t = time.monotonic()
        out = optimism.of_records(kind, list(full.values()), best["key"], ctx.seed) if best else None
        cost[0] = time.monotonic() - t
        return out

    earlier = (state.get("best") or {}).get("library")
    if best and earlier and earlier != best["key"]:  # records rescored on reading (a newer Score rule)
        bs.restamp_selection(d, earlier, None)  # the figure is the best's only
    if best:
        path = bs.library_path(d, best["key"])
        spec = bs.stored_library(d, best["key"]) if path.exists() else bs.fit_and_save(d, ctx, meta, best, selection())
        state["best"] = _best(kind, best, selection(), bs.shipped_footprint(ctx, spec))
    history: list[list[Any]] = state.setdefault("history", [])
    last_write = [0.0]
    last_selection = [time.monotonic()]
    paused = [False]

    def flush(force: bool = False) -> None:
        if force or time.monotonic() - last_write[0] > 0.5:
            state["updated"] = bs.now()
            bs.write_json(d / "state.json", state)
            last_write[0] = time.monotonic()

    results = open(d / "results.jsonl", "a")
    workers = _workers(job, ctx)
    recent: deque[float] = deque(maxlen=4096)  # when the latest records arrived, for the rate per worker

    def on_record(rec: dict[str, Any]) -> None:
        nonlocal best
        rec = kind.upgrade(rec, (ctx.max_ram, ctx.max_flash))  # a cluster worker of another version
        recent.append(time.monotonic())
        results.write(_json(rec) + "\n")
        results.flush()
        if rec["key"] in space:
            counted.add(rec["key"])
        state["candidates_evaluated"] = len(counted)
        state["elapsed_s"] = rec["t"]
        if rec.get("state") == "full":
            full[rec["key"]] = rec
        if rec.get("state") == "full" and (best is None or search.rank_key(rec) < search.rank_key(best)):
            if best is not None:
                bs.restamp_selection(d, best["key"], None)  # the figure is the best's only
            best = rec
            sel = selection()
            spec = bs.fit_and_save(d, ctx, meta, rec, sel)  # the library first, then the state that names it
            state["best"] = _best(kind, rec, sel, bs.shipped_footprint(ctx, spec))
            last_selection[0] = time.monotonic()
            history.append([rec["t"], rec["score"], rec["key"]])
            flush(force=True)
        else:
            due = max(SELECTION_EVERY_S, 20 * cost[0])  # at most 5 % of the coordinator's time
            if best and time.monotonic() - last_selection[0] > due:  # more candidates, more optimism
                state["best"]["selection"] = selection()
                last_selection[0] = time.monotonic()
            flush()

    written = [0]

    def control() -> str:
        try:
            word = (d / "control").read_text().strip()
            stamp = (d / "control").stat().st_mtime_ns
        except OSError:
            word, stamp = "run", written[0]
        if stamp != written[0]:  # `bench resume` (or pause, stop) was asked
            written[0] = stamp
            if word == "run" and hasattr(workers, "retry_now"):
                workers.retry_now()
        waiting = workers.status()
        held = word == "pause" or bool(waiting)
        message = waiting or (workers.note() if hasattr(workers, "note") else "")
        _progress(state, workers, recent)
        if message != (state.get("message") or "") or held != paused[0]:
            paused[0] = held
            state["state"] = "paused" if held else "running"
            state["message"] = message or None
            flush(force=True)
        return word if word in ("run", "pause", "stop") else "run"

    t0 = float(state.get("elapsed_s", 0.0))
    try:
        sched = search.run(ctx, float(job["time_budget"]), int(job["cores"]), done, on_record, control, t0,
                           workers=workers)
    finally:
        workers.close()
        results.close()
    stopped = control() == "stop"
    if best:  # the final figure counts every candidate evaluated
        sel = selection()
        state["best"]["selection"] = sel
        bs.restamp_selection(d, best["key"], sel)
    state.update(state="stopped" if stopped else "finished", pid=None, message=None,
                 elapsed_s=round(getattr(sched, "elapsed", t0), 3))
    if not best and not stopped:  # a finished benchmark with nothing to ship says why
        state.update(state="failed", error=search.why_no_library(list(sched.done.values()), ctx.max_ram,
                                                                  ctx.max_flash))
    flush(force=True)
    return 0 if best or stopped else 1


def _workers(job: dict[str, Any], ctx: search.Context) -> Workers:
    """Where the evaluations run: the cluster the job names, else local processes."""
    address = job.get("cluster")
    if address:
        try:
            from .cluster import DaskWorkers  # distributed is optional: imported only for a cluster
        except ImportError:
            raise ValueError("running on a cluster needs Dask distributed: pip install 'nanoforge[cluster]'") from None
        return DaskWorkers(address, ctx)
    return LocalPool(ctx, int(job["cores"]))


RATE_WINDOW_S = 10.0


def _progress(state: dict[str, Any], workers: Workers, recent: deque[float]) -> None:
    """Workers in use and evaluations per second per worker over the latest seconds."""
    n = workers.count()
    now = time.monotonic()
    while recent and now - recent[0] > RATE_WINDOW_S:
        recent.popleft()
    span = min(RATE_WINDOW_S, now - recent[0]) if len(recent) > 1 else 0.0
    state["workers"] = n
    state["evals_per_s_per_worker"] = round(len(recent) / span / n, 2) if span > 0.5 and n else None


SELECTION_EVERY_S = 5.0  # how often a running job brings the selection's optimism up to date


def _best(kind: types.ProjectType, rec: dict[str, Any], selection: dict[str, Any] | None,
          shipped: tuple[int, int]) -> dict[str, Any]:
    """The state's best: its RAM and flash are the fitted library's as it ships (`shipped`),
    what a user holds against the budget, not the record's."""
    return {"library": rec["key"], "score": rec["score"], **kind.headline(rec["worst"]),
            "ci95": rec.get("ba_ci95"), "ram": shipped[0], "flash": shipped[1], "found_at_s": rec["t"],
            "pipeline": [b["kind"] for b in rec["config"]["blocks"]], "model": rec["config"]["model"]["kind"],
            "selection": selection, **kind.best_extras(rec)}


def _json(rec: dict[str, Any]) -> str:
    return json.dumps(rec, separators=(",", ":"))


if __name__ == "__main__":
    raise SystemExit(main())
