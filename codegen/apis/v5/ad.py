"""Anomaly detection, NanoEdge 5.x API: `neai_anomalydetection_init(use_pretrained)`,
`_learn(in)` → NEAI_LEARNING_IN_PROGRESS until the minimum then NEAI_LEARNING_DONE,
`_detect(in, &similarity)` → NEAI_LEARNING_IN_PROGRESS until then.

`init(true)` starts from the state the library reached learning the project's nominal
signals (`nanoforge deploy --pretrained`, compiled in); NEAI_NOT_SUPPORTED when it was
deployed without. The 4.x engine (codegen/apis/v4/ad.py) computes every bit."""

from __future__ import annotations

import ctypes
from pathlib import Path
from typing import Any

import numpy as np

from nanoforge.engine.pipeline import Pipeline

from ...cgen import HEADER_CLOSE, Generated, declarations
from ...ctext import c_array
from ...emulator import fill, rows
from ..v4 import ad as v4
from ..v4.common import example
from .common import EMULATOR_PARTS, V5, header_top, identification

NEAI_LEARNING_IN_PROGRESS = 6


class ADGen5(v4.ADGen):
    def emit(self) -> Generated:
        s, S = self.sfx, self.sfx.upper()
        min_learn = f"NF_N < (float)NEAI_MINIMUM_LEARNING_CALLS{S}"
        if self.pretrained is not None:
            statics = f"static const float nf_pretrained[NF_MEM_SIZE] = {{\n{c_array(self.pretrained)}\n}};\n"
            on_init = ["if (use_pretrained) for (i = 0; i < NF_MEM_SIZE; i++) nf_mem[i] = nf_pretrained[i];"]
        else:
            statics, on_init = "", ["if (use_pretrained) return NEAI_NOT_SUPPORTED; /* deployed without --pretrained */"]
        src = self.source(V5, f"enum neai_state neai_anomalydetection_init{s}(bool use_pretrained)", on_init,
                          f"{min_learn} ? NEAI_LEARNING_IN_PROGRESS : NEAI_LEARNING_DONE",
                          f"{min_learn} ? NEAI_LEARNING_IN_PROGRESS : NEAI_OK", statics, identification(s))
        header = header_text(self.neai_id, self.axes, self.length, self.min_learn, s, self.pretrained is not None)
        return Generated({"neai.c": src, "NanoEdgeAI.h": header}, np.zeros(0, np.float32), self.ram() + self.mem,
                         {"memory_floats": self.mem})


def header_text(neai_id: str, axes: int, length: int, min_learn: int, s: str, pretrained: bool) -> str:
    S = s.upper()
    top = header_top("anomaly detection", neai_id, axes, length, s, includes="#include <stdbool.h>\n",
                     extra_defines="/* learn() calls the benchmark found enough (its learning curve) */\n"
                                   f"#define NEAI_MINIMUM_LEARNING_CALLS{S} {min_learn}\n")
    decl = declarations([f"float input_signal[NEAI_INPUT_SIGNAL_LENGTH{S} * NEAI_INPUT_AXIS_NUMBER{S}];",
                         "uint8_t similarity = 0; // 0-100, nominal at 90 and above"])
    has = ("This library was deployed pretrained: init(true) starts from what it learned from the\n"
           "   project's nominal signals." if pretrained else
           "This library was deployed without --pretrained: init(true) returns NEAI_NOT_SUPPORTED.")
    return top + f"""
/* Starts the library: empty (use_pretrained false), or from the knowledge learned in the
   studio (true). {has}
   Returns NEAI_OK, or NEAI_NOT_SUPPORTED. */
enum neai_state neai_anomalydetection_init{s}(bool use_pretrained);

/* Learns one nominal signal; after init(true) it enriches the knowledge.
   in: NEAI_INPUT_SIGNAL_LENGTH{S} x NEAI_INPUT_AXIS_NUMBER{S} values, interleaved; read only.
   Returns NEAI_LEARNING_IN_PROGRESS until NEAI_MINIMUM_LEARNING_CALLS{S} signals are learned,
   then NEAI_LEARNING_DONE; NEAI_NOT_INITIALIZED before init; NEAI_INVALID_PARAM for a null
   pointer or a non-finite input (nothing learned). */
enum neai_state neai_anomalydetection_learn{s}(float *in);

/* Similarity of one signal to what was learned.
   in: as for learn; read only.
   similarity: 0-100, written; nominal at 90 and above.
   Returns NEAI_OK; NEAI_LEARNING_IN_PROGRESS while fewer than NEAI_MINIMUM_LEARNING_CALLS{S}
   signals are learned (the similarity is written all the same); NEAI_NOT_INITIALIZED before
   init; NEAI_INVALID_PARAM for a null pointer or a non-finite input. */
enum neai_state neai_anomalydetection_detect{s}(float *in, uint8_t *similarity);

/* nanoforge extensions: the sensitivity (default 1; 0 < sensitivity <= 100, else
   NEAI_INVALID_PARAM) and the learned state (n_floats floats) to save and restore. */
enum neai_state neai_anomalydetection_set_sensitivity{s}(float sensitivity);
float neai_anomalydetection_get_sensitivity{s}(void);
float *neai_anomalydetection_memory{s}(uint32_t *n_floats);

{HEADER_CLOSE}{decl}"""


