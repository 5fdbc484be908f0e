"""The RBF kernel family, like scikit-learn's svm module: SVC (one-vs-rest), SVR and the
one-class SVM share one kernel, Σ α · exp(−γ ‖x − sv‖²), and one C loop over support
vectors. γ is given per feature (`gamma` / d) so one grid suits any feature count.

The device has its own expf: kernel values agree with numpy's exp to a few ulps, so
these models match the C closely, not bit for bit. The support vectors are the size, so
a fit with more than `max_sv` is refused (`too_big`) rather than silently truncated.
"""

from __future__ import annotations

import numpy as np

from ..step import Param
from .base import F32
from .heads import Classifier, OneClass, Regressor, softmax
from .prototypes import sqdist


def rbf_kernel(x: np.ndarray, sv: np.ndarray, gamma: np.ndarray) -> np.ndarray:
    """(len(x), len(sv)) float32 exp(−γ d²), the exponent taken in float64."""
    return np.exp(-gamma[0].astype(np.float64) * sqdist(x, sv)).astype(F32)


class KernelMachine:
    """Parameters and size rule shared by the RBF models (mixed into a task head). The
    estimate before fitting counts `max_sv` support vectors, often several times what a
    fit keeps: the search counts the fitted library instead (`estimate_is_bound`)."""

    estimate_is_bound = True

    params: dict
    state: dict[str, np.ndarray]

    gamma = Param(float, 1.0, low=0.0, open_low=True, doc="kernel width, per feature")
    max_sv = Param(int, 64, low=1, doc="support vectors the library may hold")

    def gamma_for(self, d: int) -> float:
        return self.gamma / max(d, 1)

    def too_big(self) -> bool:
        return len(self.state["sv"]) > self.max_sv


class SVMRBF(KernelMachine, Classifier):
    """RBF SVM, one-vs-rest, at most `max_sv` support vectors in total (the union over
    classes, stored once). Probabilities are the softmax of 4 × the scores: no Platt
    fit, so the device needs nothing beyond the scores."""

    kind = "svm_rbf"
    code_bytes = 340

    C = Param(float, 1.0, low=0.0, open_low=True, doc="inverse regularisation")

    def fit(self, x: np.ndarray, y: np.ndarray, n_classes: int) -> SVMRBF:
        from sklearn.svm import SVC  # seconds to load: imported only to fit

        g = self.gamma_for(x.shape[1])
        pairs = [(1, None)] if n_classes == 2 else [(c, c) for c in range(n_classes)]
        idx: dict[int, int] = {}
        rows: list[dict[int, float]] = []
        bs = []
        for _, c in pairs:
            t = (y == (c if c is not None else 1)).astype(int)
            svc = SVC(C=self.C, gamma=g, kernel="rbf").fit(x.astype(np.float64), t)
            row = {}
            for i, a in zip(svc.support_, svc.dual_coef_[0], strict=False):
                row[idx.setdefault(int(i), len(idx))] = float(a)
            rows.append(row)
            bs.append(float(svc.intercept_[0]))
        alpha = np.zeros((len(rows), len(idx)))
        for r, row in enumerate(rows):
            for j, a in row.items():
                alpha[r, j] = a
        if n_classes == 2:
            alpha = np.vstack([-alpha / 2, alpha / 2])
            bs = [-bs[0] / 2, bs[0] / 2]
        sv = np.zeros((len(idx), x.shape[1]))
        for i, j in idx.items():
            sv[j] = x[i]
        self.state["sv"] = sv.astype(F32)
        self.state["alpha"] = alpha.astype(F32)
        self.state["b"] = np.asarray(bs, F32)
        self.state["gamma"] = np.asarray([g], F32)
        return self

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        s = rbf_kernel(x, self.state["sv"], self.state["gamma"]) @ self.state["alpha"].T + self.state["b"]
        return softmax(s * F32(4))

    def estimate_bytes(self, d: int, n: int, c: int) -> int:
        m = min(self.max_sv, n)
        return 4 * m * (d + c) + 4 * c + 4

class SVR(KernelMachine, Regressor):
    """RBF support-vector regression on standardised targets."""

    kind = "svr"
    code_bytes = 320

    C = Param(float, 1.0, low=0.0, open_low=True, doc="inverse regularisation")
    epsilon = Param(float, 0.1, low=0.0, doc="insensitive tube, in target standard deviations")

    def fit(self, x: np.ndarray, y: np.ndarray, n_classes: int = 1) -> SVR:
        from sklearn.svm import SVR as SkSVR

        yt = self.scale_target(y)
        g = self.gamma_for(x.shape[1])
        est = SkSVR(C=self.C, gamma=g, epsilon=self.epsilon)
        est.fit(x.astype(np.float64), yt)
        self.state.update(sv=np.asarray(x[est.support_], F32), alpha=est.dual_coef_.astype(F32),
                          b=np.asarray(est.intercept_, F32), gamma=np.asarray([g], F32))
        return self

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        kern = rbf_kernel(np.asarray(x, F32), self.state["sv"], self.state["gamma"])
        s = (kern @ self.state["alpha"].T + self.state["b"]).astype(F32)
        return self.unscale_target(s)

    def estimate_bytes(self, d: int, n: int, c: int) -> int:
        return 4 * min(self.max_sv, n) * (d + 1) + 16


class OneClassSVM(KernelMachine, OneClass):
    """RBF one-class SVM (ν = contamination); score = 1 − Σα·K(x, sv), from 0 to 1 (float32), the
    dual coefficients scaled to sum to 1. libsvm's sum to ν·n, so unscaled a far-away
    signal scores ν·n: the threshold comes from held-out folds fitted on 4/5 of the
    signals, and the library fitted on all of them scored every new nominal signal above
    it (24 nominal signals: 63 % of fresh nominal signals flagged at γ 0.3, all at γ 3)."""

    kind = "ocsvm"
    code_bytes = 340

    def fit_boundary(self, x: np.ndarray) -> None:
        from sklearn.svm import OneClassSVM as SkOCSVM

        g = self.gamma_for(x.shape[1])
        est = SkOCSVM(nu=max(self.contamination, 1.0 / len(x)), gamma=g).fit(x.astype(np.float64))
        coef = est.dual_coef_.astype(np.float64)
        alpha = (coef / coef.sum()).astype(F32)
        self.state.update(sv=np.asarray(x[est.support_], F32), alpha=alpha,
                          b=np.asarray([-float(alpha.astype(np.float64).sum())], F32), gamma=np.asarray([g], F32))

    def score(self, x: np.ndarray) -> np.ndarray:
        kern = rbf_kernel(x, self.state["sv"], self.state["gamma"])
        s = np.zeros(len(x), F32)
        for j in range(kern.shape[1]):
            s = (s + kern[:, j] * self.state["alpha"][0, j]).astype(F32)
        return (-(s + self.state["b"][0])).astype(F32)

    def estimate_bytes(self, d: int, n: int, c: int) -> int:
        return 4 * min(self.max_sv, n) * (d + 1) + 12
