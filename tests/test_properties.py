"""No file, however broken, crashes the reader or the checks; clean files round-trip."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from nanoforge.engine.checks import Layout, check_file
from nanoforge.engine.diagnostics import CODES

ALPHABET = st.sampled_from(list("0123456789.,;\t -+eE\nnaNIfx\r") + ["\u00e9", "\x00", "1.5", "\n\n"])


def assert_sane(diags, text_lines: int) -> None:
    for d in diags:
        assert d.code in CODES
        assert 1 <= d.line <= max(text_lines, 1) + 100_001
        assert d.column >= 1 and d.end_column >= d.column
        assert d.message and d.hint


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.one_of(st.binary(max_size=600), st.lists(ALPHABET, max_size=400).map(lambda x: "".join(x).encode())),
       st.integers(1, 4), st.sampled_from(["buffer", "ext", "multi"]))
def test_any_bytes_give_diagnostics_not_exceptions(tmp_path: Path, data: bytes, axes: int, kind: str) -> None:
    p = tmp_path / "f.csv"
    p.write_bytes(data)
    diags, _ = check_file(p, Layout(kind=kind, axes=axes, max_ram=4096))  # type: ignore[arg-type]
    assert_sane(diags, data.count(b"\n") + 1)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(arrays(np.float32, st.tuples(st.integers(10, 25), st.integers(1, 40)),
              elements=st.floats(-1e6, 1e6, width=32, allow_nan=False)),
       st.sampled_from([",", ";", "\t", " "]))
def test_clean_matrices_round_trip(tmp_path: Path, values: np.ndarray, sep: str) -> None:
    p = tmp_path / "m.csv"
    p.write_text("\n".join(sep.join(repr(float(v)) for v in row) for row in values) + "\n")
    diags, pf = check_file(p, Layout())
    assert [d for d in diags if d.severity == "error"] == []
    np.testing.assert_array_equal(pf.values, values)
