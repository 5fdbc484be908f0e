"""Metrics of one split, and their confidence intervals over splits. Each project
type's Score, which combines them with RAM and flash, lives with the type
(`nanoforge.engine.types`)."""

from __future__ import annotations

import math

import numpy as np
from scipy import stats


def confusion(y: np.ndarray, pred: np.ndarray, n_classes: int) -> np.ndarray:
    m = np.zeros((n_classes, n_classes), np.int64)
    np.add.at(m, (y, pred), 1)
    return m


def classification(y: np.ndarray, proba: np.ndarray) -> dict[str, float]:
    c = proba.shape[1]
    pred = proba.argmax(axis=1)
    m = confusion(y, pred, c)
    support = m.sum(axis=1)
    present = support > 0
    recall = np.divide(np.diag(m), support, out=np.zeros(c), where=present)
    col = m.sum(axis=0)
    precision = np.divide(np.diag(m), col, out=np.zeros(c), where=col > 0)
    f1 = np.divide(2 * precision * recall, precision + recall, out=np.zeros(c), where=(precision + recall) > 0)
    n = m.sum()
    t, p = support.astype(float), col.astype(float)
    cov_ytyp = float(np.trace(m)) * n - float(t @ p)
    den = math.sqrt(max(n * n - float(p @ p), 0.0) * max(n * n - float(t @ t), 0.0))
    return {
        "balanced_accuracy": float(recall[present].mean()),
        "accuracy": float(np.trace(m) / max(n, 1)),
        "f1": float(f1[present].mean()),
        "mcc": cov_ytyp / den if den > 0 else 0.0,
        "certainty": float(proba[np.arange(len(y)), y].mean()),
    }


def ci95(values: list[float], lo: float = 0.0) -> tuple[float, float]:
    """Student-t interval of the mean over splits, clipped to [lo, 1] (R² may be negative)."""
    v = np.asarray(values, float)
    if len(v) < 2:
        return float(v.mean()), float(v.mean())
    half = stats.t.ppf(0.975, len(v) - 1) * v.std(ddof=1) / math.sqrt(len(v))
    return float(max(lo, v.mean() - half)), float(min(1.0, v.mean() + half))


def regression(y: np.ndarray, pred: np.ndarray) -> dict[str, float]:
    """R², RMSE and SMAPE (0–200 %, terms where both values are 0 count as 0)."""
    y = np.asarray(y, np.float64)
    p = np.asarray(pred, np.float64)
    err = p - y
    ss_res = float((err ** 2).sum())
    ss_tot = float(((y - y.mean()) ** 2).sum())
    den = np.abs(y) + np.abs(p)
    smape = 200.0 * float(np.mean(np.divide(np.abs(err), den, out=np.zeros_like(den), where=den > 0)))
    return {"r2": 1.0 - ss_res / ss_tot if ss_tot > 0 else 0.0, "rmse": math.sqrt(ss_res / max(len(y), 1)),
            "smape": smape}


WEAK_R2 = 0.1  # RMSE above 95 % of the target's spread: hardly better than its mean


def weak_regression(worst: dict[str, float]) -> str | None:
    """A warning when the best estimates hardly beat the training targets' mean: the
    Score still ranks candidates then, but mostly on noise, and a user deciding whether
    to ship needs to know (Covid3Month, 6 repeats of the 5-fold: the best worst-repeat R² was 0.083)."""
    r2 = worst.get("r2")
    if r2 is None or r2 >= WEAK_R2:
        return None
    share = 100 * math.sqrt(max(0.0, 1 - r2))
    return (f"R² {r2:.3f} on the worst repeat: the RMSE is {share:.0f} % of what always answering the "
            "training targets' mean gives. The signals explain little of the target; more training "
            "signals, or inputs closer to its cause, may help.")
