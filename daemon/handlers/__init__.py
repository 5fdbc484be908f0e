"""Request handlers by area; importing this package registers them all (see registry)."""

from . import bench, codeactions, daemon_ctl, data, deploy, emulate, fix, lsp, projects, signals, timing  # noqa: F401
