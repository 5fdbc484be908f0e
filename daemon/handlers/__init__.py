"""Request handlers by area; importing this package registers them all (see registry)."""

from . import (  # noqa: F401
    bench,
    charts,
    codeactions,
    daemon_ctl,
    data,
    datalogger,
    deploy,
    emulate,
    fix,
    lsp,
    projects,
    sampling,
    serial,
    signals,
    timing,
    validate,
)
