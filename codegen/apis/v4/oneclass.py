"""1-class classification, NanoEdge 4.x API: the spine's feature blocks, one outlier
score, a threshold in the knowledge (`neai_oneclass_init(knowledge)`,
`neai_oneclass(in, &is_outlier)`).

`neai_oneclass_last_score()` is a nanoforge extension: the score behind the last
decision, for logging how far outside a signal fell (outlier ⇔ score > threshold).
"""

from __future__ import annotations

import ctypes
from pathlib import Path
from typing import Any

import numpy as np

from nanoforge.engine.pipeline import Pipeline
from nanoforge.engine.types.oneclass import backstop_shift_samples

from ... import armrun
from ...cgen import HEADER_CLOSE, HEADER_OPEN, NEAI_STATE_ENUM, Generated, LibraryGen, declarations, header_top
from ...emit import ModelEmitter
from ...emulator import KNOWLEDGE_EMULATOR_C, fill, open_library, rows
from .. import CApi
from ..params import one_file
from .common import call_comment, example, init_declaration, signals
from .single import single_output_source


def generate(pipe: Pipeline, axes: int, length: int, neai_id: str, suffix: str = "") -> Generated:
    return OneClassGen(pipe, axes, length, neai_id, suffix).build()


class OneClassGen(LibraryGen):
    def build(self) -> Generated:
        self.backstop()
        return super().build()

    def backstop(self) -> None:
        """The backstop's score times its threshold ratio into nf_backstop[0], before the
        model's pipeline reuses the stage buffers (engine/types/oneclass.py,
        `backstop_config`); its knowledge parts are named "backstop.*"."""
        bs = self.pipe.backstop
        if bs is None:
            return
        self.kprefix = "backstop."
        d, cur = self.features(bs.blocks)
        self.buf("nf_out", 1)
        ModelEmitter.lookup(bs.model.kind).call(self, bs.model, cur, d, 1, "nf_out")
        ratio = self.kref("ratio", np.asarray([bs.meta["ratio"]], np.float32))
        self.kprefix = ""
        self.buf("nf_backstop", 1)
        self.body.append(f"nf_backstop[0] = nf_out[0] * ({ratio})[0];")

    def model(self, v: str, d: int) -> None:
        """The model's outlier score (raised to the backstop's when that is larger), and
        the threshold it is compared with in knowledge."""
        m = self.pipe.model
        em = ModelEmitter.lookup(m.kind)
        self.buf("nf_out", 1)
        em.call(self, m, v, d, 1, "nf_out")
        if self.pipe.backstop is not None:
            self.body.append("if (nf_backstop[0] > nf_out[0]) nf_out[0] = nf_backstop[0];")
        self.limit = self.kref("m.limit", m.state["limit"])

    def emit(self) -> Generated:
        s = self.sfx
        src = single_output_source(
            self, "1-class", "oneclass", "uint8_t *is_outlier",
            ["nf_last_score = nf_out[0];", f"*is_outlier = (uint8_t)(nf_out[0] > ({self.limit})[0]);"],
            statics="static float nf_last_score;\n", on_init="nf_last_score = 0.0f;",
            after=f"""
float neai_oneclass_last_score{s}(void)
{{
    return nf_last_score;
}}
""")
        know, kn = self.knowledge_h("neai_oneclass_init")
        files = {"neai.c": src, "NanoEdgeAI.h": header_text(self.neai_id, self.axes, self.length, s), "knowledge.h": know}
        meta = {"oneclass": True, "threshold": float(self.pipe.model.state["limit"][0])}
        return Generated(files, kn, self.ram(), meta)


