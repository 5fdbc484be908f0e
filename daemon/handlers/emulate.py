"""`nanoforge/emulate`: a library's own C, built for this machine, run on signal files."""

from __future__ import annotations

from ..core import Core
from ..librpc import _root, emulate, emulate_ad
from ..protocol import EmulateParams, EmulateResult
from ..registry import handler, in_thread


@handler("nanoforge/emulate")
async def emulate_rpc(core: Core, params: EmulateParams) -> EmulateResult:
    root = _root(params)
    learn, detect = params.get("learn"), params.get("detect")
    if learn is not None or detect is not None:
        if not (isinstance(learn, list) and learn and all(isinstance(f, str) for f in learn)):
            raise ValueError("'learn' must list one or more nominal files")
        if not (isinstance(detect, list) and all(isinstance(f, str) for f in detect)):
            raise ValueError("'detect' must list files")
        sens = params.get("sensitivity")
        return await in_thread(core, emulate_ad, root, params.get("library"), learn, detect, sens)
    file = params.get("file")
    if not isinstance(file, str):
        raise ValueError("missing parameter 'file'")
    targets = params.get("targets")
    if targets is not None and not isinstance(targets, str):
        raise ValueError("'targets' must be a file path")
    return await in_thread(core, emulate, root, params.get("library"), file, targets)
