"""Weighting designs: inverse-probability weights (ATE, ATT, ATC), overlap weights, entropy balancing."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from scipy import optimize

from altmeasures_eval._errors import ConfigError, DataContractError
from altmeasures_eval.matching._design import covariate_frame, treatment_array
from altmeasures_eval.matching._propensity import PropensityScore

__all__ = ["WeightResult", "weight_ipw", "weight_overlap", "entropy_balance", "effective_sample_size"]

WeightEstimand = Literal["ATE", "ATT", "ATC", "ATO"]


def effective_sample_size(weights: np.ndarray | pd.Series) -> float:
    """Kish's effective sample size (sum w)^2 / sum w^2."""
    w = np.asarray(weights, dtype=float)
    s2 = float(np.sum(w * w))
    return float(np.sum(w) ** 2 / s2) if s2 > 0 else 0.0


@dataclass(frozen=True)
class WeightResult:
    """Weights from a weighting design, with their diagnostics.

    Attributes
    ----------
    weights : pandas.Series
        One non-negative weight per row (0 = excluded, e.g. outside the propensity bounds).
    treatment : pandas.Series
        The 0/1 treatment.
    estimand : str
        ``"ATE"``, ``"ATT"``, ``"ATC"`` or ``"ATO"`` (overlap population).
    method : str
        ``"ipw"``, ``"overlap"`` or ``"entropy"``.
    propensity : PropensityScore or None
        The score the weights came from (kept for variances that account for its estimation).
    ess : pandas.DataFrame
        Effective sample size by group, unweighted ("before") and weighted ("after").
    stabilized : bool
        Whether weights were stabilised.
    notes : tuple of str
        Caveats (truncation, exclusions, convergence).
    """

    weights: pd.Series
    treatment: pd.Series
    estimand: str
    method: str
    propensity: PropensityScore | None
    ess: pd.DataFrame
    stabilized: bool = False
    notes: tuple[str, ...] = ()

    @property
    def modified(self) -> bool:
        """True when weights were truncated or units excluded (then the PS-based sandwich is approximate)."""
        return any(n.startswith(("weights truncated", "excluded")) for n in self.notes)


def _ess_table(w: np.ndarray, t: np.ndarray) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "treated": [float((t == 1).sum()), effective_sample_size(w[t == 1])],
            "control": [float((t == 0).sum()), effective_sample_size(w[t == 0])],
        },
        index=["before", "after"],
    )


def _ps_arrays(data: pd.DataFrame, treatment: str, propensity: PropensityScore | pd.Series | np.ndarray | str):
    t = treatment_array(data, treatment, "weighting data")
    if isinstance(propensity, PropensityScore):
        e = propensity.score.reindex(data.index).to_numpy(dtype=float)
        ps = propensity
    elif isinstance(propensity, str):
        e = data[propensity].to_numpy(dtype=float)
        ps = None
    else:
        e = np.asarray(propensity, dtype=float)
        ps = None
    if len(e) != len(t):
        raise DataContractError(f"propensity has {len(e)} values for {len(t)} rows of data")
    bad = ~np.isfinite(e) | (e <= 0) | (e >= 1)
    if bad.any():
        row = data.index[int(np.flatnonzero(bad)[0])]
        raise DataContractError(
            f"weighting data: propensity score at row {row!r} is {e[bad][0]!r}; scores must lie strictly "
            "between 0 and 1. Trim with ps_bounds, or refit the model with fewer covariates."
        )
    return t, e, ps


def _base_weights(t: np.ndarray, e: np.ndarray, estimand: str) -> np.ndarray:
    if estimand == "ATE":
        return np.where(t == 1, 1.0 / e, 1.0 / (1.0 - e))
    if estimand == "ATT":
        return np.where(t == 1, 1.0, e / (1.0 - e))
    if estimand == "ATC":
        return np.where(t == 1, (1.0 - e) / e, 1.0)
    if estimand == "ATO":
        return np.where(t == 1, 1.0 - e, e)
    raise ConfigError(f"estimand must be 'ATE', 'ATT', 'ATC' or 'ATO', got {estimand!r}")


