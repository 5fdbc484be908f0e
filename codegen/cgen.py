"""A fitted pipeline → the parts of a library's neai.c every project type shares: the
knowledge, the static buffers, the feature blocks and the model kernels' calls.

Every shape is known when the library is generated, so the code calls the kernels of
codegen/c/ with literal sizes and all buffers are static arrays of exact size: no malloc,
no recursion, RAM visible to the linker. Knowledge is one float array, as NanoEdge ships
it; its first two values (a check number and the length) let init refuse a knowledge
buffer from another library, and every part of it is reached through a named offset.

A project type's plug-in (codegen/apis/) subclasses LibraryGen: `model()` adds the
calls of its model, `emit()` writes its entry points, header and knowledge.h.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from nanoforge.engine.blocks import next_pow2
from nanoforge.engine.pipeline import Pipeline

from . import cfiles

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


def indent(lines: list[str], depth: int = 1, width: int = 120) -> str:
    """C statements, one per line, indented by their braces (4 spaces a level); a call
    longer than `width` continues under its first argument."""
    out = []
    for line in lines:
        s = line.strip()
        if s.startswith("}"):
            depth -= 1
        out.append(_wrap("    " * depth + s, width) if s else "")
        if s.endswith("{"):
            depth += 1
    return "\n".join(out)


def _wrap(line: str, width: int) -> str:
    if len(line) <= width or "(" not in line:
        return line
    pad = " " * (line.index("(") + 1)
    rows, cur = [], ""
    for piece in line.split(", "):
        if cur and len(cur) + 2 + len(piece) > width:
            rows.append(cur + ",")
            cur = pad + piece
        else:
            cur = f"{cur}, {piece}" if cur else piece
    return "\n".join([*rows, cur])


def sections(*parts: str) -> str:
    """C text parts, one blank line between those that are not empty."""
    return "\n".join(p if p.endswith("\n") else p + "\n" for p in parts if p.strip())


def local_ints(names: str, body: list[str]) -> str:
    """The declaration of the loop counters a function body uses (`i` when it loops on it)."""
    return f"int {names}, i;" if any("(i = 0" in line for line in body) else f"int {names};"


@dataclass
class Knowledge:
    """Flat float32 knowledge; `add` returns where a part starts and remembers its name."""

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

    def defines(self) -> str:
        """`#define NF_KO_<PART> offset` for every part: the knowledge layout, by name."""
        if not self.parts:
            return ""
        rows, off = [], 2
        for n, p in self.parts:
            rows.append(f"#define {offset_name(n)} {off} /* {len(p)} float{'' if len(p) == 1 else 's'} */")
            off += len(p)
        return "/* Knowledge layout: [0] check number, [1] length, then these parts. */\n" + "\n".join(rows) + "\n"


def offset_name(part: str) -> str:
    return "NF_KO_" + re.sub(r"[^A-Za-z0-9]", "_", part).upper()


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


class LibraryGen:
    """Builds the body of one library: the user's buffer → feature vector → model kernels."""

    def __init__(self, pipe: Pipeline, axes: int, length: int, neai_id: str, suffix: str) -> None:
        check_suffix(suffix)
        self.pipe, self.axes, self.length = pipe, axes, length
        self.neai_id, self.sfx = neai_id, suffix
        self.k = Knowledge()
        self.modules: list[str] = []
        self.tables: list[str] = []
        self.buffers: dict[str, tuple[str, int]] = {}
        self.body: list[str] = []

    def use(self, *modules: str) -> None:
        for m in modules:
            if m not in self.modules:
                self.modules.append(m)

    def buf(self, name: str, floats: int, ctype: str = "float") -> None:
        cur = self.buffers.get(name)
        self.buffers[name] = (ctype, max(floats, cur[1] if cur else 0, 1))

    def kref(self, name: str, a: np.ndarray) -> str:
        self.k.add(name, a)
        return f"nf_k + {offset_name(name)}"

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

    def model(self, v: str, d: int) -> None:
        raise NotImplementedError

    def emit(self) -> Generated:
        raise NotImplementedError

    def features(self) -> tuple[int, str]:
        """Body lines from the user's interleaved input to the feature vector.

        When every block works axis by axis (all but MiniRocket and the multi-sensor
        window), one axis at a time is copied and processed, so the signal buffer holds
        one axis, not all of them."""
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
            self.body.append(f"for (t = 0; t < {n}; t++) {{")
            self.body.append(f"for (a = 0; a < {a}; a++) nf_sig[a * {n} + t] = data_input[t * {a} + a];")
            self.body.append("}")
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
            self.use("nf_signal")
            if kind == "bandpass":
                sos = b.state["sos"]
                self.body.append(f"nf_signal_bandpass(nf_sig, {ax}, {ln}, {self.kref(f'b{i}.sos', sos)}, {len(sos)});")
            elif kind == "decimate":
                self.body.append(f"nf_signal_decimate(nf_sig, {ax}, {ln}, {int(b.params['factor'])});")
            elif kind in ("mean_removal", "zscore", "diff"):
                self.body.append(f"nf_signal_{kind}(nf_sig, {ax}, {ln});")
            else:
                raise ValueError(f"no C for block {kind}")
            return out, "nf_sig"
        if b.stage_in == "signal":
            ax, ln = shape
            self.buf("nf_vec", out[0])
            if kind == "flatten":
                self.use("nf_features")
                self.body.append(f"nf_features_flatten(nf_sig, {ax * ln}, {vec});")
            elif kind in ("fft", "spectral"):
                nfft = next_pow2(ln)
                self.use("nf_spectrum")
                tw = self.twiddles(nfft)
                self.buf("nf_scr", 2 * nfft + nfft // 2)
                if kind == "fft":
                    win = "0"
                    if b.params.get("window"):
                        from nanoforge.engine.blocks import hann

                        win = f"nf_win{ln}"
                        if not any(win + "[" in t for t in self.tables):
                            self.tables.append(f"static const float {win}[{ln}] = {{\n{c_array(hann(ln))}\n}};\n")
                    self.body.append(f"nf_spectrum_bands(nf_sig, {ax}, {ln}, {nfft}, {tw}, {win}, "
                                     f"{b.out_shape((1, ln))[0]}, {1 if b.params.get('log') else 0}, nf_scr, {vec});")
                else:
                    self.body.append(f"nf_spectrum_shape(nf_sig, {ax}, {ln}, {nfft}, {tw}, nf_scr, {vec});")
            elif kind == "stats":
                self.use("nf_features")
                self.body.append(f"nf_features_stats(nf_sig, {ax}, {ln}, {vec});")
            elif kind == "rolling":
                w = int(b.params.get("window", 0))
                self.use("nf_rolling")
                self.buf("nf_ring", max(w * ax, 1))
                self.body.append(f"nf_rolling_apply(nf_sig, {ax}, {w}, nf_ring, {vec});")
            elif kind == "minirocket":
                kern, dils = b.plan(ln)
                tname = f"nf_rk{i}"
                rows = ", ".join(str(int(v)) for v in np.asarray(kern).ravel())
                self.tables.append(f"static const unsigned char {tname}[{kern.size}] = {{ {rows} }};\n")
                self.tables.append(f"static const int nf_rd{i}[{len(dils)}] = {{ {', '.join(map(str, dils))} }};\n")
                self.use("nf_features")
                self.body.append(f"nf_features_minirocket(nf_sig, {ax}, {ln}, {tname}, {len(kern)}, nf_rd{i}, "
                                 f"{len(dils)}, {self.kref(f'b{i}.bias', b.state['bias'])}, {vec});")
            else:
                raise ValueError(f"no C for block {kind}")
            return out, "nf_vec"
        d = shape[0]
        self.use("nf_vector")
        if kind == "scale":
            self.body.append(f"nf_vector_scale(nf_vec, {d}, {self.kref(f'b{i}.mean', b.state['mean'])}, "
                             f"{self.kref(f'b{i}.inv_std', b.state['inv_std'])});")
            return out, cur
        if kind == "pca":
            comp = b.state["comp"]
            k = comp.shape[0]
            self.buf("nf_vec2", k)
            self.body.append(f"nf_vector_pca(nf_vec, {d}, {k}, {self.kref(f'b{i}.mean', b.state['mean'])}, "
                             f"{self.kref(f'b{i}.comp', comp)}, nf_vec2);")
            self.body.append(f"for (i = 0; i < {k}; i++) nf_vec[i] = nf_vec2[i];")
            return (k,), "nf_vec"
        raise ValueError(f"no C for block {kind}")

    # ------------------------------------------------- model kernels, raw outputs

    def knn_scratch(self, k: int) -> None:
        self.buf("nf_best_d", k)
        self.buf("nf_best_i", k, "int")
        self.use("nf_knn")

    def linear_call(self, v: str, d: int, c: int, out: str) -> None:
        st = self.pipe.model.state
        self.use("nf_linear")
        self.body.append(f"nf_linear_predict({v}, {d}, {self.kref('m.w', st['w'])}, {self.kref('m.b', st['b'])}, "
                         f"{c}, {out});")

    def svm_call(self, v: str, d: int, c: int, out: str) -> None:
        st = self.pipe.model.state
        self.use("nf_svm")
        self.body.append(f"nf_svm_predict({v}, {d}, {self.kref('m.sv', st['sv'])}, {len(st['sv'])}, "
                         f"{self.kref('m.alpha', st['alpha'])}, {self.kref('m.b', st['b'])}, "
                         f"{c_float(st['gamma'][0])}, {c}, {out});")

    def trees_call(self, v: str, width: int, out: str) -> None:
        """Adds every tree's leaf row onto `out` (initialised by the caller)."""
        st = self.pipe.model.state
        self.use("nf_trees")
        refs = ", ".join(self.kref(f"m.{n}", st[n]) for n in ("feat", "thr", "left", "right", "leaf"))
        self.body.append(f"nf_trees_sum({v}, {refs}, {width}, {self.kref('m.root', st['root'])}, "
                         f"{len(st['root'])}, {out});")

    def mlp_call(self, v: str, d: int, c: int, out: str) -> None:
        st = self.pipe.model.state
        h = st["b1"].shape[0]
        self.buf("nf_hidden", h)
        self.use("nf_mlp")
        refs = ", ".join(self.kref(f"m.{n}", st[n]) for n in ("w1", "b1", "w2", "b2"))
        self.body.append(f"nf_mlp_predict({v}, {d}, {h}, {refs}, {c}, nf_hidden, {out});")

    # ---------------------------------------------------------------- text

    def buffers_c(self) -> str:
        return "".join(f"static {t} {n}[{size}];\n" for n, (t, size) in self.buffers.items())

    def ram(self) -> int:
        return sum(size for _, size in self.buffers.values())

    def kernels_c(self) -> str:
        return cfiles.concatenate(self.modules)

    def prelude(self, what: str) -> str:
        """neai.c up to its entry points for a library whose knowledge comes from the
        user (knowledge.h): the check, the layout, buffers, tables and kernels."""
        check = check_number(self.neai_id)
        head = f"""/* nanoforge {what} library {self.neai_id}: generated, do not edit. */
#include <stdint.h>
#include "NanoEdgeAI.h"
"""
        know = f"#define NF_K_SIZE {self.k.size}\n#define NF_K_CHECK {c_float(check)}\n{self.k.defines()}"
        return sections(head, know, "static const float *nf_k;\n" + self.buffers_c(), "\n".join(self.tables),
                        self.kernels_c())

    def knowledge_h(self, init_fn: str) -> tuple[str, np.ndarray]:
        s = self.sfx
        kn = self.k.array(check_number(self.neai_id))
        return f"""/* nanoforge knowledge for library {self.neai_id}: pass it to {init_fn}{s}(). */
#ifndef NANOFORGE_KNOWLEDGE{s.upper()}_H
#define NANOFORGE_KNOWLEDGE{s.upper()}_H

static const float knowledge{s}[{len(kn)}] = {{
{c_array(kn)}
}};

#endif
""", kn


def init_function(name: str, sfx: str, on_init: str = "") -> str:
    """`neai_<name>_init(knowledge)`: refuses a knowledge buffer of another library."""
    extra = f"\n    {on_init}" if on_init else ""
    return f"""enum neai_state neai_{name}_init{sfx}(const float knowledge_buffer[])
{{
    nf_k = 0;{extra}
    if (!knowledge_buffer || knowledge_buffer[0] != NF_K_CHECK || knowledge_buffer[1] != (float)NF_K_SIZE)
        return NEAI_KNOWLEDGE_BUFFER_ERROR;
    nf_k = knowledge_buffer;
    return NEAI_OK;
}}
"""


def header_top(title: str, neai_id: str, axes: int, length: int, s: str, intro: str = "", shape: str = "",
               extra_defines: str = "", extra_aliases: str = "") -> str:
    """NanoEdgeAI.h up to the function declarations: guard, id, input shape, states."""
    guard = f"NANOEDGEAI{s.upper()}_H"
    return f"""/* NanoEdge AI Library API, {title}: generated by nanoforge.
   Library {neai_id}. Link libneai{s}.a; no dynamic memory, no libm needed.{intro} */
#ifndef {guard}
#define {guard}

#include <stdint.h>

/* NEAI ID */
#define NEAI_ID{s} "{neai_id}"

/* Input signal configuration{shape} */
#define DATA_INPUT_USER{s} {length}
#define AXIS_NUMBER{s} {axes}
{extra_defines}#ifndef DATA_INPUT_USER
#define DATA_INPUT_USER DATA_INPUT_USER{s}
#define AXIS_NUMBER AXIS_NUMBER{s}
{extra_aliases}#define NEAI_ID NEAI_ID{s}
#endif
"""


HEADER_OPEN = """#ifdef __cplusplus
extern "C" {
#endif
"""

HEADER_CLOSE = """#ifdef __cplusplus
}
#endif

#endif
"""
