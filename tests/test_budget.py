"""Deploy compares the measured library with the project's budget before it writes:
a library over max_flash / max_ram is refused (exit 1) naming both figures and the
setting; --force deploys it and says so."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from nanoforge.daemon import budget

from .conftest import nanoforge, small_ncc_benchmark

MEASURED = {"flash": 1828, "flash_code": 1500, "flash_knowledge": 328, "ram": 700, "ram_static": 500, "stack": 200}


def test_a_library_within_budget_passes_silently() -> None:
    assert budget.check(MEASURED, 1828, 700, force=False, where="lib") == []


@pytest.mark.parametrize(("max_flash", "max_ram", "names"), [
    (1827, 700, ["flash 1828 B", "max_flash = 1827 B"]),
    (1828, 699, ["RAM 700 B (static 500 + stack 200)", "max_ram = 699 B"]),
    (1000, 600, ["flash 1828 B", "max_flash = 1000 B", "RAM 700 B", "max_ram = 600 B"]),
])
def test_over_budget_is_refused_with_both_figures_unless_forced(max_flash: int, max_ram: int, names: list[str]) -> None:
    with pytest.raises(budget.OverBudget) as e:
        budget.check(MEASURED, max_flash, max_ram, force=False, where="library x")
    assert all(n in str(e.value) for n in names), str(e.value)
    assert "--force" in str(e.value)
    warnings = budget.check(MEASURED, max_flash, max_ram, force=True, where="library x")
    assert len(warnings) == 1 and "--force" in warnings[0] and all(n in warnings[0] for n in names)


def test_deploy_over_budget_exits_1_writes_nothing_and_force_deploys(tmp_path: Path) -> None:
    root = small_ncc_benchmark(tmp_path)
    fw = tmp_path / "fw"
    r = nanoforge("deploy", str(root), "--dir", str(fw), "--json")
    assert r.returncode == 0, r.stderr
    measured = json.loads(r.stdout)["footprint"]["measured"]
    assert "warning" not in r.stderr
    toml = root / "nanoforge.toml"
    small = max(256, measured["flash"] - 1)
    toml.write_text(re.sub(r"(?m)^max_flash = \d+", f"max_flash = {small}", toml.read_text()))
    fw2 = tmp_path / "fw2"
    r = nanoforge("deploy", str(root), "--dir", str(fw2), "--json")
    assert r.returncode == 1, r.stdout
    assert f"flash {measured['flash']} B" in r.stderr and f"max_flash = {small} B" in r.stderr, r.stderr
    assert not fw2.exists() or not any(fw2.iterdir())  # measured before anything was written
    r = nanoforge("deploy", str(root), "--dir", str(fw2), "--force", "--json")
    assert r.returncode == 0, r.stderr
    assert "deployed over budget (--force)" in r.stderr and f"flash {measured['flash']} B" in r.stderr
    assert json.loads(r.stdout)["warnings"] and (fw2 / "libneai.a").exists()
