"""Interrupted time series: segmented regression with a level and a slope change at the reform,
month-of-year seasonality, and autocorrelation-robust inference (Newey-West) or ARIMA errors.

The counterfactual is the pre-reform level and trend (and seasonality) projected past the reform;
the effect is the average gap between the observed post-reform series and that projection.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats

from altmeasures_eval._errors import NotEstimable

__all__ = ["InterruptedTimeSeries", "interrupted_time_series"]

Errors = Literal["newey-west", "arima"]


@dataclass(frozen=True)
class InterruptedTimeSeries:
    """Result of :func:`interrupted_time_series`.

    Attributes
    ----------
    effect : pandas.Series
        Average post-reform effect (observed minus counterfactual, averaged over the post-period):
        ``estimate``, ``se``, ``ci_low``, ``ci_high``, ``p_value``.
    coefficients : pandas.DataFrame
        ``level_change`` (the jump at the reform) and ``slope_change`` (change of trend per period),
        with ``estimate``, ``se``, ``ci_low``, ``ci_high``, ``p_value``.
    series : pandas.DataFrame
        One row per period: ``period``, ``observed``, ``fitted``, ``counterfactual``,
        ``cf_low``/``cf_high`` (confidence interval of the projected counterfactual mean), ``post``.
    placebo : pandas.Series
        Placebo-in-time check: a fake reform in the middle of the pre-period, fitted on the
        pre-period only; ``statistic`` (Wald F of level and slope change, reference F(2, residual
        degrees of freedom)), ``df``, ``p_value``. A small p-value means the pre-reform series already bends.
    errors : str
    lags : int
        Newey-West lags (or the AR order of the ARIMA errors).
    summary : pandas.DataFrame
    notes : tuple of str
    """

    effect: pd.Series
    coefficients: pd.DataFrame
    series: pd.DataFrame
    placebo: pd.Series
    errors: str
    lags: int
    summary: pd.DataFrame
    notes: tuple[str, ...] = field(default_factory=tuple)


def _design(periods: np.ndarray, adoption: int, seasonal: int | None) -> tuple[np.ndarray, list[str]]:
    t = (periods - adoption).astype(float)
    post = (t >= 0).astype(float)
    cols = [np.ones_like(t), t, post, t * post]
    names = ["const", "trend", "level_change", "slope_change"]
    if seasonal:
        season = np.mod(periods, seasonal)
        for s in range(1, seasonal):
            cols.append((season == s).astype(float))
            names.append(f"season_{s}")
    return np.column_stack(cols), names


def _fit(y: np.ndarray, X: np.ndarray, errors: str, lags: int) -> tuple[np.ndarray, np.ndarray, int]:
    """Coefficients, their covariance and the residual degrees of freedom."""
    import statsmodels.api as sm

    if errors == "newey-west":
        res = sm.OLS(y, X).fit(cov_type="HAC", cov_kwds={"maxlags": lags, "use_correction": True})
        return np.asarray(res.params), np.asarray(res.cov_params()), int(res.df_resid)
    from statsmodels.tsa.statespace.sarimax import SARIMAX

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = SARIMAX(y, exog=X, order=(lags, 0, 0), trend="n").fit(disp=False)
    k = X.shape[1]
    n, df = len(y), len(y) - k - lags
    # maximum-likelihood covariance divides by n: the usual n / (n - k) small-sample factor
    return np.asarray(res.params)[:k], np.asarray(res.cov_params())[:k, :k] * n / max(df, 1), df


def interrupted_time_series(
    y: np.ndarray | pd.Series,
    periods: np.ndarray,
    adoption: int,
    *,
    errors: Errors = "newey-west",
    lags: int | None = None,
    seasonal: int | None = 12,
    alpha: float = 0.05,
) -> InterruptedTimeSeries:
    """Segmented regression of one series around a reform date.

    ``y_t = b0 + b1 t + b2 post_t + b3 t post_t + season + e_t`` with ``t`` counted from the reform.
    Under the assumption that, without the reform, the pre-reform level, trend and seasonal pattern
    would have continued (and nothing else changed at the same time), ``b2 + b3 t`` is the effect in
    post-period ``t`` and its average over the post-period is the headline.

    Parameters
    ----------
    y : array-like
        The outcome, one value per period.
    periods : numpy.ndarray
        Consecutive integer periods (months: ``12 * year + month - 1``).
    adoption : int
        First period under the reform.
    errors : {"newey-west", "arima"}
        ``newey-west``: OLS with heteroskedasticity- and autocorrelation-consistent covariance
        (Bartlett kernel, ``lags`` lags). ``arima``: regression with AR(``lags``) errors fitted by
        maximum likelihood (statsmodels SARIMAX), covariance scaled by ``n / (n - k)``.
        Intervals and tests use the t (and F) distribution with the residual degrees of freedom.
    lags : int, optional
        Default: Newey-West's rule ``floor(4 (n / 100) ^ (2 / 9))`` for ``newey-west``, 1 for ``arima``.
    seasonal : int or None
        Number of seasons (12 for months); ``None`` for none (yearly data).
    alpha : float

    Returns
    -------
    InterruptedTimeSeries

    Raises
    ------
    NotEstimable
        Fewer than 8 periods on either side of the reform (or fewer than two full years with
        seasonality).

    References
    ----------
    Wagner, A. K., Soumerai, S. B., Zhang, F. and Ross-Degnan, D. (2002). Segmented regression
    analysis of interrupted time series studies in medication use research. Journal of Clinical
    Pharmacy and Therapeutics 27, 299-309.
    Bernal, J. L., Cummins, S. and Gasparrini, A. (2017). Interrupted time series regression for the
    evaluation of public health interventions: a tutorial. International Journal of Epidemiology
    46(1), 348-355.
    Newey, W. K. and West, K. D. (1987). A simple, positive semi-definite, heteroskedasticity and
    autocorrelation consistent covariance matrix. Econometrica 55(3), 703-708.
    """
    y = np.asarray(y, dtype=float)
    periods = np.asarray(periods, dtype=np.int64)
    n_pre, n_post = int((periods < adoption).sum()), int((periods >= adoption).sum())
    min_pre = max(8, 2 * seasonal if seasonal else 0)
    if n_pre < min_pre or n_post < 1:
        raise NotEstimable("the interrupted time series",
                           f"it needs at least {min_pre} periods before the reform and one after; it has {n_pre} and {n_post}")
    if errors not in ("newey-west", "arima"):
        raise ValueError(f"errors must be 'newey-west' or 'arima', got {errors!r}")
    n = len(y)
    if lags is None:
        lags = int(np.floor(4 * (n / 100) ** (2 / 9))) if errors == "newey-west" else 1
    X, names = _design(periods, adoption, seasonal)
    beta, cov, df = _fit(y, X, errors, lags)
    z = stats.t.ppf(1 - alpha / 2, df)  # t reference: few periods, many seasonal terms
    post = periods >= adoption
    t = (periods - adoption).astype(float)
    # average effect over the post-period: mean of b2 + b3 t
    c = np.zeros(len(beta))
    c[2], c[3] = 1.0, t[post].mean()
    est, se = float(c @ beta), float(np.sqrt(c @ cov @ c))

    def row(e: float, s: float) -> dict[str, float]:
        return {"estimate": e, "se": s, "ci_low": e - z * s, "ci_high": e + z * s,
                "p_value": float(2 * stats.t.sf(abs(e / s), df)) if s > 0 else float("nan")}

    effect = pd.Series(row(est, se))
    coefs = pd.DataFrame([{"term": nm, **row(float(beta[i]), float(np.sqrt(cov[i, i])))}
                          for i, nm in enumerate(names) if nm in ("level_change", "slope_change", "trend")])
    Xcf = X.copy()
    Xcf[:, 2] = 0.0
    Xcf[:, 3] = 0.0
    cf = Xcf @ beta
    cf_se = np.sqrt(np.einsum("ij,jk,ik->i", Xcf, cov, Xcf))
    series = pd.DataFrame({"period": periods, "observed": y, "fitted": X @ beta, "counterfactual": cf,
                           "cf_low": cf - z * cf_se, "cf_high": cf + z * cf_se, "post": post})
    # placebo in time: a fake reform halfway through the pre-period, on pre-period data only
    pre_p = periods[~post]
    fake = int(pre_p[len(pre_p) // 2])
    placebo = pd.Series({"statistic": np.nan, "df": 2, "p_value": np.nan, "fake_adoption": fake})
    notes = [f"{'Newey-West standard errors with ' + str(lags) + ' lags' if errors == 'newey-west' else f'AR({lags}) errors fitted by maximum likelihood'}; "
             f"{n_pre} periods before and {n_post} after the reform"]
    if len(pre_p) - len(pre_p) // 2 >= 4 and len(pre_p) // 2 >= 4:
        Xp, _ = _design(pre_p, fake, seasonal if len(pre_p) >= 2 * (seasonal or 0) + 4 else None)
        try:
            bp, cp, dfp = _fit(y[~post], Xp, errors, lags)
            sub = bp[2:4]
            stat = float(sub @ np.linalg.pinv(cp[2:4, 2:4]) @ sub) / 2
            placebo = pd.Series({"statistic": stat, "df": 2, "p_value": float(stats.f.sf(stat, 2, max(dfp, 1))),
                                 "fake_adoption": fake})
        except (np.linalg.LinAlgError, ValueError) as exc:  # a degenerate pre-period: say so
            notes.append(f"placebo-in-time check not computed: {exc}")
    summary = pd.DataFrame([{"term": "average effect after the reform", **effect.to_dict()}]
                           + coefs.to_dict("records"))
    return InterruptedTimeSeries(effect=effect, coefficients=coefs, series=series, placebo=placebo,
                                 errors=errors, lags=int(lags), summary=summary, notes=tuple(notes))
