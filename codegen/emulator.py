"""The emulator: the library's own C, built for this computer (DESIGN §3.4).

Driven through ctypes for the daemon and tests, and built as a standalone command for the
deploy folder; both run exactly the code that goes on the device.
"""

from __future__ import annotations

import ctypes
from pathlib import Path
from typing import Any

import numpy as np

from nanoforge.engine.dataset import interleave

from .csource import Generated

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
            if (end == p) break;
            in[n++] = (float)v;
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

# The standalone emulator: reads a signal file (any of the four separators), prints one
# JSON object per signal. Parses with strtod then rounds to float, as the Python side does.
EMULATOR_C = r"""/* nanoforge emulator: the library built for the host. Usage: emulator FILE */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "NanoEdgeAI.h"
#include "knowledge.h"

#define N_IN (DATA_INPUT_USER@S@ * AXIS_NUMBER@S@)
@READER@
int main(int argc, char **argv)
{
    static float in[N_IN];
    float probs[CLASS_NUMBER@S@];
    uint16_t id = 0;
    FILE *f;
    long lineno = 0;
    int i, r, bad = 0;
    if (argc != 2) { fprintf(stderr, "usage: %s FILE\n", argv[0]); return 2; }
    f = fopen(argv[1], "r");
    if (!f) { perror(argv[1]); return 2; }
    if (neai_classification_init@S@(knowledge@S@) != NEAI_OK) { fprintf(stderr, "knowledge rejected\n"); return 1; }
    while ((r = nf_read_line(f, argv[1], &lineno, in, N_IN)) != 0) {
        if (r < 0) { bad = 1; continue; }
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
    return EMULATOR_C.replace("@READER@", READER_C).replace("@S@", suffix)


def _rows(signals: np.ndarray) -> np.ndarray:
    """(n, axes, length) → one interleaved float32 buffer per row, as the firmware fills it."""
    return np.ascontiguousarray(interleave(signals), np.float32)


def _open(so: Path, gen: Generated, api: str, argtypes: list[Any]) -> tuple[Any, np.ndarray]:
    """Loads a host library, declares `neai_<api>` and hands `neai_<api>_init` its knowledge."""
    lib = ctypes.CDLL(str(so))
    knowledge = np.ascontiguousarray(gen.knowledge, np.float32)
    fp = ctypes.POINTER(ctypes.c_float)
    init, fn = getattr(lib, f"neai_{api}_init"), getattr(lib, f"neai_{api}")
    init.argtypes, init.restype = [fp], ctypes.c_int
    fn.argtypes, fn.restype = argtypes, ctypes.c_int
    st = init(knowledge.ctypes.data_as(fp))
    if st != 0:
        raise RuntimeError(f"neai_{api}_init returned {st}")
    return lib, knowledge


class HostLibrary:
    """A built host library with its knowledge, ready to classify float32 buffers."""

    def __init__(self, so: Path, gen: Generated, axes: int, length: int, n_classes: int) -> None:
        self.axes, self.length, self.n_classes = axes, length, n_classes
        fp = ctypes.POINTER(ctypes.c_float)
        self.lib, self.knowledge = _open(so, gen, "classification", [fp, fp, ctypes.POINTER(ctypes.c_uint16)])

    def classify(self, signals: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """signals: (n, axes, length) → (probabilities (n, classes), 1-based ids)."""
        fp = ctypes.POINTER(ctypes.c_float)
        inter = _rows(signals)
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


def _per_row(fn: Any, rows: np.ndarray, ctype: Any, dtype: Any) -> np.ndarray:
    """Calls `fn(row, &result)` for each row; a non-OK state is an error naming the function."""
    fp = ctypes.POINTER(ctypes.c_float)
    out = np.zeros(len(rows), dtype)
    v = ctype()
    for i, r in enumerate(rows):
        st = fn(r.ctypes.data_as(fp), ctypes.byref(v))
        if st != 0:
            raise RuntimeError(f"{fn.__name__} returned {st}")
        out[i] = v.value
    return out


class ADHostLibrary:
    """A built anomaly-detection host library: learn and detect, and its learned state."""

    def __init__(self, so: Path, axes: int, length: int) -> None:
        self.lib = ctypes.CDLL(str(so))
        self.axes, self.length = axes, length
        fp = ctypes.POINTER(ctypes.c_float)
        lib = self.lib
        lib.neai_anomalydetection_init.restype = ctypes.c_int
        lib.neai_anomalydetection_learn.argtypes = [fp]
        lib.neai_anomalydetection_learn.restype = ctypes.c_int
        lib.neai_anomalydetection_detect.argtypes = [fp, ctypes.POINTER(ctypes.c_uint8)]
        lib.neai_anomalydetection_detect.restype = ctypes.c_int
        lib.neai_anomalydetection_set_sensitivity.argtypes = [ctypes.c_float]
        lib.neai_anomalydetection_set_sensitivity.restype = ctypes.c_int
        lib.neai_anomalydetection_get_sensitivity.restype = ctypes.c_float
        lib.neai_anomalydetection_memory.argtypes = [ctypes.POINTER(ctypes.c_uint32)]
        lib.neai_anomalydetection_memory.restype = fp
        self.init()

    def init(self) -> None:
        st = self.lib.neai_anomalydetection_init()
        if st != 0:
            raise RuntimeError(f"neai_anomalydetection_init returned {st}")

    def learn(self, signals: np.ndarray) -> list[int]:
        """signals (n, axes, length) learned in order; the state returned by each call."""
        fp = ctypes.POINTER(ctypes.c_float)
        rows = _rows(signals)
        return [int(self.lib.neai_anomalydetection_learn(r.ctypes.data_as(fp))) for r in rows]

    def detect(self, signals: np.ndarray) -> np.ndarray:
        return _per_row(self.lib.neai_anomalydetection_detect, _rows(signals), ctypes.c_uint8, np.uint8)

    def set_sensitivity(self, s: float) -> int:
        return int(self.lib.neai_anomalydetection_set_sensitivity(ctypes.c_float(s)))

    def get_sensitivity(self) -> float:
        return float(self.lib.neai_anomalydetection_get_sensitivity())

    def memory(self) -> np.ndarray:
        n = ctypes.c_uint32()
        p = self.lib.neai_anomalydetection_memory(ctypes.byref(n))
        return np.ctypeslib.as_array(p, shape=(n.value,)).copy()


AD_EMULATOR_C = r"""/* nanoforge emulator, anomaly detection: the library built for the host.
   Usage: emulator [--sensitivity S] --learn FILE [--learn FILE ...] --detect FILE [...]
   Prints one JSON object per detected signal. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "NanoEdgeAI.h"

#define N_IN (DATA_INPUT_USER@S@ * AXIS_NUMBER@S@)
@READER@
static int run(const char *path, int learn)
{
    static float in[N_IN];
    FILE *f = fopen(path, "r");
    long lineno = 0;
    int r, bad = 0;
    if (!f) { perror(path); return 2; }
    while ((r = nf_read_line(f, path, &lineno, in, N_IN)) != 0) {
        if (r < 0) { bad = 1; continue; }
        if (learn) {
            neai_anomalydetection_learn@S@(in);
        } else {
            uint8_t sim = 0;
            neai_anomalydetection_detect@S@(in, &sim);
            printf("{\"file\": \"%s\", \"line\": %ld, \"similarity\": %u, \"status\": \"%s\"}\n", path, lineno,
                   (unsigned)sim, sim >= 90 ? "nominal" : "anomaly");
        }
    }
    fclose(f);
    return bad;
}

int main(int argc, char **argv)
{
    int i, bad = 0;
    if (argc < 3) { fprintf(stderr, "usage: %s [--sensitivity S] --learn FILE ... --detect FILE ...\n", argv[0]); return 2; }
    neai_anomalydetection_init@S@();
    for (i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--sensitivity")) {
            if (neai_anomalydetection_set_sensitivity@S@((float)atof(argv[i + 1])) != NEAI_OK) {
                fprintf(stderr, "sensitivity must be > 0 and <= 100\n");
                return 2;
            }
        } else if (!strcmp(argv[i], "--learn")) bad |= run(argv[i + 1], 1);
        else if (!strcmp(argv[i], "--detect")) bad |= run(argv[i + 1], 0);
        else { fprintf(stderr, "unknown option %s\n", argv[i]); return 2; }
    }
    return bad;
}
"""


def ad_emulator_source(suffix: str = "") -> str:
    return AD_EMULATOR_C.replace("@READER@", READER_C).replace("@S@", suffix)


class ExtHostLibrary:
    """A built extrapolation host library with its knowledge."""

    def __init__(self, so: Path, gen: Generated, axes: int, length: int) -> None:
        fp = ctypes.POINTER(ctypes.c_float)
        self.lib, self.knowledge = _open(so, gen, "extrapolation", [fp, fp])

    def extrapolate(self, signals: np.ndarray) -> np.ndarray:
        return _per_row(self.lib.neai_extrapolation, _rows(signals), ctypes.c_float, np.float32)


SINGLE_EMULATOR_C = r"""/* nanoforge emulator, @WHAT@: the library built for the host. Usage: emulator FILE */
#include <stdio.h>
#include <stdlib.h>
#include "NanoEdgeAI.h"
#include "knowledge.h"

