"""The cycle model against hand-counted instruction sequences on every core it covers,
and against the ordering Arm's cores have on a floating-point kernel. The figures are
an estimate (codegen/cycletable.py says what is approximated); these tests pin that the
estimate charges what the tables say, and that the emulator attributes it to the call."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from nanoforge.codegen import armrun, cycles, cycletable, toolchain
from nanoforge.codegen.apis.v4.ad import TIMING_LEARNS

pytestmark = pytest.mark.skipif(not toolchain.have_arm(), reason="arm-none-eabi-gcc not installed")

CORES = ("cortex-m0plus", "cortex-m3", "cortex-m4", "cortex-m7", "cortex-m33")
FPU_CORES = ("cortex-m4", "cortex-m7", "cortex-m33")

HARNESS_S = """
    .syntax unified
    .thumb
    .text
    .global nf_harness
    .thumb_func
nf_harness:
    push {r4, lr}
    bl nf_seq
%(fp_call)s
    movs r0, #0
    pop {r4, pc}

    .global nf_seq
    .thumb_func
nf_seq:
    movs r1, #0
    ldr r2, [sp]
    ldr r3, [sp, #4]
    adds r1, r1, r2
    muls r1, r3, r1
    movs r2, #4
1:
    subs r2, #1
    bne 1b
    bx lr
%(fp_func)s
"""

FP_FUNC = """
    .global nf_fp
    .thumb_func
nf_fp:
    vmov s0, r0
    vadd.f32 s1, s0, s0
    vmul.f32 s2, s1, s0
    vmla.f32 s2, s1, s0
    vdiv.f32 s3, s2, s1
    vsqrt.f32 s4, s3
    bx lr
"""

# Hand-counted from the tables the module cites (zero wait states):
#   nf_seq: MOVS 1, LDR 2, LDR (pipelined after a load) 1 — 2 on the M0+, which does not
#   pipeline loads; 1 on the M7 (TCM) —, ADDS 1, MULS 1, MOVS 1; the loop 4 × SUBS 1 and
#   BNE taken 3 × (1 + P), not taken 1; BX LR 1 + P. P = 1 on the M0+ and M7, 2 otherwise.
#   nf_fp: VMOV 1, VADD 1, VMUL 1, VMLA 3 (M7: 2), VDIV 14, VSQRT 14, BX LR 1 + P.
EXPECTED = {
    "cortex-m0plus": {"nf_seq": 1 + 2 + 2 + 1 + 1 + 1 + 4 + 3 * 2 + 1 + 2},
    "cortex-m3": {"nf_seq": 1 + 2 + 1 + 1 + 1 + 1 + 4 + 3 * 3 + 1 + 3},
    "cortex-m4": {"nf_seq": 1 + 2 + 1 + 1 + 1 + 1 + 4 + 3 * 3 + 1 + 3, "nf_fp": 1 + 1 + 1 + 3 + 14 + 14 + 3},
    "cortex-m33": {"nf_seq": 1 + 2 + 1 + 1 + 1 + 1 + 4 + 3 * 3 + 1 + 3, "nf_fp": 1 + 1 + 1 + 3 + 14 + 14 + 3},
    "cortex-m7": {"nf_seq": 1 + 1 + 1 + 1 + 1 + 1 + 4 + 3 * 2 + 1 + 2, "nf_fp": 1 + 1 + 1 + 2 + 14 + 14 + 2},
}


@pytest.mark.parametrize("core", CORES)
def test_hand_counted_sequences_cost_what_the_tables_say(tmp_path: Path, core: str) -> None:
    fp = core in FPU_CORES
    asm = tmp_path / "seq.S"
    asm.write_text(HARNESS_S % {"fp_call": "    bl nf_fp" if fp else "", "fp_func": FP_FUNC if fp else ""})
    img = armrun.link_image([asm], tmp_path / "out", core)
    calls = cycles.count(img, np.zeros((1, 4), np.float32), (0,), prefixes=("nf_seq", "nf_fp"))
    assert {fn: c[0] for fn, c in calls.per_function.items()} == EXPECTED[core]


KERNEL_C = """
#include <stdint.h>
#define N 64
static float a[N], b[N];
float nf_kernel(float x);
float nf_kernel(float x)
{
    float s = 0.0f, n = 0.0f;
    int i;
    for (i = 0; i < N; i++) { a[i] = x * (float)i + 1.0f; b[i] = x - (float)i * 0.5f; }
    for (i = 0; i < N; i++) { s += a[i] * b[i]; n += a[i] * a[i]; }
    return s / (n + 1.0f);
}
int nf_harness(void);
int nf_harness(void)
{
    volatile float r = nf_kernel(0.25f);
    (void)r;
    return 0;
}
"""


def test_a_float_kernel_orders_the_cores_as_their_pipelines_and_fpus_do(tmp_path: Path) -> None:
    (tmp_path / "k.c").write_text(KERNEL_C)
    cyc = {}
    for core in CORES:
        img = armrun.link_image([tmp_path / "k.c"], tmp_path / core, core, ["-fno-math-errno"])
        cyc[core] = cycles.count(img, np.zeros((1, 4), np.float32), (0,), prefixes=("nf_kernel",)
                                 ).per_function["nf_kernel"][0]
    m0, m3, m4, m7, m33 = (cyc[c] for c in CORES)
    assert m7 <= m4, cyc
    # the M33 is charged the M4F's table (Arm publishes none for it): equal up to the
    # code the compiler emits for each core
    assert m4 <= m33 * 1.02, cyc
    assert m33 * 5 < m3, cyc  # a hardware FPU against soft-float calls
    assert m3 * 1.3 < m0, cyc  # libgcc's soft float on ARMv6-M: 16-bit only, no long multiply


def test_mnemonics_are_classified_with_their_condition_and_flags_removed() -> None:
    assert cycletable.base_mnemonic("bne.n") == "b"
    assert cycletable.base_mnemonic("bls") == "b"
    assert cycletable.base_mnemonic("blt.w") == "b"
    assert cycletable.base_mnemonic("ldrne") == "ldr"
    assert cycletable.base_mnemonic("muls") == "mul"
    assert cycletable.base_mnemonic("vmla.f32") == "vmla"
    assert cycletable.base_mnemonic("vmls.f32") == "vmls"
    t = cycletable.TABLES["cortex-m4"]
    assert cycletable.cost(t, "pop", "{r4, r5, r6, pc}", False) == (1 + 4, True)
    assert cycletable.cost(t, "vpush", "{s16-s19}", False) == (1 + 4, True)
    assert cycletable.cost(t, "vmov", "r0, r1, d0", False) == (2, False)
    assert cycletable.cost(t, "udiv", "r0, r1, r2", False) == (7, False)


def test_anomaly_detection_times_init_learn_and_detect(tmp_path: Path) -> None:
    """The AD type's harness learns, then detects: both are timed, per call; it learns
    enough signals to fill the model (`TIMING_LEARNS`), whose detection costs what it keeps."""
    from nanoforge.codegen import timing
    from nanoforge.engine.pipeline import Pipeline

    pipe = Pipeline.from_config({"blocks": [{"kind": "stats", "params": {}}],
                                 "model": {"kind": "kmeans", "params": {"k": 3, "margin": 3.0}}})
    spec = {**pipe.to_spec(), "type": "ad", "axes": 2, "buffer": 64, "classes": ["nominal"], "min_learn": 2}
    x = np.sin(np.linspace(0, 20, 4 * 2 * 64, dtype=np.float32)).reshape(4, 2, 64)
    res = {r["core"]: r for r in timing.library_timing(spec, tmp_path, timing.pick(x), 1e6,
                                                       ("cortex-m0plus", "cortex-m4"))}
    for core in ("cortex-m0plus", "cortex-m4"):
        calls = res[core]["calls"]
        assert calls["neai_anomalydetection_learn"]["calls"] == TIMING_LEARNS
        assert calls["neai_anomalydetection_detect"]["calls"] == 3
        assert calls["neai_anomalydetection_init"]["calls"] == 1
        assert calls["neai_anomalydetection_learn"]["ms"] == calls["neai_anomalydetection_learn"]["cycles"] / 1e3
    assert (res["cortex-m4"]["calls"]["neai_anomalydetection_detect"]["cycles"]
            < res["cortex-m0plus"]["calls"]["neai_anomalydetection_detect"]["cycles"])


def test_a_reservoir_calibrated_on_its_kept_buffers_is_timed_with_them_all(tmp_path: Path) -> None:
    """Its detection measures every pair of kept buffers: timed after the model is full,
    it costs several times the prequential reservoir's (16 slots: 120 distances, not 16)."""
    from nanoforge.codegen import timing
    from nanoforge.engine.pipeline import Pipeline

    x = np.sin(np.linspace(0, 20, 4 * 64, dtype=np.float32)).reshape(4, 1, 64)
    detect = {}
    for cal in ("prequential", "loo"):
        pipe = Pipeline.from_config({"blocks": [{"kind": "flatten", "params": {}}], "model": {
            "kind": "reservoir", "params": {"slots": 16, "margin": 2.0, "seed": 0, "calibration": cal}}})
        spec = {**pipe.to_spec(), "type": "ad", "axes": 1, "buffer": 64, "classes": ["nominal"], "min_learn": 2}
        res = timing.library_timing(spec, tmp_path / cal, timing.pick(x), 1e6, ("cortex-m4",))[0]
        detect[cal] = res["calls"]["neai_anomalydetection_detect"]["cycles"]
    assert detect["loo"] > 4 * detect["prequential"], detect
