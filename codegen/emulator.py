"""The emulator: the library's own C, built for this computer (DESIGN §3.4).

Driven through ctypes for the daemon and tests, and built as a standalone command for the
deploy folder; both run exactly the code that goes on the device.
"""

from __future__ import annotations

import ctypes
from pathlib import Path

import numpy as np

from .csource import Generated

# The standalone emulator: reads a signal file (any of the four separators), prints one
# JSON object per signal. Parses with strtod then rounds to float, as the Python side does.
EMULATOR_C = r"""/* nanoforge emulator: the library built for the host. Usage: emulator FILE */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "NanoEdgeAI.h"
#include "knowledge.h"

#define N_IN (DATA_INPUT_USER@S@ * AXIS_NUMBER@S@)

int main(int argc, char **argv)
{
    static char line[1 << 20];
    static float in[N_IN];
    float probs[CLASS_NUMBER@S@];
    uint16_t id = 0;
    FILE *f;
    long lineno = 0;
    int i, bad = 0;
    if (argc != 2) { fprintf(stderr, "usage: %s FILE\n", argv[0]); return 2; }
    f = fopen(argv[1], "r");
    if (!f) { perror(argv[1]); return 2; }
    if (neai_classification_init@S@(knowledge@S@) != NEAI_OK) { fprintf(stderr, "knowledge rejected\n"); return 1; }
    while (fgets(line, sizeof line, f)) {
        char *p = line, *end;
        int n = 0;
        lineno++;
        while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n') p++;
        if (!*p) continue;
        while (n < N_IN) {
            double v = strtod(p, &end);
            if (end == p) break;
            in[n++] = (float)v;
            p = end;
            while (*p == ' ' || *p == '\t' || *p == ',' || *p == ';' || *p == '\r' || *p == '\n') p++;
        }
        if (n != N_IN) { fprintf(stderr, "%s:%ld: expected %d values, read %d\n", argv[1], lineno, N_IN, n); bad = 1; continue; }
        neai_classification@S@(in, probs, &id);
        printf("{\"line\": %ld, \"class\": \"%s\", \"class_id\": %u, \"probabilities\": [", lineno, id2class@S@[id], id);
        for (i = 0; i < CLASS_NUMBER@S@; i++) printf("%s%.9g", i ? ", " : "", (double)probs[i]);
        printf("]}\n");
    }
    fclose(f);
    return bad;
}
"""


def emulator_source(suffix: str = "") -> str:
    return EMULATOR_C.replace("@S@", suffix)


class HostLibrary:
    """A built host library with its knowledge, ready to classify float32 buffers."""

    def __init__(self, so: Path, gen: Generated, axes: int, length: int, n_classes: int) -> None:
        self.lib = ctypes.CDLL(str(so))
        self.axes, self.length, self.n_classes = axes, length, n_classes
        self.knowledge = np.ascontiguousarray(gen.knowledge, np.float32)
        fp = ctypes.POINTER(ctypes.c_float)
        self.lib.neai_classification_init.argtypes = [fp]
        self.lib.neai_classification_init.restype = ctypes.c_int
        self.lib.neai_classification.argtypes = [fp, fp, ctypes.POINTER(ctypes.c_uint16)]
        self.lib.neai_classification.restype = ctypes.c_int
        st = self.lib.neai_classification_init(self.knowledge.ctypes.data_as(fp))
        if st != 0:
            raise RuntimeError(f"neai_classification_init returned {st}")

    def classify(self, signals: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """signals: (n, axes, length) → (probabilities (n, classes), 1-based ids)."""
        fp = ctypes.POINTER(ctypes.c_float)
        inter = np.ascontiguousarray(signals.transpose(0, 2, 1).reshape(len(signals), -1), np.float32)
        probs = np.zeros((len(signals), self.n_classes), np.float32)
        ids = np.zeros(len(signals), np.uint16)
        cid = ctypes.c_uint16()
        for i in range(len(signals)):
            row = inter[i]
            out = probs[i]
            st = self.lib.neai_classification(row.ctypes.data_as(fp), out.ctypes.data_as(fp), ctypes.byref(cid))
            if st != 0:
                raise RuntimeError(f"neai_classification returned {st}")
            ids[i] = cid.value
        return probs, ids
