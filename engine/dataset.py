"""Training data of a project as arrays: signals (n, axes, length) float32 and labels.

Files hold each buffer interleaved (x0 y0 z0 x1 …), the way a firmware fills its
buffer; blocks want one row per axis, so the reshaping happens once, here.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from .checks import Layout, read_signals

if TYPE_CHECKING:
    from .project import Project


@dataclass
class Dataset:
    x: np.ndarray  # (n, axes, length) float32; multi-sensor: (samples, variables, 1)
    y: np.ndarray  # (n,) int
    classes: list[str]
    files: list[Path]
    groups: np.ndarray | None = None  # AD: index of the nominal/abnormal couple


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


def load_couples(project: Project) -> Dataset:
    """Anomaly-detection data: y = 0 nominal, 1 abnormal; one group per [[signals]]
    couple, because each couple is one machine that learns on its own."""
    xs, ys, gs, files = [], [], [], []
    for g, entry in enumerate(project.signals):
        for role, rel in entry.files():
            path = project.root / rel
            rows = read_signals(path, project.layout)
            x = rows[:, :, None].astype(np.float32) if project.sensor == "multi" else deinterleave(rows, project.axes)
            xs.append(x)
            ys.append(np.full(len(x), 0 if role == "nominal" else 1))
            gs.append(np.full(len(x), g))
            files.append(path)
    return Dataset(np.concatenate(xs), np.concatenate(ys).astype(np.int64), ["nominal", "abnormal"], files,
                   np.concatenate(gs).astype(np.int64))


def load_targets(project: Project) -> Dataset:
    """Extrapolation data: each line is the target, then the buffer."""
    xs, ys, files = [], [], []
    for _role, path in project.signal_files():
        rows = read_signals(path, project.layout)
        ys.append(rows[:, 0].astype(np.float32))
        xs.append(deinterleave(rows[:, 1:], project.axes))
        files.append(path)
    return Dataset(np.concatenate(xs), np.concatenate(ys), ["value"], files)


def load_target_values(path: str | Path) -> np.ndarray:
    """A targets file: one value per line (the first value of each line is used)."""
    rows = read_signals(path, Layout(kind="buffer", axes=1, buffer=None, benchmark=False))
    return rows[:, 0].astype(np.float64)


def load_stream(path: str | Path, variables: int) -> np.ndarray:
    """Multi-sensor samples of one file, in order: (samples, variables, 1)."""
    rows = read_signals(path, Layout(kind="multi", axes=variables, buffer=None, benchmark=False))
    return rows[:, :, None].astype(np.float32)


def load_file(path: str | Path, axes: int, buffer: int | None) -> np.ndarray:
    """Signals of one file to run through a library (emulate): any number of them."""
    rows = read_signals(path, Layout(kind="buffer", axes=axes, buffer=buffer, benchmark=False))
    return deinterleave(rows, axes)
