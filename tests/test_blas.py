"""numpy's BLAS kernel is the same on every x86-64 CPU with AVX2 (engine/blas.py): without
it, the recorded C digests and the library a benchmark ships changed on AVX-512 machines."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from nanoforge.engine import blas

PROBE = ("import os; {first}; import numpy; numpy.ones((64, 64)) @ numpy.ones((64, 64)); "
         "from nanoforge.engine.blas import kernel; print(os.environ.get('OPENBLAS_CORETYPE'), kernel())")


def _run(first: str, **env: str) -> list[str]:
    base = {k: v for k, v in os.environ.items() if k != "OPENBLAS_CORETYPE"}
    out = subprocess.run([sys.executable, "-c", PROBE.format(first=first)], env={**base, **env},
                         capture_output=True, text=True, check=True)
    return out.stdout.split()


@pytest.mark.skipif(not blas.pinnable(), reason="the kernel is pinned on x86-64 CPUs with AVX2 and FMA only")
@pytest.mark.parametrize("package", ["engine", "codegen", "daemon.server"])
def test_importing_what_computes_pins_the_kernel_numpy_loads(package: str) -> None:
    assert _run(f"import nanoforge.{package}") == ["Haswell", "Haswell"]


def test_a_kernel_the_user_chose_is_kept() -> None:
    assert _run("import nanoforge.engine", OPENBLAS_CORETYPE="Sandybridge")[0] == "Sandybridge"


def test_numpy_loaded_first_keeps_its_kernel_and_its_children_inherit_nothing() -> None:
    """Pinning after the load would give the worker processes another kernel than their
    parent's."""
    env, _ = _run("import numpy, nanoforge.engine")
    assert env == "None"


def test_cpu_flags_of_a_missing_or_flagless_file_are_empty(tmp_path) -> None:
    assert blas.cpu_flags(tmp_path / "absent") == frozenset()
    (tmp_path / "cpuinfo").write_text("processor\t: 0\nflags\t\t: fpu avx2 fma\n")
    assert blas.cpu_flags(tmp_path / "cpuinfo") == frozenset({"fpu", "avx2", "fma"})
