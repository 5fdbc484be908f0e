"""The C kernels in codegen/c/ as C: each module compiles on its own with strict warnings
for the host and every Cortex-M core, the generator resolves their includes, and a few
kernels, compiled alone, agree with numpy."""

from __future__ import annotations

import ctypes
import subprocess
from pathlib import Path

import numpy as np
import pytest

from nanoforge.codegen import cfiles, toolchain
from nanoforge.engine.targets import CORES

STRICT = ["-std=c99", "-Wall", "-Wextra", "-Wpedantic", "-Wconversion", "-Wshadow", "-Wdouble-promotion", "-Werror"]

# What a library defines before the on-device learning modules (see nf_ad.h).
AD_CONFIG = """#define NF_D 4
#define NF_CAL 8
#define NF_WARMUP 2
#define NF_MARGIN 3.0f
#define NF_MODEL_OFF (2 * NF_D + 2 + NF_CAL)
#define NF_MEM_SIZE (NF_MODEL_OFF + 64)
#define NF_K 3
#define NF_T 2
#define NF_DEPTH 2
#define NF_INNER 3
#define NF_NODES 7
#define NF_HV nf_hv
#include <stdint.h>
static float nf_mem[NF_MEM_SIZE];
static float nf_w[NF_D];
static float nf_calbuf[NF_CAL];
"""
HST_TABLES = """static const unsigned short nf_hd[NF_T * NF_INNER] = { 0, 1, 2, 3, 0, 1 };
static const float nf_hv[NF_T * NF_INNER] = { 0.0f, 0.5f, -0.5f, 0.0f, 0.5f, -0.5f };
"""
AD_MODELS = ["nf_ad_gauss", "nf_ad_kmeans", "nf_ad_reservoir", "nf_ad_hst"]


def _units(d: Path) -> list[Path]:
    """One translation unit per module, including nothing but that module (and, for the
    on-device learning, the definitions its includer owes it)."""
    units = []
    for m in cfiles.modules():
        if m.startswith("nf_ad"):
            continue
        units.append(d / f"unit_{m}.c")
        units[-1].write_text(f'#include "{m}.h"\n')
    # the reservoir also as it calibrates on its kept buffers (NF_LOO)
    loo = "#define NF_LOO 1\n"  # it sorts in nf_calbuf, whose NF_CAL floats outnumber NF_K
    for m, extra, unit in [*((m, "", m) for m in AD_MODELS), ("nf_ad_reservoir", loo, "nf_ad_reservoir_loo")]:
        tables = HST_TABLES if m == "nf_ad_hst" else extra
        units.append(d / f"unit_{unit}.c")
        units[-1].write_text(f"""{AD_CONFIG}{tables}#include "nf_ad.h"
#include "{m}.h"
uint8_t nf_unit_run(const float *x);
uint8_t nf_unit_run(const float *x)
{{
    nf_ad_learn(x);
    return nf_ad_similarity(x, 1.0f);
}}
""")
    return units


def _compile(cc: list[str], units: list[Path], cwd: Path) -> None:
    p = subprocess.run([*cc, *STRICT, *toolchain.EXACT, "-O2", "-I", str(cfiles.C_DIR), "-c", *map(str, units)],
                       cwd=cwd, capture_output=True, text=True)
    assert p.returncode == 0, p.stderr


def test_every_module_is_covered_and_includes_resolve() -> None:
    mods = cfiles.modules()
    assert set(AD_MODELS) < set(mods) and "nf_math" in mods
    order = cfiles.resolve(mods)
    assert sorted(order) == mods
    for m in mods:  # every module after what it includes
        assert all(order.index(dep) < order.index(m) for dep in cfiles.requires(m)), m
    text = cfiles.concatenate(["nf_spectrum"])
    assert '#include "nf_' not in text
    assert text.index("nf_math_sqrtf(float x)") < text.index("nf_fft_mag(") < text.index("nf_spectrum_bands(")


