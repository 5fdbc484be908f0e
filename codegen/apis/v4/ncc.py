"""N-class classification, NanoEdge 4.x API: `neai_classification_init(knowledge)`,
`neai_classification(in, probabilities, &id_class)`, class names in `id2class`."""

from __future__ import annotations

import ctypes
from pathlib import Path
from typing import Any

import numpy as np

from nanoforge.engine.pipeline import Pipeline

from ... import armrun
from ...cgen import (
    HEADER_CLOSE,
    HEADER_OPEN,
    NEAI_STATE_ENUM,
    V4,
    Generated,
    LibraryGen,
    declarations,
    entry_point,
    header_top,
    init_function,
)
from ...ctext import c_string_in_comment
from ...emit import ModelEmitter
from ...emulator import KNOWLEDGE_EMULATOR_C, fill, open_library, rows
from .. import CApi
from ..params import one_file
from .common import call_comment, example, init_declaration, signals


def generate(pipe: Pipeline, axes: int, length: int, classes: list[str], neai_id: str, suffix: str = "") -> Generated:
    return NccGen(pipe, axes, length, classes, neai_id, suffix).build()


class NccGen(LibraryGen):
    def __init__(self, pipe: Pipeline, axes: int, length: int, classes: list[str], neai_id: str, suffix: str) -> None:
        super().__init__(pipe, axes, length, neai_id, suffix)
        self.classes = classes

    def model(self, v: str, d: int) -> None:
        """The model's class scores, then a softmax unless they are probabilities already."""
        em = ModelEmitter.lookup(self.pipe.model.kind)
        c = len(self.classes)
        out = "output_buffer"
        em.call(self, self.pipe.model, v, d, c, out)
        if not em.probabilities:
            self.use("nf_math")
            self.body.append(f"nf_math_softmax({out}, {c});")

    def emit(self) -> Generated:
        s, S = self.sfx, self.sfx.upper()
        src = self.prelude("n-class") + "\n" + init_function("classification", s) + entry_point(
            self, V4, f"enum neai_state neai_classification{s}(float data_input[], float output_buffer[], "
            "uint16_t *id_class)", ["output_buffer", "id_class"], "a, t, best",
            ["best = 0;", f"for (t = 1; t < CLASS_NUMBER{S}; t++) if (output_buffer[t] > output_buffer[best]) best = t;",
             "*id_class = (uint16_t)(best + 1);"])
        know, kn = self.knowledge_h("neai_classification_init")
        files = {"neai.c": src, "NanoEdgeAI.h": header_text(self.neai_id, self.axes, self.length, self.classes, s),
                 "knowledge.h": know}
        return Generated(files, kn, self.ram(), {"classes": len(self.classes)})


def id2class(classes: list[str], s: str, qualifiers: str = "const char *") -> list[str]:
    """The C lines defining id2class{s}: class names by 1-based id, "unknown" at 0."""
    names = [c_string_in_comment(n) for n in ["unknown", *classes]]
    return [f"{qualifiers}id2class{s}[CLASS_NUMBER{s.upper()} + 1] = {{", *[f"    {n}," for n in names], "};"]


def id2class_c(spec: dict[str, Any], sfx: str) -> str:
    """id2class as firmware declares it from the header's closing comment."""
    return "\n".join(id2class(list(spec["classes"]), sfx, "static const char *const "))


def class_list(classes: list[str]) -> str:
    """The library's classes by id, for the header's comment."""
    return "\n".join(f"     {i}: {c_string_in_comment(c)}" for i, c in enumerate(classes, 1))


def header_text(neai_id: str, axes: int, length: int, classes: list[str], s: str = "") -> str:
    S = s.upper()
    top = header_top("n-class classification", neai_id, axes, length, s,
                     extra_defines=f"#define CLASS_NUMBER{S} {len(classes)}\n",
                     extra_aliases=f"#define CLASS_NUMBER CLASS_NUMBER{S}\n")
    decl = declarations([
        "uint16_t id_class = 0; // the class found, 1 .. CLASS_NUMBER",
        f"float input_user_buffer[DATA_INPUT_USER{S} * AXIS_NUMBER{S}]; // buffer of input values",
        f"float output_class_buffer[CLASS_NUMBER{S}]; // class probabilities",
        *id2class(classes, s)])
    return top + f"""
{NEAI_STATE_ENUM}
/* Classes, by the id neai_classification{s}() gives:
{class_list(classes)} */

{HEADER_OPEN}
{init_declaration("classification", s, knowledge_doc=True)}

{call_comment("Classifies one signal.", s, [
    f"output_buffer: CLASS_NUMBER{S} probabilities, written.",
    f"id_class: the most probable class, 1 .. CLASS_NUMBER{S} (id2class{s}[id_class] names it)."])}
enum neai_state neai_classification{s}(float data_input[], float output_buffer[], uint16_t *id_class);

{HEADER_CLOSE}{decl}"""


