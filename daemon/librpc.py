"""What the benchmark, emulator and deploy requests compute (their handlers are in
daemon/handlers/). Callers run these on threads, never on the event loop."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

from nanoforge.codegen import library
from nanoforge.engine import types as project_types
from nanoforge.engine.dataset import load_file, load_stream, load_target_values
from nanoforge.engine.metrics import regression
from nanoforge.engine.pipeline import Pipeline
from nanoforge.engine.project import find_root, load
from nanoforge.engine.targets import resolve

from . import benchstore as bs
from . import deploy as dep


def _root(params: dict[str, Any]) -> Path:
    p = params.get("project")
    if not isinstance(p, str):
        raise ValueError("missing parameter 'project'")
    root = find_root(p)
    if root is None:
        raise ValueError(f"{p}: no nanoforge.toml here or above")
    return root


_AD_LOCK = threading.Lock()  # a host AD library is one learned state per process


def _signals(spec: dict[str, Any], file: str) -> Any:
    if spec.get("sensor") == "multi":
        return load_stream(file, int(spec["axes"]))
    return load_file(file, int(spec["axes"]), int(spec["buffer"]))


def emulate_ad(root: Path, key: str | None, learn: list[str], detect: list[str],
               sensitivity: float | None) -> dict[str, Any]:
    """A fresh device: init, learn every `learn` file in order, detect every `detect` file."""
    spec, _ = bs.find_library(root, key)
    if not library.is_ad(spec):
        raise ValueError(f"library {spec.get('library')} is not anomaly detection; use --file")
    learn_x = [_signals(spec, f) for f in learn]
    detect_x = [(f, _signals(spec, f)) for f in detect]
    with _AD_LOCK:
        host = library.host_library(spec, root / ".nanoforge" / "build")
        host.init()
        if sensitivity is not None and host.set_sensitivity(float(sensitivity)) != 0:
            raise ValueError(f"sensitivity {sensitivity} refused: it must be > 0 and ≤ 100")
        states = [s for x in learn_x for s in host.learn(x)]
        sims = [(f, host.detect(x)) for f, x in detect_x]
        used = host.get_sensitivity()
    results = [{"file": f, "line": i + 1, "similarity": int(v), "status": "nominal" if v >= 90 else "anomaly"}
               for f, sv in sims for i, v in enumerate(sv)]
    allv = [r["similarity"] for r in results]
    min_learn = int(spec.get("min_learn", 1))
    return {"library": spec.get("library"), "results": results,
            "summary": {"learned": len(states), "minimum_learn_calls": min_learn,
                        "learning_done": len(states) >= min_learn, "signals": len(results),
                        "nominal": sum(r["status"] == "nominal" for r in results),
                        "anomalies": sum(r["status"] == "anomaly" for r in results),
                        "mean_similarity": float(sum(allv) / len(allv)) if allv else None,
                        "sensitivity": used}}


def emulate_ext(spec: dict[str, Any], root: Path, file: str, targets: str | None) -> dict[str, Any]:
    host = library.host_library(spec, root / ".nanoforge" / "build")
    x = load_file(file, int(spec["axes"]), int(spec["buffer"]))
    values = host.extrapolate(x)
    results = [{"line": i + 1, "value": float(v)} for i, v in enumerate(values)]
    summary: dict[str, Any] = {"signals": len(results),
                               "mean": float(values.mean()) if len(values) else None}
    if targets:
        y = load_target_values(targets)
        if len(y) != len(values):
            raise ValueError(f"{targets}: {len(y)} targets for {len(values)} signals in {file}; "
                             "give one target per signal, in the same order")
        summary.update(regression(y, values))
    return {"library": spec.get("library"), "file": str(file), "results": results, "summary": summary}


def emulate_oc(spec: dict[str, Any], root: Path, file: str) -> dict[str, Any]:
    host = library.host_library(spec, root / ".nanoforge" / "build")
    x = load_file(file, int(spec["axes"]), int(spec["buffer"]))
    flags, scores = host.oneclass(x)
    results = [{"line": i + 1, "outlier": bool(f), "score": float(v)}
               for i, (f, v) in enumerate(zip(flags, scores, strict=True))]
    n = len(results)
    out = int(flags.sum())
    return {"library": spec.get("library"), "file": str(file), "results": results,
            "summary": {"signals": n, "outliers": out, "nominal": n - out,
                        "outlier_rate": out / n if n else None,
                        "threshold": float(Pipeline.from_spec(spec).model.state["limit"][0])}}


def emulate(root: Path, key: str | None, file: str, targets: str | None = None) -> dict[str, Any]:
    spec, _ = bs.find_library(root, key)
    if spec.get("type") == "ext":
        return emulate_ext(spec, root, file, targets)
    if spec.get("type") == "1cc" and not targets:
        return emulate_oc(spec, root, file)
    if targets:
        raise ValueError("--targets is for extrapolation libraries")
    if library.is_ad(spec):
        raise ValueError(f"library {spec.get('library')} learns on the device: "
                         "use --learn NOMINAL_FILE --detect FILE")
    host = library.host_library(spec, root / ".nanoforge" / "build")
    x = load_file(file, int(spec["axes"]), int(spec["buffer"]))
    probs, ids = host.classify(x)
    classes = list(spec["classes"])
    results = [{"line": i + 1, "class": classes[int(c) - 1], "class_id": int(c),
                "probabilities": [float(v) for v in p]} for i, (p, c) in enumerate(zip(probs, ids, strict=True))]
    counts = {name: int((ids == i + 1).sum()) for i, name in enumerate(classes)}
    return {"library": spec.get("library"), "file": str(file), "results": results,
            "summary": {"signals": len(results), "per_class": counts,
                        "mean_certainty": float(probs.max(axis=1).mean()) if len(probs) else None}}


def plot(root: Path, key: str | None) -> dict[str, Any]:
    """The benchmark plot of library `key` (default: the best), for types that have one."""
    spec, _ = bs.find_library(root, key)
    project, _diags = load(root)
    if project is None:
        raise ValueError(f"{root}/nanoforge.toml has errors; `nanoforge check {root}` shows them")
    data = project_types.get(spec.get("type")).plot(project, Pipeline.from_spec(spec))
    return {"library": spec.get("library"), **data}


def deploy(root: Path, key: str | None, target: str | None, out_dir: str | None, suffix: str | None,
           force: bool) -> dict[str, Any]:
    project, diags = load(root)
    if project is None:
        raise ValueError(f"{root}/nanoforge.toml has errors; `nanoforge check {root}` shows them")
    spec, _ = bs.find_library(root, key)
    name = target or project.target
    found = resolve(name)
    if found is None:
        raise ValueError(f"unknown target '{name}'; use a core (cortex-m0plus, cortex-m4, …) or a known MCU name")
    core = found[0].name
    dest = dep.resolve_dir(root, project.deploy_dir, out_dir)
    files = library.deploy_files(spec, root / ".nanoforge" / "build", core, suffix or "")
    meta_name = next(n for n in files if n.startswith("metadata"))
    meta = json.loads(files[meta_name])
    written = dep.write(dest, files, force)
    return dep.summary(dest, written, meta)
