"""Compilers: the host build (emulator) and arm-none-eabi builds per core, and the
measured footprint of a built library.

Both builds get the same source and the flags that keep float arithmetic identical:
no contraction into fused multiply-add, no errno side effects. Footprint is measured the
way a firmware link sees it: the library's object is linked on its own, its public
functions as roots, with `--gc-sections` and the core's libgcc and libc, so the run-time
routines the library calls and the object does not hold (soft-float `__aeabi_fadd`,
`__aeabi_fdiv`…, integer division on ARMv6-M) are counted where a firmware pays for
them: flash = code + read-only data + initialised data of that link, RAM = zeroed +
initialised data, stack = the deepest call chain from the public functions, from GCC's
call-graph info (the run-time routines' own few bytes of stack are not in it).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from nanoforge.engine.targets import CORES, Core

WARN = ["-std=c99", "-Wall", "-Wextra", "-Wdouble-promotion", "-Werror"]
# The library itself (kernels and generated glue) also passes these; a harness or an
# emulator main around it need not.
STRICT = [*WARN, "-Wpedantic", "-Wconversion", "-Wshadow"]
EXACT = ["-ffp-contract=off", "-fno-math-errno", "-fno-strict-aliasing", "-fno-tree-loop-distribute-patterns"]
SECTIONS = ["-ffunction-sections", "-fdata-sections"]
HOST_CC = "gcc"
ARM_CC = "arm-none-eabi-gcc"
# Cores every library is built for when deploying a complete set.
ALL_CORES = ("cortex-m0plus", "cortex-m3", "cortex-m4", "cortex-m7", "cortex-m33", "cortex-m55")


class ToolchainError(RuntimeError):
    pass


def have_arm() -> bool:
    return shutil.which(ARM_CC) is not None


def arm_flags(core: Core) -> list[str]:
    f = [f"-mcpu={core.gcc_cpu}", "-mthumb", f"-mfloat-abi={core.float_abi}"]
    if core.fpu and core.fpu != "auto":
        f.append(f"-mfpu={core.fpu}")
    return f


def _run(cmd: list[str], cwd: Path) -> None:
    p = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    if p.returncode != 0:
        raise ToolchainError(f"{' '.join(cmd)} failed:\n{p.stderr.strip()}")


def build_host(src_dir: Path, out_dir: Path) -> Path:
    """Shared library of the host build, loaded by the emulator through ctypes."""
    out_dir.mkdir(parents=True, exist_ok=True)
    so = out_dir / "libneai_host.so"
    _run([HOST_CC, *STRICT, *EXACT, "-O2", "-fPIC", "-shared", "-I", str(src_dir), str(src_dir / "neai.c"),
          "-o", str(so)], out_dir)
    return so


def build_host_emulator(src_dir: Path, emulator_c: Path, out: Path) -> Path:
    _run([HOST_CC, *WARN, *EXACT, "-O2", "-I", str(src_dir), str(emulator_c), str(src_dir / "neai.c"), "-o", str(out)],
         out.parent)
    return out


@dataclass
class Footprint:
    core: str
    flash: int
    ram: int
    stack: int


def build_arm(src_dir: Path, out_dir: Path, core_name: str, suffix: str = "", flags: list[str] | None = None
              ) -> tuple[Path, Footprint]:
    """libneai.a for one core, and its measured footprint; `flags` (the user's build
    choices, codegen/cflags.py) replace the core's float ABI and -Os."""
    if not have_arm():
        raise ToolchainError(f"{ARM_CC} not found: install gcc-arm-none-eabi and libnewlib-arm-none-eabi")
    core = CORES[core_name]
    out_dir.mkdir(parents=True, exist_ok=True)
    obj = out_dir / "neai.o"
    chosen = flags if flags is not None else [*arm_flags(core), "-Os"]
    _run([ARM_CC, *STRICT, *EXACT, *SECTIONS, *chosen, "-fcallgraph-info=su", "-I", str(src_dir), "-c",
          str(src_dir / "neai.c"), "-o", str(obj)], out_dir)
    lib = out_dir / f"libneai{suffix}.a"
    lib.unlink(missing_ok=True)
    _run(["arm-none-eabi-ar", "rcs", str(lib), str(obj)], out_dir)
    return lib, measure(obj, out_dir / "neai.ci", core_name, chosen)


def public_functions(obj: Path) -> list[str]:
    """The global symbols `obj` defines: the roots a firmware's calls keep."""
    out = subprocess.run(["arm-none-eabi-nm", "-g", "--defined-only", str(obj)], capture_output=True, text=True,
                         check=True).stdout
    return [p[2] for p in (line.split() for line in out.splitlines()) if len(p) == 3]


def link_alone(obj: Path, flags: list[str]) -> Path:
    """`obj` linked as a firmware links it, with nothing else: its public symbols kept,
    unused sections dropped, the run-time routines it calls taken from libgcc and libc
    (newlib-nano) for the multilib `flags` select."""
    roots = public_functions(obj)
    elf = obj.with_suffix(".elf")
    keep = [f"-Wl,--undefined={r}" for r in roots]
    _run([ARM_CC, *flags, "--specs=nano.specs", "-nostartfiles", "-Wl,--gc-sections",
          f"-Wl,-e,{roots[0] if roots else '0'}", *keep, str(obj), "-lc", "-lgcc", "-o", str(elf)], obj.parent)
    return elf


def measure(obj: Path, ci: Path, core: str, flags: list[str] | None = None) -> Footprint:
    """Flash and static RAM of `obj` linked alone (`link_alone`, with the compile's
    `flags`), its stack from the call graph `ci`."""
    elf = link_alone(obj, flags if flags is not None else [*arm_flags(CORES[core]), "-Os"])
    out = subprocess.run(["arm-none-eabi-size", "-B", str(elf)], capture_output=True, text=True, check=True).stdout
    text, data, bss = (int(v) for v in out.splitlines()[1].split()[:3])  # text holds code and read-only data
    return Footprint(core, text + data, data + bss, stack_depth(ci))


_NODE = re.compile(r'node:\s*\{\s*title:\s*"([^"]+)"\s*label:\s*"([^"]*)"')
_EDGE = re.compile(r'edge:\s*\{\s*sourcename:\s*"([^"]+)"\s*targetname:\s*"([^"]+)"')


def stack_depth(ci: Path) -> int:
    """Deepest stack from the neai_* entry points, from GCC's -fcallgraph-info=su file."""
    if not ci.exists():
        return 0
    text = ci.read_text()
    frame: dict[str, int] = {}
    for title, label in _NODE.findall(text):
        m = re.search(r"(\d+) bytes", label)
        frame[title] = int(m.group(1)) if m else 0
    calls: dict[str, list[str]] = {}
    for a, b in _EDGE.findall(text):
        calls.setdefault(a, []).append(b)

    def depth(f: str, seen: frozenset[str]) -> int:
        if f in seen:
            return 0
        return frame.get(f, 0) + max((depth(g, seen | {f}) for g in calls.get(f, [])), default=0)

    roots = [t for t in frame if t.split(":")[-1].startswith("neai_")]
    return max((depth(r, frozenset()) for r in roots), default=0)
