"""`nanoforge/check`, `nanoforge/signals/*`: checking and describing signal files."""

from __future__ import annotations

from pathlib import Path

from pygls.exceptions import JsonRpcInvalidParams

from nanoforge.engine.lint import summarize_path
from nanoforge.engine.project import add_signals

from ..core import Core
from ..protocol import CheckParams, CheckResult, PathResult, SignalsAddParams, SignalSummary, SummaryParams
from ..registry import handler
from ..registry import require as _require


@handler("nanoforge/check")
async def check(core: Core, params: CheckParams) -> CheckResult:
    path = Path(_require(params, "path"))
    axes = params.get("axes")
    if axes is not None and (not isinstance(axes, int) or axes < 1):
        raise JsonRpcInvalidParams(message="axes must be a whole number ≥ 1")
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such file or folder")
    core.register(path)
    diags = await core.lint(path, axes)
    return {"diagnostics": [d.to_dict() for d in diags]}


@handler("nanoforge/signals/add")
async def signals_add(core: Core, params: SignalsAddParams) -> PathResult:
    root = Path(_require(params, "dir"))
    path = await core.loop.run_in_executor(core.pool, lambda: add_signals(
        root, cls=params.get("class_name"), file=params.get("file"), nominal=params.get("nominal"),
        abnormal=params.get("abnormal")))
    core.register(path)
    return {"path": str(path)}


@handler("nanoforge/signals/summary")
async def signals_summary(core: Core, params: SummaryParams) -> SignalSummary:
    path = Path(_require(params, "path"))
    axes = params.get("axes")
    return await core.loop.run_in_executor(core.pool, summarize_path, path, axes)
