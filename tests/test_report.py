"""Each project type's report plots, from a library fitted the way the benchmark fits
it, drawn as inline SVG; the report's HTML of a fitted library holds no remote resource."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from nanoforge.daemon import benchstore
from nanoforge.daemon.reportplots import chart
from nanoforge.engine import search
from nanoforge.engine.evaluation import block
from nanoforge.engine.project import load

from .conftest import smooth_rows, write_signals


def _project(tmp: Path, kind: str, entries: list[tuple[str, str, np.ndarray]]) -> Path:
    """Every file written; a table for each entry that names its files (AD's abnormal file
    is named by its nominal one's table)."""
    tables = []
    for key_values, name, rows in entries:
        write_signals(tmp / name, rows)
        if key_values:
            tables.append("[[signals]]\n" + key_values + "\n")
    (tmp / "nanoforge.toml").write_text(f'type = "{kind}"\naxes = 1\nbuffer = 64\nseed = 3\n\n' + "\n".join(tables))
    return tmp


def _targets(n: int) -> np.ndarray:
    rows = smooth_rows(n, 64, seed=4)
    return np.column_stack([rows[:, :8].mean(axis=1) * 10, rows])


CASES: dict[str, tuple[list[tuple[str, str, np.ndarray]], dict[str, Any], int]] = {
    "ncc": ([('class = "a"\nfile = "a.csv"', "a.csv", smooth_rows(30, seed=1)),
             ('class = "b"\nfile = "b.csv"', "b.csv", 3 * smooth_rows(30, seed=2) + 1)],
            {"blocks": [block("stats"), block("scale")], "model": block("centroid")}, 1),
    "ad": ([('nominal = "n.csv"\nabnormal = "x.csv"', "n.csv", smooth_rows(40, seed=1)),
            ("", "x.csv", 4 * smooth_rows(20, seed=2) + 3)],
           {"blocks": [block("stats")], "model": block("gauss", margin=3.0)}, 2),
    "1cc": ([('nominal = "n.csv"', "n.csv", smooth_rows(40, seed=1))],
            {"blocks": [block("stats"), block("scale")],
             "model": block("maha", robust=False, contamination=0.05, margin=1.5)}, 1),
    "ext": ([('file = "t.csv"', "t.csv", _targets(40))],
            {"blocks": [block("stats"), block("scale")], "model": block("ridge", alpha=1.0)}, 1),
}


@pytest.mark.parametrize("kind", sorted(CASES))
def test_each_type_plots_its_results_as_inline_svg(tmp_path: Path, kind: str) -> None:
    entries, cfg, n_charts = CASES[kind]
    root = _project(tmp_path, kind, entries)
    project, diags = load(root)
    assert project is not None, [d.message for d in diags]
    ctx, meta = benchstore.context(project)
    pipe = search.fit_library(ctx, cfg, meta)
    charts = project.kind.report_plots(project, pipe)
    assert len(charts) == n_charts
    for c in charts:
        assert c["title"] and c["series"]
        for s in c["series"]:
            assert len(s["x"]) == len(s["y"]) > 0 and all(np.isfinite(s["y"]))
        svg = chart(c)
        assert svg.startswith("<svg") and "http://www.w3.org/2000/svg" in svg and "<script" not in svg
        assert chart(c) == svg  # the same facts, the same bytes


def test_execution_time_is_shown_wherever_the_library_carries_cycles() -> None:
    from nanoforge.daemon.report import cycles

    assert cycles({"scores": {"score": 99.0}}, {"ram": 10}, None) == {}
    found = cycles({"scores": {"cycles": {"cortex-m4": 1200, "cortex-m0plus": 3100}}},
                   {"timing": {"infer_cycles": 900, "note": "x"}}, {"flash": 100, "cycles_per_call": 1500})
    assert found == {"scores.cycles.cortex-m4": 1200, "scores.cycles.cortex-m0plus": 3100,
                     "timing.infer_cycles": 900, "cycles_per_call": 1500}


def test_cycle_counts_cached_beside_the_build_are_shown_per_core(tmp_path: Path) -> None:
    import json

    from nanoforge.codegen import library
    from nanoforge.daemon.report import built_cycles

    entries, cfg, _ = CASES["ncc"]
    root = _project(tmp_path, "ncc", entries)
    project, _ = load(root)
    assert project is not None
    ctx, meta = benchstore.context(project)
    spec = search.fit_library(ctx, cfg, meta).to_spec()
    assert built_cycles(spec, root) == {}
    d = library.build_sources(spec, root / ".nanoforge" / "build").dir / "cortex-m4" / "timing"
    d.mkdir(parents=True)
    (d / "cycles-1.json").write_text(json.dumps({"core": "cortex-m4", "calls": {"neai_classification":
                                                                                 {"cycles": 4321, "max": 4400}}}))
    assert built_cycles(spec, root) == {"cortex-m4: calls.neai_classification.cycles": 4321}
