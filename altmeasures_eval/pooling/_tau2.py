"""Estimators of the between-study variance tau^2 of a random-effects meta-analysis.

Each takes the study estimates ``y`` and their within-study variances ``v`` (1-d arrays of the
same length k >= 2) and returns tau^2 >= 0. The formulas are those of R ``metafor::rma.uni``
(Viechtbauer 2005, 2010); REML and Paule-Mandel are solved by bracketed root finding to machine
precision instead of metafor's iterations, so they agree with metafor run at a tight tolerance.
"""

from __future__ import annotations

from typing import Final

import numpy as np
from scipy.optimize import brentq

#: Estimators of the between-study variance: DerSimonian-Laird, REML, Paule-Mandel.
METHODS: Final = ("DL", "REML", "PM")
_XTOL: Final = 1e-15


def _weighted_mean(y: np.ndarray, w: np.ndarray) -> float:
    return float(np.sum(w * y) / np.sum(w))


def q_statistic(y: np.ndarray, v: np.ndarray, tau2: float = 0.0) -> float:
    """Generalised Q: ``sum w_i (y_i - mu_w)^2`` with ``w_i = 1 / (v_i + tau2)`` (Cochran's Q at 0)."""
    w = 1.0 / (v + tau2)
    return float(np.sum(w * (y - _weighted_mean(y, w)) ** 2))


def tau2_dl(y: np.ndarray, v: np.ndarray) -> float:
    """DerSimonian & Laird (1986) method-of-moments estimator, truncated at 0."""
    w = 1.0 / v
    c = w.sum() - np.sum(w**2) / w.sum()
    return max(0.0, (q_statistic(y, v) - (len(y) - 1)) / c)


def _bracket(f: object, start: float) -> float:
    """Smallest tried upper bound where ``f`` changes sign (f(0) > 0, f decreasing eventually)."""
    hi = max(start, 1e-12)
    for _ in range(200):
        if f(hi) < 0:  # type: ignore[operator]
            return hi
        hi *= 2.0
    raise ArithmeticError("tau^2: no upper bracket found (estimates or variances not finite?)")


def tau2_pm(y: np.ndarray, v: np.ndarray) -> float:
    """Paule & Mandel (1982): the tau^2 at which the generalised Q equals its expectation k - 1."""
    df = len(y) - 1

    def f(t: float) -> float:
        return q_statistic(y, v, t) - df

    if f(0.0) <= 0:
        return 0.0
    hi = _bracket(f, float(np.var(y, ddof=1)))
    return float(brentq(f, 0.0, hi, xtol=_XTOL, rtol=4 * np.finfo(float).eps, maxiter=500))


def tau2_reml(y: np.ndarray, v: np.ndarray) -> float:
    """Restricted maximum likelihood (Viechtbauer 2005): root of the REML score, or 0 at the boundary.

    With ``w_i = 1 / (v_i + tau2)`` the derivative of the restricted log-likelihood is
    ``0.5 * (sum w_i^2 (y_i - mu_w)^2 - sum w_i + sum w_i^2 / sum w_i)``; it is positive at 0
    exactly when the maximum is interior.
    """

    def score(t: float) -> float:
        w = 1.0 / (v + t)
        r = y - _weighted_mean(y, w)
        return float(np.sum(w**2 * r**2) - w.sum() + np.sum(w**2) / w.sum())

    if score(0.0) <= 0:
        return 0.0
    hi = _bracket(score, float(np.var(y, ddof=1)))
    return float(brentq(score, 0.0, hi, xtol=_XTOL, rtol=4 * np.finfo(float).eps, maxiter=500))


def estimate_tau2(y: np.ndarray, v: np.ndarray, method: str) -> float:
    """tau^2 by ``method`` (``"DL"``, ``"REML"`` or ``"PM"``)."""
    return {"DL": tau2_dl, "REML": tau2_reml, "PM": tau2_pm}[method](y, v)
