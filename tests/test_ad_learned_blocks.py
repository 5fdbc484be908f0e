"""Anomaly detection with a block that learns (MiniRocket's biases): the model still
learns on the device, the block is fitted off it — on each split from what that split
learns, for the library that ships from the project's nominal signals only."""

from __future__ import annotations

import numpy as np

from nanoforge.codegen.apis.v4 import ad
from nanoforge.codegen.cgen import c_float, check_number
from nanoforge.engine import evaluation as ev
from nanoforge.engine import search, space
from nanoforge.engine.pipeline import Pipeline


def _context() -> search.Context:
    """24 nominal sines and 12 abnormal ones a hundred times louder: a bias drawn from an
    abnormal signal would be far outside the nominal signals' convolutions."""
    rng = np.random.default_rng(3)
    t = np.arange(64) / 4.0
    nom = np.sin(t + rng.uniform(0, 6, (24, 1, 1))) + 0.05 * rng.normal(size=(24, 1, 64))
    abn = 100 * np.sin(2 * t + rng.uniform(0, 6, (12, 1, 1)))
    return search.Context(np.concatenate([nom, abn]).astype(np.float32),
                          np.r_[np.zeros(24, np.int64), np.ones(12, np.int64)], ["nominal"], 8192, 20480,
                          seed=0, type="ad", data={"groups": np.zeros(36, np.int64)})


ROCKET = [space.rocket(1, 64, 32, 0)]


def test_the_shipped_biases_come_from_nominal_signals_only() -> None:
    ctx = _context()
    cfg = {"blocks": ROCKET, "model": ev.block("reservoir", slots=8, margin=3.0, seed=0)}
    rec = search.evaluate(ctx, cfg, None)
    assert rec["state"] == "full", rec.get("reason")
    pipe = search.fit_library(ctx, cfg, {})
    bias = pipe.blocks[0].state["bias"]
    assert len(bias) == pipe.feature_dim(1, 64) and np.abs(bias).max() < 20  # nominal convolutions reach ~12
    assert not pipe.model.state or not np.any(pipe.model.memory())  # the model ships untrained
    # the louder abnormal signals are another waveform: the device's library catches them
    assert rec["worst"]["detection_abnormal"] >= 0.9


def test_each_split_fits_the_block_on_the_signals_it_learns() -> None:
    ctx = _context()
    learn_a, learn_b = np.arange(0, 16), np.arange(8, 24)
    fa = ev.features_of(ctx, ROCKET, "features", None, rows=learn_a)
    fb = ev.features_of(ctx, ROCKET, "features", None, rows=learn_b)
    ref = Pipeline.from_config({"blocks": ROCKET, "model": ev.block("centroid")})
    ref.blocks[0].fit(ctx.x[learn_a])
    assert np.array_equal(fa, ref.features(ctx.x))
    assert not np.array_equal(fa, fb)  # two splits, two fits, two cache entries
    assert ev.features_of(ctx, ROCKET, "features", None, rows=learn_a) is fa


def test_a_state_learned_through_other_biases_is_refused() -> None:
    """One candidate (one library id) benchmarked twice on different nominal signals ships
    two sets of biases: the state one learned must not be restored into the other."""
    ctx = _context()
    cfg = {"blocks": ROCKET, "model": ev.block("gauss", margin=3.0)}
    checks = []
    for rows in (slice(0, 12), slice(12, 24)):
        pipe = Pipeline.from_config(cfg)
        pipe.blocks[0].fit(ctx.x[rows])
        gen = ad.generate(pipe, 1, 64, "abcdef012345", 4)
        checks.append(next(line for line in gen.files["neai.c"].splitlines() if "#define NF_MEM_CHECK" in line))
    assert checks[0] != checks[1]
    plain = ad.generate(Pipeline.from_config({"blocks": [ev.block("stats")], "model": cfg["model"]}), 1, 64,
                        "abcdef012345", 4)
    assert f"#define NF_MEM_CHECK {c_float(check_number('abcdef012345'))}" in plain.files["neai.c"]
