"""`nanoforge/daemon/*`: what the daemon runs and how to stop it."""

from __future__ import annotations

import os

from ..core import Core
from ..protocol import DaemonStatus, Empty, Stopping
from ..registry import handler

VERSION = "0.1.0"


@handler("nanoforge/daemon/status", user_errors=False)
async def status(core: Core, params: Empty) -> DaemonStatus:
    return {"pid": os.getpid(), "version": VERSION, "build": core.build, "started": core.started, "sessions": len(core.sessions),
            "projects": sorted(str(p) for p in core.projects), "idle_timeout_s": core.idle_timeout}


@handler("nanoforge/daemon/stop", user_errors=False)
async def stop(core: Core, params: Empty) -> Stopping:
    core.loop.call_later(0.05, core.stop_requested.set)
    return {"stopping": True}
