"""The simple answers every n-class search evaluates first (issue #15 item 3): for each
n-class dataset, each baseline fitted on train/, its estimated footprint (what the search
rejects on) beside the one measured on a Cortex-M4F build (arm-none-eabi-gcc -Os, code +
knowledge; RAM static + stack), and its accuracy on test/ (numpy reference, which the
differential tests pin to the C). A tree ensemble shows its measured-when-fitted estimate,
as the search records it. Run: python bench/baselines.py [--datasets DIR]
[--only GunPoint Trace ...]
"""

from __future__ import annotations

import nanoforge.engine  # noqa: F401  (first: it pins numpy's BLAS kernel, engine/blas.py)

# isort: split

import argparse
import json
import tempfile
from pathlib import Path

import numpy as np
from common import options

from nanoforge.codegen import library, toolchain
from nanoforge.engine import search
from nanoforge.engine.dataset import deinterleave


def load(ds: Path, part: str, axes: int) -> tuple[np.ndarray, np.ndarray, list[str]]:
    files = json.loads((ds / "dataset.json").read_text())["files"][part]
    xs = [deinterleave(np.loadtxt(ds / rel, delimiter=",", ndmin=2).astype(np.float32), axes) for rel in files.values()]
    return np.concatenate(xs), np.concatenate([np.full(len(a), i) for i, a in enumerate(xs)]), list(files)


def describe(cfg: dict) -> str:
    def one(b: dict) -> str:
        p = b["params"]
        arg = p.get("factor", p.get("k", p.get("kernels", p.get("algo", ""))))
        return f"{b['kind']}{arg}"
    return "→".join(one(b) for b in cfg["blocks"]) + " " + one(cfg["model"])


def measure(pipe: object, spec: dict) -> tuple[int, int]:
    gen = library.generate(spec, "")
    with tempfile.TemporaryDirectory() as t:
        for name, text in gen.files.items():
            (Path(t) / name).write_text(text)
        _, fp = toolchain.build_arm(Path(t), Path(t) / "m4", "cortex-m4")
    return fp.flash + 4 * len(gen.knowledge), fp.ram + fp.stack


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--only", nargs="*", default=["GunPoint", "Trace", "Coffee", "BasicMotions"])
    a = options(ap)
    print(f"{'dataset':<13}{'baseline':<44}{'est flash':>10}{'meas':>7}{'est RAM':>9}{'meas':>6}{'test acc':>9}")
    for name in a.only:
        ds = Path(a.datasets) / name
        axes = json.loads((ds / "dataset.json").read_text())["axes"]
        x, y, classes = load(ds, "train", axes)
        xt, yt, _ = load(ds, "test", axes)
        ctx = search.Context(x, y, classes, 8192, 20480, a.seed, type="ncc")
        for cfg in ctx.kind.baselines(ctx):
            est_flash, est_ram = ctx.kind.estimate(ctx, cfg)  # as the search does
            pipe = search.fit_library(ctx, cfg, {})
            spec = {**pipe.to_spec(), "type": "ncc", "axes": axes, "buffer": x.shape[2], "classes": classes,
                    "library": "baseline"}
            flash, ram = measure(pipe, spec)
            acc = float(np.mean(pipe.predict_proba(xt).argmax(axis=1) == yt))
            print(f"{name:<13}{describe(cfg):<44}{est_flash:>10}{flash:>7}{est_ram:>9}{ram:>6}{acc:>9.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
