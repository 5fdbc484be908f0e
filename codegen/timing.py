"""Execution time of a library per call and per core: the Cortex-M build run in the
emulator on a few of the project's own signals, cycles counted with each core's table
(codegen/cycles.py, codegen/cycletable.py), milliseconds at the project's clock.

Results are cached next to the build (`<build>/<core>/timing/`), keyed by the signals
and the cost model, so asking again — or listing candidates — costs nothing.
"""

from __future__ import annotations

import hashlib
import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from . import apis, armrun, cycles, cycletable
from .emulator import rows
from .library import build_sources
from .toolchain import ALL_CORES

DEFAULT_CLOCK_HZ = 80_000_000
SIGNALS = 3
"""Signals run per inference entry point: cycles vary little from one buffer to the next
(the kernels have no data-dependent loops but the models' own), and three show it."""

UNAVAILABLE = {"cortex-m55": "the emulator (unicorn) cannot execute Armv8.1-M instructions (DLS/LE loops, VSEL)"}
MODEL = hashlib.sha256((repr(sorted(cycletable.TABLES.items())) + cycles.HOOK_C).encode()).hexdigest()[:12]


def pick(x: np.ndarray, n: int = SIGNALS) -> np.ndarray:
    """`n` signals spread evenly over the project's (n, axes, length) data, in its order:
    every class or file is represented, and the choice is the same on every run."""
    if len(x) == 0:
        raise ValueError("the project has no signals to time the library on")
    idx = np.unique(np.linspace(0, len(x) - 1, min(n, len(x))).round().astype(int))
    return np.ascontiguousarray(x[idx], np.float32)


def core_cycles(spec: dict[str, Any], cache: Path, core: str, signals: np.ndarray) -> dict[str, Any]:
    """{"core", "available", "reason"?, "calls": {function: {"cycles", "max", "calls"}}}
    for one core; cycles is the mean over the calls made."""
    if core in UNAVAILABLE or core not in cycletable.TABLES:
        return {"core": core, "available": False,
                "reason": UNAVAILABLE.get(core, "no cycle table for this core")}
    plugin = apis.for_spec(spec)
    if not plugin.harness:
        return {"core": core, "available": False, "reason": f"project type '{plugin.name}' has no Cortex-M harness"}
    b = build_sources(spec, cache)
    out = b.dir / core / "timing"
    inputs, args = plugin.timing_inputs(signals)
    key = hashlib.sha256(inputs.tobytes() + str((inputs.shape, args)).encode() + MODEL.encode()).hexdigest()[:16]
    done = out / f"cycles-{key}.json"
    if done.exists():
        return json.loads(done.read_text())
    img = armrun.build_image(b.dir / "src", out, core, plugin.harness)
    calls = cycles.count(img, rows(inputs), args)
    result = {"core": core, "available": True, "model": MODEL,
              "calls": {fn: {"cycles": round(float(np.mean(c))), "max": int(max(c)), "calls": len(c)}
                        for fn, c in calls.per_function.items()}}
    tmp = done.with_name(done.name + ".tmp")
    tmp.write_text(json.dumps(result))
    tmp.replace(done)
    return result


def with_ms(result: dict[str, Any], clock_hz: float) -> dict[str, Any]:
    """The same figures with milliseconds per call at `clock_hz`."""
    calls = {fn: {**c, "ms": c["cycles"] * 1000.0 / clock_hz} for fn, c in (result.get("calls") or {}).items()}
    return {**{k: v for k, v in result.items() if k != "model"}, **({"calls": calls} if "calls" in result else {})}


def library_timing(spec: dict[str, Any], cache: Path, signals: np.ndarray, clock_hz: float = DEFAULT_CLOCK_HZ,
                   cores: tuple[str, ...] = ALL_CORES) -> list[dict[str, Any]]:
    """Every core's cycles and milliseconds per call; builds run two at a time (the
    compiler and the emulator release the interpreter)."""
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(lambda c: core_cycles(spec, cache, c, signals), cores))
    return [with_ms(r, clock_hz) for r in results]


def cached_cycles(spec: dict[str, Any], cache: Path, core: str) -> dict[str, int] | None:
    """Cycles per call already counted for `core` (any signals, the current model), or
    None: for lists, which never build anything."""
    from .library import built

    for p in [p for b in built(spec, cache) for p in sorted((b / core / "timing").glob("cycles-*.json"))]:
        try:
            r = json.loads(p.read_text())
        except (OSError, ValueError):
            continue
        if r.get("available") and r.get("model") == MODEL:
            return {fn: int(c["cycles"]) for fn, c in r["calls"].items()}
    return None
