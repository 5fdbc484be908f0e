"""A fitted pipeline → the C library's source: neai.c, NanoEdgeAI.h, knowledge.h (DESIGN §3.4).

Every shape is known when the library is generated, so the code calls generic static
functions with literal sizes and all buffers are static arrays of exact size: no malloc,
no recursion, RAM visible to the linker. Knowledge is one float array, as NanoEdge ships
it; its first two values (a check number and the length) let init refuse a knowledge
buffer from another library.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from nanoforge.engine.blocks import next_pow2
from nanoforge.engine.pipeline import Pipeline

from . import cruntime as rt

API_VERSION = "1.0"
_SUFFIX_RE = re.compile(r"^[A-Za-z0-9_]{0,32}$")


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


@dataclass
class Knowledge:
    """Flat float32 knowledge with named offsets."""

    parts: list[tuple[str, np.ndarray]] = field(default_factory=list)
    size: int = 2

    def add(self, name: str, a: np.ndarray) -> int:
        arr = np.asarray(a)
        if arr.dtype.kind in "iu":
            if arr.size and np.abs(arr).max() >= 2 ** 24:
                raise ValueError(f"{name}: integer too large for float knowledge")
        off = self.size
        self.parts.append((name, arr.astype(np.float32).ravel()))
        self.size += arr.size
        return off

    def array(self, check: float) -> np.ndarray:
        return np.concatenate([np.asarray([check, float(self.size)], np.float32)] + [p for _, p in self.parts])


@dataclass
class Generated:
    files: dict[str, str]
    knowledge: np.ndarray
    ram_floats: int
    meta: dict[str, Any]


def library_id(spec_bytes: bytes) -> str:
    return hashlib.sha1(spec_bytes).hexdigest()[:12]


def check_number(neai_id: str) -> float:
    return float(int(neai_id[:5], 16))  # < 2^20: exact in a float


def check_suffix(suffix: str) -> None:
    """A multi-library suffix ends up in C identifiers and file names."""
    if not _SUFFIX_RE.match(suffix):
        raise ValueError(f"suffix '{suffix}' must be letters, digits or '_' (at most 32)")


def generate(pipe: Pipeline, axes: int, length: int, classes: list[str], neai_id: str, suffix: str = "") -> Generated:
    check_suffix(suffix)
    g = _Gen(pipe, axes, length, classes, neai_id, suffix)
    return g.build()


class _Gen:
    def __init__(self, pipe: Pipeline, axes: int, length: int, classes: list[str], neai_id: str, suffix: str) -> None:
        self.pipe, self.axes, self.length, self.classes = pipe, axes, length, classes
        self.neai_id, self.sfx = neai_id, suffix
        self.k = Knowledge()
        self.helpers: list[str] = []
        self.funcs: list[str] = []
        self.tables: list[str] = []
        self.buffers: dict[str, tuple[str, int]] = {}
        self.body: list[str] = []

    def need(self, *names: str) -> None:
        deps = {"nf_softmax": ["nf_expf"], "fft": ["nf_sqrtf"]}
        for n in names:
            for d in deps.get(n, []):
                self.need(d)
            if n == "fft":
                if rt.FFT not in self.funcs:
                    self.funcs.append(rt.FFT)
                continue
            if n not in self.helpers:
                self.helpers.append(n)

    def func(self, text: str) -> None:
        if text not in self.funcs:
            self.funcs.append(text)

    def buf(self, name: str, floats: int, ctype: str = "float") -> None:
        cur = self.buffers.get(name)
        self.buffers[name] = (ctype, max(floats, cur[1] if cur else 0, 1))

    def kref(self, name: str, a: np.ndarray) -> str:
        return f"nf_k + {self.k.add(name, a)}"

    def twiddles(self, nfft: int) -> str:
        name = f"nf_tw{nfft}"
        if not any(name + "[" in t for t in self.tables):
            i = np.arange(nfft // 2)
            tw = np.concatenate([np.cos(2 * np.pi * i / nfft), np.sin(2 * np.pi * i / nfft)])
            self.tables.append(f"static const float {name}[{nfft}] = {{\n{c_array(tw)}\n}};\n")
        return name

    def build(self) -> Generated:
        self.d, cur = self.features()
        self.model(cur, self.d)
        return self.emit()

    def features(self) -> tuple[int, str]:
        """Body lines from the user's interleaved input to the feature vector.

        When every block works axis by axis (all but MiniRocket), one axis at a time is
        copied and processed, so the signal buffer holds one axis, not all of them."""
        a, n = self.axes, self.length
        blocks = self.pipe.blocks
        self.per_axis = a > 1 and all(b.kind not in ("minirocket", "rolling") for b in blocks)
        shape: tuple[int, ...] = (a, n)
        cur = "nf_sig"
        if self.per_axis:
            self.buf("nf_sig", n)
            self.body.append(f"for (a = 0; a < {a}; a++) {{")
            self.body.append(f"for (t = 0; t < {n}; t++) nf_sig[t] = data_input[t * {a} + a];")
        else:
            self.buf("nf_sig", a * n)
            self.body.append(f"for (t = 0; t < {n}; t++)")
            self.body.append(f"    for (a = 0; a < {a}; a++) nf_sig[a * {n} + t] = data_input[t * {a} + a];")
        for i, b in enumerate(blocks):
            shape, cur = self.block(i, b, shape, cur)
            if self.per_axis and b.stage_in == "signal" and b.stage_out == "vector":
                self.body.append("}")
        return int(shape[0]), cur

    # ---------------------------------------------------------------- blocks

    def block(self, i: int, b: Any, shape: tuple[int, ...], cur: str) -> tuple[tuple[int, ...], str]:
        kind = b.kind
        out = b.out_shape(shape)
        vec = "nf_vec"
        if self.per_axis and b.stage_in == "signal":
            shape = (1, shape[1])  # this axis only; features land at its offset
            vec = f"nf_vec + a * {b.out_shape(shape)[0]}"
        if b.stage_in == "signal" and b.stage_out == "signal":
            ax, ln = shape
            out = (out[0], b.out_shape(shape)[1])
            if kind == "bandpass":
                sos = b.state["sos"]
                self.func(rt.SIGNAL[kind])
                self.body.append(f"nf_bandpass_apply(nf_sig, {ax}, {ln}, {self.kref(f'b{i}.sos', sos)}, {len(sos)});")
            elif kind == "decimate":
                self.func(rt.SIGNAL[kind])
                self.body.append(f"nf_decimate_apply(nf_sig, {ax}, {ln}, {int(b.params['factor'])});")
            else:
                if kind == "zscore":
                    self.need("nf_sqrtf")
                self.func(rt.SIGNAL[kind])
                self.body.append(f"nf_{kind}_apply(nf_sig, {ax}, {ln});")
            return out, "nf_sig"
        if b.stage_in == "signal":
            ax, ln = shape
            self.buf("nf_vec", out[0])
            if kind == "flatten":
                self.func(rt.FEATURE[kind])
                self.body.append(f"nf_flatten_apply(nf_sig, {ax * ln}, {vec});")
            elif kind in ("fft", "spectral"):
                nfft = next_pow2(ln)
                self.need("fft")
                tw = self.twiddles(nfft)
                self.buf("nf_scr", 2 * nfft + nfft // 2)
                if kind == "fft":
                    win = "0"
                    if b.params.get("window"):
                        from nanoforge.engine.blocks import hann

                        win = f"nf_win{ln}"
                        if not any(win + "[" in t for t in self.tables):
                            self.tables.append(f"static const float {win}[{ln}] = {{\n{c_array(hann(ln))}\n}};\n")
                    self.need("nf_logf")
                    self.func(rt.FEATURE["fft"])
                    self.body.append(f"nf_fftbands_apply(nf_sig, {ax}, {ln}, {nfft}, {tw}, {win}, "
                                     f"{b.out_shape((1, ln))[0]}, {1 if b.params.get('log') else 0}, nf_scr, {vec});")
                else:
                    self.need("nf_logf")
                    self.func(rt.FEATURE["spectral"])
                    self.body.append(f"nf_spectral_apply(nf_sig, {ax}, {ln}, {nfft}, {tw}, nf_scr, {vec});")
            elif kind == "stats":
                self.need("nf_sqrtf", "nf_absf")
                self.func(rt.FEATURE["stats"])
                self.body.append(f"nf_stats_apply(nf_sig, {ax}, {ln}, {vec});")
            elif kind == "rolling":
                w = int(b.params.get("window", 0))
                self.func(rt.FEATURE["rolling"])
                self.buf("nf_ring", max(w * ax, 1))
                self.body.append(f"nf_rolling_apply(nf_sig, {ax}, {w}, nf_ring, {vec});")
            elif kind == "minirocket":
                kern, dils = b._plan(ln)
                tname = f"nf_rk{i}"
                rows = ", ".join(str(int(v)) for v in np.asarray(kern).ravel())
                self.tables.append(f"static const unsigned char {tname}[{kern.size}] = {{ {rows} }};\n")
                self.tables.append(f"static const int nf_rd{i}[{len(dils)}] = {{ {', '.join(map(str, dils))} }};\n")
                self.func(rt.FEATURE["minirocket"])
                self.body.append(f"nf_minirocket_apply(nf_sig, {ax}, {ln}, {tname}, {len(kern)}, nf_rd{i}, "
                                 f"{len(dils)}, {self.kref(f'b{i}.bias', b.state['bias'])}, {vec});")
            else:
                raise ValueError(f"no C for block {kind}")
            return out, "nf_vec"
        d = shape[0]
        if kind == "scale":
            self.func(rt.VECTOR["scale"])
            self.body.append(f"nf_scale_apply(nf_vec, {d}, {self.kref(f'b{i}.mean', b.state['mean'])}, "
                             f"{self.kref(f'b{i}.inv_std', b.state['inv_std'])});")
            return out, cur
        if kind == "pca":
            comp = b.state["comp"]
            k = comp.shape[0]
            self.buf("nf_vec2", k)
            self.func(rt.VECTOR["pca"])
            self.body.append(f"nf_pca_apply(nf_vec, {d}, {k}, {self.kref(f'b{i}.mean', b.state['mean'])}, "
                             f"{self.kref(f'b{i}.comp', comp)}, nf_vec2);")
            self.body.append(f"for (i = 0; i < {k}; i++) nf_vec[i] = nf_vec2[i];")
            return (k,), "nf_vec"
        raise ValueError(f"no C for block {kind}")

    # ---------------------------------------------------------------- model

    def model(self, v: str, d: int) -> None:
        m = self.pipe.model
        st = m.state
        c = len(self.classes)
        out = "output_buffer"
        if m.kind in ("centroid", "knn"):
            k = 1 if m.kind == "centroid" else min(int(m.params["k"]), len(st["proto"]))
            self.knn_scratch(k)
            self.func(rt.MODEL["proto"])
            self.body.append(f"nf_proto_predict({v}, {d}, {self.kref('m.proto', st['proto'])}, "
                             f"{self.kref('m.label', st['label'])}, {len(st['proto'])}, {k}, {c}, nf_best_d, "
                             f"nf_best_i, {out});")
        elif m.kind == "linear":
            self.linear_call(v, d, c, out)
        elif m.kind == "gnb":
            self.func(rt.MODEL["gnb"])
            self.body.append(f"nf_gnb_predict({v}, {d}, {self.kref('m.mu', st['mu'])}, {self.kref('m.iv', st['iv'])}, "
                             f"{self.kref('m.k', st['k'])}, {c}, {out});")
        elif m.kind == "svm_rbf":
            self.svm_call(v, d, c, out)
            self.body.append(f"for (i = 0; i < {c}; i++) {out}[i] = 4.0f * {out}[i];")
        elif m.kind in ("forest", "gbt"):
            width = st["leaf"].shape[1]
            if m.kind == "gbt":
                init = self.kref("m.init", st["init"])
                self.body.append(f"for (i = 0; i < {width}; i++) {out}[i] = ({init})[i];")
            else:
                self.body.append(f"for (i = 0; i < {width}; i++) {out}[i] = 0.0f;")
            self.trees_call(v, width, out)
            if m.kind == "gbt" and width == 1:
                self.body.append(f"{out}[1] = 0.5f * {out}[0]; {out}[0] = -{out}[1];")
        elif m.kind == "mlp":
            self.mlp_call(v, d, c, out)
        else:
            raise ValueError(f"no C for model {m.kind}")
        if m.kind not in ("centroid", "knn", "forest"):  # scores → probabilities
            self.need("nf_softmax")
            self.body.append(f"nf_softmax({out}, {c});")

    # Model kernels shared by every project type: raw outputs, no softmax.

    def knn_scratch(self, k: int) -> None:
        self.buf("nf_best_d", k)
        self.buf("nf_best_i", k, "int")
        self.func(rt.MODEL["select"])

    def linear_call(self, v: str, d: int, c: int, out: str) -> None:
        st = self.pipe.model.state
        self.func(rt.MODEL["linear"])
        self.body.append(f"nf_linear_predict({v}, {d}, {self.kref('m.w', st['w'])}, {self.kref('m.b', st['b'])}, "
                         f"{c}, {out});")

    def svm_call(self, v: str, d: int, c: int, out: str) -> None:
        st = self.pipe.model.state
        self.need("nf_expf")
        self.func(rt.MODEL["svm_rbf"])
        self.body.append(f"nf_svm_predict({v}, {d}, {self.kref('m.sv', st['sv'])}, {len(st['sv'])}, "
                         f"{self.kref('m.alpha', st['alpha'])}, {self.kref('m.b', st['b'])}, "
                         f"{c_float(st['gamma'][0])}, {c}, {out});")

    def trees_call(self, v: str, width: int, out: str) -> None:
        """Adds every tree's leaf row onto `out` (initialised by the caller)."""
        st = self.pipe.model.state
        self.func(rt.MODEL["trees"])
        refs = ", ".join(self.kref(f"m.{n}", st[n]) for n in ("feat", "thr", "left", "right", "leaf"))
        self.body.append(f"nf_trees_sum({v}, {refs}, {width}, {self.kref('m.root', st['root'])}, "
                         f"{len(st['root'])}, {out});")

    def mlp_call(self, v: str, d: int, c: int, out: str) -> None:
        st = self.pipe.model.state
        h = st["b1"].shape[0]
        self.buf("nf_hidden", h)
        self.func(rt.MODEL["mlp"])
        refs = ", ".join(self.kref(f"m.{n}", st[n]) for n in ("w1", "b1", "w2", "b2"))
        self.body.append(f"nf_mlp_predict({v}, {d}, {h}, {refs}, {c}, nf_hidden, {out});")

    # ---------------------------------------------------------------- files

    def emit(self) -> Generated:
        s = self.sfx
        c = len(self.classes)
        check = check_number(self.neai_id)
        kn = self.k.array(check)
        order = ["nf_absf", "nf_sqrtf", "nf_expf", "nf_logf", "nf_softmax"]
        helpers = "".join(rt.MATH[h] for h in order if h in self.helpers)
        bufs = "".join(f"static {t} {n}[{size}];\n" for n, (t, size) in self.buffers.items())
        uses_i = any("(i = 0" in line for line in self.body)
        body = "\n    ".join(self.body)
        src = f"""/* nanoforge n-class library {self.neai_id}: generated, do not edit. */
#include <stdint.h>
#include "NanoEdgeAI.h"

#define NF_K_SIZE {self.k.size}
#define NF_K_CHECK {c_float(check)}

{rt.BITS if ('nf_sqrtf' in self.helpers or 'nf_expf' in self.helpers or 'nf_logf' in self.helpers) else ''}
static const float *nf_k;
{bufs}
{''.join(self.tables)}
{helpers}
{''.join(self.funcs)}
enum neai_state neai_classification_init{s}(const float knowledge_buffer[])
{{
    nf_k = 0;
    if (!knowledge_buffer || knowledge_buffer[0] != NF_K_CHECK || knowledge_buffer[1] != (float)NF_K_SIZE)
        return NEAI_KNOWLEDGE_BUFFER_ERROR;
    nf_k = knowledge_buffer;
    return NEAI_OK;
}}

enum neai_state neai_classification{s}(const float data_input[], float output_buffer[], uint16_t *id_class)
{{
    int a, t, best;
    {'int i;' if uses_i else ''}
    if (!nf_k) return NEAI_INIT_FCT_NOT_CALLED;
    if (!data_input || !output_buffer || !id_class) return NEAI_UNKNOWN_ERROR;
    {body}
    best = 0;
    for (t = 1; t < CLASS_NUMBER{s}; t++) if (output_buffer[t] > output_buffer[best]) best = t;
    *id_class = (uint16_t)(best + 1);
    return NEAI_OK;
}}
"""
        header = header_text(self.neai_id, self.axes, self.length, self.classes, s)
        know = f"""/* nanoforge knowledge for library {self.neai_id}: pass it to neai_classification_init{s}(). */
#ifndef NANOFORGE_KNOWLEDGE{s.upper()}_H
#define NANOFORGE_KNOWLEDGE{s.upper()}_H

static const float knowledge{s}[{len(kn)}] = {{
{c_array(kn)}
}};

#endif
"""
        ram = sum(size for _, size in self.buffers.values())
        meta = {"classes": c}
        return Generated({"neai.c": src, "NanoEdgeAI.h": header, "knowledge.h": know}, kn, ram, meta)


