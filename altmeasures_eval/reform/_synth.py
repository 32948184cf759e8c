"""Synthetic control for a single adopting jurisdiction (Abadie, Diamond & Hainmueller, 2010).

Weights on the donors lie on the simplex (non-negative, summing to one) and minimise the
V-weighted distance between the treated unit's pre-reform predictors and the donors'. Inference:
placebo in space (each donor in turn treated as if it had adopted): the rank of the post/pre RMSPE
ratio, and the distribution of the placebo average effects (donors with a pre-reform MSPE at most 5
times the treated unit's) as the null distribution of the estimate's error, which gives the
confidence interval and p-value. Without placebos, a moving-block permutation test on the gap series
(after Chernozhukov, Wuethrich & Zhu, 2021) gives them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd
from scipy import optimize

from altmeasures_eval._errors import NotEstimable
from altmeasures_eval.reform._data import Panel

__all__ = ["SyntheticControl", "simplex_weights", "synthetic_control"]

VMethod = Literal["equal", "regression", "nested"]


def simplex_weights(target: np.ndarray, donors: np.ndarray, v: np.ndarray | None = None) -> np.ndarray:
    """Weights ``w >= 0``, ``sum(w) = 1`` minimising ``(x1 - X0 w)' V (x1 - X0 w)``.

    Solved as a non-negative least-squares problem with the adding-up constraint imposed by a
    heavily weighted extra row (exact to about 1e-10), then renormalised.

    Parameters
    ----------
    target : numpy.ndarray
        ``x1``, shape ``(k,)``.
    donors : numpy.ndarray
        ``X0``, shape ``(k, J)``.
    v : numpy.ndarray, optional
        Diagonal of ``V`` (non-negative), default all ones.

    Returns
    -------
    numpy.ndarray
        Shape ``(J,)``.
    """
    k, J = donors.shape
    sv = np.sqrt(np.ones(k) if v is None else np.asarray(v, dtype=float))
    A, b = donors * sv[:, None], target * sv
    big = 1e4 * max(1.0, float(np.abs(A).max()))
    w, _ = optimize.nnls(np.vstack([A, np.full((1, J), big)]), np.append(b, big), maxiter=50 * J)
    s = w.sum()
    return w / s if s > 0 else np.full(J, 1.0 / J)


@dataclass(frozen=True)
class SyntheticControl:
    """Result of :func:`synthetic_control`.

    Attributes
    ----------
    weights : pandas.Series
        Donor weights (index: donor labels), summing to one.
    v : pandas.Series
        Predictor weights (diagonal of V), summing to one.
    predictors : pandas.DataFrame
        Each predictor for the treated unit, the synthetic control and the donor average.
    series : pandas.DataFrame
        ``period``, ``treated``, ``synthetic``, ``gap``, ``post``.
    effect : pandas.Series
        Average post-reform gap: ``estimate``, ``ci_low``, ``ci_high`` and ``p_value`` from the
        placebo average effects (or, with ``placebo=False``, from the permutation test over time), ``placebo_p_value`` (rank of the post/pre RMSPE ratio
        among the treated unit and every donor).
    placebos : pandas.DataFrame
        One row per unit (treated first): ``unit``, ``pre_rmspe``, ``post_rmspe``, ``ratio``, and
        the gap path in ``gaps`` (units x periods, in ``placebo_gaps``).
    placebo_gaps : pandas.DataFrame
        Gap series of every placebo (rows: units, columns: periods).
    pre_rmspe : float
        Root mean squared prediction error before the reform.
    pre_rmspe_relative : float
        RMSPE of the pre-reform gap averaged over blocks of ``fit_block`` periods, divided by the
        mean absolute level of the treated unit's pre-reform outcome.
    in_hull : bool
        Whether the treated unit's pre-reform outcomes (block means of ``fit_block`` periods) lie
        within the donors' range in every block.
    treated : str
    adoption : int
    summary : pandas.DataFrame
    notes : tuple of str
    """

    weights: pd.Series
    v: pd.Series
    predictors: pd.DataFrame
    series: pd.DataFrame
    effect: pd.Series
    placebos: pd.DataFrame
    placebo_gaps: pd.DataFrame
    pre_rmspe: float
    pre_rmspe_relative: float
    in_hull: bool
    treated: str
    adoption: int
    summary: pd.DataFrame
    notes: tuple[str, ...] = field(default_factory=tuple)


def _scale(X: np.ndarray) -> np.ndarray:
    """Predictors divided by their standard deviation across units (as the ``synth`` package)."""
    sd = X.std(axis=1, ddof=1)
    return X / np.where(sd > 0, sd, 1.0)[:, None]


def _regression_v(X: np.ndarray, Z: np.ndarray) -> np.ndarray:
    """``V`` from a regression of the pre-reform outcomes on the predictors across units: the squared
    coefficients, summed over periods and normalised (the starting value of ``synth``)."""
    Xc = np.vstack([np.ones(X.shape[1]), X]).T
    coef, *_ = np.linalg.lstsq(Xc, Z.T, rcond=None)
    v = (coef[1:] ** 2).sum(axis=1)
    return v / v.sum() if v.sum() > 0 else np.full(X.shape[0], 1.0 / X.shape[0])


def _fit_weights(x1: np.ndarray, X0: np.ndarray, z1: np.ndarray, Z0: np.ndarray, method: VMethod,
                 custom_v: np.ndarray | None = None, max_iter: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    k = X0.shape[0]
    Xs = _scale(np.column_stack([x1, X0]))
    xs1, Xs0 = Xs[:, 0], Xs[:, 1:]
    if custom_v is not None:
        v = np.asarray(custom_v, dtype=float) / np.sum(custom_v)
        return simplex_weights(xs1, Xs0, v), v
    if method == "equal" or k == 1:
        v = np.full(k, 1.0 / k)
    else:
        v = _regression_v(np.column_stack([xs1, Xs0]), np.column_stack([z1, Z0]))
    if method == "nested" and k > 1:
        def loss(logv: np.ndarray) -> float:
            vv = np.exp(logv - logv.max())
            w = simplex_weights(xs1, Xs0, vv / vv.sum())
            return float(np.mean((z1 - Z0 @ w) ** 2))
        start = np.log(np.maximum(v, 1e-8))
        res = optimize.minimize(loss, start, method="Nelder-Mead",
                                options={"maxiter": max_iter or 200 * k, "xatol": 1e-4, "fatol": 1e-10})
        cand = np.exp(res.x - res.x.max())
        cand = cand / cand.sum()
        if loss(np.log(np.maximum(cand, 1e-300))) <= loss(start):
            v = cand
    return simplex_weights(xs1, Xs0, v), v


def _predictors(y: np.ndarray, pre: np.ndarray, covariates: np.ndarray | None,
                outcome_lags: str | np.ndarray) -> np.ndarray:
    """Predictor matrix (k x units): pre-reform outcomes (each period, chosen periods, or their
    mean) and covariates."""
    if isinstance(outcome_lags, str):
        parts = [y[:, pre].T if outcome_lags == "all" else y[:, pre].mean(axis=1)[None, :]]
    else:
        parts = [y[:, outcome_lags].T]
    if covariates is not None:
        parts.append(covariates.T)
    return np.vstack(parts)


def _conformal_p(gap: np.ndarray, post: np.ndarray, theta: np.ndarray) -> np.ndarray:
    """p-values of "the effect is theta in every post period", one per theta (vectorised).

    The residual series ``u = gap - theta * post`` (post-reform gaps from the weights fitted before
    the reform; pre-reform gaps cross-fitted, see ``_crossfit_gap``) is compared with every circular shift of itself through the absolute mean residual over
    the post-period positions (the statistic aimed at a constant shift, the average effect) (the moving-block permutation test of Chernozhukov, Wuethrich & Zhu,
    2021, with the weights held at their pre-reform fit instead of refitted under each null: a
    refit over all periods lets the weights absorb a level shift and leaves the test without power
    when the post-period is long)."""
    n, m = len(gap), int(post.sum())
    u = gap[None, :] - theta[:, None] * post[None, :]
    idx = (np.arange(n)[None, :] + np.arange(n)[:, None]) % n  # row s: the series shifted by s
    pos = np.flatnonzero(post)
    stat = np.abs(u[:, idx[:, pos]].mean(axis=2))  # thetas x shifts
    return np.mean(stat >= stat[:, :1] - 1e-12, axis=1)


def _crossfit_gap(y: np.ndarray, pre: np.ndarray, block: int, folds: int = 5) -> np.ndarray:
    """Out-of-sample pre-reform gaps: each block of pre-reform periods is predicted by weights fitted
    on the other pre-reform periods' outcomes (row 0 treated, rows 1.. donors). In-sample gaps are
    smaller than the post-reform prediction errors, and a permutation test that mixes the two
    under-covers (77.5 % in the simulation study before this correction)."""
    idx = np.flatnonzero(pre)
    size = max(block, int(np.ceil(len(idx) / folds)))
    out = np.full(y.shape[1], np.nan)
    for start in range(0, len(idx), size):
        test = idx[start:start + size]
        train = np.setdiff1d(idx, test)
        if len(train) == 0:
            return np.where(pre, np.nan, 0.0)
        w = simplex_weights(y[0, train], y[1:, train].T)
        out[test] = y[0, test] - y[1:, test].T @ w
    return out


def _conformal_ci(gap: np.ndarray, post: np.ndarray, est: float, scale: float,
                  alpha: float) -> tuple[float, float, float]:
    """Invert the permutation test on a grid around the estimate; returns (low, high, p at 0).

    With ``n`` periods the smallest attainable p-value is ``1 / n``: when it exceeds ``alpha`` no
    value can be rejected and the interval is unbounded (``-inf, inf``)."""
    p0 = float(_conformal_p(gap, post, np.array([0.0]))[0])
    if 1.0 / len(gap) > alpha:
        return -np.inf, np.inf, p0
    half = 20 * max(scale, 1e-12)
    grid = est + np.linspace(-half, half, 801)
    keep = grid[_conformal_p(gap, post, grid) > alpha]
    if len(keep) == 0:
        return est, est, p0
    step = grid[1] - grid[0]
    lo = keep.min() - step / 2 if keep.min() > grid[0] else -np.inf
    hi = keep.max() + step / 2 if keep.max() < grid[-1] else np.inf
    return float(lo), float(hi), p0


def synthetic_control(
    panel: Panel,
    treated: str,
    *,
    covariates: pd.DataFrame | None = None,
    outcome_lags: Literal["all", "mean"] | list[int] = "all",
    v_method: VMethod = "regression",
    placebo: bool = True,
    conformal: bool = True,
    alpha: float = 0.05,
    donors: list[str] | None = None,
    fit_block: int = 1,
    custom_v: np.ndarray | list[float] | None = None,
    max_iter: int | None = None,
) -> SyntheticControl:
    """Synthetic control estimate of a reform in one jurisdiction.

    The synthetic control is the weighted average of donor jurisdictions (which never adopted the
    reform during the panel) whose pre-reform predictors match the treated jurisdiction; its
    post-reform path is the counterfactual. Assumes that the treated outcome, without the reform,
    would have followed the same combination of donors as before (a factor model whose loadings the
    donors span), and that the reform did not affect the donors.

    Parameters
    ----------
    panel : Panel
        Balanced panel; the treated unit's adoption period is read from it.
    treated : str
        The adopting jurisdiction.
    covariates : pandas.DataFrame, optional
        Extra predictors, one row per unit (index: unit labels), averaged over the pre-period by
        the caller.
    outcome_lags : {"all", "mean"} or list of int
        Pre-reform outcomes used as predictors: every pre-period (default), their mean, or the
        outcome in the listed pre-reform periods.
    v_method : {"equal", "regression", "nested"}
        Predictor weights: all equal; the regression-based choice (squared coefficients of a
        regression of the pre-reform outcomes on the standardised predictors, ``synth``'s start);
        or nested optimisation from that start (Nelder-Mead over V minimising the pre-reform
        outcome MSPE, Abadie, Diamond & Hainmueller 2010).
    placebo : bool
        Run the placebo-in-space study (every donor as a fake adopter).
    conformal : bool
        Without the placebo study: confidence interval and p-value for the average effect from the
        moving-block permutation test on the gap series (see ``_conformal_p``).
    alpha : float
    donors : list of str, optional
        Donor pool; default every unit that never adopts within the panel.
    custom_v : array-like, optional
        Predictor weights given by the user (in predictor order: outcome lags, then covariates);
        overrides ``v_method`` for the treated unit (placebos use ``v_method``).
    max_iter : int, optional
        Nelder-Mead iterations of the nested search of V (default 200 per predictor).
    fit_block : int
        Periods averaged before the pre-reform fit is judged (``pre_rmspe_relative``): 12 for
        monthly counts, whose month-to-month noise no control can reproduce; 1 for yearly data.

    Returns
    -------
    SyntheticControl

    Raises
    ------
    NotEstimable
        The treated unit did not adopt inside the panel, has fewer than 4 pre-reform periods, or
        there are fewer than 2 donors.

    References
    ----------
    Abadie, A., Diamond, A. and Hainmueller, J. (2010). Synthetic control methods for comparative
    case studies. Journal of the American Statistical Association 105(490), 493-505.
    Abadie, A. (2021). Using synthetic controls: feasibility, data requirements, and methodological
    aspects. Journal of Economic Literature 59(2), 391-425.
    Chernozhukov, V., Wuethrich, K. and Zhu, Y. (2021). An exact and robust conformal inference
    method for counterfactual and synthetic controls. Journal of the American Statistical
    Association 116(536), 1849-1864.
    """
    units = list(panel.units)
    if treated not in units:
        raise NotEstimable("the synthetic control", f"jurisdiction {treated!r} is not in the panel")
    i1 = units.index(treated)
    A = panel.adoption[i1]
    if not np.isfinite(A):
        raise NotEstimable("the synthetic control", f"{treated} does not adopt the reform within the panel")
    A = int(A)
    pre = panel.periods < A
    post = ~pre
    if pre.sum() < 4:
        raise NotEstimable("the synthetic control", f"{treated} has {int(pre.sum())} periods before the reform; at least 4 are needed")
    pool = [u for j, u in enumerate(units) if j != i1 and not np.isfinite(panel.adoption[j])] if donors is None else list(donors)
    if len(pool) < 2:
        raise NotEstimable("the synthetic control", "fewer than 2 jurisdictions never adopt the reform (the donor pool)")
    idx = [i1] + [units.index(u) for u in pool]
    y = panel.y[idx]
    cov = None if covariates is None else covariates.reindex([units[j] for j in idx]).to_numpy(dtype=float)
    if isinstance(outcome_lags, str):
        lags: str | np.ndarray = outcome_lags
        names = ([f"outcome {p}" for p in panel.periods[pre]] if outcome_lags == "all" else ["outcome (pre-reform mean)"])
    else:
        bad = [p for p in outcome_lags if p not in set(panel.periods[pre].tolist())]
        if bad:
            raise ValueError(f"outcome_lags {bad} are not pre-reform periods")
        lags = np.searchsorted(panel.periods, np.asarray(outcome_lags))
        names = [f"outcome {p}" for p in outcome_lags]
    X = _predictors(y, pre, cov, lags)
    if covariates is not None:
        names += list(covariates.columns)

    def fit(j: int, others: list[int]) -> tuple[np.ndarray, np.ndarray]:
        return _fit_weights(X[:, j], X[:, others], y[j, pre], y[others][:, pre].T, v_method, max_iter=max_iter)

    w, v = (_fit_weights(X[:, 0], X[:, 1:], y[0, pre], y[1:][:, pre].T, v_method, np.asarray(custom_v))
            if custom_v is not None else fit(0, list(range(1, len(idx)))))
    synth = y[1:].T @ w
    gap = y[0] - synth
    pre_rmspe = float(np.sqrt(np.mean(gap[pre] ** 2)))
    post_rmspe = float(np.sqrt(np.mean(gap[post] ** 2)))
    est = float(gap[post].mean())
    scale = float(np.mean(np.abs(y[0, pre])))
    # fit judged on block means (ending at the reform), so that monthly noise is not counted as misfit
    gp = gap[pre][::-1]
    nb = max(1, len(gp) // max(1, fit_block))
    blocks = gp[: nb * max(1, fit_block)].reshape(nb, -1).mean(axis=1)
    rel = float(np.sqrt(np.mean(blocks**2))) / scale if scale > 0 else np.inf
    # hull check on the same block means as the fit (one noisy month outside the range is not a misfit)
    b = max(1, fit_block)
    nbk = max(1, int(pre.sum()) // b)
    ym = y[:, pre][:, ::-1][:, : nbk * b].reshape(len(idx), nbk, -1).mean(axis=2)
    in_hull = bool(np.all((ym[0] >= ym[1:].min(axis=0)) & (ym[0] <= ym[1:].max(axis=0))))
    notes = [f"{len(pool)} donor jurisdictions; predictor weights: {'given' if custom_v is not None else v_method}"]
    if not in_hull:
        notes.append(f"{treated}'s pre-reform outcome lies outside the donors' range in some periods: "
                     "no weighted average of donors can reproduce it there")
    rows = [{"unit": treated, "pre_rmspe": pre_rmspe, "post_rmspe": post_rmspe,
             "ratio": post_rmspe / pre_rmspe if pre_rmspe > 0 else np.inf}]
    gaps = {treated: gap}
    if placebo:
        for j in range(1, len(idx)):
            others = [k for k in range(1, len(idx)) if k != j]
            wj, _ = fit(j, others)
            gj = y[j] - y[others].T @ wj
            pr, po = float(np.sqrt(np.mean(gj[pre] ** 2))), float(np.sqrt(np.mean(gj[post] ** 2)))
            rows.append({"unit": pool[j - 1], "pre_rmspe": pr, "post_rmspe": po, "ratio": po / pr if pr > 0 else np.inf})
            gaps[pool[j - 1]] = gj
    plac = pd.DataFrame(rows)
    placebo_p = float(np.mean(plac["ratio"] >= plac["ratio"].iloc[0])) if placebo else float("nan")
    ci_low = ci_high = p_conf = float("nan")
    if placebo and len(plac) > 2:
        # in-space interval: the placebo average effects (donors whose pre-reform MSPE is at most
        # 5 times the treated unit's, Abadie et al. 2010) are the null distribution of the error
        post_gaps = np.array([gaps[u][post].mean() for u in plac["unit"].iloc[1:]])
        keep = (plac["pre_rmspe"].iloc[1:].to_numpy() ** 2) <= 5 * pre_rmspe**2
        if keep.sum() >= 2:
            q_hi, q_lo = np.quantile(post_gaps[keep], [1 - alpha / 2, alpha / 2])
            ci_low, ci_high = est - q_hi, est - q_lo
            p_conf = float((1 + np.sum(np.abs(post_gaps[keep]) >= abs(est))) / (1 + keep.sum()))
            notes.append(f"confidence interval and p-value from the average effects of {int(keep.sum())} placebo "
                         "donors with a pre-reform MSPE at most 5 times the jurisdiction's")
            if keep.sum() < 2 / alpha - 1:
                notes.append(f"with {int(keep.sum())} placebos the interval's ends are close to the extreme placebo "
                             f"effects: it cannot resolve a {1 - alpha:.0%} level finely")
    elif conformal:
        oos = _crossfit_gap(y, pre, max(1, fit_block))
        ci_low, ci_high, p_conf = _conformal_ci(np.where(pre, oos, gap), post, est,
                                                max(pre_rmspe, 1e-9 * max(scale, 1.0)), alpha)
        notes.append("confidence interval by a permutation test over time (moving blocks of the gap series, "
                     "constant effect after the reform; without the placebo study)")
    effect = pd.Series({"estimate": est, "ci_low": ci_low, "ci_high": ci_high, "p_value": p_conf,
                        "placebo_p_value": placebo_p})
    Xs = X
    pred = pd.DataFrame({"predictor": names, "treated": Xs[:, 0], "synthetic": Xs[:, 1:] @ w,
                         "donor_mean": Xs[:, 1:].mean(axis=1)})
    series = pd.DataFrame({"period": panel.periods, "treated": y[0], "synthetic": synth, "gap": gap, "post": post})
    summary = pd.DataFrame([{"term": "average effect after the reform", "estimate": est, "ci_low": ci_low,
                             "ci_high": ci_high, "p_value": p_conf, "placebo_p_value": placebo_p,
                             "pre_rmspe": pre_rmspe, "pre_rmspe_relative": rel}])
    return SyntheticControl(
        weights=pd.Series(w, index=pool, name="weight"), v=pd.Series(v, index=names, name="v"),
        predictors=pred, series=series, effect=effect, placebos=plac,
        placebo_gaps=pd.DataFrame(gaps, index=panel.periods).T, pre_rmspe=pre_rmspe,
        pre_rmspe_relative=float(rel), in_hull=in_hull, treated=treated, adoption=A, summary=summary,
        notes=tuple(notes))
