"""Resources of a benchmarked project's top candidates (issue #17): the search's flash/RAM
estimate, the measured footprint and the estimated time per inference call on the
project's core, each candidate refitted as the benchmark ships it.

Run after a benchmark: python bench/resources.py PROJECT [--limit 10]
(e.g. `bash scripts/example.sh`, then `python bench/resources.py examples/fan`).
Goal: inference ≤ 2 ms on Cortex-M4F at 80 MHz for the best library.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from nanoforge.codegen import library, timing
from nanoforge.daemon import benchstore as bs
from nanoforge.daemon.timing import latency_cycles, project_core
from nanoforge.engine import search
from nanoforge.engine.project import load


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("project", type=Path)
    ap.add_argument("--limit", type=int, default=10)
    a = ap.parse_args()
    root = a.project.resolve()
    project, diags = load(root)
    if project is None:
        raise SystemExit(diags[0].message)
    d = bs.all_benches(root)[-1]
    ctx, meta = bs.context(project)
    core = project_core(project)
    x = timing.pick(ctx.x)
    cache = root / ".nanoforge" / "build"
    print(f"{project.name or root.name}: benchmark {d.name}, {core} at {project.clock_hz / 1e6:g} MHz, "
          f"cycles per inference call (mean over {len(x)} signals)")
    print(f"{'library':<12}{'score':>7}{'est. flash':>11}{'measured':>10}{'err':>7}{'est. RAM':>10}{'measured':>10}"
          f"{'err':>7}{'cycles':>10}{'ms':>8}  pipeline → model")
    for r in search.ranked(bs.read_results(d))[:a.limit]:
        cfg = r["config"]
        pipe = search.fit_library(ctx, cfg, meta)
        # the library that ships, a 1-class one with its backstop (sized after the fit)
        est_flash, est_ram = ctx.kind.estimate(ctx, cfg) if pipe.backstop is None else ctx.kind.footprint(ctx, pipe)
        spec = pipe.to_spec()
        _, m = library.arm_library(library.build_sources(spec, cache), core)
        cyc = latency_cycles(timing.core_cycles(spec, cache, core, x)["calls"]) or 0
        print(f"{r['key']:<12}{r['score']:>7.2f}{est_flash:>11}{m['flash']:>10}"
              f"{100 * (est_flash - m['flash']) / m['flash']:>+6.1f}%{est_ram:>10}{m['ram']:>10}"
              f"{100 * (est_ram - m['ram']) / m['ram']:>+6.1f}%{cyc:>10}{cyc * 1000 / project.clock_hz:>8.3f}  "
              f"{' → '.join(b['kind'] for b in cfg['blocks'])} → {cfg['model']['kind']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
