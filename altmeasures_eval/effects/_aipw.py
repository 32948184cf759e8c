"""Augmented inverse-probability weighting (doubly robust) for binary and continuous outcomes."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd

from altmeasures_eval._errors import ConfigError, DataContractError
from altmeasures_eval.effects._contrast import _outcome_kind
from altmeasures_eval.effects._results import EffectResult, summary_frame, wald_row
from altmeasures_eval.matching import PropensityScore, estimate_propensity
from altmeasures_eval.matching._design import covariate_frame, numeric_column, treatment_array
from altmeasures_eval.matching._propensity import _logistic_newton

__all__ = ["estimate_aipw"]


def _fit_predict(X: np.ndarray, y: np.ndarray, fit_rows: np.ndarray, binary: bool, model: Any | None) -> np.ndarray:
    """Fit the outcome model on ``fit_rows`` and predict for every row."""
    if model is not None:
        from sklearn.base import clone

        m = clone(model).fit(X[fit_rows], y[fit_rows])
        return m.predict_proba(X)[:, 1] if binary and hasattr(m, "predict_proba") else m.predict(X)
    Z = np.column_stack([np.ones(len(X)), X])
    if binary:
        beta, _ = _logistic_newton(Z[fit_rows], y[fit_rows])
        return 1.0 / (1.0 + np.exp(-(Z @ beta)))
    beta = np.linalg.lstsq(Z[fit_rows], y[fit_rows], rcond=None)[0]
    return Z @ beta


def estimate_aipw(
    data: pd.DataFrame,
    outcome: str,
    treatment: str,
    covariates: Sequence[str],
    *,
    estimand: Literal["ATE", "ATT"] = "ATE",
    propensity: PropensityScore | None = None,
    outcome_model: Any | None = None,
    outcome_type: Literal["auto", "binary", "count", "continuous"] = "auto",
    cluster: str | None = None,
    alpha: float = 0.05,
) -> EffectResult:
    """Doubly robust (AIPW) estimate of the difference and ratio of mean potential outcomes.

    ATE: mu_g = mean[ m_g(X) + 1{T=g} (Y - m_g(X)) / P(T=g|X) ], where m_g is an outcome model fitted
    in group g. ATT: mu_1 = mean Y among treated; mu_0 = sum[ T m_0(X) + (1-T) e/(1-e) (Y - m_0(X)) ] / n_1.
    Consistent when either the propensity model or the outcome model is correct (and positivity
    holds); the variance is the empirical variance of the efficient influence function (nuisance
    estimation ignored, which is first-order valid when both models converge at usual rates).

    Parameters
    ----------
    propensity : PropensityScore, optional
        Default: logistic model on ``covariates``.
    outcome_model : scikit-learn estimator, optional
        Default: logistic regression (binary outcome) or least squares, fitted separately by group.

    References
    ----------
    Robins JM, Rotnitzky A, Zhao LP (1994). JASA 89:846-866. Lunceford JK, Davidian M (2004).
    Statistics in Medicine 23:2937-2960. Moodie EEM et al. (2018) for the ATT form.
    """
    t_all = treatment_array(data, treatment, "outcome data")
    y_all = numeric_column(data, outcome, "outcome data", allow_nan=True)
    ps = propensity or estimate_propensity(data, treatment, covariates)
    e_all = ps.score.reindex(data.index).to_numpy()
    ok = np.isfinite(y_all)
    notes = []
    if (~ok).any():
        notes.append(f"{int((~ok).sum())} units with {outcome!r} not observable were dropped")
    y, t, e = y_all[ok], t_all[ok], e_all[ok]
    binary = _outcome_kind(y, outcome_type, outcome)
    X = covariate_frame(data.loc[ok], covariates, "outcome data").to_numpy(dtype=float)
    keep = X.std(axis=0) > 0
    X = X[:, keep]
    n = len(y)
    m0 = _fit_predict(X, y, t == 0, binary, outcome_model)
    if estimand == "ATE":
        m1 = _fit_predict(X, y, t == 1, binary, outcome_model)
        a1 = m1 + t * (y - m1) / e
        a0 = m0 + (1 - t) * (y - m0) / (1 - e)
        mu1, mu0 = a1.mean(), a0.mean()
        phi1, phi0 = (a1 - mu1) / n, (a0 - mu0) / n
    elif estimand == "ATT":
        n1 = t.sum()
        mu1 = y[t == 1].mean()
        a0 = t * m0 + (1 - t) * e / (1 - e) * (y - m0)
        mu0 = a0.sum() / n1
        phi1 = t * (y - mu1) / n1
        phi0 = (a0 - t * mu0) / n1
    else:
        raise ConfigError(f"estimand must be 'ATE' or 'ATT' for AIPW, got {estimand!r}")
    if binary and not (0 < mu0 and 0 < mu1):
        raise DataContractError("AIPW: an estimated risk is not positive; the ratio is undefined")
    codes = pd.factorize(data.loc[ok, cluster].to_numpy())[0] if cluster is not None else None
    from altmeasures_eval.effects._contrast import _measures, cluster_variance

    rows = {}
    for name, est, phi, log in _measures(mu1, mu0, phi1, phi0, binary):
        se = np.sqrt(cluster_variance(phi, codes, n_params=1))
        rows[name] = wald_row(est, se, n, alpha, log)
    summary = summary_frame(rows)
    means = pd.DataFrame({"mean": [mu1, mu0], "n": [int((t == 1).sum()), int((t == 0).sum())],
                          "sum_weights": [np.nan, np.nan]}, index=pd.Index(["treated", "control"], name="group"))
    how = "influence-function (sandwich) variance of the AIPW estimator" + (
        f", clustered on {cluster!r}" if cluster else "")
    return EffectResult(summary=summary, means=means, outcome=outcome, estimand=estimand, design="aipw",
                        variance=how, alpha=alpha, notes=tuple(notes + list(ps.notes)), influence=phi1 - phi0)
