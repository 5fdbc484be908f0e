"""Generated datasets in the suite's layout, for checks no rule of the search was tuned on.

The development suite's sets are the ones the search was judged on, so they cannot tell
whether a rule generalises; the owner's held-out sets are not in the repository. These
generators make data of shapes the suite lacks (ten classes, six axes, 1,000-sample
buffers, thousands of signals, unbalanced classes) from a seed, so a check can be rerun
by anyone and no file needs to be kept:

  cbf         cylinder, bell and funnel (Saito 1994): a plateau, a ramp up, a ramp down
              at a random place and width, in unit noise.
  prototypes  each class a few random bumps and a sinusoid per axis; a signal is its
              class's shape shifted in time, rescaled, offset, in white noise.
  checks      the six prototype sets the README's generated-data check reports (PA–PF).

Run: python bench/generate.py cbf OUT [--length 512] [--train 100] [--test 100] [--seed 0]
     python bench/generate.py prototypes OUT --classes K [--train N] [--test N] [--length L]
            [--axes A] [--shift S] [--noise S] [--offset S] [--counts N,N,…] [--seed 0]
     python bench/generate.py checks OUT
then:  python bench/suite.py OUT --budget 45 --cores 1
"""

from __future__ import annotations

import nanoforge.engine  # noqa: F401  (first: it pins numpy's BLAS kernel, engine/blas.py)

# isort: split

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np

from nanoforge.engine.atomic import write_atomic

CBF = ("cylinder", "bell", "funnel")

# The README's generated-data check: name → prototype parameters (classes, train per
# class, test per class, length, axes, shift, noise, offset, seed; PC's training counts
# per class replace its train).
CHECKS: dict[str, dict[str, Any]] = {
    "PA": {"classes": 10, "train": 10, "test": 30, "length": 128, "axes": 1, "shift": 0.1, "noise": 0.4,
           "offset": 0.3, "seed": 101},
    "PB": {"classes": 5, "train": 12, "test": 30, "length": 256, "axes": 3, "shift": 0.2, "noise": 0.5,
           "offset": 0.3, "seed": 202},
    "PC": {"classes": 2, "train": 10, "test": 50, "length": 200, "axes": 1, "shift": 0.05, "noise": 0.8,
           "offset": 0.5, "seed": 303, "counts": [40, 10]},
    "PD": {"classes": 6, "train": 10, "test": 30, "length": 150, "axes": 1, "shift": 0.3, "noise": 1.0,
           "offset": 0.5, "seed": 404},
    "PE": {"classes": 4, "train": 15, "test": 30, "length": 64, "axes": 6, "shift": 0.1, "noise": 1.5,
           "offset": 0.5, "seed": 505},
    "PF": {"classes": 8, "train": 12, "test": 30, "length": 300, "axes": 2, "shift": 0.15, "noise": 2.0,
           "offset": 1.0, "seed": 606},
}


def cbf_signal(rng: np.random.Generator, kind: str, length: int) -> np.ndarray:
    """Saito's definition on 128 samples, its event's place and width scaled to `length`
    so longer buffers hold the same shapes, not longer noise."""
    s = length / 128
    a = int(rng.uniform(16, 32) * s)
    b = a + int(rng.uniform(32, 96) * s)
    t = np.arange(length)
    chi = ((t >= a) & (t <= b)).astype(float)
    eta, eps = rng.normal(), rng.normal(size=length)
    if kind == "cylinder":
        shape = chi
    elif kind == "bell":
        shape = chi * (t - a) / (b - a)
    else:
        shape = chi * (b - t) / (b - a)
    return (6 + eta) * shape + eps


def prototype(rng: np.random.Generator, length: int) -> np.ndarray:
    """One class's shape on one axis: bumps of random place, width and sign tell classes
    apart by waveform, the sinusoid by rhythm; nothing sets a class apart by level alone."""
    t = np.arange(length)
    p = np.zeros(length)
    for _ in range(3):
        c, w = rng.uniform(0.1, 0.9) * length, rng.uniform(0.02, 0.15) * length
        p += rng.normal() * np.exp(-0.5 * ((t - c) / w) ** 2)
    p += 0.3 * rng.normal() * np.sin(2 * np.pi * rng.uniform(1, 6) * t / length + rng.uniform(0, 6.3))
    return p


def prototype_signal(rng: np.random.Generator, protos: list[np.ndarray], length: int, shift: float, noise: float,
                     offset: float) -> np.ndarray:
    """One signal of a class. The shift moves the shape as a late trigger would (zeros
    come in, nothing wraps round), so raw-buffer distances see it and shift-invariant
    features do not; the gain and offset are a sensor's. Samples are interleaved across
    axes, as the files hold them."""
    out = []
    for p in protos:
        s = int(rng.uniform(-shift, shift) * length)
        q = np.roll(np.pad(p, length), s)[length:2 * length]
        out.append((1 + 0.1 * rng.normal()) * q + offset * rng.normal() + noise * rng.normal(size=length))
    return np.stack(out, axis=1).reshape(-1)


