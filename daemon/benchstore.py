"""A benchmark's files under the project's `.nanoforge/benchmarks/<id>/`.

job.json     what was asked (seed, time budget, cores), written once
state.json   where it is (state, pid, elapsed, counts, best, score history), atomic
results.jsonl one line per evaluated candidate, appended and flushed; a line cut by a
             kill is ignored on reading, so a resumed run simply evaluates it again; a
             pruned candidate completed once the space is exhausted has a second, full
             line, and the last line of a key is its record
control      "run", "pause" or "stop", written by the daemon, read by the job
libraries/   fitted library specs (msgpack): the best one is written before the state
             names it, so the best library is never lost
"""

from __future__ import annotations

import dataclasses
import json
import time
from pathlib import Path
from typing import Any

from nanoforge.codegen import library
from nanoforge.engine import optimism, search, types
from nanoforge.engine.atomic import write_atomic
from nanoforge.engine.bandpass import design
from nanoforge.engine.pipeline import Pipeline, pack, unpack
from nanoforge.engine.project import Project, load
from nanoforge.engine.targets import resolve
from nanoforge.engine.types.base import SCORE_RULE

ACTIVE = ("running", "paused", "starting")


def benches_dir(root: Path) -> Path:
    return root / ".nanoforge" / "benchmarks"


def all_benches(root: Path) -> list[Path]:
    d = benches_dir(root)
    if not d.is_dir():
        return []
    return sorted((p for p in d.iterdir() if (p / "job.json").exists()), key=lambda p: p.name)


def new_bench_dir(root: Path) -> Path:
    d = benches_dir(root)
    d.mkdir(parents=True, exist_ok=True)
    n = 1 + max((int(p.name[1:]) for p in d.iterdir() if p.name[:1] == "b" and p.name[1:].isdigit()), default=0)
    out = d / f"b{n:04d}"
    out.mkdir()
    return out


def read_json(p: Path, default: Any = None) -> Any:
    try:
        return json.loads(p.read_text())
    except (OSError, ValueError):
        return default


def write_json(p: Path, obj: Any) -> None:
    write_atomic(p, json.dumps(obj, indent=1) + "\n")


def read_state(d: Path) -> dict[str, Any]:
    st = read_json(d / "state.json", {})
    return st if isinstance(st, dict) else {}


def read_results(d: Path) -> dict[str, dict[str, Any]]:
    """The records of benchmark `d`, by key. A line that is not a whole record (a kill
    mid-write, a disk error, bytes that are not text) is skipped, so one bad line never
    hides the rest: its candidate is simply evaluated again on resume. Records written
    before a Score offset existed, or with a footprint term in the Score, are rescored here
    (`ProjectType.upgrade`), so every reader (the resumed search, lists, reports) ranks old
    and new records alike."""
    job = read_json(d / "job.json", {}) or {}
    name = job.get("type")
    kind = types.get(name) if name in types.names() else None
    budgets: list[tuple[int, int] | None] = []  # read once, and only for an old record

    def upgrade(rec: dict[str, Any]) -> dict[str, Any]:
        if kind is None:
            return rec
        if rec.get("score_rule", 1) < SCORE_RULE and not budgets:
            budgets.append(_budgets(d, job))
        return kind.upgrade(rec, budgets[0] if budgets else None)

    out: dict[str, dict[str, Any]] = {}
    try:
        with open(d / "results.jsonl", "rb") as f:
            for line in f:
                try:
                    rec = json.loads(line)
                except ValueError:  # UnicodeDecodeError included
                    continue
                if _whole_record(rec):
                    out[rec["key"]] = upgrade(rec)
    except FileNotFoundError:
        pass
    return out


def _budgets(d: Path, job: dict[str, Any]) -> tuple[int, int] | None:
    """The (max RAM, max flash) a record whose Score still counts the free share of each is
    rescored against: the job's own (a job records them since SCORE_RULE 2), else the
    project's now, which the benchmark ran with unless the project changed since. None when
    neither can be read (the record then stays as it was)."""
    ram, flash = job.get("max_ram"), job.get("max_flash")
    if isinstance(ram, int) and isinstance(flash, int) and ram > 0 and flash > 0:
        return ram, flash
    root = job.get("project")
    try:
        project, _ = load(root if isinstance(root, str) and root else d.parents[2])
    except (OSError, ValueError, IndexError):
        return None
    return (project.max_ram, project.max_flash) if project else None


