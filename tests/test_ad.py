"""Anomaly detection end to end through the real CLI and daemon (issue #4): benchmark,
a library that ships untrained, learns in the emulator from nominal data and flags
abnormal data it has never seen; deploy; firmware written against the NanoEdge AD API
links for cortex-m4 and cortex-m0plus."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from nanoforge.codegen import toolchain

from .conftest import FIRMWARE_CORES, FIXTURES, bench_wait, deploy_into, link_firmware, nanoforge

pytestmark = pytest.mark.skipif(not toolchain.have_arm(), reason="arm-none-eabi-gcc missing (scripts/toolchain.sh)")


def _cat(out: Path, *names: str) -> Path:
    out.write_text("".join((FIXTURES / n).read_text() for n in names))
    return out


def _project(tmp: Path) -> Path:
    root = tmp / "motion"
    assert nanoforge("new", str(root), "--type", "ad", "--axes", "6", "--buffer", "100", "--hz", "10",
                     "--max-ram", "4096", "--max-flash", "16384", "--target", "cortex-m4").returncode == 0
    sig = root / "signals"
    sig.mkdir(exist_ok=True)
    nom = _cat(sig / "nominal.csv", "basicmotions_train_standing.csv", "basicmotions_train_walking.csv")
    abn = _cat(sig / "abnormal.csv", "basicmotions_train_running.csv", "basicmotions_train_badminton.csv")
    r = nanoforge("signals", "add", str(root), "--nominal", str(nom), "--abnormal", str(abn))
    assert r.returncode == 0, r.stderr
    deploy_into(root, "../firmware/nanoforge")
    return root


def test_ad_bench_learn_on_the_emulator_detect_unseen_and_firmware_links(tmp_path: Path) -> None:
    root = _project(tmp_path)
    st = bench_wait(root, 8)
    assert st["state"] == "finished" and st["candidates_evaluated"] > 10  # 8 s, on a loaded machine too
    best = st["best"]
    assert best["ram"] <= 4096 and best["flash"] <= 16384 and best["min_learn"] >= 1
    cands = json.loads(nanoforge("bench", "candidates", str(root), "--json").stdout)["candidates"]
    assert cands[0]["library"] == best["library"] and "min_learn" in cands[0]

    # Untrained library: learn the training nominal file, then detect the test files it never saw.
    test_nom, test_abn = FIXTURES / "basicmotions_anomaly_test_nominal.csv", FIXTURES / "basicmotions_anomaly_test_abnormal.csv"
    r = nanoforge("emulate", str(root), "--learn", str(root / "signals" / "nominal.csv"),
                  "--detect", str(test_nom), "--detect", str(test_abn), "--json")
    assert r.returncode == 0, r.stderr
    em = json.loads(r.stdout)
    assert set(em) == {"results", "summary"} and len(em["results"]) == 40
    assert set(em["results"][0]) == {"file", "line", "similarity", "status"}
    nom = [x for x in em["results"] if x["file"] == str(test_nom)]
    abn = [x for x in em["results"] if x["file"] == str(test_abn)]
    recall = sum(x["status"] == "nominal" for x in nom) / len(nom)
    detection = sum(x["status"] == "anomaly" for x in abn) / len(abn)
    assert recall >= 0.8 and detection >= 0.9, (recall, detection)
    assert em["summary"]["learned"] == 20 and em["summary"]["learning_done"]

    # Nothing learned yet is not allowed to pass silently: a learn file is required.
    r = nanoforge("emulate", str(root), "--detect", str(test_abn))
    assert r.returncode == 2 and "--learn" in r.stderr
    # A higher sensitivity never raises a similarity.
    r2 = json.loads(nanoforge("emulate", str(root), "--learn", str(root / "signals" / "nominal.csv"),
                              "--detect", str(test_nom), "--sensitivity", "3", "--json").stdout)
    assert all(a["similarity"] <= b["similarity"] for a, b in zip(r2["results"], nom, strict=True))

    fw = tmp_path / "firmware" / "nanoforge"
    for core, flags in FIRMWARE_CORES:
        r = nanoforge("deploy", str(root), "--target", core, "--json")
        assert r.returncode == 0, r.stderr
        dep = json.loads(r.stdout)
        measured = dep["footprint"]["measured"]
        assert measured["ram"] > 0 and measured["flash"] > 0
        if core == "cortex-m4":
            assert measured["ram"] <= 4096 and measured["flash"] <= 16384, measured
        cc = link_firmware(tmp_path, core, flags, fw, FIRMWARE_MAIN)
        assert cc.returncode == 0, cc.stderr
    meta = json.loads((fw / "metadata.json").read_text())
    assert meta["project_type"] == "ad" and meta["minimum_learn_calls"] == best["min_learn"]
    h = (fw / "NanoEdgeAI.h").read_text()
    assert f"MINIMUM_ITERATION_CALLS_FOR_EFFICIENT_LEARNING {best['min_learn']}" in h

    # The standalone emulator in the firmware tree agrees with the CLI.
    out = subprocess.run([str(fw / "neai_emulator"), "--learn", str(root / "signals" / "nominal.csv"),
                          "--detect", str(test_nom), "--detect", str(test_abn)],
                         capture_output=True, text=True, check=True).stdout.splitlines()
    assert [json.loads(line)["similarity"] for line in out] == [x["similarity"] for x in em["results"]]


FIRMWARE_MAIN = """#include <stdint.h>
#include "NanoEdgeAI.h"

