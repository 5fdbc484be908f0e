"""The benchmark view's charts: the best library's four indicators each time it changed,
and each project type's results charts (the report's `report_plots`) of the best so far,
in the declared shape, served over RPC."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from nanoforge.cli.rpc import RpcError, connect
from nanoforge.daemon import benchcharts, benchstore, protocol
from nanoforge.daemon.typedschema import conforms
from nanoforge.engine import search
from nanoforge.engine.project import load

from .test_report import CASES, _project


def _benched(root: Path, kind: str, cfg: dict) -> str:
    """A benchmark folder as a job leaves it after two candidates, the second the best."""
    project, diags = load(root)
    assert project is not None, [d.message for d in diags]
    ctx, meta = benchstore.context(project)
    d = benchstore.new_bench_dir(root)
    benchstore.write_json(d / "job.json", {"type": kind, "time_budget": 10, "cores": 1, "seed": 3})
    main = project.kind.main_metric
    recs = [{"key": "aaaaaa01", "config": cfg, "state": "full", "score": 40.0, "worst": {main: 0.4}, "ram": 900,
             "flash": 3000, "splits": 10, "t": 1.5},
            {"key": "bbbbbb02", "config": cfg, "state": "pruned", "score": 10.0, "worst": {main: 0.1}, "ram": 800,
             "flash": 2000, "splits": 2, "t": 2.0},
            {"key": "cccccc03", "config": cfg, "state": "full", "score": 80.0, "worst": {main: 0.8}, "ram": 1200,
             "flash": 5000, "splits": 10, "t": 3.25}]
    off = project.kind.score_offset(cfg)  # what a job records beside a Score it took an offset from
    recs = [{**r, "score_offset": off, "score_rule": 2} if off else {**r, "score_rule": 2} for r in recs]
    (d / "results.jsonl").write_text("".join(json.dumps(r) + "\n" for r in recs))
    spec = search.fit_library(ctx, cfg, {**meta, "library": "cccccc03"}).to_spec()
    benchstore.save_library(d, "cccccc03", spec)
    benchstore.write_json(d / "state.json", {"state": "finished", "best": {"library": "cccccc03", "score": 80.0},
                                             "history": [[1.5, 40.0, "aaaaaa01"], [3.25, 80.0, "cccccc03"]]})
    return main


@pytest.mark.parametrize("kind", sorted(CASES))
def test_the_view_gets_the_evolution_and_the_types_charts_of_the_best(tmp_path: Path, kind: str) -> None:
    entries, cfg, n_charts = CASES[kind]
    root = _project(tmp_path, kind, entries)
    main = _benched(root, kind, cfg)
    res = benchcharts.charts(root, None)
    assert conforms(protocol.BenchCharts, json.loads(json.dumps(res))), res
    assert res["library"] == "cccccc03" and res["main_metric"] == main and res["id"] == "b0001"
    assert [(p["t"], p["candidates"], p["library"], p["score"], p["main"], p["ram"], p["flash"])
            for p in res["evolution"]] == [(1.5, 1, "aaaaaa01", 40.0, 0.4, 900, 3000),
                                           (3.25, 3, "cccccc03", 80.0, 0.8, 1200, 5000)]
    assert res["scores"] == [[1.5, 40.0], [3.25, 80.0]]  # the pruned candidate has no full score
    assert len(res["plots"]) == n_charts
    for c in res["plots"]:
        assert c["series"] and all(len(s["x"]) == len(s["y"]) > 0 for s in c["series"])
    assert benchcharts.charts(root, None)["plots"] == res["plots"]  # cached by the spec file


def test_charts_before_any_benchmark_say_what_to_run(tmp_path: Path) -> None:
    entries, _cfg, _ = CASES["ncc"]
    root = _project(tmp_path, "ncc", entries)
    with pytest.raises(ValueError, match="no benchmark yet; run `nanoforge bench start"):
        benchcharts.charts(root, None)
    with connect() as c:
        with pytest.raises(RpcError) as e:
            c.request("nanoforge/bench/charts", {"project": str(root)})
        assert "no benchmark yet" in e.value.message
        _benched(root, "ncc", _cfg)
        res = c.request("nanoforge/bench/charts", {"project": str(root), "library": None})
    assert conforms(protocol.BenchCharts, res) and res["plots"][0]["series"]


def test_many_candidates_are_thinned_evenly(tmp_path: Path) -> None:
    d = tmp_path / ".nanoforge" / "benchmarks" / "b0001"
    d.mkdir(parents=True)
    benchstore.write_json(d / "job.json", {"type": "ncc"})
    recs = [{"key": f"{k:08x}", "config": {}, "state": "full", "score": float(k), "worst": {"balanced_accuracy": 0.5},
             "ram": 1, "flash": 1, "splits": 1, "t": k / 10} for k in range(5000)]
    (d / "results.jsonl").write_text("".join(json.dumps(r) + "\n" for r in recs))
    _best, scores = benchcharts.evolution(d)
    assert len(scores) <= benchcharts.MAX_POINTS and scores[0] == [0.0, 0.0] and scores[-1][1] > 4990
