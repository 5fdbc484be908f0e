"""N-class classification, NanoEdge 5.x API: `neai_classification_init()`,
`neai_classification(in, probabilities, &id_class)` with a 0-based id,
`neai_get_number_of_classes()`, `neai_get_class_name(id)`."""

from __future__ import annotations

import ctypes
from pathlib import Path
from typing import Any

from nanoforge.engine.pipeline import Pipeline

from ... import armrun
from ...cgen import HEADER_CLOSE, Generated, declarations, entry_point
from ...ctext import c_string, c_string_in_comment
from ...emulator import KNOWLEDGE_EMULATOR_C, fill
from ..v4 import ncc as v4
from ..v4.common import example
from .common import EMULATOR_PARTS, V5, header_top, identification, init_c, knowledge_c, no_knowledge


class NccGen5(v4.NccGen):
    def emit(self) -> Generated:
        s, S = self.sfx, self.sfx.upper()
        know, _ = knowledge_c(self)
        names = ",\n    ".join(c_string(n) for n in self.classes)
        src = self.prelude("n-class") + know + identification(s) + f"""
static const char *const nf_class_names[{len(self.classes)}] = {{
    {names}
}};

int neai_get_number_of_classes{s}(void)
{{
    return NEAI_NUMBER_OF_CLASSES{S};
}}

const char *neai_get_class_name{s}(int id_class)
{{
    if (id_class < 0 || id_class >= NEAI_NUMBER_OF_CLASSES{S}) return 0;
    return nf_class_names[id_class];
}}
""" + init_c("classification", s) + entry_point(
            self, V5, f"enum neai_state neai_classification{s}(float *data_input, float *output_buffer, int *id_class)",
            ["output_buffer", "id_class"], "a, t, best",
            ["best = 0;",
             f"for (t = 1; t < NEAI_NUMBER_OF_CLASSES{S}; t++) if (output_buffer[t] > output_buffer[best]) best = t;",
             "*id_class = best;"])
        files = {"neai.c": src, "NanoEdgeAI.h": header_text(self.neai_id, self.axes, self.length, self.classes, s)}
        return Generated(files, no_knowledge(), self.ram(), {"classes": len(self.classes)})


def header_text(neai_id: str, axes: int, length: int, classes: list[str], s: str = "") -> str:
    S = s.upper()
    top = header_top("n-class classification", neai_id, axes, length, s,
                     extra_defines=f"#define NEAI_NUMBER_OF_CLASSES{S} {len(classes)}\n",
                     extra_aliases=f"#define NEAI_NUMBER_OF_CLASSES NEAI_NUMBER_OF_CLASSES{S}\n")
    listing = "\n".join(f"     {i}: {c_string_in_comment(c)}" for i, c in enumerate(classes))
    decl = declarations([f"float input_signal[NEAI_INPUT_SIGNAL_LENGTH{S} * NEAI_INPUT_AXIS_NUMBER{S}];",
                         f"float output_probabilities[NEAI_NUMBER_OF_CLASSES{S}];",
                         "int id_class = 0; // 0 .. NEAI_NUMBER_OF_CLASSES - 1"])
    return top + f"""
/* Classes of the library (NEAI_NUMBER_OF_CLASSES{S}). */
int neai_get_number_of_classes{s}(void);

/* The name of class id_class, 0 .. NEAI_NUMBER_OF_CLASSES{S} - 1; NULL out of range.
   Classes, by id:
{listing} */
const char* neai_get_class_name{s}(int id_class);

/* Points the library at its knowledge (inside libneai{s}.a); call once first.
   Returns NEAI_OK. */
enum neai_state neai_classification_init{s}(void);

/* Classifies one signal.
   in: NEAI_INPUT_SIGNAL_LENGTH{S} x NEAI_INPUT_AXIS_NUMBER{S} values, interleaved; read only.
   probabilities: NEAI_NUMBER_OF_CLASSES{S} values, written.
   id_class: the most probable class, 0-based; written.
   Returns NEAI_OK; NEAI_NOT_INITIALIZED before init; NEAI_INVALID_PARAM for a null pointer
   or a non-finite input (nothing written). */
enum neai_state neai_classification{s}(float *in, float *probabilities, int *id_class);

{HEADER_CLOSE}{decl}"""


