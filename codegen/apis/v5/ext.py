"""Extrapolation, NanoEdge 5.x API: `neai_extrapolation_init()`,
`neai_extrapolation(in, &prediction)`."""

from __future__ import annotations

import ctypes
from pathlib import Path
from typing import Any

from nanoforge.engine.pipeline import Pipeline

from ... import armrun
from ...cgen import Generated
from ...emulator import KNOWLEDGE_EMULATOR_C, fill, open_library
from ..v4 import ext as v4
from ..v4.common import example
from ..v4.single import single_output_source
from .common import EMULATOR_PARTS, V5, identification, init_c, knowledge_c, knowledge_header, no_knowledge


class ExtGen5(v4.ExtGen):
    def emit(self) -> Generated:
        s = self.sfx
        know, _ = knowledge_c(self)
        src = single_output_source(self, "extrapolation", "extrapolation", "float *extrapolated_value",
                                   ["*extrapolated_value = nf_out[0];"], statics=know + identification(s), names=V5,
                                   init=init_c("extrapolation", s))
        files = {"neai.c": src, "NanoEdgeAI.h": header_text(self.neai_id, self.axes, self.length, s)}
        return Generated(files, no_knowledge(), self.ram(), {"outputs": 1})


def header_text(neai_id: str, axes: int, length: int, s: str = "") -> str:
    S = s.upper()
    return knowledge_header("extrapolation", neai_id, axes, length, s, "extrapolation", f"""/* Estimates the target from one signal.
   in: NEAI_INPUT_SIGNAL_LENGTH{S} x NEAI_INPUT_AXIS_NUMBER{S} values, interleaved; read only.
   prediction: the estimate, written.
   Returns NEAI_OK; NEAI_NOT_INITIALIZED before init; NEAI_INVALID_PARAM for a null pointer
   or a non-finite input (nothing written). */
enum neai_state neai_extrapolation{s}(float *in, float *prediction);
""", ["float prediction = 0.0f;"])


EXAMPLE_MAIN = v4.EXAMPLE_MAIN.replace("neai_extrapolation_init{s}(knowledge{s})", "neai_extrapolation_init{s}()"
                                       ).replace('#include "knowledge{s}.h"\n', "").replace(
    "nanoforge extrapolation library", "nanoforge extrapolation library (NanoEdge 5.x API)")


class ExtHostLibrary5(v4.ExtHostLibrary):
    def __init__(self, so: Path, gen: Generated, axes: int, length: int) -> None:
        fp = ctypes.POINTER(ctypes.c_float)
        self.lib, self.knowledge = open_library(so, gen, "extrapolation", [fp, fp], knowledge_arg=False)


HARNESS_C = armrun.harness("int n", """    float *in = (float *)NF_IN;
    float *out = (float *)NF_OUT;
    int i;
    if (neai_extrapolation_init() != NEAI_OK) return -1;
    for (i = 0; i < n; i++)
        if (neai_extrapolation(in + i * NEAI_INPUT_SIGNAL_LENGTH * NEAI_INPUT_AXIS_NUMBER, out + i) != NEAI_OK)
            return -2;
    return 0;
""", knowledge=False)


class Extrapolation5(v4.Extrapolation):
    name = "ext"
    api = "v5"
    harness = HARNESS_C

    def generate(self, spec: dict[str, Any], neai_id: str, suffix: str = "") -> Generated:
        return ExtGen5(Pipeline.from_spec(spec), int(spec["axes"]), int(spec["buffer"]), neai_id, suffix).build()

    def example_main(self, sfx: str, spec: dict[str, Any]) -> str:
        return example(EXAMPLE_MAIN, sfx, V5)

    def emulator_source(self, sfx: str, spec: dict[str, Any]) -> str:
        return fill(KNOWLEDGE_EMULATOR_C, sfx, {**EMULATOR_PARTS, **v4.EMULATOR_PARTS})

    def host(self, so: Path, gen: Generated, spec: dict[str, Any]) -> ExtHostLibrary5:
        return ExtHostLibrary5(so, gen, int(spec["axes"]), int(spec["buffer"]))
