"""The user's build choices for libneai.a, as NanoEdge AI Studio's deployment screen
offers them: float ABI, -fshort-enums, -fshort-wchar, optimisation level.

A firmware links cleanly only against a library built with the same ABI choices, so
they are the user's to make, checked against the core (an FPU ABI on a core without an
FPU is refused, saying why) and recorded in metadata.json. Nothing else is accepted: a
flag that changes the arithmetic would break the promise that the device computes the
emulator's bits.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field

from nanoforge.engine.targets import CORES, Core

FLOAT_ABIS = ("hard", "softfp", "soft")
OPT_LEVELS = ("-O0", "-O1", "-O2", "-O3", "-Os", "-Og", "-Oz")
SWITCHES = ("-fshort-enums", "-fshort-wchar")
DEFAULT_OPT = "-Os"


@dataclass(frozen=True)
class BuildChoices:
    float_abi: str | None = None  # None: the core's default
    switches: tuple[str, ...] = field(default_factory=tuple)
    opt: str = DEFAULT_OPT

    def flags(self, core: Core) -> list[str]:
        """The flags replacing the core's float ABI and -Os in the library's build."""
        abi = self.float_abi or core.float_abi
        out = [f"-mcpu={core.gcc_cpu}", "-mthumb", f"-mfloat-abi={abi}"]
        if abi != "soft" and core.fpu and core.fpu != "auto":
            out.append(f"-mfpu={core.fpu}")
        return [*out, *self.switches, self.opt]

    def record(self, core: Core) -> dict[str, object]:
        """metadata.json's "cflags": what the library was built with."""
        return {"float_abi": self.float_abi or core.float_abi, "short_enums": "-fshort-enums" in self.switches,
                "short_wchar": "-fshort-wchar" in self.switches, "optimization": self.opt,
                "flags": self.flags(core)}

    def key(self) -> str:
        """A build folder name part; empty for the defaults (the build of before)."""
        parts = [self.float_abi or "", *sorted(s.lstrip("-") for s in self.switches),
                 "" if self.opt == DEFAULT_OPT else self.opt.lstrip("-")]
        return "-".join(p for p in parts if p)


def parse(text: str, core_name: str) -> BuildChoices:
    """`--cflags "…"` checked against the core; ValueError naming the flag and the fix."""
    core = CORES[core_name]
    try:
        words = shlex.split(text or "")
    except ValueError as e:
        raise ValueError(f"cflags {text!r}: {e}") from None
    abi: str | None = None
    switches: list[str] = []
    opt = DEFAULT_OPT
    for w in words:
        if w.startswith("-mfloat-abi="):
            new = w.split("=", 1)[1]
            if new not in FLOAT_ABIS:
                raise ValueError(f"cflags: {w}: the float ABI is one of {', '.join(FLOAT_ABIS)}")
            if new != "soft" and not core.fpu:
                raise ValueError(f"cflags: {w} needs a floating-point unit and {core.name} has none "
                                 "(its floats are computed in software): use -mfloat-abi=soft or leave it out")
            if abi not in (None, new):
                raise ValueError(f"cflags: two float ABIs ({abi} and {new}): the firmware is built with one")
            abi = new
        elif w in SWITCHES:
            if w not in switches:
                switches.append(w)
        elif w in OPT_LEVELS:
            opt = w
        elif w.startswith(("-mfpu=", "-mcpu=", "-mthumb", "-march=")):
            raise ValueError(f"cflags: {w}: the core and its FPU come from the target ({core.name}); "
                             "choose it with --target")
        else:
            raise ValueError(f"cflags: {w} is not offered; accepted: -mfloat-abi=hard|softfp|soft, "
                             f"{', '.join(SWITCHES)}, {'|'.join(OPT_LEVELS)} (flags that change the arithmetic "
                             "would make the device differ from the emulator)")
    return BuildChoices(abi, tuple(sorted(switches)), opt)