def _whole_record(rec: Any) -> bool:
    if not isinstance(rec, dict) or not isinstance(rec.get("key"), str) or not isinstance(rec.get("config"), dict):
        return False
    if rec.get("state") in ("full", "pruned"):
        return (isinstance(rec.get("score"), (int, float)) and isinstance(rec.get("worst"), dict)
                and isinstance(rec.get("ram"), int) and isinstance(rec.get("flash"), int)
                and isinstance(rec.get("splits"), int))
    return isinstance(rec.get("state"), str)


def pid_alive(pid: int | None) -> bool:
    """True when `pid` is a live benchmark job (not a recycled pid)."""
    if not pid:
        return False
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            cmd = f.read()
        with open(f"/proc/{pid}/stat") as f:
            if f.read().rsplit(")", 1)[1].split()[0] == "Z":
                return False
    except OSError:
        return False
    return b"nanoforge.daemon.benchjob" in cmd


def settle(d: Path) -> dict[str, Any]:
    """The state, with a job that died (kill -9, crash, reboot) marked interrupted."""
    st = read_state(d)
    if st.get("state") == "starting" and time.time() - float(st.get("updated") or 0) < 30:
        return st
    if st.get("state") in ACTIVE and not pid_alive(st.get("pid")):
        st["state"] = "interrupted"
        st["pid"] = None
        write_json(d / "state.json", st)
    return st


def as_benchmarked(project: Project, job: dict[str, Any]) -> Project:
    """The project with the settings benchmark `job` ran with (its seed, the 1-class
    backstop) in place of the file's current ones: every library of a benchmark is fitted
    as the benchmark fitted its best, whatever the file says since (`max_ram` and
    `max_flash` are the project's: a library over them is refused at deploy)."""
    return dataclasses.replace(project, seed=int(job.get("seed", project.seed)),
                               backstop=bool(job.get("backstop", True)))


def context(project: Project) -> tuple[search.Context, dict[str, Any]]:
    kind = project.kind
    ds = kind.load(project)
    sos = None
    if project.filter.enabled and project.sensor != "multi":
        f = project.filter
        sos = design(f.low_hz, f.high_hz, project.sampling_hz, f.order).tolist()
    found = resolve(project.target)
    data = {"groups": ds.groups, "multi": project.sensor == "multi", "core": found[0].name if found else None,
            "backstop": project.backstop}
    ctx = search.Context(ds.x, ds.y, ds.classes, project.max_ram, project.max_flash, project.seed, sos,
                         type=project.type, data=data)
    meta = {"type": project.type, "axes": project.axes, "buffer": int(ds.x.shape[2]),
            "classes": kind.library_classes(ds), "sampling_hz": project.sampling_hz,
            **kind.library_meta(project, ds)}
    return ctx, meta


def library_path(d: Path, key: str) -> Path:
    return d / "libraries" / f"{key}.msgpack"


def save_library(d: Path, key: str, spec: dict[str, Any]) -> Path:
    p = library_path(d, key)
    p.parent.mkdir(exist_ok=True)
    write_atomic(p, pack(spec))
    return p


def fit_and_save(d: Path, ctx: search.Context, meta: dict[str, Any], rec: dict[str, Any],
                 selection: dict[str, Any] | None = None) -> dict[str, Any]:
    """The library of record `rec`, fitted and stored; `selection` (the benchmark's best
    only): the selection's optimism, which metadata.json and the report show."""
    kind = ctx.kind
    scores = {**kind.scores(rec), **({"selection": selection} if selection else {})}
    pipe = search.fit_library(ctx, rec["config"], {**meta, **kind.library_fields(rec), "library": rec["key"],
                                                   "scores": scores})
    spec = pipe.to_spec()
    save_library(d, rec["key"], spec)
    return spec


def shipped_footprint(ctx: search.Context, spec: dict[str, Any]) -> tuple[int, int]:
    """(RAM, flash) of fitted library `spec` as it ships on the project's core, as
    metadata.json's `estimated`: the record's figures are the search's, made before the
    fit and without what the type adds after it (1-class: the backstop). A plug-in type
    with no C side yet gets the engine's estimate, with its own count of outputs."""
    core = ctx.data.get("core")
    try:
        flash, ram = library.estimated_footprint(spec, core)
    except ValueError:  # no C side for the type: the benchmark still runs
        flash, ram = Pipeline.from_spec(spec).footprint(ctx.axes, ctx.length, 0, ctx.kind.outputs(ctx), core)
    return ram, flash


def stored_library(d: Path, key: str) -> dict[str, Any]:
    return unpack(library_path(d, key).read_bytes())


