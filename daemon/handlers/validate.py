"""`nanoforge/validate*`: validation experiments, several libraries on new files, and
`nanoforge/report`, the report on a library that hands them to a colleague."""

from __future__ import annotations

from .. import report, validation
from ..core import Core
from ..librpc import _root
from ..protocol import (
    Experiment,
    ExperimentList,
    ExperimentParams,
    ProjectParams,
    ReportParams,
    ReportResult,
    ValidateParams,
)
from ..registry import handler, in_thread


@handler("nanoforge/validate")
async def validate_rpc(core: Core, params: ValidateParams) -> Experiment:
    return await in_thread(core, validation.run, _root(dict(params)), list(params["libraries"]),
                           [dict(i) for i in params["inputs"]])


@handler("nanoforge/validate/list")
async def validate_list_rpc(core: Core, params: ProjectParams) -> ExperimentList:
    return {"experiments": await in_thread(core, validation.all_experiments, _root(dict(params)))}


@handler("nanoforge/validate/show")
async def validate_show_rpc(core: Core, params: ExperimentParams) -> Experiment:
    return await in_thread(core, validation.experiment, _root(dict(params)), params.get("id"))


@handler("nanoforge/report")
async def report_rpc(core: Core, params: ReportParams) -> ReportResult:
    return await in_thread(core, report.write, _root(dict(params)), params.get("library"), params.get("experiment"),
                           params.get("html"), params.get("pdf"))
