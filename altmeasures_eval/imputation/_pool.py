"""Rubin's rules: combine the estimates of m completed-data analyses into one inference.

The arithmetic follows Rubin (1987, ch. 3) with the small-sample degrees of freedom of Barnard &
Rubin (1999), as R ``mice::pool`` and ``mice::pool.scalar`` compute them (mice 3.15,
``barnard.rubin``), so that results can be checked against R to machine precision.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from altmeasures_eval._errors import AltMeasuresError

__all__ = ["PooledScalar", "barnard_rubin_df", "pool_scalar", "pool_table"]

#: Columns of a pooled tidy table, in order.
POOLED_COLUMNS = ["estimate", "se", "ci_low", "ci_high", "p_value", "df", "fmi", "riv", "lambda",
                  "ubar", "b", "t", "m"]


def barnard_rubin_df(m: int | np.ndarray, b: np.ndarray, t: np.ndarray, dfcom: float | np.ndarray = np.inf) -> np.ndarray:
    """Degrees of freedom of a pooled estimate (Barnard & Rubin 1999).

    Parameters
    ----------
    m : int
        Number of imputations.
    b, t : array_like
        Between-imputation variance and total variance.
    dfcom : float, default inf
        Degrees of freedom of the complete-data analysis (``n - k``); infinite for large-sample
        (Wald) analyses, when the result is Rubin's (1987) ``(m - 1) / lambda**2``.

    Returns
    -------
    numpy.ndarray

    Notes
    -----
    ``lambda = (1 + 1/m) b / t`` is bounded below by 1e-4, as ``mice:::barnard.rubin`` does, so that
    an estimate that does not vary across imputations gets large, finite degrees of freedom.
    """
    b, t = np.asarray(b, float), np.asarray(t, float)
    m_arr = np.asarray(m, float)
    with np.errstate(divide="ignore", invalid="ignore"):
        lam = np.maximum((1 + 1 / m_arr) * b / t, 1e-4)
        dfold = (m_arr - 1) / lam**2
        dfcom = np.asarray(dfcom, float)
        dfobs = (dfcom + 1) / (dfcom + 3) * dfcom * (1 - lam)
        out = np.where(np.isinf(dfcom), dfold, dfold * dfobs / (dfold + dfobs))
    return np.asarray(out, float)


@dataclass(frozen=True)
class PooledScalar:
    """One quantity pooled over m imputations by Rubin's rules.

    Attributes
    ----------
    estimate : float
        ``qbar``, the mean of the m estimates.
    se : float
        ``sqrt(t)``.
    ci_low, ci_high : float
        ``qbar -+ t_{df, 1 - alpha/2} se``.
    p_value : float
        Two-sided, of ``qbar / se`` against Student's t with ``df`` degrees of freedom.
    df : float
        Barnard-Rubin degrees of freedom.
    fmi : float
        Fraction of missing information, ``(riv + 2/(df + 3)) / (riv + 1)``.
    riv : float
        Relative increase in variance due to nonresponse, ``(1 + 1/m) b / ubar``.
    lambda_ : float
        Proportion of the total variance due to missingness, ``(1 + 1/m) b / t``.
    ubar, b, t : float
        Within-imputation, between-imputation and total variance.
    m : int
    """

    estimate: float
    se: float
    ci_low: float
    ci_high: float
    p_value: float
    df: float
    fmi: float
    riv: float
    lambda_: float
    ubar: float
    b: float
    t: float
    m: int


def _rubin(q: np.ndarray, u: np.ndarray, dfcom: float | np.ndarray, alpha: float) -> dict[str, np.ndarray]:
    """Rubin's rules over axis 0 of ``q`` and ``u`` (imputations x quantities)."""
    m = q.shape[0]
    qbar = q.mean(axis=0)
    ubar = u.mean(axis=0)
    b = q.var(axis=0, ddof=1) if m > 1 else np.zeros_like(qbar)
    t = ubar + (1 + 1 / m) * b
    with np.errstate(divide="ignore", invalid="ignore"):
        riv = (1 + 1 / m) * b / ubar
        lam = (1 + 1 / m) * b / t
    df = barnard_rubin_df(m, b, t, dfcom)
    fmi = (riv + 2 / (df + 3)) / (riv + 1)
    se = np.sqrt(t)
    crit = stats.t.ppf(1 - alpha / 2, df)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = 2 * stats.t.sf(np.abs(qbar / se), df)
    return {"estimate": qbar, "se": se, "ci_low": qbar - crit * se, "ci_high": qbar + crit * se, "p_value": p,
            "df": df, "fmi": fmi, "riv": riv, "lambda": lam, "ubar": ubar, "b": b, "t": t,
            "m": np.full(qbar.shape, m)}