def weight_ipw(
    data: pd.DataFrame,
    treatment: str,
    propensity: PropensityScore | pd.Series | np.ndarray | str,
    *,
    estimand: WeightEstimand = "ATE",
    stabilize: bool = False,
    trim: float | None = None,
    ps_bounds: tuple[float, float] | None = None,
) -> WeightResult:
    """Inverse-probability-of-treatment weights.

    ATE: T/e + (1-T)/(1-e); ATT: T + (1-T) e/(1-e); ATC: T (1-e)/e + (1-T); ATO (overlap): T(1-e) + (1-T)e,
    where e = P(T=1 | X). The weighted groups each represent the target population (everyone, the
    treated, the controls = those now sent to custody, or the overlap population), under no
    unmeasured confounding and positivity.

    Parameters
    ----------
    stabilize : bool
        Multiply by the marginal probability of the group's own treatment, P(T=t) (ATE), or by the
        odds that make each group's weights average 1 (ATT/ATC); point estimates of weighted means are
        unchanged, the weights' spread and the weighted sample size are more honest.
    trim : float, optional
        Truncate weights at this quantile within each group (e.g. 0.99), as WeightIt's ``trim``.
        Changes the estimand slightly; stated in ``notes``.
    ps_bounds : (low, high), optional
        Exclude (weight 0) units whose score lies outside [low, high] (Crump et al. 2009 use 0.1, 0.9).
    """
    t, e, ps = _ps_arrays(data, treatment, propensity)
    w = _base_weights(t, e, estimand)
    notes: list[str] = [ps.overlap_note] if ps is not None and ps.overlap_note else []
    if stabilize:
        p1 = t.mean()
        if estimand == "ATE":
            w = np.where(t == 1, w * p1, w * (1 - p1))
        else:
            for g in (0, 1):
                m = t == g
                w[m] = w[m] * m.sum() / w[m].sum()
    if ps_bounds is not None:
        lo, hi = ps_bounds
        out = (e < lo) | (e > hi)
        if out.any():
            w = np.where(out, 0.0, w)
            notes.append(f"excluded {int(out.sum())} units with propensity outside [{lo}, {hi}]; "
                         "the estimand is restricted to the remaining population")
    if trim is not None:
        if not 0.5 < trim < 1:
            raise ConfigError(f"trim is an upper quantile between 0.5 and 1, got {trim!r}")
        n_cut = 0
        for g in (0, 1):
            m = (t == g) & (w > 0)
            cap = np.quantile(w[m], trim)
            n_cut += int((w[m] > cap).sum())
            w[m] = np.minimum(w[m], cap)
        notes.append(f"weights truncated at the {trim:g} quantile within each group ({n_cut} units)")
    return WeightResult(
        weights=pd.Series(w, index=data.index, name="weights"),
        treatment=pd.Series(t, index=data.index, name=treatment),
        estimand=estimand,
        method="overlap" if estimand == "ATO" else "ipw",
        propensity=ps,
        ess=_ess_table(w, t),
        stabilized=stabilize,
        notes=tuple(notes),
    )


def weight_overlap(
    data: pd.DataFrame, treatment: str, propensity: PropensityScore | pd.Series | np.ndarray | str
) -> WeightResult:
    """Overlap weights (Li, Morgan and Zaslavsky 2018): T(1-e) + (1-T)e, estimand ATO.

    They target the population with the most clinical equipoise, are bounded, and give exact mean
    balance on the covariates of a logistic propensity model.
    """
    return weight_ipw(data, treatment, propensity, estimand="ATO")


