"""A fifth project type, defined in this test module and nowhere else: the daemon loads it
as a plug-in (NANOFORGE_PLUGINS), and `new → bench → emulate → deploy → link` work on it
through the CLI, as a user would run them. Nothing outside this file knows it exists,
which is what shows that the machinery around project types never names one.

The toy type tells two recorded situations apart ("two-level detection"): exactly two
classes, a search space of two models on per-axis statistics, ranked by the worst split's
accuracy, and the NanoEdge n-class API on the device.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pytest

from nanoforge.codegen import toolchain
from nanoforge.codegen.apis import v4
from nanoforge.engine import evaluation as ev
from nanoforge.engine import metrics
from nanoforge.engine.dataset import Dataset, load_classes
from nanoforge.engine.types import EntryProblem, ProjectType
from nanoforge.engine.types.ncc import fit_split, outputs_on

from .conftest import link_firmware, smooth_rows, write_signals

if TYPE_CHECKING:
    from nanoforge.engine.project import Project
    from nanoforge.engine.search import Context

NAME = "toy"
ROOT = Path(__file__).resolve().parent.parent


def define() -> None:
    """Defines (and so registers) the toy type's engine side and C side."""

    class Toy(ProjectType):
        name = NAME
        title = "two-level detection"
        main_metric = "accuracy"
        roles = ("class", "file")
        usage = "--class NAME FILE (exactly two)"

        def entry_problem(self, entry: dict[str, str], earlier: list[dict[str, str]]) -> EntryProblem | None:
            if "class" not in entry or "file" not in entry:
                return EntryProblem("each level needs a class name and a file", 'write class = "low" and file = "…"')
            return None

        def entries_problem(self, count: int) -> tuple[int, EntryProblem] | None:
            if count > 2:
                return 2, EntryProblem("two-level detection takes exactly two classes", "remove a [[signals]] table")
            return None

        def entry(self, cls: str | None, file: str | None, nominal: str | None, abnormal: str | None
                  ) -> dict[str, str]:
            if not cls or file is None:
                raise ValueError("a two-level project takes --class NAME FILE")
            return {"class": cls, "file": file}

        def replaces(self, existing: dict[str, Any], new: dict[str, str]) -> bool:
            return existing.get("class") == new["class"]

        def load(self, project: Project) -> Dataset:
            return load_classes(project)

        def preprocessings(self, ctx: Context) -> list[list[dict[str, Any]]]:
            return [[ev.block("stats"), ev.block("scale")], [ev.block("diff"), ev.block("stats"), ev.block("scale")]]

        def probe_models(self, ctx: Context) -> list[dict[str, Any]]:
            return [ev.block("centroid")]

        def models(self, ctx: Context) -> list[dict[str, Any]]:
            return [ev.block("centroid"), ev.block("gnb")]

        def run_splits(self, ctx: Context, cfg: dict[str, Any], race_below: float | None
                       ) -> tuple[list[dict[str, Any]], dict[str, Any]]:
            cut, feats = ev.shared_features(ctx, cfg)
            per_split = [metrics.classification(ctx.y[te], outputs_on(fit_split(ctx, cfg, cut, feats, tr), feats[te]))
                         for tr, te in ctx.splits]
            return per_split, self.worst(per_split)

        def score(self, ctx: Context, worst: dict[str, Any], per_split: list[dict[str, Any]], ram: int,
                  flash: int) -> float:
            return round(100 * worst["accuracy"], 3)

        def scores(self, rec: dict[str, Any]) -> dict[str, Any]:
            return {"score": rec.get("score"), "accuracy": rec.get("worst", {}).get("accuracy")}

    class ToyC(v4.ncc.NClass):  # the device speaks the n-class API
        name = NAME
        title = "two-level detection"

    assert Toy and ToyC


if __name__ in os.environ.get("NANOFORGE_PLUGINS", "").split(","):
    define()  # imported as a plug-in by the daemon or one of its benchmark jobs


