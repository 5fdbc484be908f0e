"""`nanoforge/bench/*`: benchmark jobs and what they found, and their progress as it happens."""

from __future__ import annotations

import os
import uuid
from typing import Any

from lsprotocol import types
from pygls.lsp.server import LanguageServer

from .. import benchstore as bs
from ..core import Core
from ..librpc import _root, plot
from ..protocol import (
    BenchControlParams,
    BenchList,
    BenchStartParams,
    BenchStatus,
    Candidates,
    CandidatesParams,
    LibraryParams,
    PlotResult,
    ProjectParams,
)
from ..registry import handler, in_thread, notify, session_hook
from ..timing import clock_and_core
from ..timing import with_built_figures as built_figures


@session_hook
def progress(ls: LanguageServer, core: Core) -> None:
    """Every connection hears `nanoforge/bench/progress`; an editor that supports it also
    gets a work-done progress bar per running benchmark."""
    jobs = core.jobs
    tokens: dict[str, str] = {}

    def on_progress(s: dict[str, Any]) -> None:
        notify(ls, "nanoforge/bench/progress", s)
        caps = getattr(ls.protocol, "client_capabilities", None)  # set by `initialize`: the CLI never sends it
        if not (caps and caps.window and caps.window.work_done_progress):
            return
        key = f"{s['project']}|{s['id']}"
        best = s.get("best") or {}
        msg = (f"{s['candidates_evaluated']} candidates, best {best.get('score', '–')}"
               f" ({best.get('ram', '–')} B RAM, {best.get('flash', '–')} B flash)")
        if key not in tokens and s["state"] in ("running", "starting"):
            tok = f"nanoforge-bench-{uuid.uuid4().hex[:8]}"
            tokens[key] = tok
            fut = ls.work_done_progress.create(tok)

            def begin(_f: Any) -> None:
                ls.work_done_progress.begin(tok, types.WorkDoneProgressBegin(
                    title=f"nanoforge benchmark {s['id']}", cancellable=False, message=msg))
            fut.add_done_callback(begin)
        elif key in tokens and s["state"] in ("running", "paused"):
            budget = s.get("time_budget_s") or 0
            pct = int(min(100, 100 * s["elapsed_s"] / budget)) if budget else None
            ls.work_done_progress.report(tokens[key], types.WorkDoneProgressReport(message=msg, percentage=pct))
        elif key in tokens:
            ls.work_done_progress.end(tokens.pop(key), types.WorkDoneProgressEnd(message=f"{s['state']}: {msg}"))

    jobs.listeners.append(on_progress)
    ls._nanoforge_listener = on_progress  # type: ignore[attr-defined]  # detached by Core.detach


@handler("nanoforge/bench/start")
async def bench_start(core: Core, params: BenchStartParams) -> BenchStatus:
    jobs = core.jobs
    root = _root(params)
    core.register(root)
    budget, cores = params.get("time_budget"), params.get("cores")  # 0 is refused by start, not replaced
    return jobs.start(root, 300.0 if budget is None else float(budget),
                      (os.cpu_count() or 1) if cores is None else int(cores),
                      params.get("seed"), params.get("cluster"))


@handler("nanoforge/bench/status")
async def bench_status(core: Core, params: ProjectParams) -> BenchStatus:
    jobs = core.jobs
    return jobs.status(_root(params))


@handler("nanoforge/bench/list")
async def bench_list(core: Core, params: ProjectParams) -> BenchList:
    jobs = core.jobs
    return {"benchmarks": jobs.list(_root(params))}


@handler("nanoforge/bench/control")
async def bench_control(core: Core, params: BenchControlParams) -> BenchStatus:
    jobs = core.jobs
    action = params.get("action")
    if action not in ("pause", "resume", "stop"):
        raise ValueError("action must be pause, resume or stop")
    return jobs.control(_root(params), action)


@handler("nanoforge/bench/candidates")
async def bench_candidates(core: Core, params: CandidatesParams) -> Candidates:
    jobs = core.jobs
    root = _root(params)
    d = jobs.latest(root)
    rows = bs.ranked_candidates(d, int(params.get("limit") or 20))
    named = bs.read_state(d).get("best")
    stored = isinstance(named, dict) and "selection" in named  # None there is an answer too: none to give
    out: Candidates = {"id": d.name, "main_metric": bs.kind_of(d).main_metric,
                       "candidates": await in_thread(core, built_figures, root, d, rows),
                       "selection": named["selection"] if stored else await in_thread(core, bs.selection_of, d)}
    return {**out, **await in_thread(core, clock_and_core, root)}


@handler("nanoforge/bench/plot")
async def bench_plot(core: Core, params: LibraryParams) -> PlotResult:
    return await in_thread(core, plot, _root(params), params.get("library"))
