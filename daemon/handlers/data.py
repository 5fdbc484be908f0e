"""`nanoforge/data`: data manipulation whose results are always new files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pygls.exceptions import JsonRpcInvalidParams

from nanoforge.engine import datatools

from ..core import Core
from ..protocol import DataParams, DataResult
from ..registry import handler
from ..registry import require as _require


@handler("nanoforge/data")
async def data(core: Core, params: DataParams) -> DataResult:
    action = _require(params, "action")
    out_dir = Path(params["out_dir"]) if params.get("out_dir") else None

    def run() -> dict[str, Any]:
        note = None
        if action == "extract":
            out = datatools.extract(_require(params, "path"), _require(params, "lines"), out_dir)
        elif action == "remove-columns":
            out = datatools.remove_columns(_require(params, "path"), _require(params, "columns"), out_dir)
        elif action == "reshape":
            cols = _require(params, "columns", int)
            dropped = datatools.dropped_by_reshape(_require(params, "path"), cols)
            out = datatools.reshape(params["path"], cols, out_dir)
            if dropped:
                note = f"the last {dropped} value(s) did not fill a line and were left out"
        elif action == "shuffle":
            out = datatools.shuffle(_require(params, "path"), int(params.get("seed") or 0), out_dir)
        elif action == "concat":
            out = datatools.concat(_require(params, "paths", list), out_dir)
        else:
            raise JsonRpcInvalidParams(message=f"unknown data action {action!r}")
        return {"path": str(out), "note": note}

    return await core.loop.run_in_executor(core.pool, run)
