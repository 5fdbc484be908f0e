"""Cycles per call of a Cortex-M build: unicorn runs it, a native block hook charges
each executed basic block its cost from the core's table (codegen/cycletable.py) and a
pipeline refill after every taken branch, and attributes the cycles to the library's
public functions.

Why a native hook: a Python callback costs about 6 µs per block, and one inference of a
soft-float library on a Cortex-M0+ runs ~300 000 blocks. The hook is a few lines of C
built with the host compiler on first use and cached (like engine/fastparse.py); it is
handed to unicorn's C API directly, with the tables as plain arrays.

A call is seen when a block starts at a public function's address; its return address
is where the calling block ended (the instruction after its BL), and the call ends when
a block starts there.
"""

from __future__ import annotations

import ctypes
import hashlib
import os
import subprocess
import tempfile
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from . import armrun
from .cycletable import TABLES, CostTable, cost, disassembly

HOOK_C = r"""
#include <stdint.h>

#define NF_DEPTH 16

typedef struct {
    uint64_t cycles;
    uint64_t prev_end;
    uint64_t base;
    uint64_t halfwords;
    const int64_t *cum;   /* cum[i]: in-sequence cycles of the instructions before base + 2i */
    const int64_t *adj;   /* adj[i]: first-in-block cycles minus in-sequence cycles at base + 2i */
    uint64_t refill;
    uint64_t n_entries;
    const uint64_t *entries;
    uint64_t depth;
    uint64_t ret[NF_DEPTH];
    uint64_t start[NF_DEPTH];
    uint64_t which[NF_DEPTH];
    uint64_t n_records;
    uint64_t capacity;
    uint64_t *rec_fn;
    uint64_t *rec_cycles;
    uint64_t outside;     /* blocks outside the tables, charged one cycle per halfword */
} nf_counter;

void nf_block(void *uc, uint64_t address, uint32_t size, void *user)
{
    nf_counter *s = (nf_counter *)user;
    uint64_t i, lo, hi;
    (void)uc;
    if (s->prev_end && address != s->prev_end) s->cycles += s->refill;
    while (s->depth && address == s->ret[s->depth - 1]) {
        s->depth--;
        if (s->n_records < s->capacity) {
            s->rec_fn[s->n_records] = s->which[s->depth];
            s->rec_cycles[s->n_records] = s->cycles - s->start[s->depth];
            s->n_records++;
        }
    }
    for (i = 0; i < s->n_entries; i++) {
        if (s->entries[i] == address && s->prev_end && s->depth < NF_DEPTH) {
            s->ret[s->depth] = s->prev_end;
            s->start[s->depth] = s->cycles;
            s->which[s->depth] = i;
            s->depth++;
            break;
        }
    }
    lo = (address - s->base) / 2;
    hi = (address + size - s->base) / 2;
    if (address >= s->base && hi <= s->halfwords) {
        s->cycles += (uint64_t)(s->cum[hi] - s->cum[lo] + s->adj[lo]);
    } else {
        s->cycles += size / 2;
        s->outside++;
    }
    s->prev_end = address + size;
}
"""


class _Counter(ctypes.Structure):
    _fields_ = [("cycles", ctypes.c_uint64), ("prev_end", ctypes.c_uint64), ("base", ctypes.c_uint64),
                ("halfwords", ctypes.c_uint64), ("cum", ctypes.c_void_p), ("adj", ctypes.c_void_p),
                ("refill", ctypes.c_uint64), ("n_entries", ctypes.c_uint64), ("entries", ctypes.c_void_p),
                ("depth", ctypes.c_uint64), ("ret", ctypes.c_uint64 * 16), ("start", ctypes.c_uint64 * 16),
                ("which", ctypes.c_uint64 * 16), ("n_records", ctypes.c_uint64), ("capacity", ctypes.c_uint64),
                ("rec_fn", ctypes.c_void_p), ("rec_cycles", ctypes.c_void_p), ("outside", ctypes.c_uint64)]


_lock = threading.Lock()
_lib: ctypes.CDLL | None = None


def _cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "nanoforge"


