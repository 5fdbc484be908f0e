"""Training data of a project as arrays: signals (n, axes, length) float32 and labels.

Files hold each buffer interleaved (x0 y0 z0 x1 …), the way a firmware fills its
buffer; blocks want one row per axis, so the reshaping happens once, here.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .checks import Layout, read_signals
from .project import Project


@dataclass
class Dataset:
    x: np.ndarray  # (n, axes, length) float32
    y: np.ndarray  # (n,) int
    classes: list[str]
    files: list[Path]


def deinterleave(rows: np.ndarray, axes: int) -> np.ndarray:
    n, width = rows.shape
    return np.ascontiguousarray(rows.reshape(n, width // axes, axes).transpose(0, 2, 1)).astype(np.float32)


def interleave(x: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(x.transpose(0, 2, 1)).reshape(len(x), -1)


def load_classes(project: Project) -> Dataset:
    """n-class data: one file per class, in the order the project lists them."""
    xs, ys, names, files = [], [], [], []
    for role, path in project.signal_files():
        rows = read_signals(path, project.layout)
        xs.append(deinterleave(rows, project.axes))
        ys.append(np.full(len(rows), len(names)))
        names.append(role)
        files.append(path)
    return Dataset(np.concatenate(xs), np.concatenate(ys).astype(np.int64), names, files)


def load_file(path: str | Path, axes: int, buffer: int | None) -> np.ndarray:
    """Signals of one file to run through a library (emulate)."""
    rows = read_signals(path, Layout(kind="buffer", axes=axes, buffer=buffer))
    return deinterleave(rows, axes)
