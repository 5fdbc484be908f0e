"""Float32 values as C text. Its own module because both the library generator
(cgen.py) and the per-family emitters (emit/) write literals, and the generator imports
the emitters: the literals cannot live in either without an import cycle."""

from __future__ import annotations

import numpy as np


def c_float(v: float) -> str:
    """Exact C literal of a float32: hex floats carry every bit."""
    f = float(np.float32(v))
    if f == 0.0:
        return "-0.0f" if np.signbit(np.float32(v)) else "0.0f"
    if not np.isfinite(f):
        raise ValueError("knowledge holds a non-finite value")
    return f"{f.hex()}f"


def c_array(values: np.ndarray, per_line: int = 6) -> str:
    items = [c_float(v) for v in np.asarray(values, np.float32).ravel()]
    lines = [", ".join(items[i: i + per_line]) for i in range(0, len(items), per_line)]
    return "    " + ",\n    ".join(lines)
