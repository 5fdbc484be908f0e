"""NanoEdge AI Library 5.x API (NanoEdge AI Studio 5.0–5.2): one plug-in module per
project type, each the 4.x plug-in's engine behind 5.x entry points — the same C
computes the same bits; only the names, states and the place of the knowledge differ."""

from . import ad, ext, ncc, oneclass

__all__ = ["ad", "ext", "ncc", "oneclass"]