def header_text(neai_id: str, axes: int, length: int, s: str = "") -> str:
    S = s.upper()
    decl = declarations([f"float input_user_buffer[DATA_INPUT_USER{S} * AXIS_NUMBER{S}]; // buffer of input values",
                         "uint8_t is_outlier = 0; // 1: outside the nominal class"])
    return header_top("1-class classification", neai_id, axes, length, s) + f"""
{NEAI_STATE_ENUM}
{HEADER_OPEN}
{init_declaration("oneclass", s)}

{call_comment("Tells whether one signal falls outside the nominal class.", s,
              ["is_outlier: 1 outside, 0 nominal; written."])}
enum neai_state neai_oneclass{s}(float data_input[], uint8_t *is_outlier);

/* nanoforge extension: the outlier score behind the last neai_oneclass{s}() call
   (outlier when it exceeds the library's threshold, in metadata.json). */
float neai_oneclass_last_score{s}(void);

{HEADER_CLOSE}{decl}"""


EXAMPLE_MAIN = """/* Hello world for the nanoforge 1-class library: is this buffer still nominal?
   Build: add libneai{s}.a to the link (no libm or libc functions are needed). */
#include <stdint.h>
#include "NanoEdgeAI{s}.h"
#include "knowledge{s}.h"

@FILL@
int main(void)
{{
    uint8_t is_outlier = 0;
    volatile int alarm = 0;
    volatile float how_far = 0.0f;
    if (neai_oneclass_init{s}(knowledge{s}) != NEAI_OK) return 1;
    for (;;) {{
        fill_buffer(input_user_buffer);
        if (neai_oneclass{s}(input_user_buffer, &is_outlier) != NEAI_OK) return 2;
        alarm = is_outlier;
        how_far = neai_oneclass_last_score{s}();
        (void)alarm;
        (void)how_far;
    }}
}}
"""

EMULATOR_PARTS = {"@WHAT@": "1-class classification", "@API@": "oneclass", "@DECL@": "uint8_t outlier = 0;",
                  "@CALL@": 'neai_oneclass@S@(in, &outlier);\n'
                            '        printf("{\\"line\\": %ld, \\"outlier\\": %s, \\"score\\": %.9g}\\n", lineno, '
                            'outlier ? "true" : "false",\n'
                            '               (double)neai_oneclass_last_score@S@());'}


