"""`nanoforge/datalogger*`: firmware that records signals in nanoforge's format."""

from __future__ import annotations

from nanoforge.codegen import datalogger

from ..core import Core
from ..protocol import DataloggerBoards, DataloggerParams, DataloggerResult, Empty
from ..registry import handler, in_thread


@handler("nanoforge/datalogger/boards")
async def datalogger_boards(core: Core, params: Empty) -> DataloggerBoards:
    return {"boards": datalogger.boards(), "sensors": list(datalogger.SENSORS)}  # type: ignore[typeddict-item]


@handler("nanoforge/datalogger")
async def datalogger_generate(core: Core, params: DataloggerParams) -> DataloggerResult:
    return await in_thread(core, lambda: datalogger.generate(  # type: ignore[no-any-return]
        params["out_dir"], params["board"], params["hz"], params["buffer"], params["axes"], params.get("sensor"),
        bool(params.get("continuous")), params.get("baud") or datalogger.DEFAULT_BAUD))
