"""Extrapolation, NanoEdge 4.x API: the spine's feature blocks and knowledge, one output
value (`neai_extrapolation_init(knowledge)`, `neai_extrapolation(in, &value)`)."""

from __future__ import annotations

import ctypes
from pathlib import Path
from typing import Any

import numpy as np

from nanoforge.engine.dataset import load_target_values
from nanoforge.engine.metrics import regression
from nanoforge.engine.pipeline import Pipeline

from ... import armrun
from ...cgen import HEADER_CLOSE, HEADER_OPEN, NEAI_STATE_ENUM, Generated, LibraryGen, declarations, header_top
from ...emit import ModelEmitter
from ...emulator import KNOWLEDGE_EMULATOR_C, fill, open_library, per_row, rows
from .. import CApi
from ..params import file_and_targets, learn_detect
from .common import call_comment, example, init_declaration, signals
from .single import single_output_source


def generate(pipe: Pipeline, axes: int, length: int, neai_id: str, suffix: str = "") -> Generated:
    return ExtGen(pipe, axes, length, neai_id, suffix).build()


class ExtGen(LibraryGen):
    def model(self, v: str, d: int) -> None:
        """The model's one value, back to the targets' scale when the fit standardised them."""
        m = self.pipe.model
        st = m.state
        em = ModelEmitter.lookup(m.kind)
        out = "nf_out"
        self.buf("nf_out", 1)
        em.call(self, m, v, d, 1, out)
        if "ys" in st:  # targets were standardised for the fit
            self.body.append(f"{out}[0] = {out}[0] * ({self.kref('m.ys', st['ys'])})[0] + "
                             f"({self.kref('m.ym', st['ym'])})[0];")

    def emit(self) -> Generated:
        src = single_output_source(self, "extrapolation", "extrapolation", "float *extrapolated_value",
                                   ["*extrapolated_value = nf_out[0];"])
        know, kn = self.knowledge_h("neai_extrapolation_init")
        files = {"neai.c": src, "NanoEdgeAI.h": header_text(self.neai_id, self.axes, self.length, self.sfx),
                 "knowledge.h": know}
        return Generated(files, kn, self.ram(), {"outputs": 1})


def header_text(neai_id: str, axes: int, length: int, s: str = "") -> str:
    S = s.upper()
    decl = declarations([f"float input_user_buffer[DATA_INPUT_USER{S} * AXIS_NUMBER{S}]; // buffer of input values",
                         "float extrapolated_value = 0.0f; // the estimate"])
    return header_top("extrapolation", neai_id, axes, length, s) + f"""
{NEAI_STATE_ENUM}
{HEADER_OPEN}
{init_declaration("extrapolation", s)}

{call_comment("Estimates the target from one signal.", s, ["extrapolated_value: the estimate, written."])}
enum neai_state neai_extrapolation{s}(float data_input[], float *extrapolated_value);

{HEADER_CLOSE}{decl}"""


EXAMPLE_MAIN = """/* Hello world for the nanoforge extrapolation library: estimate a value from a buffer.
   Build: add libneai{s}.a to the link (no libm or libc functions are needed). */
#include <stdint.h>
#include "NanoEdgeAI{s}.h"
#include "knowledge{s}.h"

@FILL@
int main(void)
{{
    volatile float value = 0.0f;
    float v;
    if (neai_extrapolation_init{s}(knowledge{s}) != NEAI_OK) return 1;
    for (;;) {{
        fill_buffer(input_user_buffer);
        if (neai_extrapolation{s}(input_user_buffer, &v) != NEAI_OK) return 2;
        value = v;
        (void)value;
    }}
}}
"""

EMULATOR_PARTS = {"@WHAT@": "extrapolation", "@API@": "extrapolation", "@DECL@": "float value = 0.0f;",
                  "@CALL@": 'neai_extrapolation@S@(in, &value);\n'
                            '        printf("{\\"line\\": %ld, \\"value\\": %.9g}\\n", lineno, (double)value);'}


