"""Target catalogue: cores and the MCUs/boards users name, mapped to a core and memory.

Users think in part numbers ("STM32L432KC"), the compiler in cores; this table joins
them and gives sensible default budgets.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Core:
    name: str
    gcc_cpu: str
    float_abi: str  # "soft" or "hard"
    fpu: str | None


CORES: dict[str, Core] = {
    "cortex-m0": Core("cortex-m0", "cortex-m0", "soft", None),
    "cortex-m0plus": Core("cortex-m0plus", "cortex-m0plus", "soft", None),
    "cortex-m3": Core("cortex-m3", "cortex-m3", "soft", None),
    "cortex-m4": Core("cortex-m4", "cortex-m4", "hard", "fpv4-sp-d16"),
    "cortex-m7": Core("cortex-m7", "cortex-m7", "hard", "fpv5-sp-d16"),
    "cortex-m33": Core("cortex-m33", "cortex-m33", "hard", "fpv5-sp-d16"),
    "cortex-m55": Core("cortex-m55", "cortex-m55", "hard", "auto"),
}
ALIASES = {"cortex-m0+": "cortex-m0plus", "cortex-m4f": "cortex-m4", "m0": "cortex-m0", "m0+": "cortex-m0plus",
           "m3": "cortex-m3", "m4": "cortex-m4", "m4f": "cortex-m4", "m7": "cortex-m7", "m33": "cortex-m33",
           "m55": "cortex-m55"}


@dataclass(frozen=True)
class Mcu:
    name: str
    core: str
    ram: int
    flash: int


MCUS: dict[str, Mcu] = {m.name: m for m in [
    Mcu("stm32g071rb", "cortex-m0plus", 36 * 1024, 128 * 1024),
    Mcu("stm32l053r8", "cortex-m0plus", 8 * 1024, 64 * 1024),
    Mcu("rp2040", "cortex-m0plus", 264 * 1024, 2048 * 1024),
    Mcu("stm32f103c8", "cortex-m3", 20 * 1024, 64 * 1024),
    Mcu("stm32l432kc", "cortex-m4", 64 * 1024, 256 * 1024),
    Mcu("stm32f401re", "cortex-m4", 96 * 1024, 512 * 1024),
    Mcu("stm32l476rg", "cortex-m4", 128 * 1024, 1024 * 1024),
    Mcu("stm32wb55rg", "cortex-m4", 256 * 1024, 1024 * 1024),
    Mcu("nrf52840", "cortex-m4", 256 * 1024, 1024 * 1024),
    Mcu("stm32f746ng", "cortex-m7", 320 * 1024, 1024 * 1024),
    Mcu("stm32h743zi", "cortex-m7", 1024 * 1024, 2048 * 1024),
    Mcu("stm32u585ai", "cortex-m33", 786 * 1024, 2048 * 1024),
    Mcu("nrf5340", "cortex-m33", 512 * 1024, 1024 * 1024),
    Mcu("stm32n657x0", "cortex-m55", 4096 * 1024, 0),
]}


def resolve(name: str) -> tuple[Core, Mcu | None] | None:
    """Core (and MCU, if one was named) for a user's target name; None if unknown."""
    key = name.strip().lower()
    key = ALIASES.get(key, key)
    if key in CORES:
        return CORES[key], None
    if key in MCUS:
        m = MCUS[key]
        return CORES[m.core], m
    return None


def known_names() -> list[str]:
    return sorted(CORES) + sorted(MCUS)
