"""What the benchmark, emulator and deploy requests compute (their handlers are in
daemon/handlers/). Callers run these on threads, never on the event loop."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from nanoforge.codegen import library
from nanoforge.engine import types as project_types
from nanoforge.engine.pipeline import Pipeline
from nanoforge.engine.project import find_root, load
from nanoforge.engine.targets import resolve

from . import benchstore as bs
from . import budget
from . import deploy as dep


def _root(params: dict[str, Any]) -> Path:
    p = params.get("project")
    if not isinstance(p, str):
        raise ValueError("missing parameter 'project'")
    root = find_root(p)
    if root is None:
        raise ValueError(f"{p}: no nanoforge.toml here or above")
    return root


def emulate(root: Path, key: str | None, params: dict[str, Any]) -> dict[str, Any]:
    """Library `key` (default: the best) run on the files in `params`, as its type runs them."""
    spec, _ = bs.find_library(root, key)
    inputs = {k: params.get(k) for k in ("file", "targets", "learn", "detect", "sensitivity")}
    return library.emulate(spec, root / ".nanoforge" / "build", inputs)


def plot(root: Path, key: str | None) -> dict[str, Any]:
    """The benchmark plot of library `key` (default: the best), for types that have one."""
    spec, _ = bs.find_library(root, key)
    project, _diags = load(root)
    if project is None:
        raise ValueError(f"{root}/nanoforge.toml has errors; `nanoforge check {root}` shows them")
    data = project_types.get(spec.get("type")).plot(project, Pipeline.from_spec(spec))
    return {"library": spec.get("library"), **data}


def deploy(root: Path, key: str | None, target: str | None, out_dir: str | None, suffix: str | None,
           force: bool, source: bool = False) -> dict[str, Any]:
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
    files = library.deploy_files(spec, root / ".nanoforge" / "build", core, suffix or "", source)
    files, warnings = budget.before_write(root, project, spec, core, files, force)
    meta_name = next(n for n in files if n.startswith("metadata"))
    meta = json.loads(files[meta_name])
    written = dep.write(dest, files, force)
    return {**dep.summary(dest, written, meta), **({"warnings": warnings} if warnings else {})}
