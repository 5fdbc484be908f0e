"""One BLAS kernel on every x86-64 machine, so a project gives the same library on each.

OpenBLAS (numpy's and scipy's) picks its kernels by CPU when it loads, and its AVX-512
kernels sum in another order than its AVX2 ones: PCA, Ledoit–Wolf and the MLP then differ
in the last bits, a near-tie at the top of a benchmark goes the other way, and the same
project and seed give another library on another machine. Seen on CI: on an AVX-512 CPU,
8 of the recorded C digests (tests/cgolden.json) changed, and the library a 6 s
benchmark of tests/test_bench.py shipped was another, over the flash budget on a
Cortex-M0+. The Haswell kernels
run on every x86-64 CPU with AVX2 and FMA, so they are pinned there.

OpenBLAS reads the choice once, when numpy loads it: the packages that compute (engine,
codegen, and the daemon process) call `pin_kernel` before they import numpy. A
process that loaded numpy first keeps its kernel, and so do the worker processes it
starts (they inherit its environment). A choice the user made (`OPENBLAS_CORETYPE` set)
is kept.
"""

from __future__ import annotations

import os
import platform
import sys
from pathlib import Path

KERNEL = "Haswell"
NEEDS = frozenset({"avx2", "fma"})


def cpu_flags(cpuinfo: Path = Path("/proc/cpuinfo")) -> frozenset[str]:
    try:
        text = cpuinfo.read_text(errors="replace")
    except OSError:
        return frozenset()
    for line in text.splitlines():
        if line.startswith("flags"):
            return frozenset(line.partition(":")[2].split())
    return frozenset()


def pinnable() -> bool:
    """An x86-64 CPU that runs the Haswell kernels."""
    return platform.machine().lower() in ("x86_64", "amd64") and NEEDS <= cpu_flags()


def pin_kernel() -> bool:
    """Whether this call pinned the kernel (False: already chosen, too late, or not
    `pinnable`)."""
    if "OPENBLAS_CORETYPE" in os.environ or "numpy" in sys.modules or not pinnable():
        return False
    os.environ["OPENBLAS_CORETYPE"] = KERNEL
    return True


def kernel() -> str:
    """The kernels numpy's OpenBLAS runs in this process ('' when it is another BLAS): a
    cluster's coordinator compares its workers' with its own (daemon/cluster.py)."""
    import numpy
    from threadpoolctl import threadpool_info

    numpy.ones(1)  # loaded: its library is what threadpoolctl finds
    for lib in threadpool_info():
        if lib.get("internal_api") == "openblas" and "numpy" in str(lib.get("filepath", "")):
            return str(lib.get("architecture") or "")
    return ""
