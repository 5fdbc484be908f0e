"""The serial line checker: however the bytes are split into reads, the same signals
come out; nothing it writes is anything but a whole, checked line; garbage never crashes
it. Written files must pass `nanoforge check` (tests/test_serial.py shows that end to end)."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from nanoforge.engine.linestream import LineStream

NUMBER = st.floats(-1e4, 1e4, allow_nan=False).map(lambda v: f"{v:.3f}")
JUNK = st.sampled_from([b"boot v1.2\r\n", b"\x00\xff\x10\r\n", b"1,2,x\r\n", b"nan,1,2\r\n", b"\r\n", b"12"])


def lines_of(width: int) -> st.SearchStrategy[list[str]]:
    return st.lists(st.lists(NUMBER, min_size=width, max_size=width).map(",".join), min_size=1, max_size=20)


def split(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({c % (len(data) + 1) for c in cuts})
    return [data[a:b] for a, b in zip([0, *points], [*points, len(data)], strict=True)]


@settings(max_examples=200, deadline=None)
@given(st.booleans().flatmap(lambda c: st.tuples(st.just(c), lines_of(3 if c else 6))), st.lists(JUNK, max_size=5),
       st.lists(st.integers(0, 10_000), max_size=30))
def test_reads_split_anywhere_give_the_same_whole_checked_lines(case: tuple[bool, list[str]], junk: list[bytes],
                                                                cuts: list[int]) -> None:
    """3 axes, signals of 2 samples: buffered lines of 6 values, continuous lines of 3."""
    continuous, good = case
    data = b"".join(junk) + b"\n" + b"".join((ln + "\r\n").encode() for ln in good) + b"3.5,1"

    def run(chunks: list[bytes]) -> tuple[list[str], dict[str, int]]:
        s = LineStream(axes=3, buffer=2, continuous=continuous)
        out = [line for c in chunks for line in s.feed(c)]
        s.close()
        return out, s.counts()

    whole, counts = run([data])
    assert run(split(data, cuts)) == (whole, counts)
    if not continuous:
        assert whole == good
    else:
        samples = [v for ln in good for v in ln.split(",")]
        assert whole == [",".join(samples[i:i + 6]) for i in range(0, len(samples) - 5, 6)]
    assert all(re.fullmatch(r"-?\d+\.\d+(,-?\d+\.\d+)*", ln) for ln in whole)
    assert counts["partial"] >= 1  # the cut last line


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=400), st.integers(1, 4), st.booleans())
def test_any_bytes_are_lines_or_counted_never_an_exception(data: bytes, axes: int, continuous: bool) -> None:
    s = LineStream(axes=axes, buffer=4 if continuous else None, continuous=continuous)
    out = s.feed(data)
    s.close()
    for ln in out:
        assert "\n" not in ln and "\r" not in ln and ln.count(s.sep) + 1 in (axes * (s.buffer or 0), axes * 4)
