"""`nanoforge/timing`: a library's cycles and milliseconds per call on every core."""

from __future__ import annotations

from ..core import Core
from ..librpc import _root
from ..protocol import TimingParams, TimingResult
from ..registry import handler, in_thread
from ..timing import library_timing


@handler("nanoforge/timing")
async def timing_rpc(core: Core, params: TimingParams) -> TimingResult:
    clock = params.get("clock")
    if clock is not None and not clock > 0:
        raise ValueError(f"clock {clock} Hz must be greater than 0")
    return await in_thread(core, library_timing, _root(params), params.get("library"), clock)
