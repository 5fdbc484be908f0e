"""Runs a Cortex-M build of a library in an instruction-level emulator (unicorn).

This is how tests prove that the device computes the same bits as the host build, and
how the cycle count of one inference is estimated, without a board on the desk. The
library is linked bare-metal into one RAM image with a tiny harness that loops over
signals placed at fixed addresses; no startup code, no C library. Each project type's
plug-in (codegen/apis/) has its harness and reads its results back.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from nanoforge.engine.targets import CORES

from .toolchain import ARM_CC, EXACT, SECTIONS, WARN, _run, arm_flags

IMAGE = 0x20000000
IN_ADDR = 0x30000000
OUT_ADDR = 0x34000000
IDS_ADDR = 0x38000000
STACK_TOP = 0x3C000000
RETURN_MAGIC = 0x3DFFFF00



def harness(params: str, body: str, knowledge: bool = True) -> str:
    """C of `int nf_harness(<params>)` around `body`: the library's header (and its
    knowledge.h) included, NF_IN / NF_OUT / NF_IDS the addresses where `machine` puts the
    signals and reads the results. It returns 0 when every call said NEAI_OK."""
    know = '#include "knowledge.h"\n' if knowledge else ""
    return f"""#include <stdint.h>
#include "NanoEdgeAI.h"
{know}
#define NF_IN 0x{IN_ADDR:08x}u
#define NF_OUT 0x{OUT_ADDR:08x}u
#define NF_IDS 0x{IDS_ADDR:08x}u

int nf_harness({params});
int nf_harness({params})
{{
{body}}}
"""


LINK_LD = """MEMORY { RAM (rwx) : ORIGIN = 0x20000000, LENGTH = 8M }
SECTIONS {
  .text : { *(.text*) *(.rodata*) } > RAM
  .data : { *(.data*) } > RAM
  .bss : { *(.bss*) *(COMMON) } > RAM
}
"""

_UC_CPU = {"cortex-m0": "UC_CPU_ARM_CORTEX_M0", "cortex-m0plus": "UC_CPU_ARM_CORTEX_M0",
           "cortex-m3": "UC_CPU_ARM_CORTEX_M3", "cortex-m4": "UC_CPU_ARM_CORTEX_M4",
           "cortex-m7": "UC_CPU_ARM_CORTEX_M7", "cortex-m33": "UC_CPU_ARM_CORTEX_M33",
           "cortex-m55": "UC_CPU_ARM_CORTEX_M33"}


@dataclass
class ArmImage:
    core: str
    image: bytes
    entry: int
    elf: Path | None = None  # for the disassembly and symbols the cycle count needs


def build_image(src_dir: Path, out_dir: Path, core: str, harness: str) -> ArmImage:
    """The library in `src_dir` linked with `harness` (C defining `int nf_harness(...)`,
    a project type's CApi.harness) into one image for `core`."""
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "harness.c").write_text(harness)
    return link_image([out_dir / "harness.c", src_dir / "neai.c"], out_dir, core, ["-I", str(src_dir)])


def link_image(sources: list[Path], out_dir: Path, core: str, extra: list[str] | None = None) -> ArmImage:
    """C or assembly `sources`, one of them defining `nf_harness`, linked bare-metal for `core`."""
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "link.ld").write_text(LINK_LD)
    elf = out_dir / "harness.elf"
    _run([ARM_CC, *WARN, *EXACT, *SECTIONS, *arm_flags(CORES[core]), "-Os", "-nostdlib", "-nostartfiles",
          *(extra or []), *map(str, sources), "-T", str(out_dir / "link.ld"),
          "-Wl,--gc-sections", "-Wl,-e,nf_harness", "-lgcc", "-o", str(elf)], out_dir)
    binf = out_dir / "harness.bin"
    _run(["arm-none-eabi-objcopy", "-O", "binary", str(elf), str(binf)], out_dir)
    nm = subprocess.run(["arm-none-eabi-nm", str(elf)], capture_output=True, text=True, check=True).stdout
    entry = next(int(line.split()[0], 16) for line in nm.splitlines() if line.endswith(" nf_harness"))
    return ArmImage(core, binf.read_bytes(), entry, elf)


def machine(img: ArmImage, inter: np.ndarray, out_bytes: int, ids_bytes: int, args: tuple[int, ...],
            count_instructions: bool = False, on_start: Callable[[Any], None] | None = None
            ) -> tuple[Any, list[int]]:
    """Runs `nf_harness(*args)` with the interleaved signals at IN_ADDR and `out_bytes` at
    OUT_ADDR, `ids_bytes` at IDS_ADDR for its results; the machine after the run to read
    them from, and the instructions executed (counted when asked: it slows the run).
    `on_start(uc)` runs just before, to add hooks (codegen/cycles.py)."""
    from unicorn import UC_ARCH_ARM, UC_HOOK_CODE, UC_MODE_MCLASS, UC_MODE_THUMB, Uc
    from unicorn import arm_const as ac

    uc = Uc(UC_ARCH_ARM, UC_MODE_THUMB | UC_MODE_MCLASS)
    uc.ctl_set_cpu_model(getattr(ac, _UC_CPU[img.core]))
    size = (len(img.image) + 0x200000 + 0xFFFF) & ~0xFFFF
    uc.mem_map(IMAGE, size)
    uc.mem_write(IMAGE, img.image)
    for base, nbytes in ((IN_ADDR, inter.nbytes), (OUT_ADDR, out_bytes), (IDS_ADDR, ids_bytes)):
        uc.mem_map(base, (nbytes + 0xFFFF) & ~0xFFFF or 0x10000)
    uc.mem_map(STACK_TOP - 0x100000, 0x100000)
    uc.mem_map(RETURN_MAGIC & ~0xFFFF, 0x10000)
    uc.mem_write(IN_ADDR, inter.tobytes())
    if CORES[img.core].float_abi == "hard":
        _enable_fpu(uc)
    uc.reg_write(ac.UC_ARM_REG_SP, STACK_TOP - 16)
    uc.reg_write(ac.UC_ARM_REG_LR, RETURN_MAGIC | 1)
    for reg, v in zip((ac.UC_ARM_REG_R0, ac.UC_ARM_REG_R1), args, strict=False):
        uc.reg_write(reg, v)
    count = [0]
    if count_instructions:
        def hook(_uc: object, _addr: int, _size: int, _data: object) -> None:
            count[0] += 1
        uc.hook_add(UC_HOOK_CODE, hook)
    if on_start is not None:
        on_start(uc)
    uc.emu_start(img.entry | 1, RETURN_MAGIC)
    rc = uc.reg_read(ac.UC_ARM_REG_R0)
    if rc != 0:
        raise RuntimeError(f"harness returned {rc - (1 << 32) if rc >= 1 << 31 else rc}")
    return uc, count


def _enable_fpu(uc: object) -> None:
    """CPACR full access to CP10/CP11, as every startup file does before using floats."""
    from unicorn import arm_const as ac

    cpacr = getattr(ac, "UC_ARM_REG_CPACR", None)
    if cpacr is not None:
        uc.reg_write(cpacr, uc.reg_read(cpacr) | (0xF << 20))  # type: ignore[attr-defined]
