"""Request handlers by area; importing this package registers them all (see registry)."""

from . import bench, daemon_ctl, data, deploy, emulate, lsp, projects, signals  # noqa: F401
