"""`nanoforge/deploy`: a library's files written into the user's firmware tree."""

from __future__ import annotations

from ..core import Core
from ..librpc import _root, deploy
from ..protocol import DeployParams, DeployResult
from ..registry import handler, in_thread


@handler("nanoforge/deploy")
async def deploy_rpc(core: Core, params: DeployParams) -> DeployResult:
    root = _root(params)
    return await in_thread(core, deploy, root, params.get("library"), params.get("target"), params.get("dir"),
                           params.get("suffix"), bool(params.get("force")), bool(params.get("source")),
                           params.get("api"), bool(params.get("pretrained")), params.get("cflags"))
