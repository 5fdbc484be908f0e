"""The project's budget, checked on the measured library before deploy writes.

The search can only estimate a candidate's footprint; what the firmware links is what
`size` and GCC's call graph measure on the built object. So deploy compares that
measurement with `max_flash` / `max_ram` (and the cycles counted in the emulator with
`max_latency_ms`, when the project sets one) and refuses a library that does not fit,
naming both figures and the setting — unless the user forces it, and then the result
says so.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from nanoforge.engine.pipeline import Pipeline
from nanoforge.engine.project import Project

from . import timing


class OverBudget(ValueError):
    """The measured library exceeds the project's budget (a user error: exit 1)."""


def excess(measured: dict[str, int], max_flash: int, max_ram: int, latency_ms: float | None = None,
           max_latency_ms: float | None = None) -> list[str]:
    """One sentence per figure over its setting; empty when the library fits."""
    out = []
    if latency_ms is not None and max_latency_ms is not None and latency_ms > max_latency_ms:
        out.append(f"{latency_ms:.3g} ms per call is over max_latency_ms = {max_latency_ms:g} ms")
    if measured["flash"] > max_flash:
        out.append(f"flash {measured['flash']} B (code {measured['flash_code']} + knowledge "
                   f"{measured['flash_knowledge']}) is over max_flash = {max_flash} B")
    if measured["ram"] > max_ram:
        out.append(f"RAM {measured['ram']} B (static {measured['ram_static']} + stack {measured['stack']}) "
                   f"is over max_ram = {max_ram} B")
    return out


def check(measured: dict[str, int], max_flash: int, max_ram: int, force: bool, where: str,
          latency_ms: float | None = None, max_latency_ms: float | None = None, backstop_bytes: int = 0) -> list[str]:
    """Raises OverBudget when the measured library does not fit and `force` is off; the
    warnings to report when it was forced. `where` names the library, core and project file;
    `backstop_bytes`: the knowledge a 1-class backstop holds, which the benchmark sized to
    its own core's code (another core's larger code can tip the library over)."""
    over = excess(measured, max_flash, max_ram, latency_ms, max_latency_ms)
    if not over:
        return []
    what = "; ".join(over)
    if not force:
        extra = (f", ship it without its backstop ({backstop_bytes} B of the knowledge: backstop = false in "
                 "nanoforge.toml, then a new benchmark)" if backstop_bytes and measured["flash"] > max_flash else "")
        raise OverBudget(f"{where}: measured {what}; raise the setting in nanoforge.toml, deploy a smaller "
                         f"library (--library ID){extra}, or pass --force to deploy it anyway")
    return [f"deployed over budget (--force): measured {what}"]


def before_write(root: Path, project: Project, spec: dict[str, Any], core: str, files: dict[str, bytes],
                 force: bool) -> tuple[dict[str, bytes], list[str]]:
    """Deploy's files with the cycles per call on `core` in metadata.json, once the
    measured library is known to fit (OverBudget otherwise), and the --force warnings."""
    name = next(n for n in files if n.startswith("metadata"))
    meta = json.loads(files[name])
    meta["timing"] = timing.for_deploy(root, project, spec, core)
    worst = timing.latency_cycles(meta["timing"].get("calls") or {})
    latency = worst * 1000.0 / project.clock_hz if worst is not None else None
    backstop = Pipeline.from_spec(spec).backstop
    warnings = check(meta["footprint"]["measured"], project.max_flash, project.max_ram, force,
                     f"library {meta['neai_id']} on {core} ({root / 'nanoforge.toml'})", latency,
                     project.max_latency_ms, backstop.model.knowledge_bytes() if backstop else 0)
    return {**files, name: (json.dumps(meta, indent=2) + "\n").encode()}, warnings