EXAMPLE_MAIN = """/* Hello world for the nanoforge library (NanoEdge 5.x API): classify one buffer.
   Build: add libneai{s}.a to the link (no libm or libc functions are needed). */
#include <stdint.h>
#include "NanoEdgeAI{s}.h"

@FILL@static float output_probabilities[NEAI_NUMBER_OF_CLASSES{S}];

int main(void)
{{
    int id_class = 0;
    volatile const char *name;
    if (neai_classification_init{s}() != NEAI_OK) return 1;
    for (;;) {{
        fill_buffer(input_user_buffer);
        if (neai_classification{s}(input_user_buffer, output_probabilities, &id_class) != NEAI_OK) return 2;
        name = neai_get_class_name{s}(id_class);
        (void)name;
    }}
}}
"""

# the emulator prints 1-based ids and names, as the 4.x one does: one output format
EMULATOR_CALL = {
    "@DECL@": "float probs[NEAI_NUMBER_OF_CLASSES@SU@];\n    int id = 0;\n    int i;\n    const char *c;",
    "@CALL@": v4.EMULATOR_PARTS["@CALL@"].replace("&id);", "&id);\n        id += 1;").replace(
        "id2class@S@[id]", "neai_get_class_name@S@(id - 1)").replace("CLASS_NUMBER@SU@", "NEAI_NUMBER_OF_CLASSES@SU@"),
}


class HostLibrary5(v4.HostLibrary):
    """The 5.x host build (knowledge inside, 0-based int ids), answering as the 4.x one
    does (1-based ids), so emulate and the differential tests are the same for both APIs."""

    id_type = ctypes.c_int
    first_id = 0

    def __init__(self, so: Path, gen: Generated, axes: int, length: int, n_classes: int) -> None:
        super().__init__(so, gen, axes, length, n_classes)
        self.lib.neai_get_class_name.restype = ctypes.c_char_p
        self.lib.neai_get_class_name.argtypes = [ctypes.c_int]


HARNESS_C = armrun.harness("int n", """    float *in = (float *)NF_IN;
    float *out = (float *)NF_OUT;
    uint16_t *ids = (uint16_t *)NF_IDS;
    int i, id = 0;
    if (neai_classification_init() != NEAI_OK) return -1;
    for (i = 0; i < n; i++) {
        if (neai_classification(in + i * NEAI_INPUT_SIGNAL_LENGTH * NEAI_INPUT_AXIS_NUMBER,
                                out + i * NEAI_NUMBER_OF_CLASSES, &id) != NEAI_OK)
            return -2;
        ids[i] = (uint16_t)(id + 1);
    }
    return 0;
""", knowledge=False)


class NClass5(v4.NClass):
    name = "ncc"
    api = "v5"
    harness = HARNESS_C

    def generate(self, spec: dict[str, Any], neai_id: str, suffix: str = "") -> Generated:
        return NccGen5(Pipeline.from_spec(spec), int(spec["axes"]), int(spec["buffer"]), list(spec["classes"]),
                       neai_id, suffix).build()

    def example_main(self, sfx: str, spec: dict[str, Any]) -> str:
        return example(EXAMPLE_MAIN, sfx, V5)

    def emulator_source(self, sfx: str, spec: dict[str, Any]) -> str:
        return fill(KNOWLEDGE_EMULATOR_C, sfx, {**EMULATOR_PARTS, **v4.EMULATOR_PARTS, **EMULATOR_CALL})

    def host(self, so: Path, gen: Generated, spec: dict[str, Any]) -> HostLibrary5:
        return HostLibrary5(so, gen, int(spec["axes"]), int(spec["buffer"]), len(spec["classes"]))
