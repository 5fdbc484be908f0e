"""Float32 values as C text. Its own module because both the library generator
(cgen.py) and the per-family emitters (emit/) write literals, and the generator imports
the emitters: the literals cannot live in either without an import cycle."""

from __future__ import annotations

import numpy as np


def c_float(v: float) -> str:
    """Exact C literal of a float32 in decimal: 9 significant digits name every float32
    uniquely (it reads back to the same bits), and a decimal literal is valid C89, C99
    and C++98 alike, where a hexadecimal float is not before C++17 (an Arduino sketch
    including knowledge.h failed with "exponent has no digits")."""
    f = float(np.float32(v))
    if f == 0.0:
        return "-0.0f" if np.signbit(np.float32(v)) else "0.0f"
    if not np.isfinite(f):
        raise ValueError("knowledge holds a non-finite value")
    text = f"{f:.9g}"
    if "." not in text and "e" not in text:
        text += ".0"
    return f"{text}f"


def c_string(text: str) -> str:
    """A C string literal holding `text`'s UTF-8 bytes exactly, whatever the compiler's
    source and execution character sets: printable ASCII as itself, every other byte as a
    three-digit octal escape (no digit that follows can extend it), and `?` escaped so
    that no trigraph (`??/` is a backslash under -std=c99) can form."""
    out = []
    for b in text.encode("utf-8"):
        ch = chr(b)
        if ch in '"\\?':
            out.append("\\" + ch)
        elif 0x20 <= b < 0x7F:
            out.append(ch)
        else:
            out.append(f"\\{b:03o}")
    return '"' + "".join(out) + '"'


def c_array(values: np.ndarray, per_line: int = 6) -> str:
    items = [c_float(v) for v in np.asarray(values, np.float32).ravel()]
    lines = [", ".join(items[i: i + per_line]) for i in range(0, len(items), per_line)]
    return "    " + ",\n    ".join(lines)


def c_string_in_comment(text: str) -> str:
    """c_string for a literal shown inside a /* comment */: a `*/` in the user's words
    would end the comment, so its slash is written as an octal escape."""
    return c_string(text).replace("*/", "*\\057")
