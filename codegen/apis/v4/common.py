"""What the v4 plug-ins share: the example's sensor stub and loading the files to emulate."""

from __future__ import annotations

from typing import Any

import numpy as np

from nanoforge.engine.dataset import load_file

FILL = """static float input_user_buffer[DATA_INPUT_USER{S} * AXIS_NUMBER{S}];

/* Replace with your sensor read: DATA_INPUT_USER samples of AXIS_NUMBER axes, interleaved. */
static void fill_buffer(float *buffer)
{{
    int i;
    for (i = 0; i < DATA_INPUT_USER{S} * AXIS_NUMBER{S}; i++) buffer[i] = 0.0f;
}}
"""


def example(template: str, sfx: str) -> str:
    """An example main from its template: @FILL@ is the sensor stub, {s} the suffix, {S} the suffix of macros (upper case)."""
    return template.replace("@FILL@", FILL).format(s=sfx, S=sfx.upper())


def signals(spec: dict[str, Any], file: str) -> np.ndarray:
    """A file's signals in the library's (axes, buffer) shape."""
    return load_file(file, int(spec["axes"]), int(spec["buffer"]))
