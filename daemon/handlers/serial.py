"""`nanoforge/serial/*`: recording from a datalogger and live emulation on its signals.
A run is started by `record` or `emulate` and followed with `status` (the client polls:
that is also how the daemon knows the client is still there) until its state is no
longer "running"; `stop` ends it keeping what was received."""

from __future__ import annotations

from typing import Any

from .. import serialrun, serialsinks
from ..core import Core
from ..protocol import Empty, SerialEmulateParams, SerialPorts, SerialRecordParams, SerialRunParams, SerialStatus
from ..registry import handler, in_thread


def _check_limits(params: Any) -> None:
    if params.get("baud") is not None and params["baud"] <= 0:
        raise ValueError("--baud must be greater than 0")
    for key in ("lines", "seconds"):
        if params.get(key) is not None and params[key] <= 0:
            raise ValueError(f"--{key} must be greater than 0")


@handler("nanoforge/serial/ports")
async def serial_ports(core: Core, params: Empty) -> SerialPorts:
    return {"ports": await in_thread(core, serialrun.ports)}  # type: ignore[typeddict-item]


@handler("nanoforge/serial/record")
async def serial_record(core: Core, params: SerialRecordParams) -> SerialStatus:
    _check_limits(params)
    run = await in_thread(core, serialsinks.start_record, dict(params))
    return run.status()  # type: ignore[return-value]


@handler("nanoforge/serial/emulate")
async def serial_emulate(core: Core, params: SerialEmulateParams) -> SerialStatus:
    _check_limits(params)
    run = await in_thread(core, serialsinks.start_emulate, dict(params))
    return run.status()  # type: ignore[return-value]


@handler("nanoforge/serial/status")
async def serial_status(core: Core, params: SerialRunParams) -> SerialStatus:
    core.touch()
    return serialrun.get(params["id"]).status(params.get("since") or 0)  # type: ignore[return-value]


@handler("nanoforge/serial/stop")
async def serial_stop(core: Core, params: SerialRunParams) -> SerialStatus:
    run = serialrun.get(params["id"])
    await core.loop.run_in_executor(None, run.stop)
    return run.status(params.get("since") or 0)  # type: ignore[return-value]
