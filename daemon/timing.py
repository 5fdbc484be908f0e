"""What `nanoforge/timing` computes, and the cycles deploy and the candidate list show:
a library's execution time per call on every core, counted in the emulator on the
project's own signals (codegen/timing.py). Callers run these on threads."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from nanoforge.codegen import timing
from nanoforge.codegen.toolchain import ToolchainError
from nanoforge.engine.project import Project, load
from nanoforge.engine.targets import resolve

from . import benchstore as bs


def _project(root: Path) -> Project:
    project, _ = load(root)
    if project is None:
        raise ValueError(f"{root}/nanoforge.toml has errors; `nanoforge check {root}` shows them")
    return project


def project_core(project: Project) -> str:
    found = resolve(project.target)
    return found[0].name if found else "cortex-m4"


def signals(project: Project) -> np.ndarray:
    """The few project signals every entry point runs on (the same ones on every run)."""
    return timing.pick(project.kind.load(project).x)


def latency_cycles(calls: dict[str, Any]) -> int | None:
    """The slowest call but init (the per-buffer cost a firmware's loop pays)."""
    per = [c["cycles"] if isinstance(c, dict) else int(c) for fn, c in calls.items() if not fn.endswith("_init")]
    return max(per) if per else None


def library_timing(root: Path, key: str | None, clock: float | None) -> dict[str, Any]:
    project = _project(root)
    spec, _ = bs.find_library(root, key)
    clock_hz = float(clock or project.clock_hz)
    x = signals(project)
    cores = timing.library_timing(spec, root / ".nanoforge" / "build", x, clock_hz)
    from nanoforge.codegen.library import neai_id

    return {"library": spec.get("library"), "neai_id": neai_id(spec), "clock_hz": clock_hz, "signals": len(x),
            "target": project_core(project), "max_latency_ms": project.max_latency_ms, "cores": cores}


def for_deploy(root: Path, project: Project, spec: dict[str, Any], core: str) -> dict[str, Any]:
    """metadata.json's "timing" for the deployed core: cycles and ms per call, or why not."""
    try:
        r = timing.core_cycles(spec, root / ".nanoforge" / "build", core, signals(project))
    except (ToolchainError, RuntimeError, ImportError, OSError) as e:
        r = {"core": core, "available": False, "reason": str(e)}
    r = timing.with_ms(r, project.clock_hz)
    return {"estimate": "cycles counted in an emulator with the core's published timings, zero wait states",
            "clock_hz": project.clock_hz, "signals": timing.SIGNALS, **r}


def candidate_figures(root: Path, project: Project, spec: dict[str, Any]) -> dict[str, Any]:
    """Measured flash/RAM and cycles of a candidate on the project's core, from the build
    cache only (nothing is built for a list)."""
    import json

    from nanoforge.codegen.library import built

    core = project_core(project)
    cache = root / ".nanoforge" / "build"
    out: dict[str, Any] = {}
    for b in built(spec, cache, project.api):
        try:
            fp = json.loads((b / core / "footprint.json").read_text())
            out["measured"] = {"flash": int(fp["flash"]), "ram": int(fp["ram"])}
            break
        except (OSError, ValueError, KeyError):
            continue
    cyc = timing.cached_cycles(spec, cache, core)
    if cyc is not None:
        out["cycles"] = cyc
        worst = latency_cycles(cyc)
        if project.max_latency_ms is not None and worst is not None:
            out["over_latency"] = worst * 1000.0 / project.clock_hz > project.max_latency_ms
    return out


def clock_and_core(root: Path) -> dict[str, Any]:
    """What a candidate list needs to turn cycles into milliseconds and name the core."""
    project, _ = load(root)
    return {} if project is None else {"clock_hz": project.clock_hz, "target": project_core(project)}


def with_built_figures(root: Path, d: Path, candidates: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The candidate rows, each with its measured figures where its library was built."""
    from nanoforge.engine.pipeline import unpack

    project, _ = load(root)
    if project is None:
        return candidates
    out = []
    for c in candidates:
        p = bs.library_path(d, c["library"])
        try:
            extra = candidate_figures(root, project, unpack(p.read_bytes())) if p.exists() else {}
        except (OSError, ValueError):
            extra = {}
        out.append({**c, **extra})
    return out
