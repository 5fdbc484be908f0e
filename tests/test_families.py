"""Blocks and models by kind: the registry, parameter checks, spec round trips, and that
a new model is one class."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nanoforge.engine.blocks import Block, FFTMag, Stats
from nanoforge.engine.models import KNN, SVMRBF, ADModel, Classifier, Model, OneClass, Regressor
from nanoforge.engine.pipeline import Pipeline, candidate_key, pack, unpack
from nanoforge.engine.step import Param

TYPICAL_BLOCKS: dict[str, dict[str, Any]] = {
    "mean_removal": {}, "zscore": {}, "diff": {}, "decimate": {"factor": 2}, "bandpass": {}, "flatten": {},
    "rolling": {"window": 4}, "fft": {"bands": 8, "window": True, "log": True}, "stats": {}, "catch": {}, "spectral": {},
    "minirocket": {"kernels": 21, "dilations": 3, "seed": 0}, "scale": {}, "pca": {"k": 4},
}
TYPICAL_MODELS: dict[str, dict[str, Any]] = {
    "centroid": {}, "knn": {"k": 3, "protos": 4, "seed": 0}, "linear": {"algo": "logreg", "C": 1.0}, "gnb": {},
    "svm_rbf": {"C": 10.0, "gamma": 1.0, "max_sv": 64}, "forest": {"algo": "rf", "trees": 5, "depth": 4, "seed": 0},
    "gbt": {"stages": 5, "depth": 2, "lr": 0.3, "seed": 0}, "mlp": {"hidden": 8, "alpha": 1e-3, "seed": 0},
    "ridge": {"alpha": 1.0}, "knn_reg": {"k": 3, "weighted": True},
    "svr": {"C": 1.0, "gamma": 1.0, "epsilon": 0.1, "max_sv": 64},
    "forest_reg": {"algo": "et", "trees": 5, "depth": 4, "seed": 0},
    "gbt_reg": {"stages": 10, "depth": 2, "lr": 0.1, "seed": 0}, "mlp_reg": {"hidden": 8, "alpha": 1e-3, "seed": 0},
    "maha": {"robust": False, "contamination": 0.05, "margin": 1.5}, "knn_oc": {"k": 1, "protos": 0},
    "knn_shift": {"k": 1, "shift": 1, "segments": 3},
    "ocsvm": {"gamma": 1.0, "max_sv": 64}, "iforest": {"trees": 10, "seed": 0}, "gmm": {"components": 2, "seed": 0},
    "gauss": {"margin": 3.0}, "kmeans": {"k": 2, "margin": 3.0}, "reservoir": {"slots": 8, "margin": 3.0, "seed": 0},
    "hst": {"trees": 4, "depth": 3, "margin": 3.0, "seed": 0},
}

RNG = np.random.default_rng(0)
Y = np.arange(45) % 3
X = (RNG.normal(0, 1, (45, 2, 32)) + Y[:, None, None]).astype(np.float32)
PRE = [{"kind": "stats", "params": {}}, {"kind": "scale", "params": {}}]


def _cfg(kind: str, params: dict[str, Any]) -> dict[str, Any]:
    return {"blocks": PRE, "model": {"kind": kind, "params": params}}


def test_every_registered_kind_has_a_typical_configuration() -> None:
    assert set(TYPICAL_BLOCKS) == set(Block.registry)
    assert set(TYPICAL_MODELS) == set(Model.registry)


def test_lookup_by_kind() -> None:
    assert Model.lookup("knn") is KNN
    assert Model.lookup("svm_rbf") is SVMRBF
    assert Block.lookup("fft") is FFTMag
    assert Block.lookup("stats") is Stats
    with pytest.raises(ValueError, match="unknown model kind 'nope'"):
        Model.lookup("nope")
    with pytest.raises(ValueError, match="unknown block kind 'knn'"):  # a model is not a block
        Block.lookup("knn")


@pytest.mark.parametrize(("kind", "params", "name"), [
    ("knn", {"k": 3, "proto": 4}, "proto"),
    ("linear", {"algo": "logreg", "c": 1.0}, "c"),
    ("hst", {"trees": 4, "depht": 3}, "depht"),
    ("ocsvm", {"gama": 1.0}, "gama"),
])
def test_a_misspelt_model_parameter_is_an_error(kind: str, params: dict[str, Any], name: str) -> None:
    with pytest.raises(TypeError, match=f"{kind}: unknown parameter '{name}'"):
        Pipeline.from_config(_cfg(kind, params))


def test_a_misspelt_block_parameter_is_an_error_with_a_suggestion() -> None:
    cfg = {"blocks": [{"kind": "fft", "params": {"band": 8}}], "model": {"kind": "centroid", "params": {}}}
    with pytest.raises(TypeError, match="fft: unknown parameter 'band'; did you mean 'bands'"):
        Pipeline.from_config(cfg)


def test_a_missing_required_parameter_is_an_error() -> None:
    with pytest.raises(TypeError, match="knn: missing parameter 'k'"):
        Pipeline.from_config(_cfg("knn", {"protos": 0}))


@pytest.mark.parametrize(("kind", "params", "name"), [
    ("knn", {"k": 0}, "k"),
    ("svm_rbf", {"C": -1.0}, "C"),
    ("svr", {"gamma": 0.0}, "gamma"),
    ("linear", {"algo": "perceptron"}, "algo"),
    ("linear", {"algo": "lda", "shrinkage": 1.5}, "shrinkage"),
    ("forest", {"algo": "rf", "depth": 0}, "depth"),
    ("gbt", {"lr": 0.0}, "lr"),
    ("ocsvm", {"contamination": 0.9}, "contamination"),
    ("maha", {"margin": 0.0}, "margin"),
    ("reservoir", {"slots": 0}, "slots"),
    ("mlp", {"alpha": float("nan")}, "alpha"),
])
def test_an_out_of_range_model_parameter_is_an_error(kind: str, params: dict[str, Any], name: str) -> None:
    with pytest.raises(ValueError, match=f"{kind}: parameter '{name}' must be"):
        Pipeline.from_config(_cfg(kind, params))


@pytest.mark.parametrize(("kind", "params", "name"), [
    ("pca", {"k": 0}, "k"), ("decimate", {"factor": 0}, "factor"), ("minirocket", {"kernels": 85, "dilations": 3},
                                                                     "kernels"), ("rolling", {"window": -1}, "window"),
])
def test_an_out_of_range_block_parameter_is_an_error(kind: str, params: dict[str, Any], name: str) -> None:
    cfg = {"blocks": [{"kind": kind, "params": params}], "model": {"kind": "centroid", "params": {}}}
    with pytest.raises(ValueError, match=f"{kind}: parameter '{name}' must be"):
        Pipeline.from_config(cfg)


def test_a_parameter_of_the_wrong_type_is_an_error() -> None:
    with pytest.raises(TypeError, match="knn: parameter 'k' must be int"):
        Pipeline.from_config(_cfg("knn", {"k": "3"}))
    with pytest.raises(TypeError, match="knn: parameter 'k' must be int"):
        Pipeline.from_config(_cfg("knn", {"k": 2.5}))
    with pytest.raises(TypeError, match="fft: parameter 'window' must be bool"):
        Pipeline.from_config({"blocks": [{"kind": "fft", "params": {"bands": 8, "window": 1}}],
                              "model": {"kind": "centroid", "params": {}}})


def test_params_keep_what_was_given_and_defaults_stay_out_of_the_key() -> None:
    """The library id hashes the parameters as given: adding a default must not change it."""
    m = Model.build("knn", {"k": 3})
    assert m.params == {"k": 3}
    assert m.get_params() == {"k": 3, "protos": 0, "seed": 0, "classes": 0, "kb": 0}
    assert m.protos == 0
    with pytest.raises(AttributeError):
        m.k = 5  # type: ignore[misc]
    assert Pipeline.from_config(_cfg("knn", {"k": 3})).key() == candidate_key(_cfg("knn", {"k": 3}))


def _fit(p: Pipeline) -> np.ndarray:
    m = p.model
    if isinstance(m, ADModel):
        feats = X
        for b in p.blocks:
            feats = b.fit_transform(feats)
        m.reset(feats.shape[1])
        m.learn_seq(feats[Y == 0])
        return m.similarity(feats)[:, None]
    if isinstance(m, Regressor):
        p.fit(X, X[:, 0, 0].astype(np.float64), 1)
    elif isinstance(m, OneClass):
        p.fit(X[Y == 0], Y[Y == 0], 1)
    else:
        p.fit(X, Y, 3)
    return p.predict_proba(X)


@pytest.mark.parametrize("kind", sorted(TYPICAL_MODELS))
def test_every_model_kind_round_trips_through_its_spec(kind: str) -> None:
    cfg = _cfg(kind, TYPICAL_MODELS[kind])
    p = Pipeline.from_config(cfg)
    assert p.config() == cfg
    assert p.key() == candidate_key(cfg)
    assert p.model.kind == kind and repr(p.model).startswith(f"{kind}(")
    flash, ram = p.footprint(2, 32, 45, 3)
    assert flash > 0 and ram > 0
    out = _fit(p)
    assert out.shape[0] == len(X) and np.all(np.isfinite(out))
    if isinstance(p.model, Classifier):
        assert out.dtype == np.float32 and out.shape[1] == 3
    q = Pipeline.from_spec(unpack(pack(p.to_spec())))
    assert q.model.kind == kind and q.model.params == p.model.params
    assert {k: v.tobytes() for k, v in q.model.state.items()} == {k: v.tobytes() for k, v in p.model.state.items()}
    if not isinstance(p.model, ADModel):
        assert np.array_equal(q.predict_proba(X), out)
        assert pack(q.to_spec()) == pack(p.to_spec())


@pytest.mark.parametrize("kind", sorted(TYPICAL_BLOCKS))
def test_every_block_kind_round_trips_through_its_spec(kind: str) -> None:
    blocks = [{"kind": kind, "params": TYPICAL_BLOCKS[kind]}]
    stats = {"kind": "stats", "params": {}}
    if Block.lookup(kind).stage_in == "vector":
        blocks.insert(0, stats)
    elif Block.lookup(kind).stage_out == "signal":
        blocks.append(stats)
    cfg = {"blocks": blocks, "model": {"kind": "centroid", "params": {}}}
    p = Pipeline.from_config(cfg)
    assert p.config() == cfg
    if kind == "bandpass":  # coefficients come from the project, not from fitting
        p.blocks[0].state["sos"] = np.asarray([[0.2, 0.0, -0.2, 1.0, -1.1, 0.5]], np.float32)
    p.fit(X, Y, 3)
    assert p.features(X).shape == (len(X), p.feature_dim(2, 32))
    q = Pipeline.from_spec(unpack(pack(p.to_spec())))
    assert np.array_equal(q.predict_proba(X), p.predict_proba(X))
    assert q.footprint(2, 32, 45, 3) == p.footprint(2, 32, 45, 3)


# ------------------------------------------------------------------ a model in one class


@pytest.fixture
def registered() -> Iterator[list[str]]:
    """Kinds a test registers, removed afterwards so other tests see the real registry."""
    kinds: list[str] = []
    yield kinds
    for k in kinds:
        Model.registry.pop(k, None)
        Block.registry.pop(k, None)


def test_a_new_model_is_one_class(registered: list[str]) -> None:
    class Prior(Classifier):
        """Always the training class frequencies, sharpened by `power`."""

        kind = "test_prior"
        code_bytes = 40

        power = Param(float, 1.0, low=0.0, open_low=True)

        def fit(self, x: np.ndarray, y: np.ndarray, n_classes: int) -> Prior:
            f = np.bincount(y, minlength=n_classes).astype(np.float64) ** self.power
            self.state["prior"] = (f / f.sum()).astype(np.float32)
            return self

        def predict_proba(self, x: np.ndarray) -> np.ndarray:
            return np.tile(self.state["prior"], (len(x), 1))

    registered.append("test_prior")
    assert Model.lookup("test_prior") is Prior
    p = Pipeline.from_config(_cfg("test_prior", {"power": 2.0}))
    p.fit(X, Y, 3)
    q = Pipeline.from_spec(unpack(pack(p.to_spec())))
    assert np.array_equal(q.predict_proba(X[:2]), p.predict_proba(X[:2]))
    assert q.model.predict(q.features(X[:2])).tolist() == [0, 0]
    with pytest.raises(TypeError, match="test_prior: unknown parameter 'pow'"):
        Pipeline.from_config(_cfg("test_prior", {"pow": 2.0}))
    with pytest.raises(ValueError, match="test_prior: parameter 'power' must be > 0"):
        Pipeline.from_config(_cfg("test_prior", {"power": 0}))


def test_a_new_block_is_one_class(registered: list[str]) -> None:
    class Energy(Block):
        kind = "test_energy"
        stage_in = "signal"

        def transform(self, x: np.ndarray) -> np.ndarray:
            return (x * x).sum(axis=2).astype(np.float32)

        def out_shape(self, shape: tuple[int, ...]) -> tuple[int, ...]:
            return (shape[0],)

    registered.append("test_energy")
    p = Pipeline.from_config({"blocks": [{"kind": "test_energy", "params": {}}],
                              "model": {"kind": "centroid", "params": {}}})
    assert isinstance(p.blocks[0], Energy)
    assert p.fit(X, Y, 3).predict_proba(X).shape == (len(X), 3)


def test_a_kind_cannot_be_taken_twice(registered: list[str]) -> None:
    with pytest.raises(TypeError, match="kind 'knn' is taken"):
        class OtherKNN(Classifier):
            kind = "knn"


@settings(max_examples=200, deadline=None)
@given(st.integers(9, 5000), st.integers(1, 6))
def test_minirocket_dilations_are_exact_integers_on_every_machine(length: int, count: int) -> None:
    """⌊top^(i/(count−1))⌋ in integers: the float version floored 2.9999999999999996 to 2
    on CPUs whose vectorised exp2 is one ulp low, so a library depended on the machine."""
    from nanoforge.engine.blocks.minirocket import rocket_dilations

    top = max(1, (length - 1) // 8)
    got = rocket_dilations(length, count)
    assert got == sorted(set(got)) and got[0] == 1 and got[-1] == (top if count > 1 else 1)
    for i in range(count if count > 1 else 0):
        d = next(d for d in reversed(got) if d ** (count - 1) <= top ** i)
        assert (d + 1) ** (count - 1) > top ** i
    assert rocket_dilations(32, 2) == [1, 3]