def test_generated_libraries_are_built_with_the_same_strict_warnings() -> None:
    assert set(STRICT) == set(toolchain.STRICT)


def test_modules_compile_alone_for_the_host(tmp_path: Path) -> None:
    _compile([toolchain.HOST_CC], _units(tmp_path), tmp_path)


@pytest.mark.skipif(not toolchain.have_arm(), reason="arm-none-eabi-gcc missing (scripts/toolchain.sh)")
@pytest.mark.parametrize("core", sorted(CORES))
def test_modules_compile_alone_for_every_cortex_m(tmp_path: Path, core: str) -> None:
    _compile([toolchain.ARM_CC, *toolchain.arm_flags(CORES[core]), "-Os"], _units(tmp_path), tmp_path)


DRIVER_C = r"""#include "nf_math.h"
#include "nf_signal.h"
#include "nf_fft.h"
#include "nf_features.h"
#include "nf_knn.h"

void t_sqrt(const float *x, float *y, int n);
void t_exp(const float *x, float *y, int n);
void t_log(const float *x, float *y, int n);
void t_softmax(float *s, int n);
void t_fft_mag(const float *x, int len, int nfft, const float *tw, float *scr);
void t_stats(const float *x, int axes, int len, float *out);
void t_bandpass(float *x, int axes, int len, const float *sos, int sections);
int t_knn_select(const float *v, int n, const float *proto, int count, int k, float *best_d, int *best_i);
float t_knn_shift(const float *v, int n, int segments, int shift, const float *proto, int count, int k, float *best_d,
                  int *best_i);

void t_sqrt(const float *x, float *y, int n) { int i; for (i = 0; i < n; i++) y[i] = nf_math_sqrtf(x[i]); }
void t_exp(const float *x, float *y, int n) { int i; for (i = 0; i < n; i++) y[i] = nf_math_expf(x[i]); }
void t_log(const float *x, float *y, int n) { int i; for (i = 0; i < n; i++) y[i] = nf_math_logf(x[i]); }
void t_softmax(float *s, int n) { nf_math_softmax(s, n); }
void t_fft_mag(const float *x, int len, int nfft, const float *tw, float *scr) { nf_fft_mag(x, len, nfft, tw, 0, scr); }
void t_stats(const float *x, int axes, int len, float *out) { nf_features_stats(x, axes, len, out); }
void t_bandpass(float *x, int axes, int len, const float *sos, int sections)
{
    nf_signal_bandpass(x, axes, len, sos, sections);
}
int t_knn_select(const float *v, int n, const float *proto, int count, int k, float *best_d, int *best_i)
{
    return nf_knn_select(v, n, proto, count, k, best_d, best_i);
}
float t_knn_shift(const float *v, int n, int segments, int shift, const float *proto, int count, int k, float *best_d,
                  int *best_i)
{
    return nf_knn_shift_distance(v, n, segments, shift, proto, count, k, best_d, best_i);
}
"""


