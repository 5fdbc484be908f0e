"""1-class classification, NanoEdge 5.x API: `neai_outlier_init()`,
`neai_outlier(in, &is_outlier)`; `neai_outlier_last_score()` is the nanoforge extension
the 4.x plug-in calls neai_oneclass_last_score."""

from __future__ import annotations

import ctypes
from pathlib import Path
from typing import Any

from nanoforge.engine.pipeline import Pipeline

from ... import armrun
from ...cgen import Generated
from ...emulator import KNOWLEDGE_EMULATOR_C, fill, open_library
from ..v4 import oneclass as v4
from ..v4.common import example
from ..v4.single import single_output_source
from .common import EMULATOR_PARTS, V5, identification, init_c, knowledge_c, knowledge_header, no_knowledge


class OneClassGen5(v4.OneClassGen):
    def emit(self) -> Generated:
        s = self.sfx
        know, _ = knowledge_c(self)
        src = single_output_source(
            self, "1-class", "outlier", "uint8_t *is_outlier",
            ["nf_last_score = nf_out[0];", f"*is_outlier = (uint8_t)(nf_out[0] > ({self.limit})[0]);"],
            statics=know + "static float nf_last_score;\n" + identification(s), names=V5, init=init_c("outlier", s),
            after=f"""
float neai_outlier_last_score{s}(void)
{{
    return nf_last_score;
}}
""")
        files = {"neai.c": src, "NanoEdgeAI.h": header_text(self.neai_id, self.axes, self.length, s)}
        return Generated(files, no_knowledge(), self.ram(),
                         {"oneclass": True, "threshold": float(self.pipe.model.state["limit"][0])})


def header_text(neai_id: str, axes: int, length: int, s: str = "") -> str:
    S = s.upper()
    return knowledge_header("1-class classification", neai_id, axes, length, s, "outlier", f"""/* Tells whether one signal falls outside the nominal class.
   in: NEAI_INPUT_SIGNAL_LENGTH{S} x NEAI_INPUT_AXIS_NUMBER{S} values, interleaved; read only.
   is_outlier: 1 outside, 0 nominal; written.
   Returns NEAI_OK; NEAI_NOT_INITIALIZED before init; NEAI_INVALID_PARAM for a null pointer
   or a non-finite input (nothing written). */
enum neai_state neai_outlier{s}(float *in, uint8_t *is_outlier);

/* nanoforge extension: the outlier score behind the last neai_outlier{s}() call
   (outlier when it exceeds the library's threshold, in metadata.json). */
float neai_outlier_last_score{s}(void);
""", ["uint8_t is_outlier = 0; // 1: outside the nominal class"])


EXAMPLE_MAIN = v4.EXAMPLE_MAIN.replace("neai_oneclass_init{s}(knowledge{s})", "neai_outlier_init{s}()").replace(
    "neai_oneclass", "neai_outlier").replace('#include "knowledge{s}.h"\n', "").replace(
    "nanoforge 1-class library", "nanoforge 1-class library (NanoEdge 5.x API)")

EMULATOR_CALL = {"@API@": "outlier",
                 "@CALL@": v4.EMULATOR_PARTS["@CALL@"].replace("neai_oneclass", "neai_outlier")}


class OCHostLibrary5(v4.OCHostLibrary):
    def __init__(self, so: Path, gen: Generated, axes: int, length: int) -> None:
        fp = ctypes.POINTER(ctypes.c_float)
        self.lib, self.knowledge = open_library(so, gen, "outlier", [fp, ctypes.POINTER(ctypes.c_uint8)],
                                                knowledge_arg=False)
        self.lib.neai_outlier_last_score.restype = ctypes.c_float
        # the 4.x names the shared oneclass() calls
        self.lib.neai_oneclass = self.lib.neai_outlier
        self.lib.neai_oneclass_last_score = self.lib.neai_outlier_last_score


HARNESS_C = armrun.harness("int n", """    float *in = (float *)NF_IN;
    float *score = (float *)NF_OUT;
    uint8_t *flag = (uint8_t *)NF_IDS;
    int i;
    if (neai_outlier_init() != NEAI_OK) return -1;
    for (i = 0; i < n; i++) {
        if (neai_outlier(in + i * NEAI_INPUT_SIGNAL_LENGTH * NEAI_INPUT_AXIS_NUMBER, flag + i) != NEAI_OK) return -2;
        score[i] = neai_outlier_last_score();
    }
    return 0;
""", knowledge=False)


class OneClass5(v4.OneClass):
    name = "1cc"
    api = "v5"
    harness = HARNESS_C

    def generate(self, spec: dict[str, Any], neai_id: str, suffix: str = "") -> Generated:
        return OneClassGen5(Pipeline.from_spec(spec), int(spec["axes"]), int(spec["buffer"]), neai_id,
                            suffix).build()

    def example_main(self, sfx: str, spec: dict[str, Any]) -> str:
        return example(EXAMPLE_MAIN, sfx, V5)

    def emulator_source(self, sfx: str, spec: dict[str, Any]) -> str:
        return fill(KNOWLEDGE_EMULATOR_C, sfx, {**EMULATOR_PARTS, **v4.EMULATOR_PARTS, **EMULATOR_CALL})

    def host(self, so: Path, gen: Generated, spec: dict[str, Any]) -> OCHostLibrary5:
        return OCHostLibrary5(so, gen, int(spec["axes"]), int(spec["buffer"]))
