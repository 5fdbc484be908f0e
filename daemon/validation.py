"""Validation experiments: several candidate libraries, each its host build run as the
emulator, on labelled files the benchmark never saw; kept under
`PROJECT/.nanoforge/validation/eNNNN.json`, with the checksums of their inputs.

Everything is checked before anything runs (the project has a benchmark, every library id
is known, the files are labelled as the project type labels them and each fits the
libraries' input), so a bad request writes nothing. How files are labelled, which
emulator runs they need and what is measured is the project type's business
(`ProjectType.validation_*`); this module never tells types apart.
"""

from __future__ import annotations

import json
import re
import threading
import time
from pathlib import Path
from typing import Any

from nanoforge.codegen import library
from nanoforge.engine import validation as val
from nanoforge.engine.atomic import write_atomic
from nanoforge.engine.checks import SignalFileError
from nanoforge.engine.dataset import load_file, load_stream
from nanoforge.engine.project import Project, load

from . import benchstore as bs

_LOCK = threading.Lock()  # one experiment id per experiment, whatever the threads
_ID = re.compile(r"^e(\d{4,})\.json$")
METRIC_LABELS = {"balanced_accuracy": "balanced accuracy", "r2": "R²"}


def experiments_dir(root: Path) -> Path:
    return root / ".nanoforge" / "validation"


def metric_label(name: str) -> str:
    return METRIC_LABELS.get(name, name.replace("_", " "))


def _known(root: Path, key: str) -> bool:
    """Whether `key` names a stored library or an evaluated candidate (checked for every
    id before the first is fitted, so an unknown id leaves no library behind)."""
    for d in bs.all_benches(root):
        if bs.library_path(d, key).exists():
            return True
        rec = bs.read_results(d).get(key)
        if rec and rec.get("state") in ("full", "pruned"):
            return True
    return False


def _check_signals(spec: dict[str, Any], runs: list[dict[str, Any]]) -> None:
    """Every signal file of the runs read as the library reads it: SignalFileError names
    the file, line and column and says what to fix."""
    axes, buffer = int(spec["axes"]), int(spec["buffer"])
    for params in runs:
        for key in ("file", "learn", "detect"):
            value = params.get(key)
            for f in (value if isinstance(value, list) else [value] if value else []):
                try:
                    if spec.get("sensor") == "multi":
                        load_stream(f, axes)
                    else:
                        load_file(f, axes, buffer)
                except SignalFileError as e:
                    raise ValueError(f"{e} (library {spec.get('library')} reads {axes * buffer} values per line: "
                                     f"{axes} axes × {buffer} samples)") from None


def _row(spec: dict[str, Any], metrics: dict[str, Any], best_key: str | None) -> dict[str, Any]:
    scores = spec.get("scores") or {}
    return {"library": spec.get("library"), "benchmark_best": spec.get("library") == best_key,
            "benchmark_score": scores.get("score"), "ram_estimate": scores.get("ram_estimate"),
            "flash_estimate": scores.get("flash_estimate"),
            "pipeline": [b["kind"] for b in spec["blocks"]], "model": spec["model"]["kind"], "metrics": metrics}


def benched_project(root: Path, what: str) -> Project:
    """The project, when it is valid and has been benchmarked (there is a library to `what`)."""
    project, _diags = load(root)
    if project is None:
        raise ValueError(f"{root}/nanoforge.toml has errors; `nanoforge check {root}` shows them")
    if not bs.all_benches(root):
        raise ValueError(f"{root}: no benchmark yet, so no library to {what}; run `nanoforge bench start {root}` first")
    return project