def write(out: Path, axes: int, length: int, rows: dict[str, dict[str, list[np.ndarray]]], fmt: str) -> None:
    """dataset.json last, so a folder the suite finds is complete."""
    files: dict[str, dict[str, str]] = {}
    for split, by_class in rows.items():
        (out / split).mkdir(parents=True, exist_ok=True)
        files[split] = {}
        for name, signals in by_class.items():
            text = "".join(",".join(fmt % v for v in r) + "\n" for r in signals)
            write_atomic(out / split / f"{name}.csv", text, 0o644)
            files[split][name] = f"{split}/{name}.csv"
    meta = {"kind": "n-class classification", "axes": axes, "buffer_length": length, "files": files}
    write_atomic(out / "dataset.json", json.dumps(meta, indent=1), 0o644)


def cbf(out: Path, length: int, train: int, test: int, seed: int) -> None:
    """One generator for both splits, in order: the test signals are new draws, as a new
    recording would be."""
    rng = np.random.default_rng(seed)
    rows = {split: {k: [cbf_signal(rng, k, length) for _ in range(n)] for k in CBF}
            for split, n in (("train", train), ("test", test))}
    write(out, 1, length, rows, "%.5f")


def prototypes(out: Path, classes: int, train: int, test: int, length: int, axes: int, shift: float, noise: float,
               offset: float, seed: int, counts: list[int] | None = None) -> None:
    """`counts`: training signals per class when they differ (unbalanced classes); it
    replaces `train`. The test split stays balanced, so accuracy weighs classes alike."""
    rng = np.random.default_rng(seed)
    protos = [[prototype(rng, length) for _ in range(axes)] for _ in range(classes)]
    rows: dict[str, dict[str, list[np.ndarray]]] = {}
    for split, n in (("train", train), ("test", test)):
        rows[split] = {}
        for k in range(classes):
            m = n if counts is None or split == "test" else counts[k]
            rows[split][f"c{k}"] = [prototype_signal(rng, protos[k], length, shift, noise, offset) for _ in range(m)]
    write(out, axes, length, rows, "%.4f")


def seed(text: str) -> int:
    """numpy's generators take seeds ≥ 0; say so before a traceback would."""
    v = int(text)
    if v < 0:
        raise argparse.ArgumentTypeError(f"{text}: a seed is a whole number ≥ 0")
    return v


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="kind", required=True)
    c = sub.add_parser("cbf", help="cylinder, bell, funnel")
    c.add_argument("out", type=Path)
    c.add_argument("--length", type=int, default=512)
    c.add_argument("--train", type=int, default=100, help="training signals per class")
    c.add_argument("--test", type=int, default=100, help="test signals per class")
    c.add_argument("--seed", type=seed, default=0)
    p = sub.add_parser("prototypes", help="random-prototype classes")
    p.add_argument("out", type=Path)
    p.add_argument("--classes", type=int, required=True)
    p.add_argument("--train", type=int, default=10, help="training signals per class")
    p.add_argument("--test", type=int, default=30, help="test signals per class")
    p.add_argument("--length", type=int, default=128)
    p.add_argument("--axes", type=int, default=1)
    p.add_argument("--shift", type=float, default=0.1, help="largest time shift, a share of the buffer")
    p.add_argument("--noise", type=float, default=0.4, help="white noise's standard deviation")
    p.add_argument("--offset", type=float, default=0.3, help="per-signal offset's standard deviation")
    p.add_argument("--counts", help="training signals per class, comma separated (unbalanced classes; "
                   "replaces --train)")
    p.add_argument("--seed", type=seed, default=0)
    k = sub.add_parser("checks", help="the six prototype sets of the README's generated-data check")
    k.add_argument("out", type=Path)
    a = ap.parse_args(argv)
    if a.kind == "cbf":
        if a.length < 4 or min(a.train, a.test) < 1:
            ap.error("--length must be at least 4 and --train and --test at least 1")
        cbf(a.out, a.length, a.train, a.test, a.seed)
    elif a.kind == "prototypes":
        try:
            counts = [int(v) for v in a.counts.split(",")] if a.counts else None
        except ValueError:
            ap.error(f"--counts {a.counts!r}: whole numbers separated by commas, e.g. 40,10")
        if counts is not None and len(counts) != a.classes:
            ap.error(f"--counts has {len(counts)} numbers for {a.classes} classes")
        if min(a.classes, a.train, a.test, a.length, a.axes, *(counts or [1])) < 1:
            ap.error("--classes, --train, --test, --length, --axes and --counts must be at least 1")
        if not (0 <= a.shift < 1) or not all(np.isfinite(v) and v >= 0 for v in (a.noise, a.offset)):
            ap.error("--shift must be in [0, 1) and --noise and --offset finite and at least 0")
        prototypes(a.out, a.classes, a.train, a.test, a.length, a.axes, a.shift, a.noise, a.offset, a.seed, counts)
    else:
        for name, params in CHECKS.items():
            prototypes(a.out / name, **params)
    print(a.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