static float input_user_buffer[DATA_INPUT_USER * AXIS_NUMBER];

int main(void)
{
    uint8_t similarity = 0;
    enum neai_state st;
    int i, j;
    if (neai_anomalydetection_init() != NEAI_OK) return 1;
    for (i = 0; i < MINIMUM_ITERATION_CALLS_FOR_EFFICIENT_LEARNING; i++) {
        for (j = 0; j < DATA_INPUT_USER * AXIS_NUMBER; j++) input_user_buffer[j] = (float)((i * 7 + j) % 13);
        st = neai_anomalydetection_learn(input_user_buffer);
        if (st != NEAI_NOT_ENOUGH_CALL_TO_LEARNING && st != NEAI_MINIMAL_RECOMMENDED_LEARNING_DONE) return 2;
    }
    if (neai_anomalydetection_set_sensitivity(1.5f) != NEAI_OK) return 3;
    if (neai_anomalydetection_get_sensitivity() != 1.5f) return 4;
    st = neai_anomalydetection_detect(input_user_buffer, &similarity);
    return (st == NEAI_OK && similarity <= 100) ? 0 : 5;
}
"""


def test_multi_sensor_one_sample_per_call(tmp_path: Path) -> None:
    """Multi-sensor: each line one sample of 6 variables; contiguous splits; the rolling
    window lives in the library; emulate reports one similarity per line."""
    import numpy as np

    root = tmp_path / "multi"
    assert nanoforge("new", str(root), "--type", "ad", "--sensor", "multi", "--axes", "6", "--hz", "10",
                     "--max-ram", "4096", "--max-flash", "16384").returncode == 0
    walk = np.loadtxt(FIXTURES / "basicmotions_train_walking.csv", delimiter=",")
    run = np.loadtxt(FIXTURES / "basicmotions_train_running.csv", delimiter=",")
    np.savetxt(root / "nominal.csv", walk[:4].reshape(-1, 6), fmt="%.6f", delimiter=",")
    np.savetxt(root / "abnormal.csv", run[:2].reshape(-1, 6), fmt="%.6f", delimiter=",")
    np.savetxt(root / "later.csv", np.concatenate([walk[6], run[6]]).reshape(-1, 6), fmt="%.6f", delimiter=",")
    r = nanoforge("signals", "add", str(root), "--nominal", str(root / "nominal.csv"),
                  "--abnormal", str(root / "abnormal.csv"))
    assert r.returncode == 0, r.stderr
    st = bench_wait(root, 10)
    assert st["best"]["pipeline"] == ["rolling"] and st["best"]["balanced_accuracy"] >= 0.8
    r = nanoforge("emulate", str(root), "--learn", str(root / "nominal.csv"), "--detect", str(root / "later.csv"),
                  "--json")
    assert r.returncode == 0, r.stderr
    res = json.loads(r.stdout)["results"]
    assert len(res) == 200 and [x["line"] for x in res] == list(range(1, 201))
    walking = sum(x["status"] == "anomaly" for x in res[:100])
    running = sum(x["status"] == "anomaly" for x in res[100:])
    assert running > walking + 30, (walking, running)
    r = nanoforge("deploy", str(root), "--target", "cortex-m4", "--dir", str(tmp_path / "fw"), "--json")
    assert r.returncode == 0, r.stderr
    h = (tmp_path / "fw" / "NanoEdgeAI.h").read_text()
    assert "#define DATA_INPUT_USER 1" in h and "#define AXIS_NUMBER 6" in h
    cc = link_firmware(tmp_path, "cortex-m4", FIRMWARE_CORES[0][1], tmp_path / "fw", FIRMWARE_MAIN)
    assert cc.returncode == 0, cc.stderr
