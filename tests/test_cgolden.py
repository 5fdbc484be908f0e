"""Generated C does not drift by accident: every block kind and every model kind of every
project type, generated from small fitted specs, hashes to the bytes recorded in
cgolden.json. A change that alters the C on purpose regenerates the file
(`python -m tests.test_cgolden --write`) and says why in its commit."""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np

from nanoforge.codegen import library
from nanoforge.engine import search
from nanoforge.engine.bandpass import design
from nanoforge.engine.blocks import Block
from nanoforge.engine.models import ADModel, Classifier, Model, OneClass, Regressor

from .test_families import TYPICAL_BLOCKS, TYPICAL_MODELS

GOLDEN = Path(__file__).with_name("cgolden.json")
# the project type whose generator wraps each task's models
TASKS: list[tuple[type[Model], str]] = [(Classifier, "ncc"), (Regressor, "ext"), (OneClass, "1cc"), (ADModel, "ad")]
TYPE_OF = {kind: next(t for base, t in TASKS if issubclass(cls, base)) for kind, cls in Model.registry.items()}
HEAD = {"ncc": {"kind": "linear", "params": {"algo": "logreg", "C": 1.0}}, "1cc": {"kind": "maha", "params": {}},
        "ext": {"kind": "ridge", "params": {"alpha": 1.0}}, "ad": {"kind": "gauss", "params": {"margin": 3.0}}}
EXTRA_MODELS: list[tuple[str, dict[str, Any]]] = [
    ("linear", {"algo": "lda", "shrinkage": "auto"}), ("linear", {"algo": "linsvm", "C": 1.0}),
    ("linear", {"algo": "sefr"}), ("forest", {"algo": "tree", "depth": 6, "seed": 1}),
    ("forest", {"algo": "et", "trees": 5, "depth": 4, "seed": 1}), ("knn_reg", {"k": 3, "weighted": False}),
    ("knn_oc", {"k": 3, "protos": 4}), ("maha", {"robust": True}),
]


def _b(kind: str, **p: Any) -> dict[str, Any]:
    return {"kind": kind, "params": p}


def _data(axes: int, classes: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(7)
    n = 36
    y = np.arange(n) % classes
    t = np.arange(32, dtype=np.float32)
    x = np.stack([np.stack([np.sin(t * (1 + y[i]) / 4 + rng.uniform(0, 6) + a) * (1 + i % 2)
                            for a in range(axes)]) for i in range(n)])
    x = (x + rng.normal(0, 0.1, x.shape)).astype(np.float32)
    return x, y, x[:, 0, :].std(axis=1)


def _spec(type_name: str, blocks: list[dict[str, Any]], model: dict[str, Any], axes: int = 1,
          classes: int = 3) -> dict[str, Any]:
    x, y, value = _data(axes, classes)
    names = [f"c{i}" for i in range(classes)]
    if type_name == "ext":
        y, names = value, ["value"]
    elif type_name in ("1cc", "ad"):
        y, names = np.zeros(len(x), np.int64), ["nominal"]
    ctx = search.Context(x, y, names, 1 << 20, 1 << 20, seed=1, type=type_name,
                         sos=design(0.5, 10.0, 30.0, 2).tolist())
    pipe = search.fit_library(ctx, {"blocks": blocks, "model": model}, {})
    return {**pipe.to_spec(), "type": type_name, "axes": axes, "buffer": x.shape[2], "classes": names,
            "library": f"{type_name}-1", "min_learn": 5}


def cases() -> dict[str, tuple[str, list[dict[str, Any]], dict[str, Any], int, int]]:
    out: dict[str, tuple[str, list[dict[str, Any]], dict[str, Any], int, int]] = {}
    pre = [_b("stats"), _b("scale")]
    for kind, params in TYPICAL_MODELS.items():
        t = TYPE_OF[kind]
        blocks = [_b("stats")] if t == "ad" else pre
        for classes in ((2, 3) if t == "ncc" else (1,)):
            out[f"model-{kind}-{classes}"] = (t, blocks, {"kind": kind, "params": params}, 1, max(classes, 2))
    for i, (kind, params) in enumerate(EXTRA_MODELS):
        out[f"model-{kind}-x{i}"] = (TYPE_OF[kind], pre, {"kind": kind, "params": params}, 1, 3)
    # the reservoir calibrated on its kept buffers: its own C (NF_LOO)
    out["model-reservoir-loo"] = ("ad", [_b("stats")], _b("reservoir", slots=4, margin=2.0, seed=0,
                                                          calibration="loo"), 1, 2)
    for kind, params in TYPICAL_BLOCKS.items():
        cls = Block.lookup(kind)
        if cls.stage_in == "vector":
            chain = [_b("stats"), _b(kind, **params)]
        elif cls.stage_out == "signal":
            chain = [_b(kind, **params), _b("stats")]
        else:
            chain = [_b(kind, **params)]
        # anomaly detection ships untrained: it fits no block state off the device
        for t in ("ncc", "1cc", "ext") + (("ad",) if kind not in ("minirocket", "scale", "pca") else ()):
            for axes in (1, 2):
                out[f"block-{kind}-{t}-{axes}"] = (t, chain, HEAD[t], axes, 3)
    out["block-fft-plain"] = ("ncc", [_b("diff"), _b("fft", window=False, log=False, bands=8), _b("scale"),
                                      _b("pca", k=4)], HEAD["ncc"], 2, 3)
    out["block-chain"] = ("ncc", [_b("bandpass"), _b("decimate", factor=2), _b("zscore"), _b("spectral"),
                                  _b("scale")], HEAD["ncc"], 3, 3)
    out["block-rocket-pca"] = ("ncc", [_b("minirocket", kernels=12, dilations=2, seed=3), _b("scale"),
                                       _b("pca", k=8)], HEAD["ncc"], 2, 3)
    return out


def digest(case: tuple[str, list[dict[str, Any]], dict[str, Any], int, int], suffix: str = "", api: str = "v4"
           ) -> str:
    spec = _spec(*case)
    gen = library.generate(spec, suffix, api)
    h = hashlib.sha256()
    for name in sorted(gen.files):
        h.update(name.encode() + b"\0" + gen.files[name].encode() + b"\0")
    h.update(np.asarray(gen.knowledge, np.float32).tobytes())
    h.update(str(gen.ram_floats).encode())
    return h.hexdigest()


def all_digests() -> dict[str, str]:
    out = {name: digest(case) for name, case in cases().items()}
    out["suffix"] = digest(cases()["model-gbt-2"], "_s")
    for t in ("ncc", "1cc", "ext", "ad"):  # the 5.x entry points around one library of each type
        first = next(c for c in cases().values() if c[0] == t)
        out[f"v5-{t}"] = digest(first, "_s", "v5")
    return out


def test_generated_c_matches_the_recorded_hashes() -> None:
    want = json.loads(GOLDEN.read_text())
    got = all_digests()
    assert sorted(got) == sorted(want)
    assert [n for n in want if got[n] != want[n]] == []


if __name__ == "__main__" and "--write" in sys.argv:
    GOLDEN.write_text(json.dumps(all_digests(), indent=1, sort_keys=True) + "\n")
