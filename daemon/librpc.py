"""What the benchmark, emulator and deploy requests compute (their handlers are in
daemon/handlers/). Callers run these on threads, never on the event loop."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from nanoforge.codegen import apis, library
from nanoforge.engine import types as project_types
from nanoforge.engine.pipeline import Pipeline
from nanoforge.engine.project import APIS, find_root, load
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
    """Library `key` (default: the best) run on the files in `params`, as its type runs
    them, through the project's API (the same C either way)."""
    spec, _ = bs.find_library(root, key)
    project, _diags = load(root)
    inputs = {k: params.get(k) for k in ("file", "targets", "learn", "detect", "sensitivity")}
    return library.emulate(spec, root / ".nanoforge" / "build", inputs, project.api if project else "v4")


def plot(root: Path, key: str | None) -> dict[str, Any]:
    """The benchmark plot of library `key` (default: the best), for types that have one."""
    spec, _ = bs.find_library(root, key)
    project, _diags = load(root)
    if project is None:
        raise ValueError(f"{root}/nanoforge.toml has errors; `nanoforge check {root}` shows them")
    data = project_types.get(spec.get("type")).plot(project, Pipeline.from_spec(spec))
    return {"library": spec.get("library"), **data}


def deploy(root: Path, key: str | None, target: str | None, out_dir: str | None, suffix: str | None,
           force: bool, source: bool = False, api: str | None = None, pretrained: bool = False,
           cflags: str | None = None) -> dict[str, Any]:
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
    api = api or project.api
    if api not in APIS:
        raise ValueError(f"api '{api}' is not one of {', '.join(APIS)}")
    cache = root / ".nanoforge" / "build"
    state = None
    if pretrained:
        nominal = [p for role, p in project.signal_files() if role == "nominal"]
        state = apis.for_spec(spec, api).pretrain(spec, cache, nominal)
    flags = project.deploy_cflags if cflags is None else cflags
    files = library.deploy_files(spec, cache, core, suffix or "", source, api, state, flags)
    files, warnings = budget.before_write(root, project, spec, core, files, force)
    meta_name = next(n for n in files if n.startswith("metadata"))
    meta = json.loads(files[meta_name])
    written = dep.write(dest, files, force)
    return {**dep.summary(dest, written, meta), **({"warnings": warnings} if warnings else {})}
