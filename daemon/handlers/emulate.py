"""`nanoforge/emulate`: a library's own C, built for this machine, run on signal files."""

from __future__ import annotations

from ..core import Core
from ..librpc import _root, emulate
from ..protocol import EmulateParams, EmulateResult
from ..registry import handler, in_thread


@handler("nanoforge/emulate")
async def emulate_rpc(core: Core, params: EmulateParams) -> EmulateResult:
    """Which files a library takes (one file, or files to learn then detect) is its
    project type's business: the parameters go to it as they came."""
    return await in_thread(core, emulate, _root(params), params.get("library"), dict(params))
