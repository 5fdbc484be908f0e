"""The project's RAM/flash budget, checked on the measured library before deploy writes.

The search can only estimate a candidate's footprint; what the firmware links is what
`size` and GCC's call graph measure on the built object. So deploy compares that
measurement with `max_flash` / `max_ram` and refuses a library that does not fit,
naming both figures and the setting — unless the user forces it, and then the result
says so.
"""

from __future__ import annotations


class OverBudget(ValueError):
    """The measured library exceeds the project's budget (a user error: exit 1)."""


def excess(measured: dict[str, int], max_flash: int, max_ram: int) -> list[str]:
    """One sentence per figure over its setting; empty when the library fits."""
    out = []
    if measured["flash"] > max_flash:
        out.append(f"flash {measured['flash']} B (code {measured['flash_code']} + knowledge "
                   f"{measured['flash_knowledge']}) is over max_flash = {max_flash} B")
    if measured["ram"] > max_ram:
        out.append(f"RAM {measured['ram']} B (static {measured['ram_static']} + stack {measured['stack']}) "
                   f"is over max_ram = {max_ram} B")
    return out


def check(measured: dict[str, int], max_flash: int, max_ram: int, force: bool, where: str) -> list[str]:
    """Raises OverBudget when the measured library does not fit and `force` is off; the
    warnings to report when it was forced. `where` names the library, core and project file."""
    over = excess(measured, max_flash, max_ram)
    if not over:
        return []
    what = "; ".join(over)
    if not force:
        raise OverBudget(f"{where}: measured {what}; raise the setting in nanoforge.toml, deploy a smaller "
                         "library (--library ID), or pass --force to deploy it anyway")
    return [f"deployed over budget (--force): measured {what}"]
