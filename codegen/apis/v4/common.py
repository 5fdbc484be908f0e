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
