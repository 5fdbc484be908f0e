"""The report's plots: a project type's charts (`ProjectType.report_plots`) and the
per-split results, drawn with matplotlib's SVG backend into text that the HTML holds
inline. The Figure API is used without pyplot, so drawing keeps no global state and is
safe on the daemon's threads; the SVG's ids and metadata are fixed, so the same facts
give the same bytes."""

from __future__ import annotations

import io
import re
from typing import Any

import numpy as np
from matplotlib import rcParams
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure

rcParams["svg.hashsalt"] = "nanoforge"
PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f")


def _svg(fig: Figure) -> str:
    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None, "Creator": None})
    text = buf.getvalue()
    return re.sub(r"^.*?(?=<svg)", "", text, count=1, flags=re.S)  # inline: no XML prolog or DOCTYPE


def chart(c: dict[str, Any]) -> str:
    fig = Figure(figsize=(7.0, 3.4))
    ax = fig.add_subplot()
    grid = c.get("grid")
    if grid:
        inside = np.asarray(grid["inside"], float)
        ax.pcolormesh(grid["x"], grid["y"], inside, cmap=ListedColormap(["#ffffff", "#d8ecd8"]), shading="auto",
                      vmin=0, vmax=1)
        ax.contour(grid["x"], grid["y"], inside, levels=[0.5], colors="#2a7a2a", linewidths=1.2)
    for i, s in enumerate(c["series"]):
        color = PALETTE[i % len(PALETTE)]
        if s.get("style") == "line":
            ax.plot(s["x"], s["y"], "-o", color=color, label=s["name"], markersize=3)
        else:
            marker = "x" if s.get("style") == "cross" else "o"
            ax.scatter(s["x"], s["y"], s=14 if marker == "o" else 30, marker=marker, color=color, label=s["name"],
                       alpha=0.8, linewidths=1.2 if marker == "x" else 0)
    for h in c.get("hlines", []):
        ax.axhline(h["y"], color="#555555", linestyle="--", linewidth=1, label=h.get("label"))
    if c.get("diagonal"):
        xs = [v for s in c["series"] for v in s["x"]] + [v for s in c["series"] for v in s["y"]]
        if xs:
            lo, hi = min(xs), max(xs)
            ax.plot([lo, hi], [lo, hi], color="#555555", linestyle="--", linewidth=1, label="estimated = real")
    if c.get("y_range"):
        ax.set_ylim(*c["y_range"])
    ax.set_xlabel(c.get("x_label", ""))
    ax.set_ylabel(c.get("y_label", ""))
    ax.set_title(c.get("title", ""), fontsize=10)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, loc="best")
    return _svg(fig)


def splits_chart(values: list[float], label: str) -> str:
    fig = Figure(figsize=(7.0, 2.4))
    ax = fig.add_subplot()
    xs = np.arange(1, len(values) + 1)
    ax.bar(xs, values, color=PALETTE[0])
    if values:
        ax.axhline(min(values), color=PALETTE[1], linestyle="--", linewidth=1, label="worst split (ranks)")
    ax.set_xticks(xs)
    ax.set_xlabel("split")
    ax.set_ylabel(label)
    ax.grid(alpha=0.3, axis="y")
    ax.legend(fontsize=7, loc="lower right")
    return _svg(fig)
