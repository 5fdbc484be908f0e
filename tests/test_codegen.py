"""Differential tests of every block and model: the numpy reference the benchmark
scored vs the host build of the generated C vs Cortex-M builds run instruction by
instruction in unicorn. Real signals: slices of GunPoint (1 axis) and BasicMotions (6 axes)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from nanoforge.codegen import armrun, toolchain
from nanoforge.codegen.apis.v4 import ncc
from nanoforge.codegen.apis.v4.ncc import HostLibrary
from nanoforge.codegen.cgen import Generated
from nanoforge.engine import search
from nanoforge.engine.bandpass import design
from nanoforge.engine.dataset import deinterleave

from .conftest import FIXTURES

pytestmark = pytest.mark.skipif(not toolchain.have_arm(), reason="arm-none-eabi-gcc missing (scripts/toolchain.sh)")


def _load(prefix: str, names: list[str], axes: int) -> tuple[np.ndarray, np.ndarray, list[str]]:
    xs, ys = [], []
    for i, n in enumerate(names):
        rows = np.loadtxt(FIXTURES / f"{prefix}_{n}.csv", delimiter=",", dtype=np.float32, ndmin=2)
        xs.append(deinterleave(rows, axes))
        ys.append(np.full(len(rows), i))
    return np.concatenate(xs), np.concatenate(ys), names


GUN = _load("gunpoint_train", ["1", "2"], 1)
MOTIONS = _load("basicmotions_train", ["standing", "walking", "running", "badminton"], 6)


def _b(kind: str, **p: object) -> dict[str, object]:
    return {"kind": kind, "params": p}


BLOCK_CASES = [
    [_b("flatten"), _b("scale")],
    [_b("mean_removal"), _b("stats"), _b("scale")],
    [_b("zscore"), _b("fft", window=True, log=True, bands=16), _b("scale")],
    [_b("diff"), _b("fft", window=False, log=False, bands=8), _b("scale"), _b("pca", k=4)],
    [_b("decimate", factor=2), _b("spectral"), _b("scale")],
    [_b("bandpass"), _b("stats"), _b("scale")],
    [_b("minirocket", kernels=12, dilations=2, seed=3), _b("scale"), _b("pca", k=8)],
    [_b("catch"), _b("scale")],
    [_b("diff"), _b("catch"), _b("scale")],
]
MODEL_CASES = [
    _b("centroid"), _b("knn", k=3, protos=4, seed=1), _b("gnb"), _b("linear", algo="lda", shrinkage="auto"),
    _b("linear", algo="logreg", C=1.0), _b("linear", algo="linsvm", C=1.0), _b("linear", algo="sefr"),
    _b("svm_rbf", C=10.0, gamma=1.0, max_sv=64), _b("forest", algo="tree", depth=6, seed=1),
    _b("forest", algo="rf", trees=5, depth=4, seed=1), _b("forest", algo="et", trees=5, depth=4, seed=1),
    _b("gbt", stages=5, depth=2, lr=0.3, seed=1), _b("mlp", hidden=8, alpha=1e-3, seed=1),
    _b("knn", k=1, kb=1200, seed=1), _b("linear", algo="ridge"),
]
CASES = [(f"blocks{i}", blocks, _b("linear", algo="logreg", C=1.0)) for i, blocks in enumerate(BLOCK_CASES)]
CASES += [(f"model-{m['kind']}-{m['params'].get('algo', 'kb' if 'kb' in m['params'] else '')}",
           [_b("stats"), _b("scale")], m) for m in MODEL_CASES]


def _build(tmp: Path, data: tuple[np.ndarray, np.ndarray, list[str]], blocks: list, model: dict
           ) -> tuple[object, Generated, Path]:
    x, y, classes = data
    sos = design(0.5, 10.0, 30.0, 2).tolist()
    ctx = search.Context(x, y, classes, 1 << 20, 1 << 20, seed=1, sos=sos)
    pipe = search.fit_library(ctx, {"blocks": blocks, "model": model}, {})
    gen = ncc.generate(pipe, x.shape[1], x.shape[2], classes, "0123456789ab")
    for name, text in gen.files.items():
        (tmp / name).write_text(text)
    return pipe, gen, tmp


@pytest.mark.parametrize(("name", "blocks", "model"), CASES, ids=[c[0] for c in CASES])
@pytest.mark.parametrize("data", [GUN, MOTIONS], ids=["gunpoint", "basicmotions"])
def test_numpy_reference_and_host_c_agree(tmp_path: Path, name: str, blocks: list, model: dict,
                                          data: tuple[np.ndarray, np.ndarray, list[str]]) -> None:
    pipe, gen, src = _build(tmp_path, data, blocks, model)
    x = data[0]
    ref = pipe.predict_proba(x)
    host = HostLibrary(toolchain.build_host(src, tmp_path / "host"), gen, x.shape[1], x.shape[2], len(data[2]))
    probs, ids = host.classify(x)
    agree = float((ids.astype(int) - 1 == ref.argmax(axis=1)).mean())
    assert agree >= 0.999 or (len(x) < 1000 and agree == 1.0), f"{name}: decisions agree on {agree:.4f}"
    assert np.abs(probs - ref).max() < 2e-3, f"{name}: max probability difference {np.abs(probs - ref).max():.2e}"


@pytest.mark.parametrize(("name", "blocks", "model"), CASES, ids=[c[0] for c in CASES])
def test_cortex_m_builds_give_host_bits(tmp_path: Path, name: str, blocks: list, model: dict) -> None:
    data = MOTIONS
    _, gen, src = _build(tmp_path, data, blocks, model)
    x = data[0][::4]
    host = HostLibrary(toolchain.build_host(src, tmp_path / "host"), gen, x.shape[1], x.shape[2], len(data[2]))
    hp, hi = host.classify(x)
    for core in ("cortex-m4", "cortex-m0plus"):
        img = armrun.build_image(src, tmp_path / core, core, ncc.HARNESS_C)
        ap, ai, _ = ncc.run_arm(img, x, len(data[2]))
        assert np.array_equal(ap.view(np.uint32), hp.view(np.uint32)), f"{name}: {core} bits differ from host"
        assert np.array_equal(ai, hi)


def test_every_core_builds_and_the_others_match_bits(tmp_path: Path) -> None:
    blocks = [_b("zscore"), _b("fft", window=True, log=True, bands=8), _b("scale")]
    _, gen, src = _build(tmp_path, MOTIONS, blocks, _b("mlp", hidden=8, seed=1))
    x = MOTIONS[0][::8]
    host = HostLibrary(toolchain.build_host(src, tmp_path / "host"), gen, 6, x.shape[2], 4)
    hp, _ = host.classify(x)
    for core in toolchain.ALL_CORES:
        lib, fp = toolchain.build_arm(src, tmp_path / f"lib-{core}", core)
        # one axis at a time: the signal buffer holds 1 of the 6 axes
        assert lib.exists() and fp.flash > 0 and 4 * x.shape[2] <= fp.ram < 4 * 6 * x.shape[2] and fp.stack > 0
        if core == "cortex-m55":
            continue  # unicorn has no Armv8.1-M (Helium) model: built and measured only
        ap, _, _ = ncc.run_arm(armrun.build_image(src, tmp_path / core, core, ncc.HARNESS_C), x, 4)
        assert np.array_equal(ap.view(np.uint32), hp.view(np.uint32)), core


def test_knowledge_from_another_library_is_refused(tmp_path: Path) -> None:
    _, gen, src = _build(tmp_path, GUN, [_b("stats"), _b("scale")], _b("centroid"))
    host = HostLibrary(toolchain.build_host(src, tmp_path / "host"), gen, 1, GUN[0].shape[2], 2)
    bad = gen.knowledge.copy()
    bad[0] += 1
    import ctypes

    fp = ctypes.POINTER(ctypes.c_float)
    assert host.lib.neai_classification_init(bad.ctypes.data_as(fp)) == 125  # NEAI_KNOWLEDGE_BUFFER_ERROR
    out = np.zeros(2, np.float32)
    cid = ctypes.c_uint16()
    sig = np.zeros(GUN[0].shape[2], np.float32)
    assert host.lib.neai_classification(sig.ctypes.data_as(fp), out.ctypes.data_as(fp), ctypes.byref(cid)) == 123
