"""Extrapolation (issue #5): every regression model, numpy reference vs host C vs a
Cortex-M4 build in unicorn, on a slice of Covid3Month."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from nanoforge.codegen import armrun, toolchain
from nanoforge.codegen.apis.v4 import ext
from nanoforge.codegen.apis.v4.ext import ExtHostLibrary
from nanoforge.engine import metrics, search
from nanoforge.engine.dataset import deinterleave

from .conftest import FIXTURES

pytestmark = pytest.mark.skipif(not toolchain.have_arm(), reason="arm-none-eabi-gcc missing (scripts/toolchain.sh)")

ROWS = np.loadtxt(FIXTURES / "covid3month_train.csv", delimiter=",", dtype=np.float32, ndmin=2)
X, Y = deinterleave(ROWS[:, 1:], 1), ROWS[:, 0]


def _b(kind: str, **p: object) -> dict[str, object]:
    return {"kind": kind, "params": p}


CASES = [
    _b("ridge", alpha=1.0), _b("knn_reg", k=5), _b("knn_reg", k=7, weighted=True), _b("svr", C=10.0, gamma=1.0, epsilon=0.1, max_sv=200),
    _b("forest_reg", algo="tree", depth=6, seed=1), _b("forest_reg", algo="rf", trees=5, depth=4, seed=1),
    _b("forest_reg", algo="et", trees=5, depth=4, seed=1), _b("gbt_reg", stages=20, depth=2, lr=0.1, seed=1),
    _b("mlp_reg", hidden=8, alpha=1e-3, seed=1), _b("knn_reg", k=3, weighted=False, kb=2000, seed=1),
]


@pytest.mark.parametrize("model", CASES, ids=[f"{m['kind']}-{m['params'].get('algo', m['params'].get('weighted', ''))}" for m in CASES])
def test_regressor_numpy_host_and_cortex_m_agree(tmp_path: Path, model: dict) -> None:
    ctx = search.Context(X, Y, ["value"], 1 << 20, 1 << 20, 0, type="ext")
    pipe = search.fit_library(ctx, {"blocks": [_b("stats"), _b("scale")], "model": model}, {})
    ref = pipe.predict_proba(X)[:, 0]
    gen = ext.generate(pipe, 1, X.shape[2], "feedc0ffee12")
    src = tmp_path / "src"
    src.mkdir()
    for name, text in gen.files.items():
        (src / name).write_text(text)
    host = ExtHostLibrary(toolchain.build_host(src, tmp_path / "host"), gen, 1, X.shape[2]).extrapolate(X)
    if model["kind"] == "svr":  # the device's own expf: a few ulps from numpy's exp
        assert np.allclose(host, ref, rtol=1e-4, atol=1e-6)
    else:
        assert host.tobytes() == ref.tobytes(), np.flatnonzero(host != ref)[:5]
    assert np.sqrt(np.mean((host - Y) ** 2)) < Y.std()  # it learned something
    img = armrun.build_image(src, tmp_path / "m4", "cortex-m4", ext.HARNESS_C)
    dev = ext.run_arm(img, X[:12])
    assert dev.tobytes() == host[:12].tobytes()


def test_ext_bench_emulate_with_targets_deploy_and_firmware_links(tmp_path: Path) -> None:
    import json
    import subprocess

    from .conftest import bench_wait, deploy_and_link, nanoforge

    root = tmp_path / "covid"
    assert nanoforge("new", str(root), "--type", "ext", "--axes", "1", "--buffer", "84",
                     "--max-ram", "16384", "--max-flash", "20480").returncode == 0
    train = root / "train.csv"
    train.write_text((FIXTURES / "covid3month_train.csv").read_text())
    r = nanoforge("signals", "add", str(root), "--file", str(train))
    assert r.returncode == 0, r.stderr
    best = bench_wait(root, 8)["best"]
    assert {"r2", "rmse", "smape"} <= set(best) and best["flash"] <= 20480
    assert ("warning" in best) == (best["r2"] < metrics.WEAK_R2)
    # test files hold buffers only; targets apart
    signals, targets = tmp_path / "signals.csv", tmp_path / "targets.csv"
    np.savetxt(signals, ROWS[:20, 1:], fmt="%.6g", delimiter=",")
    np.savetxt(targets, ROWS[:20, 0], fmt="%.6g")
    r = nanoforge("emulate", str(root), "--file", str(signals), "--targets", str(targets), "--json")
    assert r.returncode == 0, r.stderr
    em = json.loads(r.stdout)
    assert len(em["results"]) == 20 and set(em["results"][0]) == {"line", "value"}
    assert {"r2", "rmse", "smape"} <= set(em["summary"])
    assert np.isclose(em["summary"]["rmse"], np.sqrt(np.mean((np.array([x["value"] for x in em["results"]])
                                                              - ROWS[:20, 0].astype(np.float64)) ** 2)), rtol=1e-4)
    fw = tmp_path / "fw"
    deploy_and_link(tmp_path, root, fw, FIRMWARE_MAIN)
    out = subprocess.run([str(fw / "neai_emulator"), str(signals)], capture_output=True, text=True,
                         check=True).stdout.splitlines()
    assert [json.loads(x)["value"] for x in out] == pytest.approx([x["value"] for x in em["results"]], rel=1e-6)


def test_ext_bench_warns_when_the_signals_do_not_predict_the_target(tmp_path: Path) -> None:
    """Targets drawn apart from their signals: every candidate does about as well as the
    mean, and the user is told so rather than handed a library that looks fine. 300
    signals, so that the luckiest of the candidates stays far below R² 0.1 (0.036 at most
    over ~700 candidates and two seeds, measured)."""
    from .conftest import nanoforge

    root = tmp_path / "noise"
    assert nanoforge("new", str(root), "--type", "ext", "--axes", "1", "--buffer", "32").returncode == 0
    rng = np.random.default_rng(0)
    rows = np.column_stack([rng.uniform(0, 1, 300), rng.normal(size=(300, 32))])
    np.savetxt(root / "train.csv", rows, fmt="%.6g", delimiter=",")
    assert nanoforge("signals", "add", str(root), "--file", str(root / "train.csv")).returncode == 0
    r = nanoforge("bench", "start", str(root), "--time-budget", "3", "--cores", "2", "--wait")
    assert r.returncode == 0, r.stderr
    assert "    warning: R² " in r.stdout and "explain little of the target" in r.stdout, r.stdout


FIRMWARE_MAIN = """#include <stdint.h>
#include "NanoEdgeAI.h"
#include "knowledge.h"

static float input_user_buffer[DATA_INPUT_USER * AXIS_NUMBER];

int main(void)
{
    float value = -1.0f;
    if (neai_extrapolation_init(knowledge) != NEAI_OK) return 1;
    for (int i = 0; i < DATA_INPUT_USER * AXIS_NUMBER; i++) input_user_buffer[i] = (float)(i % 7);
    return neai_extrapolation(input_user_buffer, &value) == NEAI_OK && value == value ? 0 : 2;
}
"""
