"""The 1-class plot in a terminal: the daemon computes the plot (points, boundary grid),
this only draws it with characters, so the CLI stays a client that computes nothing."""

from __future__ import annotations

from typing import Any


def ascii_map(plot: dict[str, Any], width: int = 48, height: int = 20) -> str:
    """A terminal rendering: '·' inside the boundary, ' ' outside, o nominal, x abnormal,
    + synthetic; y grows upwards."""
    g = plot["grid"]
    n = g["size"]
    rows = []
    for r in range(height):
        gy = (height - 1 - r) * (n - 1) // max(height - 1, 1)
        rows.append([" " if g["outlier"][gy][c * (n - 1) // max(width - 1, 1)] else "·" for c in range(width)])
    (x0, x1), (y0, y1) = g["x"], g["y"]
    for mark, kind in (("+", "synthetic"), ("o", "nominal"), ("x", "abnormal")):
        for p in plot["points"]:
            if p["kind"] != kind or not (x0 <= p["x"] <= x1 and y0 <= p["y"] <= y1):
                continue
            c = round((p["x"] - x0) / (x1 - x0) * (width - 1))
            r = height - 1 - round((p["y"] - y0) / (y1 - y0) * (height - 1))
            rows[r][c] = mark
    return "\n".join("|" + "".join(r) + "|" for r in rows)
