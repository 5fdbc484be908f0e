"""The CLI is a client: it asks the daemon and prints; it imports nothing that computes,
so it starts fast and cannot answer differently from the editor."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

CLI = Path(__file__).parent.parent / "clients" / "cli"
COMPUTING = ("nanoforge.engine", "nanoforge.codegen", "numpy", "scipy", "sklearn")

PROBE = """
import json, pkgutil, sys, importlib
import nanoforge.cli
for m in pkgutil.iter_modules(nanoforge.cli.__path__):
    if m.name != "__main__":
        importlib.import_module(f"nanoforge.cli.{m.name}")
nanoforge.cli.main.build_parser().parse_args(["bench", "plot", "p"])
print(json.dumps(sorted(sys.modules)))
"""


def test_importing_every_cli_module_imports_nothing_that_computes() -> None:
    r = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, check=True, timeout=60)
    loaded = json.loads(r.stdout)
    assert "nanoforge.cli.benchcmds" in loaded and "nanoforge.cli.plotmap" in loaded
    assert [m for m in loaded if m.split(".")[0] in COMPUTING or m.startswith(COMPUTING)] == []


def test_no_cli_source_names_the_engine_or_codegen() -> None:
    """Also catches imports inside functions, which the import probe does not run."""
    pattern = re.compile(r"nanoforge\.(engine|codegen)\b|from \.\.(engine|codegen)")
    assert [str(p) for p in CLI.glob("*.py") if pattern.search(p.read_text())] == []


def test_the_terminal_plot_draws_what_the_daemon_computed() -> None:
    from nanoforge.cli.plotmap import ascii_map

    inside = [[0 if 1 <= r <= 2 and 1 <= c <= 2 else 1 for c in range(4)] for r in range(4)]
    plot = {"grid": {"size": 4, "x": [0.0, 3.0], "y": [0.0, 3.0], "outlier": inside},
            "points": [{"x": 0.0, "y": 3.0, "kind": "abnormal"}, {"x": 1.0, "y": 1.0, "kind": "nominal"},
                       {"x": 9.0, "y": 0.0, "kind": "synthetic"}]}
    assert ascii_map(plot, width=4, height=4).splitlines() == ["|x   |", "| ·· |", "| o· |", "|    |"]