@pytest.fixture(scope="module")
def kernels(tmp_path_factory: pytest.TempPathFactory) -> ctypes.CDLL:
    """The driver above and the kernels it includes, nothing generated, as a host library."""
    d = tmp_path_factory.mktemp("kernels")
    (d / "driver.c").write_text(DRIVER_C)
    so = d / "libkernels.so"
    p = subprocess.run([toolchain.HOST_CC, *STRICT, *toolchain.EXACT, "-O2", "-fPIC", "-shared", "-I",
                        str(cfiles.C_DIR), str(d / "driver.c"), "-o", str(so)], capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    return ctypes.CDLL(str(so))


def _p(a: np.ndarray) -> ctypes.c_void_p:
    return ctypes.c_void_p(a.ctypes.data)


def _unary(lib: ctypes.CDLL, name: str, x: np.ndarray) -> np.ndarray:
    x = np.ascontiguousarray(x, np.float32)
    y = np.zeros_like(x)
    getattr(lib, name)(_p(x), _p(y), len(x))
    return y


def test_own_sqrt_exp_log_match_numpy(kernels: ctypes.CDLL) -> None:
    x = np.geomspace(1e-30, 1e30, 2001).astype(np.float32)
    assert np.allclose(_unary(kernels, "t_sqrt", x), np.sqrt(x), rtol=3e-7, atol=0)
    assert np.all(_unary(kernels, "t_sqrt", np.array([0.0, -1.0], np.float32)) == 0.0)
    e = np.linspace(-80, 80, 4001).astype(np.float32)
    assert np.allclose(_unary(kernels, "t_exp", e), np.exp(e.astype(np.float64)), rtol=1e-6, atol=0)
    assert _unary(kernels, "t_exp", np.array([-100.0], np.float32))[0] == 0.0
    ln = _unary(kernels, "t_log", x)
    assert np.allclose(ln, np.log(x.astype(np.float64)), rtol=1e-6, atol=1e-6)
    assert _unary(kernels, "t_log", np.array([0.0], np.float32))[0] == -87.0


def test_softmax_fft_stats_bandpass_and_knn_match_numpy(kernels: ctypes.CDLL) -> None:
    rng = np.random.default_rng(0)
    s = rng.normal(size=7).astype(np.float32) * 10
    ref = np.exp(s - s.max()) / np.exp(s - s.max()).sum()
    kernels.t_softmax(_p(s), 7)
    assert np.allclose(s, ref, rtol=1e-5, atol=1e-7)

    x = rng.normal(size=100).astype(np.float32)
    nfft = 128
    i = np.arange(nfft // 2)
    tw = np.concatenate([np.cos(2 * np.pi * i / nfft), np.sin(2 * np.pi * i / nfft)]).astype(np.float32)
    scr = np.zeros(2 * nfft + nfft // 2, np.float32)
    kernels.t_fft_mag(_p(x), 100, nfft, _p(tw), _p(scr))
    mag = np.abs(np.fft.rfft(x.astype(np.float64), nfft))[: nfft // 2]
    assert np.abs(scr[2 * nfft:] - mag).max() < 1e-4 * mag.max()

    sig = rng.normal(size=(2, 64)).astype(np.float32)
    out = np.zeros(18, np.float32)
    kernels.t_stats(_p(sig), 2, 64, _p(out))
    for a, r in enumerate(sig.astype(np.float64)):
        z = (r - r.mean()) / r.std()
        expect = [r.mean(), r.std(), r.min(), r.max(), np.sqrt((r * r).mean()), (z ** 3).mean(), (z ** 4).mean(),
                  np.mean(np.diff(r - r.mean() >= 0) != 0), np.abs(np.diff(r)).mean()]
        assert np.allclose(out[9 * a: 9 * a + 9], expect, rtol=1e-4, atol=1e-5), a

    from scipy.signal import sosfilt

    from nanoforge.engine.bandpass import design

    sos = np.asarray(design(0.5, 10.0, 30.0, 2), np.float32)
    y = sig.copy()
    kernels.t_bandpass(_p(y), 2, 64, _p(sos), len(sos))
    assert np.allclose(y, sosfilt(sos.astype(np.float64), sig.astype(np.float64), axis=1), rtol=1e-4, atol=1e-5)

    proto = rng.normal(size=(20, 5)).astype(np.float32)
    v = rng.normal(size=5).astype(np.float32)
    best_d, best_i = np.zeros(4, np.float32), np.zeros(4, np.int32)
    assert kernels.t_knn_select(_p(v), 5, _p(proto), 20, 4, _p(best_d), _p(best_i)) == 4
    d = ((proto - v) ** 2).sum(axis=1)
    assert list(best_i) == list(np.argsort(d, kind="stable")[:4])
    assert np.allclose(best_d, np.sort(d)[:4], rtol=1e-6)


def _shifted(x: np.ndarray, s: int) -> np.ndarray:
    """Each row of (axes, samples) `x` delayed by `s` samples (ahead when negative), the
    edge sample repeated: numpy's own reading of what the kernel compares."""
    idx = np.clip(np.arange(x.shape[1]) - s, 0, x.shape[1] - 1)
    return x[:, idx]


def test_knn_shift_distance_forgives_a_shift_up_to_its_tolerance_and_no_more(kernels: ctypes.CDLL) -> None:
    kernels.t_knn_shift.restype = ctypes.c_float
    rng = np.random.default_rng(1)
    axes, n = 3, 40
    proto = rng.normal(size=(6, axes, n)).astype(np.float32)
    best_d, best_i = np.zeros(2, np.float32), np.zeros(2, np.int32)

    def score(v: np.ndarray, shift: int, k: int = 1) -> float:
        v = np.ascontiguousarray(v, np.float32)
        return float(kernels.t_knn_shift(_p(v), axes * n, axes, shift, _p(proto), len(proto), k, _p(best_d),
                                         _p(best_i)))

    # prototype 4 recorded 3 samples later: distance only where the edge was repeated
    late = _shifted(proto[4], 3)
    edge = float(((late[:, n - 3:].astype(np.float64) - proto[4][:, n - 3:]) ** 2).sum())
    for shift in (0, 2, 3, 5):
        expect = min(float(((p.astype(np.float64) - _shifted(late, -s)) ** 2).sum())
                     for p in proto for s in range(-shift, shift + 1))
        got = score(late, shift)
        assert np.isclose(got, expect, rtol=1e-5), (shift, got, expect)
        if shift >= 3:  # within the tolerance: it is prototype 4, but for the repeated edge
            assert best_i[0] == 4 and got <= edge * (1 + 1e-5)
    assert score(late, 3) < 0.1 * score(late, 2) < score(late, 0)
    # k = 2: the mean of the two least distances, each the least over shifts
    d2 = sorted(min(float(((p.astype(np.float64) - _shifted(late, -s)) ** 2).sum()) for s in range(-3, 4))
                for p in proto)[:2]
    assert np.isclose(score(late, 3, 2), np.mean(d2), rtol=1e-5)


def test_knn_shift_distance_is_the_numpy_reference_bit_for_bit(kernels: ctypes.CDLL) -> None:
    """The kernel stops sums that cannot win; its result is still the reference's, the
    same float32 bits, for k = 1 and k = 2, near and far prototypes, and tied distances
    (small integers)."""
    from nanoforge.engine.models import KNNShiftDistance

    kernels.t_knn_shift.restype = ctypes.c_float
    rng = np.random.default_rng(2)
    axes, n = 2, 40
    best_d, best_i = np.zeros(2, np.float32), np.zeros(2, np.int32)
    for data in ("normal", "integers"):
        if data == "normal":
            proto = rng.normal(size=(12, axes * n)).astype(np.float32) * rng.uniform(0.2, 5, (12, 1)).astype(np.float32)
            v = np.concatenate([proto[:4] + rng.normal(0, 0.1, (4, axes * n)), rng.normal(size=(4, axes * n))])
        else:
            proto = rng.integers(0, 3, (12, axes * n)).astype(np.float32)
            v = rng.integers(0, 3, (8, axes * n))
        v = np.ascontiguousarray(v, np.float32)
        for k in (1, 2):
            m = KNNShiftDistance(k=k, shift=3, segments=axes)
            m.state["proto"] = proto
            want = m.score(v)
            got = np.array([kernels.t_knn_shift(_p(np.ascontiguousarray(r)), axes * n, axes, 3, _p(proto),
                                                len(proto), k, _p(best_d), _p(best_i)) for r in v], np.float32)
            assert got.tobytes() == want.tobytes(), (data, k, got, want)