EXAMPLE_MAIN = """/* Hello world for the nanoforge anomaly-detection library (NanoEdge 5.x API).
   Build: add libneai{s}.a to the link (no libm or libc functions are needed). */
#include <stdbool.h>
#include <stdint.h>
#include "NanoEdgeAI{s}.h"

@FILL@
int main(void)
{{
    uint8_t similarity = 0;
    volatile int alarm = 0;
    /* true: start from what was learned in the studio (deploy --pretrained) */
    if (neai_anomalydetection_init{s}(false) != NEAI_OK) return 1;
    /* Learn the machine running normally; learn more than the minimum when you can. */
    do fill_buffer(input_user_buffer);
    while (neai_anomalydetection_learn{s}(input_user_buffer) == NEAI_LEARNING_IN_PROGRESS);
    for (;;) {{
        fill_buffer(input_user_buffer);
        if (neai_anomalydetection_detect{s}(input_user_buffer, &similarity) != NEAI_OK) return 2;
        alarm = similarity < 90;
        (void)alarm;
    }}
}}
"""


class ADHostLibrary5(v4.ADHostLibrary):
    """The 5.x host build, driven as the 4.x one is (init() starts empty)."""

    def init(self, use_pretrained: bool = False) -> None:
        self.lib.neai_anomalydetection_init.argtypes = [ctypes.c_bool]
        st = self.lib.neai_anomalydetection_init(use_pretrained)
        if st != 0:
            raise RuntimeError(f"neai_anomalydetection_init returned {st}")

    def detect(self, signals: np.ndarray) -> np.ndarray:
        """Similarities; NEAI_LEARNING_IN_PROGRESS still writes one, as 4.x answers."""
        fp = ctypes.POINTER(ctypes.c_float)
        out = np.zeros(len(signals), np.uint8)
        v = ctypes.c_uint8()
        for i, r in enumerate(rows(signals)):
            st = self.lib.neai_anomalydetection_detect(r.ctypes.data_as(fp), ctypes.byref(v))
            if st not in (0, NEAI_LEARNING_IN_PROGRESS):
                raise RuntimeError(f"neai_anomalydetection_detect returned {st}")
            out[i] = v.value
        return out


# the 4.x harness; a detection answered NEAI_LEARNING_IN_PROGRESS (6) counts: 0 and 6 are
# the states that wrote a similarity
HARNESS_C = v4.HARNESS_C.replace("neai_anomalydetection_init()", "neai_anomalydetection_init(false)").replace(
    "DATA_INPUT_USER * AXIS_NUMBER", "NEAI_INPUT_SIGNAL_LENGTH * NEAI_INPUT_AXIS_NUMBER").replace(
    "sims + i) != NEAI_OK)", "sims + i) % NEAI_LEARNING_IN_PROGRESS != NEAI_OK)")


class AnomalyDetection5(v4.AnomalyDetection):
    name = "ad"
    api = "v5"
    harness = HARNESS_C

    def generate(self, spec: dict[str, Any], neai_id: str, suffix: str = "",
                 pretrained: np.ndarray | None = None) -> Generated:
        return ADGen5(Pipeline.from_spec(spec), int(spec["axes"]), int(spec["buffer"]), neai_id,
                      int(spec.get("min_learn", 1)), spec.get("sensor", "generic"), suffix, pretrained).build()

    def example_main(self, sfx: str, spec: dict[str, Any]) -> str:
        return example(EXAMPLE_MAIN, sfx, V5)

    def emulator_source(self, sfx: str, spec: dict[str, Any]) -> str:
        return fill(v4.EMULATOR_C, sfx, {**EMULATOR_PARTS, "@INIT@": "neai_anomalydetection_init@S@(false)"})

    def host(self, so: Path, gen: Generated, spec: dict[str, Any]) -> ADHostLibrary5:
        return ADHostLibrary5(so, int(spec["axes"]), int(spec["buffer"]))