def _hook_library() -> ctypes.CDLL:
    """The compiled block hook, built with the host compiler on first use."""
    global _lib
    with _lock:
        if _lib is None:
            digest = hashlib.sha256(HOOK_C.encode()).hexdigest()[:16]
            so = _cache_dir() / f"cyclehook-{digest}.so"
            if not so.exists():
                so.parent.mkdir(parents=True, exist_ok=True)
                with tempfile.TemporaryDirectory(dir=so.parent) as tmp:
                    (Path(tmp) / "hook.c").write_text(HOOK_C)
                    subprocess.run(["gcc", "-O2", "-std=c99", "-fPIC", "-shared", str(Path(tmp) / "hook.c"), "-o",
                                    str(Path(tmp) / so.name)], check=True, capture_output=True, timeout=60)
                    os.replace(Path(tmp) / so.name, so)
            _lib = ctypes.CDLL(str(so))
        return _lib


@dataclass
class Calls:
    """Cycles of every call to each public function, in call order, and of the whole run."""

    per_function: dict[str, list[int]] = field(default_factory=dict)
    total: int = 0


def tables(elf: Path, t: CostTable) -> tuple[int, np.ndarray, np.ndarray]:
    """(base address, cum, adj) for the hook: cumulative in-sequence cycles per halfword,
    and the correction when an instruction starts a block (no load pipelining across)."""
    rows = disassembly(elf)
    base = min(a for a, _, _ in rows)
    end = max(a for a, _, _ in rows) + 4
    n = (end - base) // 2
    seq = np.zeros(n + 1, np.int64)
    adj = np.zeros(n + 1, np.int64)
    after_mem = False
    prev = -1
    for addr, mnem, ops in rows:
        first, mem = cost(t, mnem, ops, False)
        inseq, _ = cost(t, mnem, ops, after_mem and addr - prev <= 4)
        seq[(addr - base) // 2 + 1] += inseq
        adj[(addr - base) // 2] = first - inseq
        after_mem, prev = mem, addr
    return base, np.cumsum(seq), adj


def public_functions(elf: Path, prefixes: Iterable[str] = ("neai_",)) -> dict[int, str]:
    """Address → name of the image's functions whose names start with `prefixes`."""
    nm = subprocess.run(["arm-none-eabi-nm", str(elf)], capture_output=True, text=True, check=True).stdout
    out = {}
    for line in nm.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[1] in ("T", "t") and parts[2].startswith(tuple(prefixes)):
            out[int(parts[0], 16) & ~1] = parts[2]
    return out


def count(img: armrun.ArmImage, inter: np.ndarray, args: tuple[int, ...], prefixes: Iterable[str] = ("neai_",),
          out_bytes: int = 1 << 20, max_calls: int = 4096) -> Calls:
    """Runs the image's harness on `inter` (args as armrun.machine takes them) and returns
    the cycles of every call to the functions named with `prefixes`, charged with the
    table of `img.core`."""
    if img.elf is None:
        raise ValueError("the image was built without keeping its ELF")
    table = TABLES.get(img.core)
    if table is None:
        raise ValueError(f"no cycle table for {img.core}: the emulator cannot run it")
    from unicorn import UC_HOOK_BLOCK
    from unicorn.unicorn_py3.unicorn import uclib  # unicorn 2.1's C API, as its own binding calls it

    base, cum, adj = tables(img.elf, table)
    funcs = public_functions(img.elf, prefixes)
    names = list(funcs.values())
    entries = np.array(list(funcs), np.uint64)
    rec_fn = np.zeros(max_calls, np.uint64)
    rec_cycles = np.zeros(max_calls, np.uint64)
    state = _Counter(base=base, halfwords=len(cum) - 1, cum=cum.ctypes.data, adj=adj.ctypes.data,
                     refill=table.refill, n_entries=len(entries), entries=entries.ctypes.data, capacity=max_calls,
                     rec_fn=rec_fn.ctypes.data, rec_cycles=rec_cycles.ctypes.data)
    hook = ctypes.cast(_hook_library().nf_block, ctypes.c_void_p)

    def install(uc: object) -> None:
        handle = ctypes.c_size_t()
        status = uclib.uc_hook_add(uc._uch, ctypes.byref(handle), UC_HOOK_BLOCK, hook,  # type: ignore[attr-defined]
                                   ctypes.cast(ctypes.byref(state), ctypes.c_void_p), ctypes.c_uint64(1),
                                   ctypes.c_uint64(0))
        if status != 0:
            raise RuntimeError(f"unicorn refused the cycle hook (error {status})")

    armrun.machine(img, inter, out_bytes, out_bytes, args, on_start=install)
    calls = Calls(total=int(state.cycles))
    for i in range(int(state.n_records)):
        calls.per_function.setdefault(names[int(rec_fn[i])], []).append(int(rec_cycles[i]))
    return calls
