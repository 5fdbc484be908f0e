"""The sampling finder on recordings whose answer is known: a difference that lives at
180 Hz needs a rate above 360 Hz; a difference that is a 2 Hz envelope needs a buffer
that holds a period (0.5 s)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from nanoforge.engine import samplingfinder as sf

from .conftest import nanoforge

F = 1600
SECONDS = 20


def _save(path: Path, x: np.ndarray) -> str:
    np.savetxt(path, x.reshape(len(x), -1), fmt="%.4f", delimiter=",")
    return str(path)


@pytest.fixture(scope="module")
def recordings(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[str]]:
    d = tmp_path_factory.mktemp("sampling")
    rng = np.random.default_rng(7)
    t = np.arange(F * SECONDS) / F
    base = [np.sin(2 * np.pi * 30 * t) + 0.5 * rng.standard_normal(len(t)) for _ in range(2)]
    carrier = np.sin(2 * np.pi * 20 * t)
    # The level of class A drifts slowly and aperiodically (a machine's load); class B
    # pulses at 2 Hz through the same range: a buffer shorter than a period sees a level
    # either class can have.
    drift = 1 + 0.8 * np.sin(2 * np.pi * 0.05 * t + 1)
    pulse = 1 + 0.8 * np.sin(2 * np.pi * 2 * t)
    noise = [0.05 * rng.standard_normal(len(t)) for _ in range(2)]
    return {
        "hf": [_save(d / "hf_a.csv", base[0]), _save(d / "hf_b.csv", base[1] + 0.5 * np.sin(2 * np.pi * 180 * t))],
        "envelope": [_save(d / "env_a.csv", drift * carrier + noise[0]),
                     _save(d / "env_b.csv", pulse * carrier + noise[1])],
    }


def test_a_180_hz_difference_needs_a_rate_above_twice_180(recordings: dict[str, list[str]]) -> None:
    res = sf.find(recordings["hf"], 1, F)
    rec = res["recommendation"]
    assert rec is not None and rec["hz"] >= 360 and rec["score"] > 0.95
    below = [c["score"] for c in res["matrix"] if c["hz"] < 360 and c["score"] is not None]
    assert below and max(below) < 0.8  # the component is gone, not aliased into view


def test_a_2_hz_envelope_needs_a_buffer_holding_a_period(recordings: dict[str, list[str]]) -> None:
    rec = sf.find(recordings["envelope"], 1, F)["recommendation"]
    assert rec is not None and rec["duration_s"] >= 0.5 and rec["score"] > 0.95
    assert rec["duration_s"] == rec["buffer"] / rec["hz"]


def test_the_matrix_covers_rates_to_f_over_32_and_buffers_16_to_4096(recordings: dict[str, list[str]]) -> None:
    res = sf.find(recordings["hf"], 1, F, seed=3)
    assert sorted({c["hz"] for c in res["matrix"]}) == [50, 100, 200, 400, 800, 1600]
    assert sorted({c["buffer"] for c in res["matrix"]}) == [2**i for i in range(4, 13)]
    too_short = [c for c in res["matrix"] if c["hz"] == 50 and c["buffer"] == 4096]
    assert too_short[0]["score"] is None  # 20 s at 50 Hz cannot hold 8 buffers of 82 s
    assert sf.find(recordings["hf"], 1, F, seed=3) == res  # seeded
    assert {c["hz"] for c in sf.find(recordings["hf"], 1, F, min_hz=400)["matrix"]} == {400, 800, 1600}


def test_the_cli_prints_the_matrix_and_json(recordings: dict[str, list[str]], tmp_path: Path) -> None:
    r = nanoforge("sampling-finder", *recordings["hf"], "--variables", "1", "--hz", str(F), "--json")
    assert r.returncode == 0, r.stderr
    res = json.loads(r.stdout)
    assert set(res["recommendation"]) >= {"hz", "buffer", "duration_s", "score"}
    r = nanoforge("sampling-finder", *recordings["hf"], "--variables", "1", "--hz", str(F), "--min-hz", "400")
    assert r.returncode == 0, r.stderr
    assert "recommended:" in r.stdout and "*" in r.stdout
    one = nanoforge("sampling-finder", recordings["hf"][0], "--variables", "1", "--hz", str(F))
    assert one.returncode == 1 and "at least two recordings" in one.stderr
    wide = nanoforge("sampling-finder", *recordings["hf"], "--variables", "3", "--hz", str(F))
    assert wide.returncode == 1 and "NF112" in wide.stderr and "hf_a.csv" in wide.stderr


def test_a_recording_longer_than_the_signal_file_line_limit_is_read(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    long = _save(tmp_path / "long.csv", rng.standard_normal((120_000, 2)))
    assert sf.recording(long, 2).shape == (120_000, 2)
    bad = tmp_path / "bad.csv"
    bad.write_text("1,2\n" * 30 + "1,x\n")
    with pytest.raises(ValueError, match="NF102"):
        sf.recording(bad, 2)
