"""`nanoforge/deploy`: a library's files written into the user's firmware tree."""

from __future__ import annotations

from typing import Any

from ..core import Core
from ..librpc import _root, deploy
from ..registry import handler, in_thread


@handler("nanoforge/deploy")
async def deploy_rpc(core: Core, params: dict[str, Any]) -> dict[str, Any]:
    root = _root(params)
    return await in_thread(core, deploy, root, params.get("library"), params.get("target"), params.get("dir"),
                           params.get("suffix"), bool(params.get("force")))