def _check(q: np.ndarray, u: np.ndarray) -> None:
    if q.shape != u.shape:
        raise AltMeasuresError(f"Rubin's rules: {q.shape[0]} estimates but {u.shape[0]} variances; give one "
                               "variance (squared standard error) per estimate")
    if q.shape[0] < 2:
        raise AltMeasuresError("Rubin's rules need at least 2 imputations (m >= 2); increase m")
    bad = ~np.isfinite(q) | ~np.isfinite(u) | (u < 0)
    if bad.any():
        i = int(np.flatnonzero(bad.any(axis=1))[0])
        raise AltMeasuresError(f"Rubin's rules: imputation {i + 1} has a missing, infinite or negative estimate "
                               "or variance; the analysis could not be estimated in that completed data set")


def pool_scalar(estimates: Sequence[float], variances: Sequence[float], *, dfcom: float = np.inf,
                alpha: float = 0.05) -> PooledScalar:
    """Pool one quantity estimated in each of m completed data sets (Rubin's rules).

    Parameters
    ----------
    estimates : sequence of float
        The m point estimates ``Q_l`` (on the scale where they are approximately normal: log for
        ratios).
    variances : sequence of float
        Their m complete-data variances ``U_l`` (squared standard errors).
    dfcom : float, default inf
        Complete-data degrees of freedom (``n - k`` in R's ``pool.scalar(Q, U, n, k)``).
    alpha : float, default 0.05
        For the ``1 - alpha`` interval.

    Returns
    -------
    PooledScalar

    References
    ----------
    Rubin, D. B. (1987). *Multiple Imputation for Nonresponse in Surveys*. Wiley.
    Barnard, J., & Rubin, D. B. (1999). Small-sample degrees of freedom with multiple imputation.
    *Biometrika*, 86(4), 948-955.

    Examples
    --------
    >>> r = pool_scalar([1.0, 1.2, 0.9], [0.04, 0.05, 0.04])
    >>> round(r.estimate, 4), round(r.t, 5)
    (1.0333, 0.05667)
    """
    q = np.asarray(estimates, float).reshape(-1, 1)
    u = np.asarray(variances, float).reshape(-1, 1)
    _check(q, u)
    r = _rubin(q, u, dfcom, alpha)
    return PooledScalar(**{("lambda_" if k == "lambda" else k): (int(v[0]) if k == "m" else float(v[0]))
                           for k, v in r.items()})


def pool_table(per_imputation: pd.DataFrame, *, keys: Sequence[str] = ("measure",), dfcom: float = np.inf,
               alpha: float = 0.05) -> pd.DataFrame:
    """Pool a tidy table of per-imputation estimates, one quantity per combination of ``keys``.

    Parameters
    ----------
    per_imputation : pandas.DataFrame
        Columns ``imputation``, the ``keys``, ``estimate`` and ``se`` (one row per imputation and
        quantity, each quantity present in every imputation).
    keys : sequence of str, default ("measure",)
        Columns that name a quantity.
    dfcom : float, default inf
        Complete-data degrees of freedom.
    alpha : float, default 0.05

    Returns
    -------
    pandas.DataFrame
        One row per quantity: the ``keys``, then ``estimate, se, ci_low, ci_high, p_value, df, fmi,
        riv, lambda, ubar, b, t, m``.
    """
    keys = list(keys)
    need = {"imputation", "estimate", "se", *keys}
    missing = need - set(per_imputation.columns)
    if missing:
        raise AltMeasuresError(f"pool_table: columns {sorted(missing)} are missing from the per-imputation table")
    wide_q = per_imputation.pivot_table(index="imputation", columns=keys, values="estimate", dropna=False,
                                        aggfunc="first", sort=False)
    wide_s = per_imputation.pivot_table(index="imputation", columns=keys, values="se", dropna=False,
                                        aggfunc="first", sort=False).reindex(columns=wide_q.columns)
    q, u = wide_q.to_numpy(float), wide_s.to_numpy(float) ** 2
    _check(q, u)
    r = _rubin(q, u, dfcom, alpha)
    idx = wide_q.columns.to_frame(index=False)
    idx.columns = keys
    return pd.concat([idx, pd.DataFrame({c: r[c] for c in POOLED_COLUMNS})], axis=1)
