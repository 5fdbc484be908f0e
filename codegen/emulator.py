"""The emulator: the library's own C, built for this computer.

Driven through ctypes for the daemon and tests, and built as a standalone command for the
deploy folder; both run exactly the code that goes on the device. Each project type's
plug-in (codegen/apis/) has its host class and emulator main; the parts they share are
here.
"""

from __future__ import annotations

import ctypes
from pathlib import Path
from typing import Any

import numpy as np

from nanoforge.engine.dataset import interleave

from .cgen import Generated

READER_C = r"""/* One signal per line, any of the four separators; strtod then float, as Python reads. */
static int nf_read_line(FILE *f, const char *path, long *lineno, float *in, int n_in)
{
    static char line[1 << 20];
    while (fgets(line, sizeof line, f)) {
        char *p = line, *end;
        int n = 0;
        (*lineno)++;
        while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n') p++;
        if (!*p) continue;
        while (n < n_in) {
            double v = strtod(p, &end);
            float x;
            if (end == p) break;
            x = (float)v;
            if (!(x - x == 0.0f)) {
                fprintf(stderr, "%s:%ld: value %d is not a finite float32 (NaN, infinite or too large)\n", path,
                        *lineno, n + 1);
                return -1;
            }
            in[n++] = x;
            p = end;
            while (*p == ' ' || *p == '\t' || *p == ',' || *p == ';' || *p == '\r' || *p == '\n') p++;
        }
        if (n != n_in) {
            fprintf(stderr, "%s:%ld: expected %d values, read %d\n", path, *lineno, n_in, n);
            return -1;
        }
        return 1;
    }
    return 0;
}
"""

# The standalone emulator of a library with knowledge: reads a signal file (any of the
# four separators), prints one JSON object per signal. Parses with strtod then rounds to
# float, as the Python side does.
KNOWLEDGE_EMULATOR_C = r"""/* nanoforge emulator, @WHAT@: the library built for the host. Usage: emulator FILE */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "NanoEdgeAI.h"
@KH@
#define N_IN (@LEN@@SU@ * @AXES@@SU@)
@READER@
int main(int argc, char **argv)
{
    static float in[N_IN];
    @DECL@
    FILE *f;
    long lineno = 0;
    int r, bad = 0;
    if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        printf("usage: %s FILE\nRuns the library on every line (one signal) of FILE; one JSON object per line.\n",
               argv[0]);
        return 0;
    }
    if (argc != 2) { fprintf(stderr, "usage: %s FILE\n", argv[0]); return 2; }
    f = fopen(argv[1], "r");
    if (!f) { perror(argv[1]); return 2; }
    if (@INIT@ != NEAI_OK) { fprintf(stderr, "knowledge rejected\n"); return 1; }
    while ((r = nf_read_line(f, argv[1], &lineno, in, N_IN)) != 0) {
        if (r < 0) { bad = 1; continue; }
        @CALL@
    }
    fclose(f);
    return bad;
}
"""


# The 4.x way of starting a library and sizing its input; a 5.x plug-in gives its own.
V4_PARTS = {"@KH@": '#include "knowledge.h"\n', "@INIT@": "neai_@API@_init@S@(knowledge@S@)",
            "@LEN@": "DATA_INPUT_USER", "@AXES@": "AXIS_NUMBER"}


def fill(template: str, suffix: str, parts: dict[str, str] | None = None) -> str:
    """An emulator main from its template: the reader, `parts` (@KEY@ → C, over the 4.x
    ones), the suffix."""
    out = template.replace("@READER@", READER_C)
    for k, v in {**V4_PARTS, **(parts or {})}.items():
        out = out.replace(k, v)
    return out.replace("@SU@", suffix.upper()).replace("@S@", suffix)


def rows(signals: np.ndarray) -> np.ndarray:
    """(n, axes, length) → one interleaved float32 buffer per row, as the firmware fills it."""
    return np.ascontiguousarray(interleave(signals), np.float32)


def open_library(so: Path, gen: Generated, api: str, argtypes: list[Any], knowledge_arg: bool = True
                 ) -> tuple[Any, np.ndarray]:
    """Loads a host library, declares `neai_<api>` and calls `neai_<api>_init`: with its
    knowledge (4.x), or without when the knowledge is inside (5.x, `knowledge_arg` False)."""
    lib = ctypes.CDLL(str(so))
    knowledge = np.ascontiguousarray(gen.knowledge, np.float32)
    fp = ctypes.POINTER(ctypes.c_float)
    init, fn = getattr(lib, f"neai_{api}_init"), getattr(lib, f"neai_{api}")
    init.argtypes, init.restype = ([fp] if knowledge_arg else []), ctypes.c_int
    fn.argtypes, fn.restype = argtypes, ctypes.c_int
    st = init(knowledge.ctypes.data_as(fp)) if knowledge_arg else init()
    if st != 0:
        raise RuntimeError(f"neai_{api}_init returned {st}")
    return lib, knowledge


def per_row(fn: Any, inter: np.ndarray, ctype: Any, dtype: Any) -> np.ndarray:
    """Calls `fn(row, &result)` for each row; a non-OK state is an error naming the function."""
    fp = ctypes.POINTER(ctypes.c_float)
    out = np.zeros(len(inter), dtype)
    v = ctype()
    for i, r in enumerate(inter):
        st = fn(r.ctypes.data_as(fp), ctypes.byref(v))
        if st != 0:
            raise RuntimeError(f"{fn.__name__} returned {st}")
        out[i] = v.value
    return out