#define N_IN (DATA_INPUT_USER@S@ * AXIS_NUMBER@S@)
@READER@
int main(int argc, char **argv)
{
    static float in[N_IN];
    @DECL@
    FILE *f;
    long lineno = 0;
    int r, bad = 0;
    if (argc != 2) { fprintf(stderr, "usage: %s FILE\n", argv[0]); return 2; }
    f = fopen(argv[1], "r");
    if (!f) { perror(argv[1]); return 2; }
    if (neai_@API@_init@S@(knowledge@S@) != NEAI_OK) { fprintf(stderr, "knowledge rejected\n"); return 1; }
    while ((r = nf_read_line(f, argv[1], &lineno, in, N_IN)) != 0) {
        if (r < 0) { bad = 1; continue; }
        @CALL@
    }
    fclose(f);
    return bad;
}
"""

EXT_PARTS = {"@WHAT@": "extrapolation", "@API@": "extrapolation", "@DECL@": "float value = 0.0f;",
             "@CALL@": 'neai_extrapolation@S@(in, &value);\n'
                       '        printf("{\\"line\\": %ld, \\"value\\": %.9g}\\n", lineno, (double)value);'}


def _single_emulator(parts: dict[str, str], suffix: str) -> str:
    out = SINGLE_EMULATOR_C.replace("@READER@", READER_C)
    for k, v in parts.items():
        out = out.replace(k, v)
    return out.replace("@S@", suffix)


def ext_emulator_source(suffix: str = "") -> str:
    return _single_emulator(EXT_PARTS, suffix)


class OCHostLibrary:
    """A built 1-class host library with its knowledge."""

    def __init__(self, so: Path, gen: Generated, axes: int, length: int) -> None:
        fp = ctypes.POINTER(ctypes.c_float)
        self.lib, self.knowledge = _open(so, gen, "oneclass", [fp, ctypes.POINTER(ctypes.c_uint8)])
        self.lib.neai_oneclass_last_score.restype = ctypes.c_float

    def oneclass(self, signals: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(is_outlier uint8, score float32) per signal."""
        rows = _rows(signals)
        fp = ctypes.POINTER(ctypes.c_float)
        flags = np.zeros(len(rows), np.uint8)
        scores = np.zeros(len(rows), np.float32)
        v = ctypes.c_uint8()
        for i, r in enumerate(rows):
            st = self.lib.neai_oneclass(r.ctypes.data_as(fp), ctypes.byref(v))
            if st != 0:
                raise RuntimeError(f"neai_oneclass returned {st}")
            flags[i] = v.value
            scores[i] = self.lib.neai_oneclass_last_score()
        return flags, scores


OC_PARTS = {"@WHAT@": "1-class classification", "@API@": "oneclass", "@DECL@": "uint8_t outlier = 0;",
            "@CALL@": 'neai_oneclass@S@(in, &outlier);\n'
                      '        printf("{\\"line\\": %ld, \\"outlier\\": %s, \\"score\\": %.9g}\\n", lineno, '
                      'outlier ? "true" : "false",\n'
                      '               (double)neai_oneclass_last_score@S@());'}


def oc_emulator_source(suffix: str = "") -> str:
    return _single_emulator(OC_PARTS, suffix)
