"""A benchmark's files under the project's `.nanoforge/benchmarks/<id>/`.

job.json     what was asked (seed, time budget, cores), written once
state.json   where it is (state, pid, elapsed, counts, best, score history), atomic
results.jsonl one line per evaluated candidate, appended and flushed; a line cut by a
             kill is ignored on reading, so a resumed run simply evaluates it again
control      "run", "pause" or "stop", written by the daemon, read by the job
libraries/   fitted library specs (msgpack): the best one is written before the state
             names it, so the best library is never lost
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from nanoforge.engine import search
from nanoforge.engine.atomic import write_atomic
from nanoforge.engine.bandpass import design
from nanoforge.engine.dataset import load_classes, load_couples, load_targets
from nanoforge.engine.pipeline import pack, unpack
from nanoforge.engine.project import Project, load

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
    return read_json(d / "state.json", {}) or {}


def read_results(d: Path) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    try:
        with open(d / "results.jsonl") as f:
            for line in f:
                try:
                    rec = json.loads(line)
                except ValueError:
                    continue
                if isinstance(rec, dict) and "key" in rec:
                    out[rec["key"]] = rec
    except FileNotFoundError:
        pass
    return out


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


def context(project: Project) -> tuple[search.Context, dict[str, Any]]:
    ad = project.type == "ad"
    ds = load_couples(project) if project.type in ("ad", "1cc") else load_targets(project) if project.type == "ext" else load_classes(project)
    sos = None
    if project.filter.enabled and project.sensor != "multi":
        f = project.filter
        sos = design(f.low_hz, f.high_hz, project.sampling_hz, f.order).tolist()
    ctx = search.Context(ds.x, ds.y, ds.classes, project.max_ram, project.max_flash, project.seed, sos,
                         type=project.type, groups=ds.groups, multi=project.sensor == "multi")
    meta = {"type": project.type, "axes": project.axes, "buffer": int(ds.x.shape[2]), "classes": ds.classes,
            "sampling_hz": project.sampling_hz}
    if ad:
        meta["sensor"] = project.sensor
    if project.type == "1cc":  # the abnormal file only evaluates; the library knows one class
        meta["classes"] = ["nominal"]
    return ctx, meta


def library_path(d: Path, key: str) -> Path:
    return d / "libraries" / f"{key}.msgpack"


def save_library(d: Path, key: str, spec: dict[str, Any]) -> Path:
    p = library_path(d, key)
    p.parent.mkdir(exist_ok=True)
    write_atomic(p, pack(spec))
    return p


def scores_of(rec: dict[str, Any]) -> dict[str, Any]:
    w = rec.get("worst", {})
    if "r2" in w:
        return {"score": rec.get("score"), "r2": w.get("r2"), "rmse": w.get("rmse"), "smape": w.get("smape"),
                "r2_ci95": rec.get("ba_ci95"), "splits": rec.get("splits"),
                "ram_estimate": rec.get("ram"), "flash_estimate": rec.get("flash")}
    if "auc" in w:
        return {"score": rec.get("score"), "balanced_accuracy": w.get("balanced_accuracy"),
                "balanced_accuracy_ci95": rec.get("ba_ci95"), "nominal_recall": w.get("nominal_recall"),
                "detection": w.get("detection"), "detection_synthetic": w.get("detection_synthetic"),
                "detection_abnormal": w.get("detection_abnormal"), "auc": w.get("auc"), "splits": rec.get("splits"),
                "ram_estimate": rec.get("ram"), "flash_estimate": rec.get("flash")}
    if "min_learn" in rec:
        return {"score": rec.get("score"), "balanced_accuracy": w.get("balanced_accuracy"),
                "balanced_accuracy_ci95": rec.get("ba_ci95"), "nominal_recall": w.get("nominal_recall"),
                "detection": w.get("detection"), "functional_margin": w.get("margin"),
                "min_learn": rec.get("min_learn"), "splits": rec.get("splits"),
                "ram_estimate": rec.get("ram"), "flash_estimate": rec.get("flash")}
    return {"score": rec.get("score"), "balanced_accuracy": w.get("balanced_accuracy"),
            "balanced_accuracy_ci95": rec.get("ba_ci95"), "accuracy": w.get("accuracy"), "f1": w.get("f1"),
            "mcc": w.get("mcc"), "certainty": w.get("certainty"), "splits": rec.get("splits"),
            "ram_estimate": rec.get("ram"), "flash_estimate": rec.get("flash")}


def fit_and_save(d: Path, ctx: search.Context, meta: dict[str, Any], rec: dict[str, Any]) -> dict[str, Any]:
    extra = {"min_learn": int(rec["min_learn"])} if "min_learn" in rec else {}
    pipe = search.fit_library(ctx, rec["config"], {**meta, **extra, "library": rec["key"], "scores": scores_of(rec)})
    spec = pipe.to_spec()
    save_library(d, rec["key"], spec)
    return spec


def find_library(root: Path, key: str | None) -> tuple[dict[str, Any], Path]:
    """The spec of library `key` (or the best of the latest benchmark that has one)."""
    benches = all_benches(root)
    if key is None:
        for d in reversed(benches):
            best = (read_state(d).get("best") or {}).get("library")
            if best and library_path(d, best).exists():
                return unpack(library_path(d, best).read_bytes()), d
        raise ValueError(f"{root}: no library yet; run `nanoforge bench start {root}` first")
    for d in reversed(benches):
        if library_path(d, key).exists():
            return unpack(library_path(d, key).read_bytes()), d
    for d in reversed(benches):
        rec = read_results(d).get(key)
        if rec and rec.get("state") in ("full", "pruned"):
            project, diags = load(root)
            if project is None:
                raise ValueError(f"{root}/nanoforge.toml has errors; `nanoforge check {root}` shows them")
            ctx, meta = context(project)
            return fit_and_save(d, ctx, meta, rec), d
    raise ValueError(f"no library '{key}' in {root}; `nanoforge bench candidates {root}` lists them")


def summary(d: Path) -> dict[str, Any]:
    st = settle(d)
    job = read_json(d / "job.json", {}) or {}
    return {"id": d.name, "state": st.get("state", "unknown"), "elapsed_s": round(float(st.get("elapsed_s", 0.0)), 1),
            "time_budget_s": job.get("time_budget"), "cores": job.get("cores"), "seed": job.get("seed"),
            "candidates_evaluated": st.get("candidates_evaluated", 0), "candidates_total": st.get("candidates_total"),
            "best": st.get("best"), "history": st.get("history", []), "error": st.get("error"),
            "updated": st.get("updated")}


def now() -> float:
    return round(time.time(), 3)


def _main_metrics(worst: dict[str, Any]) -> dict[str, Any]:
    if "r2" in worst:
        return {"r2": worst["r2"], "rmse": worst["rmse"], "smape": worst["smape"]}
    if "auc" in worst:
        return {"balanced_accuracy": worst["balanced_accuracy"], "nominal_recall": worst["nominal_recall"],
                "detection": worst["detection"]}
    return {"balanced_accuracy": worst["balanced_accuracy"]}


def ranked_candidates(d: Path, limit: int = 20) -> list[dict[str, Any]]:
    out = []
    for r in search.ranked(read_results(d))[:limit]:
        out.append({"library": r["key"], "score": r["score"], "state": r["state"],
                    **_main_metrics(r["worst"]), "ci95": r.get("ba_ci95"),
                    "ram": r["ram"], "flash": r["flash"],
                    "pipeline": [b["kind"] for b in r["config"]["blocks"]],
                    "model": r["config"]["model"]["kind"] + (f"/{r['config']['model']['params']['algo']}"
                                                             if "algo" in r["config"]["model"]["params"] else ""),
                    **({"min_learn": r["min_learn"]} if "min_learn" in r else {})})
    return out

