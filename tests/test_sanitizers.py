"""The generated C on adversarial buffers, built with AddressSanitizer and UBSan
(float-cast-overflow included): zeros, ±1e30, ±FLT_MAX, denormals, NaN and infinities,
as a whole buffer and as one sample in a signal, through one small library of every
model family of every project type. Zero sanitizer reports; NaN/Inf get the error state;
an anomaly-detection library fed NaN still detects as before. And the NaN guard once on
an emulated Cortex-M (#21: 386 UBSan reports, NaN probabilities with NEAI_OK)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from nanoforge.codegen import armrun, library, toolchain
from nanoforge.engine.models import Model

from .test_cgolden import _spec, cases

NEAI_OK, NEAI_UNKNOWN_ERROR = 0, 128
SANITIZE = ["-fsanitize=address,undefined,float-cast-overflow", "-fno-sanitize-recover=all",
            "-fno-omit-frame-pointer", "-g", "-O1"]

# value, and whether it is finite (the library must then answer NEAI_OK or its own error,
# never undefined behaviour); C expressions so the values are exact
ADVERSARIAL = [("0.0f", True), ("1e30f", True), ("-1e30f", True), ("FLT_MAX", True), ("-FLT_MAX", True),
               ("FLT_MIN / 4.0f", True), ("1e-45f", True), ("NAN", False), ("INFINITY", False), ("-INFINITY", False)]

CALL = {
    "ncc": ("neai_classification_init(knowledge)",
            "float out[CLASS_NUMBER]; uint16_t id = 0; return neai_classification(b, out, &id);"),
    "1cc": ("neai_oneclass_init(knowledge)", "uint8_t flag = 0; return neai_oneclass(b, &flag);"),
    "ext": ("neai_extrapolation_init(knowledge)", "float v = 0.0f; return neai_extrapolation(b, &v);"),
    "ad": ("neai_anomalydetection_init()", "uint8_t s = 0; enum neai_state l = neai_anomalydetection_learn(b);"
                                           " enum neai_state d = neai_anomalydetection_detect(b, &s);"
                                           " return l == NEAI_UNKNOWN_ERROR ? l : d;"),
}


def _harness(type_name: str) -> str:
    init, call = CALL[type_name]
    values = ", ".join(v for v, _ in ADVERSARIAL)
    know = '#include "knowledge.h"\n' if type_name != "ad" else ""
    return f"""#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include "NanoEdgeAI.h"
{know}
#define N (DATA_INPUT_USER * AXIS_NUMBER)
static float b[N];

static enum neai_state call(void) {{ {call} }}

static void nominal(int seed) {{
    int i;
    for (i = 0; i < N; i++) b[i] = (float)((i * 7 + seed * 13) % 23) / 11.0f - 1.0f;
}}

#if defined(MINIMUM_ITERATION_CALLS_FOR_EFFICIENT_LEARNING)
static int similarity(void) {{
    uint8_t s = 0;
    nominal(3);
    if (neai_anomalydetection_detect(b, &s) != NEAI_OK) return -1;
    return s;
}}
#endif