def single_output_source(gen: Generated, body_lines: list[str], what: str, name: str, sfx: str, out_decl: str,
                         result: str, statics: str = "", on_init: str = "", after: str = "") -> str:
    """neai.c for a library whose model writes one float `nf_out[0]` (1-class,
    extrapolation): the shared prelude, `neai_<name>_init`, then
    `neai_<name>(data_input, out_decl)` ending with `result`. `statics` come before the
    functions, `after` after them."""
    src = gen.files["neai.c"]
    head = src[: src.index("enum neai_state neai_classification_init")].replace("n-class library", what)
    body = "\n    ".join(body_lines)
    uses_i = any("(i = 0" in line for line in body_lines)
    out_ptr = out_decl.split("*")[-1].strip()
    signature = f"const float data_input[], {out_decl}"
    return head + statics + f"""enum neai_state neai_{name}_init{sfx}(const float knowledge_buffer[])
{{
    nf_k = 0;{on_init}
    if (!knowledge_buffer || knowledge_buffer[0] != NF_K_CHECK || knowledge_buffer[1] != (float)NF_K_SIZE)
        return NEAI_KNOWLEDGE_BUFFER_ERROR;
    nf_k = knowledge_buffer;
    return NEAI_OK;
}}

enum neai_state neai_{name}{sfx}({signature})
{{
    int a, t;
    {'int i;' if uses_i else ''}
    if (!nf_k) return NEAI_INIT_FCT_NOT_CALLED;
    if (!data_input || !{out_ptr}) return NEAI_UNKNOWN_ERROR;
    {body}
    (void)a; (void)t;
    {result}
    return NEAI_OK;
}}
""" + after