EXAMPLE_MAIN = """/* Hello world for the nanoforge library: classify one buffer.
   Build: add libneai{s}.a to the link (no libm or libc functions are needed). */
#include <stdint.h>
#include "NanoEdgeAI{s}.h"
#include "knowledge{s}.h"

@FILL@static float output_class_buffer[CLASS_NUMBER{S}];
@ID2CLASS@

int main(void)
{{
    uint16_t id_class = 0;
    volatile const char *name;
    if (neai_classification_init{s}(knowledge{s}) != NEAI_OK) return 1;
    for (;;) {{
        fill_buffer(input_user_buffer);
        if (neai_classification{s}(input_user_buffer, output_class_buffer, &id_class) != NEAI_OK) return 2;
        name = id2class{s}[id_class];
        (void)name;
    }}
}}
"""

EMULATOR_PARTS = {
    "@WHAT@": "n-class classification", "@API@": "classification",
    "@DECL@": "float probs[CLASS_NUMBER@SU@];\n    @ID2CLASS@\n    uint16_t id = 0;\n    int i;\n    const char *c;",
    # the class name as a JSON string: a user's name may hold quotes, backslashes, controls
    "@CALL@": 'neai_classification@S@(in, probs, &id);\n'
              '        printf("{\\"line\\": %ld, \\"class\\": \\"", lineno);\n'
              '        for (c = id2class@S@[id]; *c; c++) {\n'
              '            if (*c == \'"\' || *c == \'\\\\\') printf("\\\\%c", *c);\n'
              '            else if ((unsigned char)*c < 0x20) printf("\\\\u%04x", (unsigned)(unsigned char)*c);\n'
              '            else putchar(*c);\n'
              '        }\n'
              '        printf("\\", \\"class_id\\": %u, \\"probabilities\\": [", id);\n'
              '        for (i = 0; i < CLASS_NUMBER@SU@; i++) printf("%s%.9g", i ? ", " : "", (double)probs[i]);\n'
              '        printf("]}\\n");'}


