"""The fuzz harness (bench/fuzz.py) runs: each target on its seeds (the inputs that once
broke nanoforge) and a few drawn examples. The real runs are on demand:
`python bench/fuzz.py --seconds 600`."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

FUZZ = Path(__file__).parent.parent / "bench" / "fuzz.py"


def _fuzz():  # bench/ is scripts, not a package
    if "nf_fuzz" not in sys.modules:
        spec = importlib.util.spec_from_file_location("nf_fuzz", FUZZ)
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        sys.modules["nf_fuzz"] = module
        spec.loader.exec_module(module)
    return sys.modules["nf_fuzz"]


@pytest.mark.parametrize("target", ["reader", "project", "rpc"])
def test_each_fuzz_target_runs_its_seeds_and_finds_nothing(target: str) -> None:
    fuzz = _fuzz()
    assert fuzz.main(["--target", target, "--examples", "10", "--seconds", "60"]) == 0


def test_a_finding_is_reported_with_exit_code_1(capsys: pytest.CaptureFixture[str]) -> None:
    """The harness can fail: a property that breaks on its seed is a finding."""
    fuzz = _fuzz()

    def broken(n: int):
        from hypothesis import given, settings
        from hypothesis import strategies as st

        @settings(max_examples=n, deadline=None, database=None)
        @given(st.integers())
        def test(i: int) -> None:
            assert i != 0

        return test

    assert fuzz._run("broken", broken, 10, 30.0, 0) is False
    assert "broken: FOUND" in capsys.readouterr().out
