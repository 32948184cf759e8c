"""Normal-theory (Wald) quantile and p-value, one home for the three layers that print them.

scipy.stats.norm computes its quantile and upper tail with ``scipy.special.ndtri`` and
``ndtr(-x)`` after per-call argument checks that cost more than the numbers; these functions call
the two directly (the same bits), since they run for every row of every effect, survival table and
reform estimate.
"""

from __future__ import annotations

import numpy as np
from scipy import special

__all__ = ["two_sided_p", "z_quantile"]


def z_quantile(alpha: float) -> np.float64:
    """The standard normal quantile of a two-sided (1 - alpha) interval (``norm.ppf(1 - alpha/2)``)."""
    return special.ndtri(1 - alpha / 2)


def two_sided_p(z: float | np.ndarray) -> np.float64 | np.ndarray:
    """The two-sided p-value of a standard normal statistic ``z`` (``2 * norm.sf(|z|)``)."""
    return 2 * special.ndtr(-np.abs(z))