class HostLibrary:
    """A built host library with its knowledge, ready to classify float32 buffers."""

    id_type: Any = ctypes.c_uint16  # how the API gives the class id
    first_id = 1  # and the id of the first class

    def __init__(self, so: Path, gen: Generated, axes: int, length: int, n_classes: int) -> None:
        self.axes, self.length, self.n_classes = axes, length, n_classes
        fp = ctypes.POINTER(ctypes.c_float)
        self.lib, self.knowledge = open_library(so, gen, "classification", [fp, fp, ctypes.POINTER(self.id_type)],
                                                knowledge_arg=self.first_id == 1)

    def classify(self, signals: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """signals: (n, axes, length) → (probabilities (n, classes), 1-based ids, whatever the API)."""
        fp = ctypes.POINTER(ctypes.c_float)
        inter = rows(signals)
        probs = np.zeros((len(signals), self.n_classes), np.float32)
        ids = np.zeros(len(signals), np.uint16)
        cid = self.id_type()
        for i in range(len(signals)):
            row = inter[i]
            out = probs[i]
            st = self.lib.neai_classification(row.ctypes.data_as(fp), out.ctypes.data_as(fp), ctypes.byref(cid))
            if st != 0:
                raise RuntimeError(f"neai_classification returned {st}")
            ids[i] = cid.value + 1 - self.first_id
        return probs, ids


HARNESS_C = armrun.harness("int n", """    float *in = (float *)NF_IN;
    float *out = (float *)NF_OUT;
    uint16_t *ids = (uint16_t *)NF_IDS;
    int i;
    if (neai_classification_init(knowledge) != NEAI_OK) return -1;
    for (i = 0; i < n; i++)
        if (neai_classification(in + i * DATA_INPUT_USER * AXIS_NUMBER, out + i * CLASS_NUMBER, ids + i) != NEAI_OK)
            return -2;
    return 0;
""")


def run_arm(img: armrun.ArmImage, signals: np.ndarray, n_classes: int, count_instructions: bool = False
            ) -> tuple[np.ndarray, np.ndarray, int]:
    """Classifies (n, axes, length) signals on the emulated core (HARNESS_C): probabilities,
    ids, and the number of instructions executed (when asked; it slows the run)."""
    inter = rows(signals)
    uc, count = armrun.machine(img, inter, 4 * n_classes * len(inter), 2 * len(inter), (len(inter),),
                               count_instructions)
    probs = np.frombuffer(bytes(uc.mem_read(armrun.OUT_ADDR, 4 * n_classes * len(inter))), np.float32)
    ids = np.frombuffer(bytes(uc.mem_read(armrun.IDS_ADDR, 2 * len(inter))), np.uint16)
    return probs.reshape(len(inter), n_classes).copy(), ids.copy(), count[0]


SCRIPT_RUN = r'''
def run(lib, args):
    n = len(CLASSES)
    probs = (ctypes.c_float * n)()
    cid = (ctypes.c_uint16 if API == "v4" else ctypes.c_int)()
    first = 1 if API == "v4" else 0  # 4.x ids are 1-based, 5.x 0-based
    if API == "v4":
        lib.checked("classification_init", lib.knowledge())
    else:
        lib.checked("classification_init")
    counts = [0] * n
    for path in args.detect:
        for line, values in read_signals(path):
            lib.checked("classification", buffer(values), probs, ctypes.byref(cid))
            k = cid.value - first
            counts[k] += 1
            detail = "  [" + " ".join(f"{p:.3f}" for p in probs) + "]" if args.verbose else ""
            show(args, where(args, path, line), f"{CLASSES[k]:<16} id {cid.value}{detail}",
                 {"file": path, "line": line, "class": CLASSES[k], "class_id": cid.value,
                  "probabilities": [float(p) for p in probs]})
    summary = {"signals": sum(counts), "per_class": dict(zip(CLASSES, counts))}
    if args.json:
        print(json.dumps({"summary": summary}))
    else:
        print(f"{summary['signals']} signals: " + ", ".join(f"{c}: {k}" for c, k in zip(CLASSES, counts)))
    return 0
'''


class NClass(CApi):
    name = "ncc"
    title = "n-class classification"
    harness = HARNESS_C
    script_run = SCRIPT_RUN

    def generate(self, spec: dict[str, Any], neai_id: str, suffix: str = "") -> Generated:
        return generate(Pipeline.from_spec(spec), int(spec["axes"]), int(spec["buffer"]), list(spec["classes"]),
                        neai_id, suffix)

    def example_main(self, sfx: str, spec: dict[str, Any]) -> str:
        names = id2class_c(spec, sfx).replace("{", "{{").replace("}", "}}")  # for the example's str.format
        return example(EXAMPLE_MAIN.replace("@ID2CLASS@", names), sfx)

    def emulator_source(self, sfx: str, spec: dict[str, Any]) -> str:
        return fill(KNOWLEDGE_EMULATOR_C, sfx, {**EMULATOR_PARTS, "@ID2CLASS@": id2class_c(spec, sfx)})

    def host(self, so: Path, gen: Generated, spec: dict[str, Any]) -> HostLibrary:
        return HostLibrary(so, gen, int(spec["axes"]), int(spec["buffer"]), len(spec["classes"]))

    def emulate(self, spec: dict[str, Any], cache: Path, params: dict[str, Any]) -> dict[str, Any]:
        from ...library import host_library

        file = one_file(spec, params)
        host = host_library(spec, cache, self.api)
        probs, ids = host.classify(signals(spec, file))
        classes = list(spec["classes"])
        results = [{"line": i + 1, "class": classes[int(c) - 1], "class_id": int(c),
                    "probabilities": [float(v) for v in p]} for i, (p, c) in enumerate(zip(probs, ids, strict=True))]
        counts = {name: int((ids == i + 1).sum()) for i, name in enumerate(classes)}
        return {"library": spec.get("library"), "file": str(file), "results": results,
                "summary": {"signals": len(results), "per_class": counts,
                            "mean_certainty": float(probs.max(axis=1).mean()) if len(probs) else None}}