def restamp_selection(d: Path, key: str, selection: dict[str, Any] | None) -> None:
    """The stored best library's selection figures brought up to date (more candidates
    were evaluated after it was fitted) without fitting it again; None drops them (a
    library that is no longer the best: its metadata.json must not claim the figure)."""
    p = library_path(d, key)
    if not p.exists():
        return
    spec = unpack(p.read_bytes())
    scores = {k: v for k, v in (spec.get("scores") or {}).items() if k != "selection"}
    spec["scores"] = {**scores, "selection": selection} if selection is not None else scores
    save_library(d, key, spec)


def selection_of(d: Path, recs: dict[str, dict[str, Any]] | None = None) -> dict[str, Any] | None:
    """The selection's optimism of benchmark `d` for its best (engine/optimism.py)."""
    recs = read_results(d) if recs is None else recs
    full = [r for r in recs.values() if r.get("state") == "full"]
    if not full:
        return None
    best = min(full, key=search.rank_key)["key"]
    job = read_json(d / "job.json", {}) or {}
    return optimism.of_records(kind_of(d), full, best, int(job.get("seed") or 0))


def find_library(root: Path, key: str | None) -> tuple[dict[str, Any], Path]:
    """The spec of library `key` (or the best of the latest benchmark that has one)."""
    benches = all_benches(root)
    if key is None:
        for d in reversed(benches):
            named = read_state(d).get("best")
            best = (named.get("library") if isinstance(named, dict) else None) or _best_key(d)
            if best and library_path(d, best).exists():
                return stored_library(d, best), d
            if best:
                return find_library(root, best)
        raise ValueError(f"{root}: no library yet; run `nanoforge bench start {root}` first")
    for d in reversed(benches):
        if library_path(d, key).exists():
            return stored_library(d, key), d
    for d in reversed(benches):
        rec = read_results(d).get(key)
        if rec and rec.get("state") in ("full", "pruned"):
            project, diags = load(root)
            if project is None:
                raise ValueError(f"{root}/nanoforge.toml has errors; `nanoforge check {root}` shows them")
            ctx, meta = context(as_benchmarked(project, read_json(d / "job.json", {}) or {}))
            return fit_and_save(d, ctx, meta, rec), d
    raise ValueError(f"no library '{key}' in {root}; `nanoforge bench candidates {root}` lists them")


def _best_key(d: Path) -> str | None:
    """The best fully evaluated record's key, as the job chose it: what state.json names,
    recovered from the records when state.json is lost or damaged."""
    full = [r for r in read_results(d).values() if r.get("state") == "full"]
    return min(full, key=search.rank_key)["key"] if full else None


def summary(d: Path) -> dict[str, Any]:
    st = settle(d)
    job = read_json(d / "job.json", {}) or {}
    return {"id": d.name, "state": st.get("state", "unknown"), "elapsed_s": round(float(st.get("elapsed_s", 0.0)), 1),
            "time_budget_s": job.get("time_budget"), "cores": job.get("cores"), "seed": job.get("seed"),
            "cluster": job.get("cluster"), "workers": st.get("workers"),
            "evals_per_s_per_worker": st.get("evals_per_s_per_worker"), "message": st.get("message"),
            "candidates_evaluated": st.get("candidates_evaluated", 0), "candidates_total": st.get("candidates_total"),
            "best": st.get("best"), "history": st.get("history", []), "error": st.get("error"),
            "updated": st.get("updated")}


def now() -> float:
    return round(time.time(), 3)


def kind_of(d: Path) -> types.ProjectType:
    """The project type of benchmark `d` (recorded when it started; older ones: the project's)."""
    name = (read_json(d / "job.json", {}) or {}).get("type")
    if name is None:
        project, _ = load(d.parents[2])
        name = project.type if project else None
    return types.get(name)


def ranked_candidates(d: Path, limit: int = 20) -> list[dict[str, Any]]:
    out = []
    kind = kind_of(d)
    for r in search.ranked(read_results(d))[:limit]:
        out.append({"library": r["key"], "score": r["score"], "state": r["state"],
                    **kind.headline(r["worst"]), "ci95": r.get("ba_ci95"),
                    "ram": r["ram"], "flash": r["flash"],
                    "pipeline": [b["kind"] for b in r["config"]["blocks"]],
                    "model": r["config"]["model"]["kind"] + (f"/{r['config']['model']['params']['algo']}"
                                                             if "algo" in r["config"]["model"]["params"] else ""),
                    **kind.library_fields(r)})
        if isinstance(r.get("harder"), dict) and kind.main_metric in r["harder"]:
            out[-1]["harder"] = r["harder"][kind.main_metric]
            if isinstance(r["harder"].get(f"{kind.main_metric}_noisy"), float):
                out[-1]["harder_noisy"] = r["harder"][f"{kind.main_metric}_noisy"]
    return out