class ExtHostLibrary:
    """A built extrapolation host library with its knowledge."""

    def __init__(self, so: Path, gen: Generated, axes: int, length: int) -> None:
        fp = ctypes.POINTER(ctypes.c_float)
        self.lib, self.knowledge = open_library(so, gen, "extrapolation", [fp, fp])

    def extrapolate(self, signals: np.ndarray) -> np.ndarray:
        return per_row(self.lib.neai_extrapolation, rows(signals), ctypes.c_float, np.float32)


HARNESS_C = armrun.harness("int n", """    float *in = (float *)NF_IN;
    float *out = (float *)NF_OUT;
    int i;
    if (neai_extrapolation_init(knowledge) != NEAI_OK) return -1;
    for (i = 0; i < n; i++)
        if (neai_extrapolation(in + i * DATA_INPUT_USER * AXIS_NUMBER, out + i) != NEAI_OK) return -2;
    return 0;
""")


def run_arm(img: armrun.ArmImage, signals: np.ndarray) -> np.ndarray:
    """Extrapolates (n, axes, length) signals on the emulated core (HARNESS_C)."""
    inter = rows(signals)
    uc, _ = armrun.machine(img, inter, 4 * len(inter), 4, (len(inter),))
    return np.frombuffer(bytes(uc.mem_read(armrun.OUT_ADDR, 4 * len(inter))), np.float32).copy()


SCRIPT_RUN = r'''
def run(lib, args):
    if API == "v4":
        lib.checked("extrapolation_init", lib.knowledge())
    else:
        lib.checked("extrapolation_init")
    value = ctypes.c_float()
    values_out = []
    for path in args.detect:
        for line, values in read_signals(path):
            lib.checked("extrapolation", buffer(values), ctypes.byref(value))
            values_out.append(float(value.value))
            show(args, where(args, path, line), f"{value.value:.6g}", {"file": path, "line": line,
                                                                     "value": float(value.value)})
    mean = sum(values_out) / len(values_out) if values_out else None
    summary = {"signals": len(values_out), "mean": mean}
    if args.json:
        print(json.dumps({"summary": summary}))
    else:
        print(f"{len(values_out)} signals" + (f", mean {mean:.6g}" if values_out else ""))
    return 0
'''


class Extrapolation(CApi):
    name = "ext"
    title = "extrapolation"
    harness = HARNESS_C
    script_run = SCRIPT_RUN

    def generate(self, spec: dict[str, Any], neai_id: str, suffix: str = "") -> Generated:
        return generate(Pipeline.from_spec(spec), int(spec["axes"]), int(spec["buffer"]), neai_id, suffix)

    def outputs(self, spec: dict[str, Any]) -> int:
        return 1

    def example_main(self, sfx: str, spec: dict[str, Any]) -> str:
        return example(EXAMPLE_MAIN, sfx)

    def emulator_source(self, sfx: str, spec: dict[str, Any]) -> str:
        return fill(KNOWLEDGE_EMULATOR_C, sfx, EMULATOR_PARTS)

    def host(self, so: Path, gen: Generated, spec: dict[str, Any]) -> ExtHostLibrary:
        return ExtHostLibrary(so, gen, int(spec["axes"]), int(spec["buffer"]))

    def emulate(self, spec: dict[str, Any], cache: Path, params: dict[str, Any]) -> dict[str, Any]:
        from ...library import host_library

        if learn_detect(params) is not None:
            raise ValueError(f"library {spec.get('library')} is not anomaly detection; use --file")
        file, targets = file_and_targets(params)
        host = host_library(spec, cache, self.api)
        values = host.extrapolate(signals(spec, file))
        results = [{"line": i + 1, "value": float(v)} for i, v in enumerate(values)]
        summary: dict[str, Any] = {"signals": len(results),
                                   "mean": float(values.mean()) if len(values) else None}
        if targets:
            y = load_target_values(targets)
            if len(y) != len(values):
                raise ValueError(f"{targets}: {len(y)} targets for {len(values)} signals in {file}; "
                                 "give one target per signal, in the same order")
            summary.update(regression(y, values))
        return {"library": spec.get("library"), "file": str(file), "results": results, "summary": summary}
