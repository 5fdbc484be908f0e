"""`nanoforge timing` through the real CLI and daemon: cycles and milliseconds per call
on every core, the same figures in deploy's metadata.json and in `bench candidates`, and
the max_latency_ms budget refusing a deploy like flash and RAM do."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from nanoforge.codegen import toolchain

from .conftest import nanoforge, small_ncc_benchmark

pytestmark = pytest.mark.skipif(not toolchain.have_arm(), reason="arm-none-eabi-gcc not installed")

EMULATED = ("cortex-m0plus", "cortex-m3", "cortex-m4", "cortex-m7", "cortex-m33")


def test_timing_every_core_then_deploy_and_candidates_show_the_cycles(tmp_path: Path) -> None:
    root = small_ncc_benchmark(tmp_path)
    r = nanoforge("timing", str(root), "--json")
    assert r.returncode == 0, r.stderr
    res = json.loads(r.stdout)
    assert res["clock_hz"] == 80e6 and res["signals"] == 3 and res["target"] == "cortex-m4"
    by_core = {c["core"]: c for c in res["cores"]}
    assert set(by_core) == {*EMULATED, "cortex-m55"}
    assert not by_core["cortex-m55"]["available"] and "Armv8.1-M" in by_core["cortex-m55"]["reason"]
    for core in EMULATED:
        calls = by_core[core]["calls"]
        assert set(calls) == {"neai_classification_init", "neai_classification"}, calls
        c = calls["neai_classification"]
        assert c["calls"] == 3 and 0 < c["cycles"] <= c["max"]
        assert c["ms"] == pytest.approx(c["cycles"] / 80e3)
    infer = {core: by_core[core]["calls"]["neai_classification"]["cycles"] for core in EMULATED}
    assert infer["cortex-m7"] <= infer["cortex-m4"] < infer["cortex-m3"] < infer["cortex-m0plus"], infer

    text = nanoforge("timing", str(root), "--clock", "16e6")
    assert text.returncode == 0, text.stderr
    assert "16 MHz" in text.stdout and "cortex-m55" in text.stdout
    m4_ms = infer["cortex-m4"] / 16e3
    assert f"{m4_ms:.3f}" in text.stdout

    fw = tmp_path / "fw"
    r = nanoforge("deploy", str(root), "--dir", str(fw), "--json")
    assert r.returncode == 0, r.stderr
    meta = json.loads((fw / "metadata.json").read_text())
    assert meta["timing"]["available"] and meta["timing"]["core"] == "cortex-m4"
    assert meta["timing"]["calls"]["neai_classification"]["cycles"] == infer["cortex-m4"]

    r = nanoforge("bench", "candidates", str(root), "--json")
    listed = json.loads(r.stdout)
    assert (listed["clock_hz"], listed["target"]) == (80e6, "cortex-m4")  # what turns cycles into ms in the editor
    best = listed["candidates"][0]
    assert best["cycles"]["neai_classification"] == infer["cortex-m4"]
    assert best["measured"]["flash"] == meta["footprint"]["measured"]["flash"]
    assert "over_latency" not in best  # no max_latency_ms in the project

    toml = root / "nanoforge.toml"
    toml.write_text(re.sub(r"(?m)^seed = ", "max_latency_ms = 0.001\nseed = ", toml.read_text()))
    r = nanoforge("deploy", str(root), "--dir", str(tmp_path / "fw2"), "--json")
    assert r.returncode == 1 and "max_latency_ms = 0.001 ms" in r.stderr, r.stderr
    assert f"{infer['cortex-m4'] / 80e3:.3g} ms per call" in r.stderr
    r = nanoforge("bench", "candidates", str(root), "--json")
    assert json.loads(r.stdout)["candidates"][0]["over_latency"] is True
    r = nanoforge("bench", "candidates", str(root))
    assert "(over max_latency_ms)" in r.stdout and str(infer["cortex-m4"]) in r.stdout