class OCHostLibrary:
    """A built 1-class host library with its knowledge."""

    def __init__(self, so: Path, gen: Generated, axes: int, length: int) -> None:
        fp = ctypes.POINTER(ctypes.c_float)
        self.lib, self.knowledge = open_library(so, gen, "oneclass", [fp, ctypes.POINTER(ctypes.c_uint8)])
        self.lib.neai_oneclass_last_score.restype = ctypes.c_float

    def oneclass(self, signals: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(is_outlier uint8, score float32) per signal."""
        inter = rows(signals)
        fp = ctypes.POINTER(ctypes.c_float)
        flags = np.zeros(len(inter), np.uint8)
        scores = np.zeros(len(inter), np.float32)
        v = ctypes.c_uint8()
        for i, r in enumerate(inter):
            st = self.lib.neai_oneclass(r.ctypes.data_as(fp), ctypes.byref(v))
            if st != 0:
                raise RuntimeError(f"neai_oneclass returned {st}")
            flags[i] = v.value
            scores[i] = self.lib.neai_oneclass_last_score()
        return flags, scores


HARNESS_C = armrun.harness("int n", """    float *in = (float *)NF_IN;
    float *score = (float *)NF_OUT;
    uint8_t *flag = (uint8_t *)NF_IDS;
    int i;
    if (neai_oneclass_init(knowledge) != NEAI_OK) return -1;
    for (i = 0; i < n; i++) {
        if (neai_oneclass(in + i * DATA_INPUT_USER * AXIS_NUMBER, flag + i) != NEAI_OK) return -2;
        score[i] = neai_oneclass_last_score();
    }
    return 0;
""")


def run_arm(img: armrun.ArmImage, signals: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """1-class decisions and scores of (n, axes, length) signals on the emulated core (HARNESS_C)."""
    inter = rows(signals)
    uc, _ = armrun.machine(img, inter, 4 * len(inter), len(inter), (len(inter),))
    scores = np.frombuffer(bytes(uc.mem_read(armrun.OUT_ADDR, 4 * len(inter))), np.float32)
    flags = np.frombuffer(bytes(uc.mem_read(armrun.IDS_ADDR, len(inter))), np.uint8)
    return flags.copy(), scores.copy()


SCRIPT_RUN = r'''
def run(lib, args):
    fn = "oneclass" if API == "v4" else "outlier"
    score = lib.fn(fn + "_last_score", ctypes.c_float)
    if API == "v4":
        lib.checked(fn + "_init", lib.knowledge())
    else:
        lib.checked(fn + "_init")
    flag = ctypes.c_uint8()
    total = outliers = 0
    for path in args.detect:
        for line, values in read_signals(path):
            lib.checked(fn, buffer(values), ctypes.byref(flag))
            total += 1
            outliers += flag.value
            s = float(score())
            show(args, where(args, path, line), ("outlier" if flag.value else "nominal")
                 + (f"  score {s:.4g}" if args.verbose else ""),
                 {"file": path, "line": line, "outlier": bool(flag.value), "score": s})
    summary = {"signals": total, "outliers": outliers, "nominal": total - outliers}
    if args.json:
        print(json.dumps({"summary": summary}))
    else:
        print(f"{total} signals: {total - outliers} nominal, {outliers} outliers")
    return 0
'''


class OneClass(CApi):
    name = "1cc"
    title = "1-class classification"
    harness = HARNESS_C
    script_run = SCRIPT_RUN

    def generate(self, spec: dict[str, Any], neai_id: str, suffix: str = "") -> Generated:
        return generate(Pipeline.from_spec(spec), int(spec["axes"]), int(spec["buffer"]), neai_id, suffix)

    def outputs(self, spec: dict[str, Any]) -> int:
        return 1

    def metadata(self, spec: dict[str, Any], pipe: Pipeline) -> dict[str, Any]:
        out: dict[str, Any] = {"outlier_threshold": float(pipe.model.state["limit"][0])}
        if pipe.backstop is not None:
            bs = pipe.backstop
            out["backstop"] = {"pipeline": [b.kind for b in bs.blocks], "model": bs.model.kind,
                               "buffers": int(len(bs.model.state["proto"])),
                               # the time shift its distance forgives, either way, in the signal's samples
                               "shift": backstop_shift_samples(bs),
                               "threshold": float(bs.model.state["limit"][0]), "ratio": float(bs.meta["ratio"])}
        return out

    def example_main(self, sfx: str, spec: dict[str, Any]) -> str:
        return example(EXAMPLE_MAIN, sfx)

    def emulator_source(self, sfx: str, spec: dict[str, Any]) -> str:
        return fill(KNOWLEDGE_EMULATOR_C, sfx, EMULATOR_PARTS)

    def host(self, so: Path, gen: Generated, spec: dict[str, Any]) -> OCHostLibrary:
        return OCHostLibrary(so, gen, int(spec["axes"]), int(spec["buffer"]))

    def emulate(self, spec: dict[str, Any], cache: Path, params: dict[str, Any]) -> dict[str, Any]:
        from ...library import host_library

        file = one_file(spec, params)
        host = host_library(spec, cache, self.api)
        flags, scores = host.oneclass(signals(spec, file))
        results = [{"line": i + 1, "outlier": bool(f), "score": float(v)}
                   for i, (f, v) in enumerate(zip(flags, scores, strict=True))]
        n = len(results)
        out = int(flags.sum())
        return {"library": spec.get("library"), "file": str(file), "results": results,
                "summary": {"signals": n, "outliers": out, "nominal": n - out,
                            "outlier_rate": out / n if n else None,
                            "threshold": float(Pipeline.from_spec(spec).model.state["limit"][0])}}
