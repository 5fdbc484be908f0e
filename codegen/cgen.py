"""A fitted pipeline → the parts of a library's neai.c every project type shares: the
knowledge, the static buffers, the stages between the feature blocks. What a block or a
model of a given kind adds is its emitter's (codegen/emit/), found by kind.

Every shape is known when the library is generated, so the code calls the kernels of
codegen/c/ with literal sizes and all buffers are static arrays of exact size: no malloc,
no recursion, RAM visible to the linker. Knowledge is one float array, as NanoEdge ships
it; its first two values (a check number and the length) let init refuse a knowledge
buffer from another library, and every part of it is reached through a named offset.

A project type's plug-in (codegen/apis/) subclasses LibraryGen: `model()` asks the
model's emitter for its core call and adds the type's head around it, `emit()` writes
its entry points, header and knowledge.h.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from nanoforge.engine.blocks import Block
from nanoforge.engine.pipeline import Pipeline

from . import cfiles
from .ctext import c_array, c_float
from .emit import BlockEmitter

_SUFFIX_RE = re.compile(r"^[A-Za-z0-9_]{0,32}$")


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


NEAI_STATE_ENUM = """#ifndef __NEAI_STATE__
#define __NEAI_STATE__
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
        self.modules: list[str] = ["nf_base"]  # the entry points check their input with it
        self.tables: list[str] = []
        self.buffers: dict[str, tuple[str, int]] = {}
        self.body: list[str] = []
        self.kprefix = ""  # before every knowledge part's name: a second pipeline's parts keep apart

    def use(self, *modules: str) -> None:
        for m in modules:
            if m not in self.modules:
                self.modules.append(m)

    def buf(self, name: str, floats: int, ctype: str = "float") -> None:
        cur = self.buffers.get(name)
        self.buffers[name] = (ctype, max(floats, cur[1] if cur else 0, 1))

    def kref(self, name: str, a: np.ndarray) -> str:
        name = self.kprefix + name
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

    def features(self, blocks: list[Block] | None = None) -> tuple[int, str]:
        """Body lines from the user's interleaved input to the feature vector (of the
        pipeline's blocks, or of `blocks`).

        When every block works axis by axis (all but MiniRocket and the multi-sensor
        window), one axis at a time is copied and processed, so the signal buffer holds
        one axis, not all of them."""
        a, n = self.axes, self.length
        blocks = self.pipe.blocks if blocks is None else blocks
        self.per_axis = a > 1 and all(BlockEmitter.lookup(b.kind).per_axis for b in blocks)
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

    def block(self, i: int, b: Block, shape: tuple[int, ...], cur: str) -> tuple[tuple[int, ...], str]:
        """The block's call (its emitter's) between the stage buffers: `nf_sig` in place,
        signal → `nf_vec` (at this axis's offset when looping on axes), `nf_vec` in place."""
        em = BlockEmitter.lookup(b.kind)
        out = b.out_shape(shape)
        vec = "nf_vec"
        if self.per_axis and b.stage_in == "signal":
            shape = (1, shape[1])  # this axis only; features land at its offset
            vec = f"nf_vec + a * {b.out_shape(shape)[0]}"
        if b.stage_in == "signal" and b.stage_out == "signal":
            out = (out[0], b.out_shape(shape)[1])
            em.emit(self, i, b, shape, vec)
            return out, "nf_sig"
        if b.stage_in == "signal":
            self.buf("nf_vec", out[0])
            em.emit(self, i, b, shape, vec)
            return out, "nf_vec"
        em.emit(self, i, b, shape, vec)
        return out, "nf_vec" if b.out_of_place else cur

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

const float knowledge{s}[{len(kn)}] = {{
{c_array(kn)}
}};

#endif
""", kn


@dataclass(frozen=True)
class ApiNames:
    """What the entry points of one NanoEdge API generation call things: the states
    answered before init and for a bad input, and the input-size macros."""

    not_init: str
    bad_input: str
    length: str
    axes: str

    def n_in(self, sfx: str) -> str:
        s = sfx.upper()
        return f"{self.length}{s} * {self.axes}{s}"


V4 = ApiNames("NEAI_INIT_FCT_NOT_CALLED", "NEAI_UNKNOWN_ERROR", "DATA_INPUT_USER", "AXIS_NUMBER")


def entry_point(g: LibraryGen, names: ApiNames, signature: str, pointers: list[str], counters: str,
                tail: list[str]) -> str:
    """An inference entry point: refused before init, for a missing pointer or a non-finite
    input (the library never writes to the input), then the body and `tail`."""
    checks = " || ".join(f"!{p}" for p in ["data_input", *pointers])
    return f"""
{signature}
{{
    {local_ints(counters, g.body)}
    if (!nf_k) return {names.not_init};
    if ({checks}) return {names.bad_input};
    if (!nf_base_finite(data_input, {names.n_in(g.sfx)})) return {names.bad_input};
{indent(g.body + tail)}
    return NEAI_OK;
}}
"""


def declarations(lines: list[str]) -> str:
    """The header's closing comment: what firmware declares in main.c, as NanoEdge's
    headers show it (users paste it, so the header itself never defines these)."""
    body = "\n".join(f"   {ln}" if ln else "" for ln in lines)
    return f"""
/* -----------------------------------------------------------------------------
   Declarations to add to your main program:

{body}
   ----------------------------------------------------------------------------- */
"""


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
    S = s.upper()
    guard = f"NANOEDGEAI{S}_H"
    return f"""/* NanoEdge AI Library API, {title}: generated by nanoforge.
   Library {neai_id}. Link libneai{s}.a; no dynamic memory, no libm needed.{intro} */
#ifndef {guard}
#define {guard}

#include <stdint.h>

/* NEAI ID */
#define NEAI_ID{S} "{neai_id}"

/* Input signal configuration{shape} */
#define DATA_INPUT_USER{S} {length}
#define AXIS_NUMBER{S} {axes}
{extra_defines}#ifndef DATA_INPUT_USER
#define DATA_INPUT_USER DATA_INPUT_USER{S}
#define AXIS_NUMBER AXIS_NUMBER{S}
{extra_aliases}#define NEAI_ID NEAI_ID{S}
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
