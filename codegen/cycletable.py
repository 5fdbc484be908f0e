"""The per-core cycle table: what each Cortex-M instruction costs, from Arm's manuals.

This is an estimate, not a measurement: unicorn executes the real instructions of the
real build (soft-float calls into libgcc included, so a Cortex-M0+ pays for its missing
FPU exactly as it does on the chip), and each executed instruction is charged what
Arm's technical reference manuals give for it on a system with zero wait states. Every
basic block's cost is summed once from its disassembly (`objdump`), then charged each
time the block runs; a taken branch (the next block does not start where the last one
ended) adds the core's pipeline refill.

What is approximated, and in which direction:
- Memory has no wait states (flash at a high clock has 1-5; a cache or an ART
  accelerator hides most of them). Real figures are this or more.
- SDIV/UDIV take 2-12 cycles depending on the operands; charged their middle, 7.
- The pipeline refill P after a taken branch is 1-3 cycles on the Cortex-M3/M4/M33
  (alignment and width of the target); charged 2.
- Load pipelining: a load or store right after another load or store in the same block
  costs one cycle less, as the M3/M4 TRMs describe for LDR sequences.
- Cortex-M7: dual issue is not modelled (every instruction at least one cycle), so its
  figure is an upper bound; branches are charged 1 (the branch predictor hides most).
- Cortex-M33: Arm publishes no per-instruction table; it has the M4's three-stage
  pipeline and an FPv5 single-precision FPU, so the M4F table is used.
- Cortex-M55 (Armv8.1-M): unicorn cannot execute it; no figure is given.
- Floating-point latencies are charged as issue-to-result: dependent chains are what
  the kernels run, so no overlap is assumed.

Sources (zero wait states):
- Cortex-M0+: Arm Cortex-M0+ Technical Reference Manual (DDI 0484), 3.3 "Instruction
  set summary", Table 3-1 (the same table: NXP LPC800 user manual, "Cortex-M0+
  instruction summary"): data processing 1, MULS 1 (fast multiplier), LDR/STR 2,
  LDM/STM/PUSH/POP 1+N, POP {…, PC} 3+N, B 2 taken / 1 not, BL 3, BX/BLX 2.
- Cortex-M3: Arm Cortex-M3 TRM (DDI 0337), 3.3 "Instruction set summary", Table 3-1:
  data processing 1, MUL 1, MLA/MLS 2, UMULL/SMULL/UMLAL/SMLAL 3-5, SDIV/UDIV 2-12,
  LDR 2 (pipelined: N+1), STR 1 into the write buffer, LDM/STM 1+N, branch 1+P, TBB/TBH
  2+P (see also TI SWCU192, "Cortex-M4F instructions and their cycle counts").
- Cortex-M4F: Arm Cortex-M4 TRM (DDI 0439), Table 3-1 as the M3 but MLA and the long
  multiplies 1; FPU (7.2.3, Table 7-1): VADD/VSUB/VMUL/VABS/VNEG/VCMP/VCVT/VMOV 1,
  VMLA/VMLS/VFMA/VFMS 3, VDIV/VSQRT 14, VLDR/VSTR 2, VLDM/VSTM/VPUSH/VPOP 1+N,
  VMOV of two core registers 2.
- Cortex-M7: Arm Cortex-M7 TRM (DDI 0489): six-stage superscalar pipeline with branch
  prediction and TCM; no per-instruction table is published.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class CostTable:
    """Cycles per instruction class on one core (zero wait states)."""

    core: str
    refill: int  # extra cycles after a taken branch (pipeline refill P)
    alu: int = 1
    mul: int = 1
    mla: int = 1
    long_mul: int = 1
    div: int = 7
    load: int = 2
    store: int = 1
    pipelined: bool = True  # a load/store after a load/store costs one less (not below 1)
    multi: int = 1  # LDM/STM/PUSH/POP: multi + N
    pop_pc: int = 0  # extra for POP {…, PC} beyond multi + N + refill
    bl: int = 1  # BL itself (its refill is charged as a taken branch)
    table_branch: int = 2  # TBB/TBH before the refill
    fp: int = 1  # VADD/VSUB/VMUL/VNMUL/VABS/VNEG/VCMP/VCVT/VMOV/VMRS
    fp_mac: int = 3  # VMLA/VMLS/VNMLA/VNMLS/VFMA/VFMS/VFNMA/VFNMS
    fp_div: int = 14  # VDIV, VSQRT
    fp_load: int = 2
    fp_store: int = 2
    fp_two: int = 2  # VMOV between two core registers and a double/two singles


TABLES: dict[str, CostTable] = {
    # 2-stage pipeline: B taken 2 = 1 + refill 1, BL 3 = 2 + 1, POP {PC} 3+N = 1+N + 1 + 1
    "cortex-m0plus": CostTable("cortex-m0plus", refill=1, long_mul=1, load=2, store=2, pipelined=False, pop_pc=1,
                               bl=2, table_branch=2),
    "cortex-m3": CostTable("cortex-m3", refill=2, mla=2, long_mul=4),
    "cortex-m4": CostTable("cortex-m4", refill=2),
    "cortex-m33": CostTable("cortex-m33", refill=2),
    "cortex-m7": CostTable("cortex-m7", refill=1, load=1, store=1, pipelined=False, table_branch=1, fp_mac=2,
                           fp_load=1, fp_store=1, fp_two=1),
}
"""The cores unicorn runs; Cortex-M55 is not among them (Armv8.1-M)."""

CONDS = ("eq", "ne", "cs", "hs", "cc", "lo", "mi", "pl", "vs", "vc", "hi", "ls", "ge", "lt", "gt", "le", "al")
BRANCHES = {"b", "bl", "blx", "bx", "cbz", "cbnz", "tbb", "tbh"}
LOADS = {"ldr", "ldrb", "ldrh", "ldrsb", "ldrsh", "ldrd", "ldrex", "ldrt", "ldrbt", "ldrht", "ldrsbt", "ldrsht"}
STORES = {"str", "strb", "strh", "strd", "strex", "strt", "strbt", "strht"}
MULTI = {"ldm", "ldmia", "ldmfd", "ldmdb", "ldmea", "stm", "stmia", "stmea", "stmdb", "stmfd", "push", "pop"}
FP_MULTI = {"vldmia", "vldmdb", "vldm", "vstmia", "vstmdb", "vstm", "vpush", "vpop"}
FP_MAC = {"vmla", "vmls", "vnmla", "vnmls", "vfma", "vfms", "vfnma", "vfnms"}
FP_DIV = {"vdiv", "vsqrt"}
MUL = {"mul"}
MLA = {"mla", "mls"}
LONG_MUL = {"umull", "smull", "umlal", "smlal"}
DIV = {"sdiv", "udiv"}
_BY_GROUP = (({"bl"}, "bl"), (MUL, "mul"), (MLA, "mla"), (LONG_MUL, "long_mul"), (DIV, "div"),
             (FP_MAC, "fp_mac"), (FP_DIV, "fp_div"))
KNOWN = BRANCHES | LOADS | STORES | MULTI | FP_MULTI | FP_MAC | FP_DIV | MUL | MLA | LONG_MUL | DIV


def base_mnemonic(m: str) -> str:
    """`bne.n` → `b`, `bls` → `b`, `ldrne` → `ldr`, `vmla.f32` → `vmla`, `muls` → `mul`."""
    m = m.split(".")[0].lower()
    if m in KNOWN:
        return m
    if m[-2:] in CONDS and m[:-2] in KNOWN:
        return m[:-2]
    if m.endswith("s") and m[:-1] in KNOWN:
        return m[:-1]
    if m[-2:] in CONDS and m[-3:-2] == "s" and m[:-3] in KNOWN:
        return m[:-3]
    return m


def _regs(operands: str) -> int:
    """Registers in a {…} list, ranges counted ({r4-r7, lr} → 5)."""
    m = re.search(r"\{([^}]*)\}", operands)
    if not m:
        return 1
    n = 0
    for part in m.group(1).split(","):
        part = part.strip()
        if "-" in part:
            a, b = part.split("-")
            n += int(re.sub(r"\D", "", b)) - int(re.sub(r"\D", "", a)) + 1
        elif part:
            n += 1
    return n


def cost(t: CostTable, mnemonic: str, operands: str, after_memory: bool) -> tuple[int, bool]:
    """(cycles before any refill, whether it accesses memory) of one instruction."""
    m = base_mnemonic(mnemonic)
    ops = operands.lower()
    if m in MULTI:
        n = _regs(ops)
        extra = t.pop_pc if m == "pop" and "pc" in ops else 0
        return t.multi + n + extra, True
    if m in FP_MULTI:
        return t.multi + _regs(ops), True
    if m in LOADS or m in STORES or m in ("vldr", "vstr"):
        if m == "vldr":
            c = t.fp_load
        elif m == "vstr":
            c = t.fp_store
        else:
            c = t.load if m in LOADS else t.store
        if m in ("ldrd", "strd"):
            c += 1
        if t.pipelined and after_memory:
            c = max(1, c - 1)
        return c, True
    if m in ("tbb", "tbh"):
        return t.table_branch, True
    for group, name in _BY_GROUP:
        if m in group:
            return getattr(t, name), False
    if m == "vmov" and ops.count(",") >= 2:
        return t.fp_two, False
    if m.startswith("v"):
        return t.fp, False
    return t.alu, False


def disassembly(elf: Path) -> list[tuple[int, str, str]]:
    """(address, mnemonic, operands) of every instruction in the image's code."""
    out = subprocess.run(["arm-none-eabi-objdump", "-d", "--no-show-raw-insn", str(elf)], capture_output=True,
                         text=True, check=True).stdout
    rows = []
    for line in out.splitlines():
        m = re.match(r"^\s*([0-9a-f]+):\s+(\S+)\s*(.*)$", line)
        if m and not line.rstrip().endswith(">:"):
            mnem = m.group(2)
            if not re.fullmatch(r"[a-z][a-z0-9.]*", mnem):  # data between functions (.word, literal pools)
                continue
            rows.append((int(m.group(1), 16), mnem, m.group(3).split(";")[0].split("@")[0].strip()))
    return rows


def instruction_costs(elf: Path, t: CostTable) -> dict[int, tuple[int, bool]]:
    """Address → (cycles, accesses memory): the static part of every instruction."""
    return {addr: cost(t, mnem, ops, False) for addr, mnem, ops in disassembly(elf)}
