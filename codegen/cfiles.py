"""The C kernels in codegen/c/ and how a library gets the ones it uses.

Each kernel module is one header of static functions; its own `#include "nf_….h"` lines
say what it needs. A generated neai.c holds the modules it uses, dependencies first and
each once, with those local includes dropped, so the library is one self-contained file
that any toolchain compiles alone.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache
from pathlib import Path

C_DIR = Path(__file__).parent / "c"
_LOCAL_INCLUDE = re.compile(r'^#include "(nf_[a-z0-9_]+)\.h"[ \t]*\n', re.M)


@cache
def module_text(name: str) -> str:
    """The text of module `name` (e.g. "nf_math")."""
    path = C_DIR / f"{name}.h"
    if not path.is_file():
        raise ValueError(f"no C module {name} in {C_DIR}")
    return path.read_text()


def requires(name: str) -> list[str]:
    """The modules `name` includes, in order."""
    return _LOCAL_INCLUDE.findall(module_text(name))


def resolve(names: Iterable[str]) -> list[str]:
    """`names` and everything they need, each once, every module after its dependencies."""
    order: list[str] = []

    def visit(n: str, path: tuple[str, ...]) -> None:
        if n in order:
            return
        if n in path:
            raise ValueError(f"C modules include each other: {' -> '.join((*path, n))}")
        for dep in requires(n):
            visit(dep, (*path, n))
        order.append(n)

    for n in names:
        visit(n, ())
    return order


def concatenate(names: Iterable[str]) -> str:
    """The source of `names` and their dependencies, ready to paste into one .c file."""
    return "\n".join(_LOCAL_INCLUDE.sub("", module_text(n)) for n in resolve(names))


def modules() -> list[str]:
    """Every module in codegen/c/."""
    return sorted(p.stem for p in C_DIR.glob("nf_*.h"))
