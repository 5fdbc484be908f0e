"""What the v4 plug-ins share: the example's sensor stub and loading the files to emulate."""

from __future__ import annotations

from typing import Any

import numpy as np

from nanoforge.engine.dataset import load_file

from ...cgen import V4, ApiNames

FILL = """static float input_user_buffer[@LEN@{S} * @AXES@{S}];

/* Replace with your sensor read: @LEN@ samples of @AXES@ axes, interleaved. */
static void fill_buffer(float *buffer)
{{
    int i;
    for (i = 0; i < @LEN@{S} * @AXES@{S}; i++) buffer[i] = 0.0f;
}}
"""


def example(template: str, sfx: str, names: ApiNames = V4) -> str:
    """An example main from its template: @FILL@ is the sensor stub, {s} the suffix, {S} the suffix of macros (upper case)."""
    fill = FILL.replace("@LEN@", names.length).replace("@AXES@", names.axes)
    return template.replace("@FILL@", fill).format(s=sfx, S=sfx.upper())


def signals(spec: dict[str, Any], file: str) -> np.ndarray:
    """A file's signals in the library's (axes, buffer) shape."""
    return load_file(file, int(spec["axes"]), int(spec["buffer"]))


def init_declaration(name: str, s: str, knowledge_doc: bool = False) -> str:
    """The header's `neai_<name>_init` and its comment, the same for every 4.x type."""
    arg = "   knowledge_buffer: the library's knowledge array.\n" if knowledge_doc else ""
    return f"""/* Checks and stores the knowledge (knowledge{s} from knowledge{s}.h); call once first.
{arg}   Returns NEAI_OK, or NEAI_KNOWLEDGE_BUFFER_ERROR for knowledge of another library. */
enum neai_state neai_{name}_init{s}(const float knowledge_buffer[]);"""


def call_comment(summary: str, s: str, outputs: list[str]) -> str:
    """The comment above an inference entry point: its input, `outputs` (one line each,
    already indented), and the states it answers."""
    S = s.upper()
    outs = "\n".join(f"   {o}" for o in outputs)
    return f"""/* {summary}
   data_input: DATA_INPUT_USER{S} samples x AXIS_NUMBER{S} axes, interleaved (x0 y0 z0 x1 ...);
               read only.
{outs}
   Returns NEAI_OK; NEAI_INIT_FCT_NOT_CALLED before init; NEAI_UNKNOWN_ERROR for a null
   pointer or a non-finite input (nothing written). */"""
