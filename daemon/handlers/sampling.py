"""`nanoforge/sampling-finder`: which rate and buffer length to record with."""

from __future__ import annotations

from nanoforge.engine.samplingfinder import find

from ..core import Core
from ..protocol import SamplingFinderParams, SamplingFinderResult
from ..registry import handler, in_thread


@handler("nanoforge/sampling-finder")
async def sampling_finder(core: Core, params: SamplingFinderParams) -> SamplingFinderResult:
    """On the build pool: up to 54 cross-validations are seconds of work, too long for
    the check pool the editor's diagnostics wait on."""
    return await in_thread(core, lambda: find(params["paths"], params["variables"], params["hz"],
                                              params.get("min_hz"), params.get("seed") or 0))
