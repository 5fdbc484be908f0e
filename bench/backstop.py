"""The 1-class backstop, re-measured on libraries a suite run already chose: each task's
best library as stored (its backstop as that run fitted it), the same model with the
backstop this checkout fits, with that backstop forgiving no time shift (`unshifted`:
what the shift alone changes), and the model alone, scored on test/ in numpy (the
emulator's arithmetic bit for bit: tests/test_oneclass.py).

Why: the backstop is fitted after the choice and does not change it, so a change to the
backstop is measured on the libraries earlier runs chose, without benchmarking again and
without the time budget choosing another model on a busier machine.

Run: python bench/backstop.py DATASETS WORK [--compose ends|middle] [--json]
DATASETS and --compose as the run's (bench/suite.py); WORK its --work folder. Prints a
line per 1-class task (BA, nominal recall, the shift the backstop forgives) and the means,
with how many tasks this checkout's backstop made better and worse.
"""

from __future__ import annotations

import nanoforge.engine  # noqa: F401  (first: it pins numpy's BLAS kernel, engine/blas.py)

# isort: split

import argparse
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from nanoforge.daemon import benchstore
from nanoforge.engine.dataset import deinterleave
from nanoforge.engine.pipeline import Pipeline, unpack
from nanoforge.engine.project import load
from nanoforge.engine.types.oneclass import BACKSTOP_SHIFT, backstop_shift_samples

sys.path.insert(0, str(Path(__file__).parent))
import suite  # noqa: E402  (bench/ is not a package)

ROLES = ("nominal", "abnormal")


def figures(flags: dict[str, np.ndarray]) -> dict[str, float]:
    recall = float(1 - flags["nominal"].mean())
    return {"ba": (recall + float(flags["abnormal"].mean())) / 2, "recall": recall}


def measure(task: suite.Task, project_dir: Path, scratch: Path) -> dict[str, Any] | None:
    """The task's best library as stored, with this checkout's backstop (shifted and not),
    and its model alone; None when the run left no finished benchmark for it."""
    runs = sorted((project_dir / ".nanoforge" / "benchmarks").glob("b*/state.json"))
    if not runs:
        return None
    bench = runs[-1].parent
    best = json.loads(runs[-1].read_text()).get("best") or {}
    if "library" not in best:
        return None
    project, diags = load(project_dir)
    if project is None:
        raise SystemExit(f"{project_dir}: {diags[0].message}")
    project = benchstore.as_benchmarked(project, json.loads((bench / "job.json").read_text()))
    ctx, _ = benchstore.context(project)
    stored = Pipeline.from_spec(unpack((bench / "libraries" / f"{best['library']}.msgpack").read_bytes()))

    def refit(share: float) -> Pipeline:
        """The stored model with the backstop this checkout fits, forgiving `share` of the
        buffer (`BACKSTOP_SHIFT` is what ships)."""
        pipe = Pipeline.from_spec(stored.to_spec())
        pipe.backstop = None
        if project.backstop:
            pipe.backstop = project.kind.backstop(ctx, pipe, np.flatnonzero(ctx.y == 0), share)
        return pipe

    suite.materialise(task, scratch)
    test = {r: deinterleave(suite.rows(task.files[f"test:{r}"]).astype(np.float32), task.axes) for r in ROLES}
    limit = stored.model.state["limit"][0]
    out: dict[str, Any] = {"library": best["library"]}
    for name, pipe in (("stored", stored), ("now", refit(BACKSTOP_SHIFT)), ("unshifted", refit(0.0))):
        out[name] = figures({r: pipe.predict_proba(test[r])[:, 0] > limit for r in ROLES})
        out[name]["shift"] = backstop_shift_samples(pipe.backstop) if pipe.backstop is not None else None
    out["alone"] = figures({r: stored.model.predict_proba(stored.features(test[r]))[:, 0] > limit for r in ROLES})
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("datasets", type=Path)
    ap.add_argument("work", type=Path, help="a bench/suite.py run's --work folder")
    ap.add_argument("--compose", choices=("ends", "middle"), default="ends")
    ap.add_argument("--json", action="store_true", help="print the figures as JSON")
    a = ap.parse_args()
    tasks, _ = suite.discover(a.datasets, a.compose)
    rows: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for t in tasks:
            proj = a.work / "projects" / suite.slug(t.name)
            if t.kind != "1cc" or not proj.is_dir():
                continue
            got = measure(t, proj, Path(tmp) / suite.slug(t.name))
            if got is not None:
                rows[t.name] = got
    if a.json:
        print(json.dumps(rows, indent=1))
        return 0
    if not rows:
        print(f"no 1-class task with a finished benchmark under {a.work}", file=sys.stderr)
        return 1
    cols = ("stored", "now", "unshifted", "alone")
    print(f"{'task':<32}" + "".join(f"{c:>10}" for c in cols) + "  recall stored/now  shift (samples)")
    for name, r in rows.items():
        print(f"{name:<32}" + "".join(f"{r[c]['ba']:10.3f}" for c in cols) +
              f"  {r['stored']['recall']:.2f} / {r['now']['recall']:.2f}        {r['now']['shift']}")
    mean = {c: float(np.mean([r[c]["ba"] for r in rows.values()])) for c in cols}
    print(f"mean BA over {len(rows)} tasks: " + ", ".join(f"{c} {mean[c]:.3f}" for c in cols))
    for base in ("stored", "unshifted"):
        d = [r["now"]["ba"] - r[base]["ba"] for r in rows.values()]
        print(f"  now against {base}: better on {sum(x > 1e-9 for x in d)}, worse on {sum(x < -1e-9 for x in d)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