def _ebal_solve(C: np.ndarray, target: np.ndarray, base: np.ndarray, max_iter: int) -> tuple[np.ndarray, bool]:
    """Entropy balancing dual: weights w_i ∝ q_i exp(C_i·λ) with sum w C = target (Hainmueller 2012)."""
    Z = C - target
    logq = np.log(base)

    def f(lam):
        a = logq + Z @ lam
        m = a.max()
        s = np.exp(a - m)
        val = m + np.log(s.sum())
        p = s / s.sum()
        g = Z.T @ p
        return val, g

    def hess(lam):
        a = logq + Z @ lam
        p = np.exp(a - a.max())
        p /= p.sum()
        mz = Z.T @ p
        return (Z * p[:, None]).T @ Z - np.outer(mz, mz)

    res = optimize.minimize(f, np.zeros(Z.shape[1]), jac=True, hess=hess, method="trust-exact",
                            options={"maxiter": max_iter, "gtol": 1e-10})
    lam = res.x
    a = logq + Z @ lam
    p = np.exp(a - a.max())
    p /= p.sum()
    ok = bool(np.max(np.abs(Z.T @ p)) < 1e-6)
    return p, ok


def entropy_balance(
    data: pd.DataFrame,
    treatment: str,
    covariates: Sequence[str],
    *,
    estimand: Literal["ATT", "ATC", "ATE"] = "ATT",
    moments: int = 1,
    base_weights: np.ndarray | pd.Series | None = None,
    max_iter: int = 200,
) -> WeightResult:
    """Entropy balancing (Hainmueller 2012): weights closest to uniform (in Kullback-Leibler
    divergence) that make the weighted covariate means of the reweighted group(s) exactly equal to
    the target group's.

    ATT reweights controls to the treated means; ATC reweights treated units to the control (custody)
    means; ATE reweights both groups to the full-sample means. ``moments=2`` also balances the squares
    of non-binary covariates (variances). Solved through the convex dual with scipy's trust-region
    Newton method; covariates are standardised first. Weights average 1 within each group.

    Raises
    ------
    DataContractError
        When exact balance is infeasible (a target mean outside the reweighted group's range).
    """
    t = treatment_array(data, treatment, "weighting data")
    X = covariate_frame(data, covariates, "weighting data").to_numpy(dtype=float)
    if moments == 2:
        nonbin = [j for j in range(X.shape[1]) if not np.isin(X[:, j], (0.0, 1.0)).all()]
        X = np.column_stack([X, X[:, nonbin] ** 2])
    elif moments != 1:
        raise ConfigError(f"moments must be 1 or 2, got {moments!r}")
    keep = X.std(axis=0) > 0
    X = X[:, keep]
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    q = np.ones(len(t)) if base_weights is None else np.asarray(base_weights, dtype=float)
    w = np.ones(len(t))
    notes: list[str] = []
    if estimand == "ATT":
        plans = [(0, X[t == 1].mean(axis=0))]
    elif estimand == "ATC":
        plans = [(1, X[t == 0].mean(axis=0))]
    elif estimand == "ATE":
        plans = [(0, X.mean(axis=0)), (1, X.mean(axis=0))]
    else:
        raise ConfigError(f"estimand must be 'ATT', 'ATC' or 'ATE' for entropy balancing, got {estimand!r}")
    for g, target in plans:
        m = t == g
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            p, ok = _ebal_solve(X[m], target, q[m], max_iter)
        if not ok:
            raise DataContractError(
                "entropy balancing did not reach exact balance: a target mean may lie outside the range of "
                f"the {'control' if g == 0 else 'treated'} group's covariates. Drop or coarsen covariates, "
                "or use moments=1."
            )
        w[m] = p * m.sum()
    return WeightResult(
        weights=pd.Series(w, index=data.index, name="weights"),
        treatment=pd.Series(t, index=data.index, name=treatment),
        estimand=estimand,
        method="entropy",
        propensity=None,
        ess=_ess_table(w, t),
        stabilized=True,
        notes=tuple(notes),
    )
