"""What the benchmark view plots, live: how the best library's four indicators (Score,
the type's main metric, RAM, flash) evolved as candidates were evaluated, and the
project type's results charts of a library — the same `report_plots` the report draws,
so the editor and the report show one set of facts. Charts are computed from a fitted
library spec, which never changes once written, so they are cached by its file."""

from __future__ import annotations

import threading
from collections import OrderedDict
from pathlib import Path
from typing import Any

from nanoforge.engine.pipeline import Pipeline, unpack
from nanoforge.engine.project import load

from . import benchstore as bs
from .validation import metric_label

MAX_POINTS = 2000  # candidate scores sent per request: a chart shows no more
_cache: OrderedDict[tuple[str, int], list[dict[str, Any]]] = OrderedDict()
_lock = threading.Lock()  # the daemon computes on two threads


def evolution(d: Path) -> tuple[list[dict[str, Any]], list[list[float]]]:
    """Each time the best changed (the four indicators of the new best), and every fully
    evaluated candidate's [seconds, score], thinned evenly to MAX_POINTS."""
    kind = bs.kind_of(d)
    recs = bs.read_results(d)
    order = {k: i + 1 for i, k in enumerate(recs)}
    best = []
    for t, _, key in bs.read_state(d).get("history", []):
        r = recs.get(key)
        if r is None or r.get("state") not in ("full", "pruned"):
            continue
        # the record's Score, not the one the history wrote: an older benchmark's is rescored
        best.append({"t": float(t), "candidates": order[key], "library": key, "score": float(r["score"]),
                     "main": r["worst"].get(kind.main_metric), "ram": int(r["ram"]),
                     "flash": int(r["flash"])})
    full = [[float(r.get("t", 0.0)), float(r["score"])] for r in recs.values() if r.get("state") == "full"]
    step = max(1, -(-len(full) // MAX_POINTS))
    return best, full[::step]


def plots(root: Path, d: Path, key: str) -> list[dict[str, Any]]:
    """The type's results charts of library `key` of benchmark `d`."""
    p = bs.library_path(d, key)
    stamp = (str(p), p.stat().st_mtime_ns)
    with _lock:
        if stamp in _cache:
            _cache.move_to_end(stamp)
            return _cache[stamp]
    project, _diags = load(root)
    if project is None:
        raise ValueError(f"{root}/nanoforge.toml has errors; `nanoforge check {root}` shows them")
    spec = unpack(p.read_bytes())
    out = project.kind.report_plots(project, Pipeline.from_spec(spec))
    with _lock:
        _cache[stamp] = out
        while len(_cache) > 16:
            _cache.popitem(last=False)
    return out


def charts(root: Path, key: str | None) -> dict[str, Any]:
    """The latest benchmark's evolution, and the results charts of library `key` (default:
    that benchmark's best so far; none before a first candidate is fully evaluated)."""
    benches = bs.all_benches(root)
    if not benches:
        raise ValueError(f"{root}: no benchmark yet; run `nanoforge bench start {root}` first")
    d = benches[-1]
    kind = bs.kind_of(d)
    best, scores = evolution(d)
    if key is None:
        named = bs.read_state(d).get("best")
        key = named.get("library") if isinstance(named, dict) else None
    found = None
    if key is not None:
        found = d if bs.library_path(d, key).exists() else bs.find_library(root, key)[1]
    return {"id": d.name, "main_metric": kind.main_metric, "main_label": metric_label(kind.main_metric),
            "library": key if found else None, "evolution": best, "scores": scores,
            "plots": plots(root, found, key) if found and key else []}
