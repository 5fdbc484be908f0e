"""Validation: candidate libraries measured on files the benchmark never saw.

The project type says how files are labelled (`ProjectType.validation_roles`), which
emulator runs they need and what is measured on the answers; what is shared lives here:
the labelled inputs and their checks, the metrics that several types compute, the
ranking of the libraries and the one-line verdict with the Studio's advice.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Input:
    """One labelled file: its role (a `validation_roles` name) and, for roles that carry
    one, the label (n-class: the class name)."""

    role: str
    file: str
    label: str | None = None


def inputs_from(raw: list[dict[str, Any]]) -> list[Input]:
    return [Input(str(r["role"]), str(r["file"]), r.get("label")) for r in raw]


def of_role(inputs: list[Input], role: str) -> list[Input]:
    return [i for i in inputs if i.role == role]


def sha256(path: str | Path) -> str:
    """The checksum an experiment keeps of each input, so a later look can tell whether
    the files it was run on have changed since."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def roc_auc(neg: np.ndarray, pos: np.ndarray) -> float | None:
    """Probability that a positive scores above a negative (ties count half); None
    without both kinds."""
    neg, pos = np.asarray(neg, float), np.asarray(pos, float)
    if not len(neg) or not len(pos):
        return None
    gt = (pos[:, None] > neg[None, :]).mean()
    eq = (pos[:, None] == neg[None, :]).mean()
    return float(gt + 0.5 * eq)


def detection_metrics(flags_nominal: np.ndarray, flags_abnormal: np.ndarray, score_nominal: np.ndarray,
                      score_abnormal: np.ndarray) -> dict[str, Any]:
    """Anomaly detection and 1-class: `flags` True where the library says abnormal,
    `score` higher for more abnormal."""
    recall = float(np.mean(~flags_nominal)) if len(flags_nominal) else None
    detection = float(np.mean(flags_abnormal)) if len(flags_abnormal) else None
    parts = [v for v in (recall, detection) if v is not None]
    return {"balanced_accuracy": float(np.mean(parts)) if parts else 0.0, "nominal_recall": recall,
            "detection": detection, "auc": roc_auc(score_nominal, score_abnormal),
            "signals": int(len(flags_nominal) + len(flags_abnormal)), "nominal_signals": int(len(flags_nominal)),
            "abnormal_signals": int(len(flags_abnormal))}


def class_metrics(y: np.ndarray, proba: np.ndarray, classes: list[str]) -> dict[str, Any]:
    """n-class: what `metrics.classification` gives, plus macro precision, one-vs-rest
    ROC AUC, per-class recall and the confusion matrix (rows: true class)."""
    from .metrics import classification, confusion

    out: dict[str, Any] = dict(classification(y, proba))
    c = len(classes)
    m = confusion(y, proba.argmax(axis=1), c)
    support, col = m.sum(axis=1), m.sum(axis=0)
    present = support > 0
    precision = np.divide(np.diag(m), col, out=np.zeros(c), where=col > 0)
    recall = np.divide(np.diag(m), support, out=np.zeros(c), where=present)
    aucs = [roc_auc(proba[y != k, k], proba[y == k, k]) for k in range(c) if present[k]]
    aucs = [a for a in aucs if a is not None]
    out.update(precision=float(precision[present].mean()), roc_auc=float(np.mean(aucs)) if aucs else None,
               per_class_recall={classes[k]: float(recall[k]) for k in range(c) if present[k]},
               confusion=m.tolist(), signals=int(len(y)))
    return out


def regression_metrics(y: np.ndarray, est: np.ndarray) -> dict[str, Any]:
    from .metrics import regression

    out: dict[str, Any] = dict(regression(y, est))
    out.update(mae=float(np.mean(np.abs(np.asarray(est, float) - np.asarray(y, float)))) if len(y) else 0.0,
               signals=int(len(y)))
    return out


def rank(results: list[dict[str, Any]], main: str) -> list[dict[str, Any]]:
    """Best first on the type's main metric; on a tie the benchmark's best, then the
    higher benchmark Score, so a tie never demotes the library the benchmark chose."""
    order = sorted(results, key=lambda r: (-float(r["metrics"].get(main) or -np.inf), not r["benchmark_best"],
                                           -float(r.get("benchmark_score") or 0.0), r["library"]))
    return [{**r, "rank": i + 1} for i, r in enumerate(order)]


def verdict(ranked: list[dict[str, Any]], main: str, label: str, good: float, best_key: str | None
            ) -> tuple[str, str]:
    """(case, one line): "confirmed" (the benchmark's best is the best here too),
    "other" (another library does better) or "none" (none works well), with the advice
    NanoEdge AI Studio gives for each."""
    top = ranked[0]
    v = float(top["metrics"].get(main) or 0.0)
    if v < good:
        return "none", (f"None works well: the best here, {top['library']}, reaches {label} {v:.3f} "
                        f"(below {good:g}). The new signals likely differ from the benchmark's (other conditions, "
                        "settings or sensor placement): add signals like them to the project and run a new benchmark.")
    if top["benchmark_best"]:
        return "confirmed", (f"The benchmark's best, {top['library']}, is also the best here ({label} {v:.3f}): "
                             "it generalises to this data; deploy it.")
    bench = next((r for r in ranked if r["benchmark_best"]), None)
    than = (f"against {float(bench['metrics'].get(main) or 0):.3f} for the benchmark's best, {bench['library']}"
            if bench else f"and the benchmark's best, {best_key}, was not among those validated")
    return "other", (f"Another library does better: {top['library']} reaches {label} {v:.3f}, {than}. "
                     "Prefer it if its RAM and flash fit, and add signals like these to the project so that the "
                     "next benchmark sees them.")
