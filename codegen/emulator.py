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


# The command-line emulator deploy writes next to emulators/libneai.so: standalone
# Python (standard library only) so firmware projects can script and test against the
# library's own C. Options follow NanoEdge's emulators (--lib, --learn, --detect, -v);
# @RUN@ is the project type's part (a plug-in's `script_run`), @CONSTANTS@ the library's.
SCRIPT = r'''#!/usr/bin/env python3
"""Emulator of NanoEdge AI library @NEAI_ID@ (@TITLE@, @API_NAME@ API), written by nanoforge.

Runs libneai@SFX@.so, the library's own C built for this computer (the same bits as the
device build), on signal files: one signal per line, values separated by commas,
semicolons, tabs or spaces. Prints one line per signal and a summary (--json: one JSON
object per signal, then the summary)."""

import argparse
import ctypes
import json
import os
import re
import sys

@CONSTANTS@
OK = 0
_SEP = re.compile(r"[,;\s]+")


def fail(message):
    print(f"{os.path.basename(sys.argv[0])}: {message}", file=sys.stderr)
    sys.exit(2)


def read_signals(path):
    """(line number, values) of every signal of a file."""
    want = AXES if MULTI else AXES * LENGTH
    try:
        f = open(path, encoding="utf-8")
    except OSError as e:
        fail(f"{path}: {e.strerror}")
    with f:
        for n, text in enumerate(f, 1):
            text = text.strip()
            if not text:
                continue
            try:
                values = [float(v) for v in _SEP.split(text) if v]
            except ValueError:
                fail(f"{path}:{n}: not a number in this line")
            if len(values) != want:
                fail(f"{path}:{n}: expected {want} values, read {len(values)}")
            yield n, values


def buffer(values):
    return (ctypes.c_float * len(values))(*values)


class Library:
    """The host library; `call("classification_init", ...)` calls neai_classification_init@SFX@."""

    def __init__(self, path):
        try:
            self.lib = ctypes.CDLL(os.path.abspath(path))
        except OSError as e:
            fail(f"cannot load {path}: {e}")

    def knowledge(self):
        """KNOWLEDGE as a C array that lives as long as the library: 4.x init keeps its address."""
        self.kept = buffer(KNOWLEDGE)
        return self.kept

    def fn(self, name, restype=ctypes.c_int):
        f = getattr(self.lib, "neai_" + name + SUFFIX)
        f.restype = restype
        return f

    def call(self, name, *args):
        return self.fn(name)(*args)

    def checked(self, name, *args, allowed=(OK,)):
        st = self.call(name, *args)
        if st not in allowed:
            print(f"neai_{name}{SUFFIX} returned state {st}", file=sys.stderr)
            sys.exit(1)
        return st


def show(args, where, text, record):
    if args.json:
        print(json.dumps(record))
    else:
        print(f"{where}  {text}")


def where(args, path, line):
    return f"{path}:{line}" if len(args.detect) > 1 else f"{line:>6}"

@RUN@

def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--lib", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), LIB),
                   help="the host library (default: %(default)s)")
    p.add_argument("--learn", action="append", default=[], metavar="F", help=LEARN_HELP)
    p.add_argument("--detect", action="append", default=[], metavar="F",
                   help="signals to run the library on (repeatable)")
    p.add_argument("--sensitivity", type=float, default=None, metavar="S", help="anomaly detection (default 1)")
    p.add_argument("--pretrained", action="store_true",
                   help="anomaly detection deployed --pretrained: start from what was learned")
    p.add_argument("-v", "--verbose", action="store_true", help="more detail on every line")
    p.add_argument("--json", action="store_true", help="JSON lines")
    args = p.parse_args(argv)
    if not args.detect and not args.learn:
        p.print_usage(sys.stderr)
        fail("give --detect FILE" + (" (after --learn FILE)" if LEARNS else ""))
    if not LEARNS and (args.learn or args.sensitivity is not None or args.pretrained):
        fail("--learn, --sensitivity and --pretrained are for anomaly detection")
    return run(Library(args.lib), args)


if __name__ == "__main__":
    sys.exit(main())
'''


def script(run: str, constants: dict[str, object], neai_id: str, title: str, api_name: str, sfx: str) -> str:
    """The command-line emulator: the template around a type's `run`, with the library's
    constants as Python literals."""
    consts = "\n".join(f"{k} = {v!r}" for k, v in constants.items())
    return (SCRIPT.replace("@CONSTANTS@", consts).replace("@RUN@", run).replace("@NEAI_ID@", neai_id)
            .replace("@TITLE@", title).replace("@API_NAME@", api_name).replace("@SFX@", sfx))
