"""`nanoforge/project/*`: creating a project and describing one."""

from __future__ import annotations

from pathlib import Path

from nanoforge.engine import types
from nanoforge.engine.project import new_project
from nanoforge.engine.projectinfo import project_info

from ..core import Core
from ..protocol import Empty, PathResult, ProjectInfo, ProjectInfoParams, ProjectNewParams, ProjectTypeInfo, TypeList
from ..registry import handler
from ..registry import require as _require


@handler("nanoforge/project/new")
async def project_new(core: Core, params: ProjectNewParams) -> PathResult:
    root = Path(_require(params, "dir"))
    kw = {k: params[k] for k in ("axes", "buffer", "sampling_hz", "max_ram", "max_flash", "target", "sensor",
                                 "seed") if params.get(k) is not None}
    path = await core.loop.run_in_executor(core.pool, lambda: new_project(root, _require(params, "type"), **kw))
    core.register(path)
    return {"path": str(path)}


@handler("nanoforge/project/info")
async def project_info_rpc(core: Core, params: ProjectInfoParams) -> ProjectInfo:
    return await core.loop.run_in_executor(core.pool, project_info, _require(params, "dir"))


@handler("nanoforge/types")
async def project_types(core: Core, params: Empty) -> TypeList:
    """The project types this daemon knows (plug-ins included), for clients' choices."""
    return {"types": [ProjectTypeInfo(**t.describe()) for t in types.all_types()]}
