"""NanoEdge AI Library 4.x API: one plug-in module per project type."""

from . import ad, ext, ncc, oneclass

__all__ = ["ad", "ext", "ncc", "oneclass"]