int main(void) {{
    const float values[] = {{{values}}};
    unsigned v;
    int i, mode;
    if ({init} != NEAI_OK) return 2;
#if defined(MINIMUM_ITERATION_CALLS_FOR_EFFICIENT_LEARNING)
    for (i = 0; i < MINIMUM_ITERATION_CALLS_FOR_EFFICIENT_LEARNING + 5; i++) {{
        nominal(i);
        if (neai_anomalydetection_learn(b) == NEAI_UNKNOWN_ERROR) return 3;  /* else: learning states */
    }}
    printf("similarity %d\\n", similarity());
    for (v = 7; v < sizeof values / sizeof values[0]; v++) {{  /* NaN and the infinities first */
        for (i = 0; i < N; i++) b[i] = values[v];
        (void)call();
        nominal(1); b[N / 2] = values[v];
        (void)call();
    }}
    printf("similarity %d\\n", similarity());
#endif
    for (v = 0; v < sizeof values / sizeof values[0]; v++)
        for (mode = 0; mode < 2; mode++) {{
            if (mode == 0) for (i = 0; i < N; i++) b[i] = values[v];
            else {{ nominal(1); b[N / 2] = values[v]; }}
            printf("%u %d %d\\n", v, mode, (int)call());
        }}
    return 0;
}}
"""


def _one_per_family() -> dict[str, tuple[str, list[dict[str, Any]], dict[str, Any], int, int]]:
    """One golden case per (model family module, project type)."""
    out: dict[str, Any] = {}
    for name, case in cases().items():
        if name.startswith("model-"):
            family = Model.lookup(case[2]["kind"]).__module__.rsplit(".", 1)[-1]
            out.setdefault(f"{family}-{case[0]}", case)
    return out


FAMILIES = {**_one_per_family(), "prototypes-ad-loo": cases()["model-reservoir-loo"]}


@pytest.mark.skipif(shutil.which(toolchain.HOST_CC) is None, reason="no host C compiler")
@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_adversarial_buffers_under_the_sanitizers(tmp_path: Path, family: str) -> None:
    case = FAMILIES[family]
    type_name = case[0]
    spec = _spec(*case)
    src = tmp_path / "src"
    library.write_sources(library.generate(spec), src)
    (tmp_path / "harness.c").write_text(_harness(type_name))
    exe = tmp_path / "harness"
    subprocess.run([toolchain.HOST_CC, *toolchain.EXACT, *SANITIZE, "-I", str(src), str(src / "neai.c"),
                    str(tmp_path / "harness.c"), "-o", str(exe), "-lm"], check=True, capture_output=True)
    r = subprocess.run([str(exe)], capture_output=True, text=True, timeout=120,
                       env={"ASAN_OPTIONS": "detect_leaks=0", "UBSAN_OPTIONS": "print_stacktrace=1"})
    assert r.returncode == 0 and "runtime error" not in r.stderr and "Sanitizer" not in r.stderr, (family, r.stderr)
    lines = r.stdout.splitlines()
    if type_name == "ad":
        before, after = lines[0], lines[1]
        assert before == after and before != "similarity -1", (family, before, after)  # NaN learned nothing
        lines = lines[2:]
    answers = {(int(v), int(m)): int(rc) for v, m, rc in (line.split() for line in lines)}
    assert len(answers) == 2 * len(ADVERSARIAL)
    for (v, mode), rc in answers.items():
        value, finite = ADVERSARIAL[v]
        if finite:
            assert rc in (NEAI_OK, NEAI_UNKNOWN_ERROR), (family, value, mode, rc)
        else:
            assert rc == NEAI_UNKNOWN_ERROR, (family, value, mode, rc)
    assert answers[(0, 1)] == NEAI_OK  # an ordinary signal with a zero in it is fine


ARM_NAN_HARNESS = armrun.harness("int n", """    float *in = (float *)NF_IN;  /* non-const, as the 4.x API declares its input */
    float *out = (float *)NF_OUT;
    uint16_t *ids = (uint16_t *)NF_IDS;
    int i;
    if (neai_classification_init(knowledge) != NEAI_OK) return -1;
    for (i = 0; i < n; i++) {
        ids[i] = 77;
        if (neai_classification(in + i * DATA_INPUT_USER * AXIS_NUMBER, out + i * CLASS_NUMBER, ids + i)
                != NEAI_UNKNOWN_ERROR || ids[i] != 77)
            return -2 - i;
    }
    return 0;
""")


@pytest.mark.skipif(not toolchain.have_arm(), reason="arm-none-eabi-gcc missing (scripts/toolchain.sh)")
def test_the_nan_guard_on_an_emulated_cortex_m(tmp_path: Path) -> None:
    """The guard is a bit test on the device, not the host's isfinite: the Cortex-M4 build
    in unicorn refuses NaN and both infinities and leaves the class id alone."""
    case = FAMILIES["linear-ncc"]
    spec = _spec(*case)
    src = tmp_path / "src"
    library.write_sources(library.generate(spec), src)
    n = int(spec["axes"]) * int(spec["buffer"])
    rows = np.zeros((3, n), np.float32)
    rows[:, n // 2] = [np.nan, np.inf, -np.inf]
    rows[0, 0] = np.float32(1.0)
    img = armrun.build_image(src, tmp_path / "m4", "cortex-m4", ARM_NAN_HARNESS)
    armrun.machine(img, rows, 4 * len(spec["classes"]) * 3, 2 * 3, (3,))  # raises unless the harness returned 0
