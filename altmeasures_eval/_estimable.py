"""Bounded intervals for differences of proportions and the checks that keep absurd numbers out.

Shared by :mod:`altmeasures_eval.effects` (risk differences of binary outcomes) and
:mod:`altmeasures_eval.survival` (Kaplan-Meier risk differences at a horizon).

How a risk-difference interval stays inside [-1, 1]
---------------------------------------------------
Each group's proportion gets a Wilson score interval, which lies in [0, 1] by construction, and the
two are combined by the MOVER ("method of variance estimates recovery"): Newcombe (1998), method 10,
for independent groups, and Zou & Donner (2008) with the correlation of the two estimates for
designs that correlate them (weights from one propensity model, matched sets). The interval of a
difference of two numbers in [0, 1] is then inside [-1, 1]. For a weighted (adjusted) or
Kaplan-Meier proportion the Wilson interval uses the effective sample size n* = p (1 - p) / Var(p),
with Var(p) from the design's own variance (Korn & Graubard 1998 for survey proportions; Dorey &
Korn 1987 for Kaplan-Meier survival probabilities): n* = n for an unweighted proportion, so that the
unadjusted interval is Newcombe's exactly (statsmodels ``confint_proportions_2indep(method="newcomb")``,
R ``DescTools::BinomDiffCI(method = "score")``). When both n* are large the interval is the Wald
interval of the design variance.

References
----------
Newcombe RG (1998). Interval estimation for the difference between independent proportions:
comparison of eleven methods. Statistics in Medicine 17:873-890.
Zou GY, Donner A (2008). Construction of confidence limits about effect measures: a general approach.
Statistics in Medicine 27:1693-1702.
Korn EL, Graubard BI (1998). Confidence intervals for proportions with small expected number of
positive counts estimated from survey data. Survey Methodology 24:193-201.
Dorey FJ, Korn EL (1987). Effective sample sizes for confidence intervals for survival probabilities.
Statistics in Medicine 6:679-687.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from altmeasures_eval._errors import NotEstimable

__all__ = ["wilson_interval", "mover_difference", "check_difference", "score_test_p"]


def wilson_interval(p: np.ndarray | float, n: np.ndarray | float, alpha: float = 0.05) -> tuple[np.ndarray, np.ndarray]:
    """Wilson (1927) score interval of a proportion ``p`` from ``n`` (effective) observations; in [0, 1]."""
    p, n = np.asarray(p, dtype=float), np.asarray(n, dtype=float)
    z = stats.norm.ppf(1 - alpha / 2)
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z / denom * np.sqrt(np.maximum(p * (1 - p) / n + z * z / (4 * n * n), 0.0))
    return np.clip(centre - half, 0.0, 1.0), np.clip(centre + half, 0.0, 1.0)


def mover_difference(p1: float, p0: float, var1: float, var0: float, cov: float = 0.0, *,
                     n1: float | None = None, n0: float | None = None,
                     alpha: float = 0.05) -> tuple[float, float]:
    """MOVER-Wilson interval of ``p1 - p0`` (Newcombe 1998 method 10; Zou & Donner 2008 with correlation).

    ``var1, var0, cov`` are the design's variances of the two proportions and their covariance. The
    Wilson intervals use ``n1``/``n0`` when given (unweighted proportions: the counts), otherwise the
    effective sample sizes p (1 - p) / var. The result lies in [-1, 1].
    """
    ns = []
    for p, v, n in ((p1, var1, n1), (p0, var0, n0)):
        if n is None:
            if not (0 < p < 1 and v > 0):
                raise NotEstimable("risk difference", "a group's proportion is 0 or 1 or its variance is 0: "
                                   "the design gives no effective sample size for it")
            n = p * (1 - p) / v
        ns.append(n)
    l1, u1 = wilson_interval(p1, ns[0], alpha)
    l0, u0 = wilson_interval(p0, ns[1], alpha)
    r = cov / np.sqrt(var1 * var0) if var1 > 0 and var0 > 0 else 0.0
    r = float(np.clip(r, -1.0, 1.0))
    d = p1 - p0
    a, b = p1 - l1, u0 - p0
    c, e = u1 - p1, p0 - l0
    lo = d - np.sqrt(max(a * a + b * b - 2 * r * a * b, 0.0))
    hi = d + np.sqrt(max(c * c + e * e - 2 * r * c * e, 0.0))
    return float(max(lo, -1.0)), float(min(hi, 1.0))


def score_test_p(x1: float, n1: float, x0: float, n0: float) -> float:
    """Two-sided p-value of the score (Pearson chi-square, no continuity correction) test that two
    independent proportions are equal; R ``prop.test(c(x1, x0), c(n1, n0), correct = FALSE)``."""
    pooled = (x1 + x0) / (n1 + n0)
    if not 0 < pooled < 1:
        raise NotEstimable("p-value", "the outcome takes one value in both groups together")
    z = (x1 / n1 - x0 / n0) / np.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n0))
    return float(2 * stats.norm.sf(abs(z)))


def check_difference(quantity: str, estimate: float, se: float, ci_low: float, ci_high: float, *,
                     max_var: float, bounded: bool, context: str = "") -> None:
    """Raise :class:`NotEstimable` when a difference and its interval are absurd.

    Absurd: a non-finite estimate or interval; a zero standard error or zero-width interval (false
    certainty); a variance above ``max_var``, the variance of a difference estimated from one
    effective person per group (s1^2 + s0^2; for proportions at most 1/2), which no working design
    gives ("a variance that explodes"); for a risk difference (``bounded``) an interval outside [-1, 1].
    """
    where = f" ({context})" if context else ""
    if not (np.isfinite(estimate) and np.isfinite(ci_low) and np.isfinite(ci_high)):
        raise NotEstimable(quantity, f"the estimate or its interval is not a finite number{where}")
    if not np.isfinite(se) or se <= 0 or ci_high - ci_low <= 1e-9 * max(1.0, abs(estimate)):
        raise NotEstimable(quantity, "the interval has zero width (standard error 0): the data hold no "
                                     f"variation to measure uncertainty from{where}")
    if se * se > max_var * (1 + 1e-9):
        raise NotEstimable(quantity, f"the variance exploded (standard error {se:.3g}, more than one person per "
                                     "group could give): the weights or the propensity model have failed; check "
                                     f"the design diagnostics{where}")
    if bounded and (ci_low < -1 - 1e-12 or ci_high > 1 + 1e-12 or abs(estimate) > 1 + 1e-12):
        raise NotEstimable(quantity, f"the interval [{ci_low:.3g}, {ci_high:.3g}] leaves [-1, 1]{where}")
