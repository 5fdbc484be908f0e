"""What a library's report says, gathered once: the data, the performance (benchmark,
measured footprint, execution time when measured), the per-split results, a validation
experiment, the algorithm as a flowchart and the project type's plots. `reporthtml`
lays it out as one self-contained HTML file, and the PDF is that HTML printed by
WeasyPrint, so the two always hold the same content.

Everything is gathered (and every error raised) before any file is written.
"""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path
from typing import Any

from nanoforge.codegen import library, toolchain
from nanoforge.engine.atomic import write_atomic
from nanoforge.engine.pipeline import Pipeline
from nanoforge.engine.project import Project
from nanoforge.engine.projectinfo import file_counts
from nanoforge.engine.targets import resolve

from . import benchstore as bs
from . import validation


def stars(counts: list[int]) -> int:
    """NanoEdge's repartition score: five stars when the smallest class has as many
    signals as the largest, fewer as they drift apart."""
    if not counts or max(counts) == 0:
        return 0
    return max(1, round(5 * min(counts) / max(counts)))


def data_section(project: Project) -> dict[str, Any]:
    files = []
    per_role: Counter[str] = Counter()
    for role, path in project.signal_files():
        lines, cols = file_counts(path) or (0, 0)
        per_role[role] += lines
        files.append({"role": role, "file": path.name, "signals": lines, "values_per_signal": cols})
    buffer = project.buffer
    return {"files": files, "sensor": project.sensor, "axes": project.axes, "buffer": buffer,
            "total_length": buffer * project.axes if buffer else None, "sampling_hz": project.sampling_hz,
            "per_role": dict(per_role), "stars": stars(list(per_role.values()))}


def _record(root: Path, key: str) -> dict[str, Any] | None:
    for d in reversed(bs.all_benches(root)):
        rec = bs.read_results(d).get(key)
        if rec:
            return rec
    return None


def cycles(*sources: Any) -> dict[str, Any]:
    """Execution-time figures wherever the library's spec, records or measured footprint
    carry them (keys containing "cycles", and everything under such a key: a table per
    core), by dotted name; empty when they were never measured."""
    out: dict[str, Any] = {}

    def walk(obj: Any, prefix: str, inside: bool) -> None:
        if isinstance(obj, dict):
            for k, v in obj.items():
                walk(v, f"{prefix}{k}.", inside or "cycles" in str(k))
        elif inside and isinstance(obj, (int, float)) and not isinstance(obj, bool):
            out[prefix[:-1]] = obj

    for s in sources:
        walk(s, "", False)
    return out


def built_cycles(spec: dict[str, Any], root: Path) -> dict[str, Any]:
    """Cycle counts cached beside the library's build (a JSON file per core, as timing
    measurements are kept), as "core: name"; empty when none was measured."""
    d = library.build_sources(spec, root / ".nanoforge" / "build").dir
    out: dict[str, Any] = {}
    for p in sorted(d.glob("*/**/*.json")):
        obj = bs.read_json(p)
        core = str(obj.get("core") or p.relative_to(d).parts[0]) if isinstance(obj, dict) else ""
        out.update({f"{core}: {k}": v for k, v in cycles(obj).items()})
    return out


def footprint(spec: dict[str, Any], root: Path, target: str) -> dict[str, Any]:
    """RAM and flash measured on the project's core (the Cortex-M build's `size` and
    stack usage), or why not."""
    found = resolve(target)
    if found is None:
        return {"core": target, "measured": None, "why": f"unknown target '{target}'"}
    core = found[0].name
    try:
        _lib, fp = library.arm_library(library.build_sources(spec, root / ".nanoforge" / "build"), core)
    except toolchain.ToolchainError as e:
        return {"core": core, "measured": None, "why": str(e)}
    return {"core": core, "measured": fp, "why": None}


def flowchart(spec: dict[str, Any], output: str) -> list[dict[str, Any]]:
    """Input shape → each block with its parameters → model → output."""
    steps = [{"kind": "input", "name": "input", "params": {"axes": spec["axes"], "buffer": spec["buffer"]},
              "text": f"{spec['axes']} axes × {spec['buffer']} samples"}]
    for b in spec["blocks"]:
        steps.append({"kind": "block", "name": b["kind"], "params": dict(b["params"]), "text": ""})
    m = spec["model"]
    steps.append({"kind": "model", "name": m["kind"], "params": dict(m["params"]), "text": ""})
    steps.append({"kind": "output", "name": "output", "params": {}, "text": output})
    return steps


def gather(root: Path, key: str | None, exp_id: str | None) -> dict[str, Any]:
    project = validation.benched_project(root, "report on")
    spec, bench_dir = bs.find_library(root, key)
    lib = str(spec.get("library"))
    exp = validation.experiment(root, exp_id) if exp_id else _latest_with(root, lib)
    kind = project.kind
    scores = dict(spec.get("scores") or {})
    rec = _record(root, lib) or {}
    fp = footprint(spec, root, project.target)
    main = kind.main_metric
    best = _best_key(root) == lib
    selection = scores.pop("selection", None) or (bs.selection_of(bench_dir) if best else None)
    return {
        "project": project.name or root.name, "root": str(root), "type": project.type, "type_title": kind.title,
        "library": lib, "benchmark": bench_dir.name, "created": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "benchmark_best": best,
        "data": data_section(project),
        "performance": {"score": scores.get("score"), "main_metric": main,
                        "main_label": validation.metric_label(main), "main": scores.get(main),
                        "ci95": scores.get(f"{main}_ci95") or rec.get("ba_ci95"),
                        "secondary": {k: v for k, v in scores.items()
                                      if k not in ("score", main, f"{main}_ci95") and v is not None},
                        "selection": selection if best else None,
                        "footprint": fp,
                        "cycles": {**cycles({k: v for k, v in spec.items() if k not in ("blocks", "model")}, rec,
                                            fp.get("measured")), **built_cycles(spec, root)}},
        "splits": [float(v) for v in rec.get("split_ba") or []],
        "classes": list(spec["classes"]),
        "experiment": exp,
        "flowchart": flowchart(spec, kind.library_output(list(spec["classes"]))),
        "plots": kind.report_plots(project, Pipeline.from_spec(spec)),
    }


def _best_key(root: Path) -> str | None:
    try:
        return bs.find_library(root, None)[0].get("library")
    except ValueError:
        return None


def _latest_with(root: Path, lib: str) -> dict[str, Any] | None:
    """The latest experiment that validated `lib`, when the user named none."""
    for line in reversed(validation.all_experiments(root)):
        if lib in line["libraries"]:
            return validation.experiment(root, line["id"])
    return None


def write(root: Path, key: str | None, exp_id: str | None, html_path: str | None, pdf_path: str | None
          ) -> dict[str, Any]:
    """Writes the HTML and/or the PDF, atomically, once everything is ready."""
    from .reporthtml import html, pdf

    if not html_path and not pdf_path:
        raise ValueError("give --html FILE and/or --pdf FILE")
    for p in (html_path, pdf_path):
        if p and not Path(p).parent.is_dir():
            raise ValueError(f"{p}: folder {Path(p).parent} does not exist; create it or write elsewhere")
    facts = gather(root, key, exp_id)
    page = html(facts)
    doc = pdf(page) if pdf_path else None
    if html_path:
        write_atomic(html_path, page, mode=0o644)  # a file to hand over, readable like any document
    if pdf_path and doc is not None:
        write_atomic(pdf_path, doc, mode=0o644)
    return {"library": facts["library"], "experiment": (facts["experiment"] or {}).get("id"),
            "html": html_path, "pdf": pdf_path}
