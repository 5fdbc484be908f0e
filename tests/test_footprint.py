"""bench/footprint.py on a small sample: every project type is drawn, each candidate is
built for its core and measured as deploy measures it, and the search's estimate is
conservative on it (never more than 2 % under the measured flash or RAM) and close (tree
ensembles and kernel machines are counted fitted, no worst case is left; the RAM is the
C's buffers and the calibrated stack)."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

from nanoforge.codegen import toolchain
from nanoforge.engine import types

pytestmark = pytest.mark.skipif(not toolchain.have_arm(), reason="arm-none-eabi-gcc not installed")

BENCH = Path(__file__).resolve().parent.parent / "bench" / "footprint.py"


def _bench() -> object:
    spec = importlib.util.spec_from_file_location("bench_footprint", BENCH)
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod  # its dataclass looks itself up there
    spec.loader.exec_module(mod)
    return mod


def test_a_small_seeded_sample_is_measured_and_the_estimate_is_conservative(tmp_path: Path) -> None:
    fp = _bench()
    rows = fp.measure_sample(8, 3, tmp_path)  # type: ignore[attr-defined]
    assert len(rows) == 8
    own = {n for n in types.names() if type(types.get(n)).__module__.startswith("nanoforge.")}
    assert {r.type for r in rows} == own  # a test's plug-in type loaded in this process is not sampled
    for r in rows:
        assert r.flash > 0 and r.ram > 0
        assert -2.0 <= r.flash_err <= 25.0, (r, r.flash_err)  # trees counted fitted: no worst case left
        assert -2.0 <= r.ram_err <= 25.0, (r, r.ram_err)  # buffers as the C declares them, stack per kind
    table = fp.report(rows)  # type: ignore[attr-defined]
    assert "flash, all" in table and "ram, all" in table


def test_soft_float_routines_count_as_a_firmware_link_pulls_them_in(tmp_path: Path) -> None:
    """On a core without an FPU the library's float operations are calls into libgcc:
    the measured flash holds those routines (the object file alone does not), so a
    library that fits on paper also fits once linked."""
    src = tmp_path / "src"
    src.mkdir()
    (src / "neai.c").write_text("float neai_probe(float a, float b);\n"
                                "float neai_probe(float a, float b) { return a / b + a * b; }\n")
    sizes = {}
    for core in ("cortex-m0plus", "cortex-m4"):
        _, fp = toolchain.build_arm(src, tmp_path / core, core)
        sizes[core] = fp.flash
        syms = subprocess.run(["arm-none-eabi-nm", str(tmp_path / core / "neai.elf")], capture_output=True,
                              text=True, check=True).stdout
        assert ("__aeabi_fdiv" in syms) == (core == "cortex-m0plus"), syms
    assert sizes["cortex-m4"] < 64 and sizes["cortex-m0plus"] > 1000, sizes