FIRMWARE_MAIN = """#include <stdint.h>
#include "NanoEdgeAI.h"
#include "knowledge.h"

static float input_user_buffer[DATA_INPUT_USER * AXIS_NUMBER];
static float output_class_buffer[CLASS_NUMBER];

int main(void)
{
    uint16_t id_class = 0;
    if (neai_classification_init(knowledge) != NEAI_OK) return 1;
    for (int i = 0; i < DATA_INPUT_USER * AXIS_NUMBER; i++) input_user_buffer[i] = (float)i;
    if (neai_classification(input_user_buffer, output_class_buffer, &id_class) != NEAI_OK) return 2;
    return id_class >= 1 && id_class <= CLASS_NUMBER ? 0 : 3;
}
"""


@pytest.fixture
def toy_cli(tmp_path: Path) -> Any:
    """The CLI talking to a daemon of its own that loads this module as a plug-in."""
    home = tempfile.mkdtemp(prefix="nf-toy-", dir="/tmp")
    env = dict(os.environ, NANOFORGE_HOME=home, NANOFORGE_PLUGINS=__name__,
               PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "nanoforge.cli", *args], capture_output=True, text=True,
                              env=env, timeout=180)

    yield run
    run("daemon", "stop")


@pytest.mark.skipif(not toolchain.have_arm(), reason="arm-none-eabi-gcc missing (scripts/toolchain.sh)")
def test_a_fifth_type_from_this_module_goes_from_new_to_firmware(tmp_path: Path, toy_cli: Any) -> None:
    kinds = json.loads(toy_cli("types", "--json").stdout)
    assert NAME in [t["name"] for t in kinds] and len(kinds) == 5

    root = tmp_path / "levels"
    r = toy_cli("new", str(root), "--type", NAME, "--axes", "1", "--buffer", "64", "--max-ram", "8192",
                "--max-flash", "32768")
    assert r.returncode == 0, r.stderr
    assert f'type = "{NAME}"' in (root / "nanoforge.toml").read_text()
    low = write_signals(tmp_path / "low.csv", smooth_rows(30, 64, seed=1))
    high = write_signals(tmp_path / "high.csv", 3.0 * smooth_rows(30, 64, seed=2) + 2.0)
    for cls, f in (("low", low), ("high", high)):
        r = toy_cli("signals", "add", str(root), "--class", cls, str(f))
        assert r.returncode == 0, r.stderr
    r = toy_cli("check", str(root))
    assert r.returncode == 0, r.stdout + r.stderr

    r = toy_cli("bench", "start", str(root), "--time-budget", "60", "--cores", "2", "--wait", "--json")
    assert r.returncode == 0, r.stderr
    st = json.loads(r.stdout)
    assert st["state"] == "finished" and st["candidates_evaluated"] == st["candidates_total"] == 4
    assert st["best"]["accuracy"] == 1.0

    r = toy_cli("emulate", str(root), "--file", str(high), "--json")
    assert r.returncode == 0, r.stderr
    assert {x["class"] for x in json.loads(r.stdout)["results"]} == {"high"}

    fw = tmp_path / "fw"
    r = toy_cli("deploy", str(root), "--target", "cortex-m4", "--dir", str(fw), "--json")
    assert r.returncode == 0, r.stderr
    meta = json.loads((fw / "metadata.json").read_text())
    assert meta["project_type"] == NAME and meta["classes"] == ["low", "high"]
    cc = link_firmware(tmp_path, "cortex-m4", ["-mfloat-abi=hard", "-mfpu=fpv4-sp-d16"], fw, FIRMWARE_MAIN)
    assert cc.returncode == 0, cc.stderr

    r = toy_cli("bench", "candidates", str(root), "--json")
    assert r.returncode == 0, r.stderr
    cands = json.loads(r.stdout)
    assert cands["main_metric"] == "accuracy" and all("accuracy" in c for c in cands["candidates"])
    r = toy_cli("bench", "candidates", str(root))
    assert r.returncode == 0 and " acc " in r.stdout, r.stdout + r.stderr
    assert np.isfinite(st["best"]["score"])