def run(root: Path, libraries: list[str], raw_inputs: list[dict[str, Any]]) -> dict[str, Any]:
    project = benched_project(root, "validate")
    keys = list(dict.fromkeys(k.strip() for k in libraries if k.strip()))
    if not keys:
        raise ValueError(f"give the libraries to validate: --libraries ID[,ID…] "
                         f"(`nanoforge bench candidates {root}` lists them)")
    for k in keys:
        if not _known(root, k):
            raise ValueError(f"unknown library id '{k}' in {root}; `nanoforge bench candidates {root}` lists them")
    kind = project.kind
    inputs = [val.Input(i.role, str(Path(i.file).expanduser().resolve()), i.label)
              for i in val.inputs_from(raw_inputs)]
    for i in inputs:
        if not Path(i.file).is_file():
            raise ValueError(f"{i.file}: no such file; check the path")
    try:
        best_spec, _ = bs.find_library(root, None)
        best_key = best_spec.get("library")
    except ValueError:
        best_key = None
    checksums = [val.sha256(i.file) for i in inputs]
    runs: list[dict[str, Any]] = []
    specs = []
    for k in keys:
        spec, _ = bs.find_library(root, k)
        problem = kind.validation_problem(inputs, list(spec["classes"]))
        if problem:
            raise ValueError(problem)
        runs = kind.validation_runs(inputs)
        _check_signals(spec, runs)
        specs.append(spec)
    cache = root / ".nanoforge" / "build"
    rows = []
    for spec in specs:
        answers = [library.emulate(spec, cache, params) for params in runs]
        rows.append(_row(spec, kind.validation_metrics(inputs, list(spec["classes"]), answers), best_key))
    ranked = val.rank(rows, kind.main_metric)
    case, line = val.verdict(ranked, kind.main_metric, metric_label(kind.main_metric), kind.validation_good,
                             best_key)
    exp = {"project_type": project.type, "main_metric": kind.main_metric,
           "main_label": metric_label(kind.main_metric), "created": round(time.time(), 3),
           "benchmark_best": best_key, "classes": list(specs[0]["classes"]),
           "inputs": [{"role": i.role, "label": i.label, "file": i.file, "sha256": c}
                      for i, c in zip(inputs, checksums, strict=True)],
           "libraries": ranked, "verdict": case, "advice": line}
    return _store(root, exp)


def _store(root: Path, exp: dict[str, Any]) -> dict[str, Any]:
    d = experiments_dir(root)
    with _LOCK:
        d.mkdir(parents=True, exist_ok=True)
        n = 1 + max((int(m.group(1)) for p in d.iterdir() if (m := _ID.match(p.name))), default=0)
        exp = {"id": f"e{n:04d}", **exp}
        write_atomic(d / f"e{n:04d}.json", json.dumps(exp, indent=1) + "\n")
    return exp


def all_experiments(root: Path) -> list[dict[str, Any]]:
    """Every experiment, oldest first, as a line of a list shows it."""
    d = experiments_dir(root)
    out = []
    for p in sorted(d.iterdir() if d.is_dir() else [], key=lambda p: p.name):
        if not _ID.match(p.name):
            continue
        exp = bs.read_json(p)
        if not isinstance(exp, dict) or not exp.get("libraries"):
            continue
        top = exp["libraries"][0]
        out.append({"id": exp["id"], "created": exp["created"], "libraries": [r["library"] for r in exp["libraries"]],
                    "inputs": len(exp["inputs"]), "best": top["library"], "main_metric": exp["main_metric"],
                    "best_value": top["metrics"].get(exp["main_metric"]), "verdict": exp["verdict"]})
    return out


def experiment(root: Path, exp_id: str | None) -> dict[str, Any]:
    """Experiment `exp_id` (default: the latest)."""
    if exp_id is None:
        listed = all_experiments(root)
        if not listed:
            raise ValueError(f"{root}: no validation experiment yet; run `nanoforge validate {root} --libraries …`")
        exp_id = listed[-1]["id"]
    p = experiments_dir(root) / f"{exp_id}.json"
    exp = bs.read_json(p) if _ID.match(p.name) else None
    if not isinstance(exp, dict):
        raise ValueError(f"no validation experiment '{exp_id}' in {root}; `nanoforge validate list {root}` lists them")
    return exp
