"""bench/footprint.py on a small sample: every project type is drawn, each candidate is
built for its core and measured as deploy measures it, and the search's estimate is
conservative on it (never more than 2 % under the measured flash or RAM)."""

from __future__ import annotations

import importlib.util
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
        assert r.flash_err >= -2.0, (r, r.flash_err)
        assert r.ram_err >= -2.0, (r, r.ram_err)
    table = fp.report(rows)  # type: ignore[attr-defined]
    assert "flash, all" in table and "ram, all" in table