NEAI_STATE_ENUM = """#ifndef NEAI_STATE_DEFINED
#define NEAI_STATE_DEFINED
enum neai_state {
    NEAI_OK = 0,
    NEAI_INIT_FCT_NOT_CALLED = 123,
    NEAI_BOARD_ERROR,
    NEAI_KNOWLEDGE_BUFFER_ERROR,
    NEAI_NOT_ENOUGH_CALL_TO_LEARNING,
    NEAI_MINIMAL_RECOMMENDED_LEARNING_DONE,
    NEAI_UNKNOWN_ERROR
};
#endif
"""


def header_text(neai_id: str, axes: int, length: int, classes: list[str], s: str = "") -> str:
    names = ",\n    ".join(json.dumps(n) for n in ["unknown", *classes])
    guard = f"NANOEDGEAI{s.upper()}_H"
    return f"""/* NanoEdge AI Library API, n-class classification: generated by nanoforge.
   Library {neai_id}. Link libneai{s}.a; no dynamic memory, no libm needed. */
#ifndef {guard}
#define {guard}

#include <stdint.h>

/* NEAI ID */
#define NEAI_ID{s} "{neai_id}"

/* Input signal configuration */
#define DATA_INPUT_USER{s} {length}
#define AXIS_NUMBER{s} {axes}
#define CLASS_NUMBER{s} {len(classes)}
#ifndef DATA_INPUT_USER
#define DATA_INPUT_USER DATA_INPUT_USER{s}
#define AXIS_NUMBER AXIS_NUMBER{s}
#define CLASS_NUMBER CLASS_NUMBER{s}
#define NEAI_ID NEAI_ID{s}
#endif

{NEAI_STATE_ENUM}
/* Class names by id: id_class 1 .. CLASS_NUMBER, 0 is never returned. */
#if defined(__GNUC__)
__attribute__((unused))
#endif
static const char *const id2class{s}[CLASS_NUMBER{s} + 1] = {{
    {names}
}};

#ifdef __cplusplus
extern "C" {{
#endif

/* Checks and stores the knowledge (from knowledge.h); call once before classifying. */
enum neai_state neai_classification_init{s}(const float knowledge_buffer[]);

/* Classifies one buffer of DATA_INPUT_USER samples x AXIS_NUMBER axes, interleaved
   (x0 y0 z0 x1 ...). Writes CLASS_NUMBER probabilities and the 1-based class id. */
enum neai_state neai_classification{s}(const float data_input[], float output_buffer[], uint16_t *id_class);

#ifdef __cplusplus
}}
#endif

#endif
"""
