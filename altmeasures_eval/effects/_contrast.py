"""Weighted outcome contrasts for binary, count and continuous outcomes, with stated variances.

Matching is preprocessing: any weights (a matching or weighting result, a weights column, an
array, or none) enter the same estimator, the difference and ratio of weighted group means.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import stats

from altmeasures_eval._errors import ConfigError, DataContractError, NotEstimable
from altmeasures_eval._estimable import check_difference, mover_difference, score_test_p
from altmeasures_eval._parallel import parallel_map
from altmeasures_eval.effects._abadie_imbens import DEFAULT_AI_NEIGHBORS, default_variance_with_replacement
from altmeasures_eval.effects._results import EffectResult, summary_frame, wald_row
from altmeasures_eval.matching import MatchResult, PropensityScore, WeightResult, resolve_weights
from altmeasures_eval.matching._design import numeric_column, treatment_array

__all__ = ["estimate_effect", "weighted_mean_difference", "cluster_variance"]

Variance = Literal["auto", "cluster", "robust", "sandwich", "bootstrap", "abadie-imbens"]
OutcomeType = Literal["auto", "binary", "count", "continuous"]
DesignLike = MatchResult | WeightResult | pd.Series | np.ndarray | str | None


def cluster_variance(phi: np.ndarray, codes: np.ndarray | None, n_params: int = 2) -> float:
    """Variance from per-unit influence values: sum over clusters of (sum of phi in the cluster)^2,
    with the small-sample factor of ``sandwich::vcovCL(type = "HC1")``: G/(G-1) * (N-1)/(N-K)
    (with clusters) or N/(N-K) (each unit its own cluster)."""
    n = len(phi)
    if codes is None:
        return float(np.sum(phi**2) * n / max(n - n_params, 1))
    sums = np.bincount(codes, weights=phi)
    g = int((np.bincount(codes) > 0).sum())
    return float(np.sum(sums**2) * g / max(g - 1, 1) * (n - 1) / max(n - n_params, 1))


def _group_influence(y: np.ndarray, t: np.ndarray, w: np.ndarray) -> tuple[float, float, np.ndarray, np.ndarray]:
    """Weighted (Hajek) means by group and their influence values, weights taken as fixed."""
    w1, w0 = np.where(t == 1, w, 0.0), np.where(t == 0, w, 0.0)
    W1, W0 = w1.sum(), w0.sum()
    m1, m0 = float(w1 @ y / W1), float(w0 @ y / W0)
    return m1, m0, w1 * (y - m1) / W1, w0 * (y - m0) / W0


_DW = {  # d weight / d linear predictor, for (treated, control), as functions of e
    "ATE": (lambda e: -(1 - e) / e, lambda e: e / (1 - e)),
    "ATT": (lambda e: np.zeros_like(e), lambda e: e / (1 - e)),
    "ATC": (lambda e: -(1 - e) / e, lambda e: np.zeros_like(e)),
    "ATO": (lambda e: -e * (1 - e), lambda e: e * (1 - e)),
}


def _ps_sandwich_influence(y, t, w, e, X, estimand, H=None):
    """Influence values of the weighted means that account for the estimated logistic score.

    Stacked M-estimation (Lunceford and Davidian 2004): the logistic score equations
    sum X (T - e) = 0 and the weighted-mean equations sum w_g(e) 1{T=g} (Y - mu_g) = 0. The
    linearisation gives phi_g = [w 1{T=g}(Y - mu_g) + D_g H^{-1} X (T - e)] / W_g with
    H = sum e(1-e) X X' and D_g = sum 1{T=g} (Y - mu_g) dw_g/deta X'.

    ``H`` is the information of the propensity fit; pass the one over every row the model was
    fitted on when some rows lack the outcome (on the outcome rows alone it can be singular, e.g.
    when a covariate level has no row with an observed outcome). Default: from the rows given.
    """
    m1, m0, phi1, phi0 = _group_influence(y, t, w)
    if H is None:
        H = (X * (e * (1 - e))[:, None]).T @ X
    D, W = [], []
    for g, m, dw in ((1, m1, _DW[estimand][0]), (0, m0, _DW[estimand][1])):
        ind = t == g
        W.append(w[ind].sum())
        D.append(((ind * (y - m) * dw(e))[:, None] * X).sum(axis=0))
    # (X (T - e)) H^+ D: H is symmetric, so H^+ is applied to the two columns of D (p x 2) instead of
    # to the n score rows; lstsq = the solve when H is regular, and the minimum-norm solution on a
    # (near-)separated fit
    corr = (X * (t - e)[:, None]) @ np.linalg.lstsq(H, np.column_stack(D), rcond=None)[0]  # n x 2
    return m1, m0, phi1 + corr[:, 0] / W[0], phi0 + corr[:, 1] / W[1]


def _ps_for_adjustment(design: MatchResult, propensity: PropensityScore | None, ps_adjustment: bool | None,
                       notes: list[str]) -> tuple[PropensityScore | None, str]:
    """The score to adjust for (Abadie-Imbens 2016), or None and the reason it is not applied."""
    ps = propensity if propensity is not None else getattr(design, "propensity", None)
    if ps_adjustment is False:
        return None, "turned off (ps_adjustment=False)"
    usable = ps is not None and ps.design is not None
    problem = ""
    if ps is None:
        problem = "no `propensity` given"
    elif ps.design is None:
        problem = f"the score comes from {ps.method}, not a logistic model fitted by maximum likelihood"
    elif design.settings.get("mahvars"):
        problem = "the match used a Mahalanobis distance"
    else:
        d = design.distance.to_numpy(dtype=float)
        lin = ps.linear.reindex(design.distance.index).to_numpy(dtype=float)
        if not np.allclose(d, lin, rtol=1e-9, atol=1e-12, equal_nan=False):
            problem = "the matching distance is not the logit of this propensity score"
            usable = False
    if ps_adjustment and not usable:
        raise ConfigError(f"ps_adjustment=True but the Abadie-Imbens (2016) adjustment cannot be applied: {problem}")
    if not usable:
        if ps is None and design.settings.get("distance") == "propensity_logit":
            notes.append("matched on an estimated propensity score: pass `propensity=` (the PropensityScore) to "
                         "apply the Abadie-Imbens (2016) adjustment for its estimation")
        return None, problem
    if design.settings.get("exact"):
        notes.append("Abadie-Imbens (2016) adjustment with exact strata: conditional covariances are taken within "
                     "strata; the theory covers matching on the score alone (approximation)")
    if design.caliper is not None and int(((design.weights == 0) & (design.treatment == (design.estimand == "ATT"))
                                           & ~design.discarded).sum()):
        notes.append("some focal units found no match within the caliper; the Abadie-Imbens (2016) adjustment "
                     "assumes every focal unit is matched (approximation)")
    return ps, ""


def _measures(m1, m0, phi1, phi0, binary: bool) -> list[tuple[str, float, np.ndarray, bool]]:
    diff = ("risk_difference" if binary else "mean_difference", m1 - m0, phi1 - phi0, False)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio_if = phi1 / m1 - phi0 / m0
    ratio = ("risk_ratio" if binary else "rate_ratio", m1 / m0 if m0 != 0 else np.nan, ratio_if, True)
    return [diff, ratio]


def weighted_mean_difference(
    y: np.ndarray, treatment: np.ndarray, weights: np.ndarray | None = None,
    cluster: np.ndarray | None = None, alpha: float = 0.05,
) -> dict[str, float]:
    """Low-level weighted difference in means (treated - control) with a robust or cluster-robust SE.

    For callers that hold arrays (e.g. ``population``'s bed-days): returns a mapping with
    ``estimate, se, ci_low, ci_high, p_value, n``. Weights are taken as fixed; the SE is the HC1
    sandwich of the weighted regression of y on treatment (clustered when ``cluster`` is given).
    When the interval would be absurd (both groups without variation, e.g. no later custody in
    either: SE 0; or a variance above what one effective person per group could give) ``se``,
    ``ci_low``, ``ci_high`` and ``p_value`` are NaN and ``not_estimable`` gives the reason; a group
    without variation next to one with variation (a structural zero, such as index-case bed-days
    after an alternative) keeps the other group's variance.
    """
    y = np.asarray(y, dtype=float)
    t = np.asarray(treatment).astype(int)
    w = np.ones(len(y)) if weights is None else np.asarray(weights, dtype=float)
    ok = np.isfinite(y) & (w > 0)
    codes = None if cluster is None else pd.factorize(np.asarray(cluster)[ok])[0]
    m1, m0, p1, p0 = _group_influence(y[ok], t[ok], w[ok])
    se = np.sqrt(cluster_variance(p1 - p0, codes))
    row = wald_row(m1 - m0, se, int(ok.sum()), alpha, False)
    row.pop("scale")
    yy, tt, ww = y[ok], t[ok], w[ok]
    try:
        check_difference("mean difference", row["estimate"], row["se"], row["ci_low"], row["ci_high"],
                         max_var=_weighted_var(yy[tt == 1], ww[tt == 1]) + _weighted_var(yy[tt == 0], ww[tt == 0]),
                         bounded=False)
    except NotEstimable as exc:
        row.update(se=np.nan, ci_low=np.nan, ci_high=np.nan, p_value=np.nan, not_estimable=exc.reason)
    return row


def _outcome_kind(y: np.ndarray, outcome_type: OutcomeType, outcome: str) -> bool:
    if outcome_type == "auto":
        return bool(np.isin(y, (0.0, 1.0)).all())
    if outcome_type == "binary":
        if not np.isin(y, (0.0, 1.0)).all():
            raise DataContractError(f"outcome {outcome!r} was declared binary but holds values other than 0/1")
        return True
    if outcome_type in ("count", "continuous"):
        return False
    raise ConfigError(f"outcome_type must be auto, binary, count or continuous, got {outcome_type!r}")


def _resample_counts(rng: np.random.Generator, n_clusters: int) -> np.ndarray:
    return rng.multinomial(n_clusters, np.full(n_clusters, 1.0 / n_clusters))


def _boot_fixed(cl_sums: np.ndarray, binary: bool):
    """Replicate function for the fixed-weight (pair/cluster) bootstrap on cluster-level sums."""
    def rep(i: int, rng: np.random.Generator) -> np.ndarray:
        c = _resample_counts(rng, cl_sums.shape[0])
        s = c @ cl_sums  # [sum w1 y, sum w1, sum w0 y, sum w0]
        m1, m0 = s[0] / s[1], s[2] / s[3]
        return np.array([m1 - m0, np.log(m1 / m0) if m1 > 0 and m0 > 0 else np.nan])
    return rep


def _boot_refit(data, outcome, treatment, refit, codes, binary):
    members = np.argsort(codes, kind="stable")
    sizes = np.bincount(codes)
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])

    def rep(i: int, rng: np.random.Generator) -> np.ndarray:
        c = rng.integers(0, len(sizes), len(sizes))
        idx = members[np.concatenate([np.arange(starts[k], starts[k] + sizes[k]) for k in c])]
        sub = data.iloc[idx].reset_index(drop=True)
        w, _, _ = resolve_weights(sub, refit(sub))
        y = sub[outcome].to_numpy(dtype=float)
        t = sub[treatment].to_numpy().astype(int)
        m1, m0, _, _ = _group_influence(y, t, w)
        return np.array([m1 - m0, np.log(m1 / m0) if m1 > 0 and m0 > 0 else np.nan])
    return rep


def _bca_interval(est: float, boots: np.ndarray, influence: np.ndarray, alpha: float) -> tuple[float, float]:
    """Bias-corrected and accelerated percentile interval (Efron 1987); acceleration from the
    empirical influence values a = sum(phi^3) / (6 (sum phi^2)^1.5)."""
    b = boots[np.isfinite(boots)]
    prop = (np.sum(b < est) + 0.5 * np.sum(b == est)) / len(b)
    z0 = stats.norm.ppf(np.clip(prop, 1e-10, 1 - 1e-10))
    a = np.sum(influence**3) / (6.0 * np.sum(influence**2) ** 1.5)
    zs = stats.norm.ppf([alpha / 2, 1 - alpha / 2])
    adj = stats.norm.cdf(z0 + (z0 + zs) / (1 - a * (z0 + zs)))
    lo, hi = np.quantile(b, adj)
    return float(lo), float(hi)


_GROUP = {1: "alternative (treated)", 0: "custody (control)"}


def _no_variation(y: np.ndarray, t: np.ndarray, outcome: str, binary: bool, unadjusted: bool) -> dict[int, float]:
    """Groups whose outcome takes one value; raise when no honest variance can be had.

    Both groups constant at the same value (everyone reoffends, nobody does): nothing to compare.
    One group constant: its variance is 0, so a design-based (Wald) variance is false certainty
    (p = 1e-112 with n = 10); only the unadjusted risk difference, whose Newcombe interval and
    score test need no group variance, survives.
    """
    constant = {g: float(y[t == g][0]) for g in (1, 0) if np.ptp(y[t == g]) == 0}
    if len(constant) == 2 and constant[1] == constant[0]:
        raise NotEstimable(f"effect on {outcome!r}",
                           f"every person in both groups has {outcome} = {constant[1]:g} ({len(y):,} people): "
                           "there is no variation to compare")
    if constant and not (binary and unadjusted):
        g, v = next(iter(constant.items()))
        raise NotEstimable(f"effect on {outcome!r}",
                           f"no variation in {outcome} in the {_GROUP[g]} group (all {int((t == g).sum()):,} people "
                           f"have {v:g}): an adjusted variance would take that group as known exactly (false certainty); "
                           "report the group counts instead")
    return constant


def _bounded_difference(rows: dict, measures: list, phi1: np.ndarray, phi0: np.ndarray, t: np.ndarray, m1: float,
                        m0: float, binary: bool, unadjusted: bool, codes: np.ndarray | None, alpha: float) -> str:
    """Replace the Wald interval of a risk difference by the MOVER-Wilson interval (inside [-1, 1]).

    Unadjusted: Newcombe (1998) method 10 with the group counts, and the score-test p-value
    (``prop.test(correct = FALSE)``). Adjusted: Wilson intervals on the effective sample sizes
    p (1 - p) / Var(p) of the design's variance, combined with the design's correlation
    (Zou & Donner 2008); the p-value stays the Wald test of the design variance.
    """
    if not binary:
        return ""
    row = rows[measures[0][0]]
    if unadjusted:
        n1, n0 = int((t == 1).sum()), int((t == 0).sum())
        lo, hi = mover_difference(m1, m0, 0.0, 0.0, n1=n1, n0=n0, alpha=alpha)
        row.update(ci_low=lo, ci_high=hi, p_value=score_test_p(m1 * n1, n1, m0 * n0, n0))
        return ("; risk-difference interval: Newcombe (1998) hybrid score (MOVER-Wilson), p-value: score test "
                "(Pearson chi-square, no continuity correction)")
    v1, v0 = cluster_variance(phi1, codes), cluster_variance(phi0, codes)
    vd = cluster_variance(phi1 - phi0, codes)
    if not (v1 > 0 and v0 > 0 and 0 < m1 < 1 and 0 < m0 < 1):
        return ""  # _guard_rows decides
    lo, hi = mover_difference(m1, m0, v1, v0, (v1 + v0 - vd) / 2, alpha=alpha)
    row.update(ci_low=lo, ci_high=hi)
    return ("; risk-difference interval: MOVER-Wilson on the design's effective sample sizes and correlation "
            "(Newcombe 1998; Zou & Donner 2008; Korn & Graubard 1998)")


def _weighted_var(y: np.ndarray, w: np.ndarray) -> float:
    return float(np.average((y - np.average(y, weights=w)) ** 2, weights=w)) if w.sum() > 0 else np.nan


def _guard_rows(rows: dict, measures: list, y: np.ndarray, t: np.ndarray, w: np.ndarray, m1: float, m0: float,
                binary: bool, constant: dict[int, float], outcome: str) -> dict[str, str]:
    """Raise when the difference is absurd; blank a ratio that is, returning its reason."""
    s1, s0 = _weighted_var(y[t == 1], w[t == 1]), _weighted_var(y[t == 0], w[t == 0])
    name = measures[0][0]
    r = rows[name]
    if not constant:  # the unadjusted risk difference with a constant group has no design SE to check
        check_difference(f"{name} on {outcome!r}", r["estimate"], r["se"], r["ci_low"], r["ci_high"],
                         max_var=s1 + s0, bounded=binary)
    out: dict[str, str] = {}
    rname = measures[1][0]
    rr = rows[rname]
    why = ""
    if constant or not (m1 > 0 and m0 > 0):
        why = "a group mean is 0 or negative, or a group has no variation, so the ratio or its log-scale variance is undefined"
    else:
        try:
            check_difference(f"log {rname}", np.log(rr["estimate"]), rr["se"], np.log(rr["ci_low"]),
                             np.log(rr["ci_high"]), max_var=s1 / m1**2 + s0 / m0**2, bounded=False)
        except NotEstimable as exc:
            why = exc.reason
    if why:
        rr.update(estimate=np.nan, se=np.nan, ci_low=np.nan, ci_high=np.nan, p_value=np.nan)
        out[rname] = why
    return out


def _bias_adjusted_means(data, ok, columns, design, propensity, y, t, w, m1, m0, notes):
    """Group means after the Abadie-Imbens (2011) regression bias correction of a match with
    replacement, on the ``columns`` named or, when ``columns`` is None, on the covariates of the
    logistic ``propensity`` model (its design matrix); the influence values are kept (the variance
    has the same large-sample form)."""
    from altmeasures_eval.effects._abadie_imbens import regression_bias_shift

    if not (isinstance(design, MatchResult) and design.replace and design.estimand in ("ATT", "ATC")):
        raise ConfigError("bias_adjust is for the ATT or ATC of a match with replacement (a MatchResult with replace=True)")
    if columns is None:
        at = propensity.score.index.get_indexer(data.index)
        X = np.asarray(propensity.design, dtype=float)[at][ok]
        X = X[:, X.std(axis=0) > 0]  # the intercept is the regression's own
        label = "the propensity model's covariates"
    else:
        X = np.column_stack([numeric_column(data, c, "bias_adjust covariates") for c in columns])[ok]
        label = ", ".join(columns)
    group, shift = regression_bias_shift(X, y, t, w, design.estimand)
    notes.append(f"regression bias correction (Abadie & Imbens 2011) on {label}: "
                 f"{'control' if group == 0 else 'treated'} mean shifted by {shift:+.4g}")
    how = f"; estimate bias-corrected by regression on {label} (Abadie & Imbens 2011)"
    return (m1, m0 + shift, how) if group == 0 else (m1 + shift, m0, how)


def estimate_effect(
    data: pd.DataFrame,
    outcome: str,
    treatment: str = "treatment",
    design: DesignLike = None,
    *,
    estimand: str | None = None,
    outcome_type: OutcomeType = "auto",
    variance: Variance = "auto",
    cluster: str | None = None,
    alpha: float = 0.05,
    n_boot: int = 999,
    ci_method: Literal["percentile", "bca"] = "percentile",
    refit: Callable[[pd.DataFrame], Any] | None = None,
    random_state: int | None = None,
    n_jobs: int = 1,
    ai_neighbors: int = DEFAULT_AI_NEIGHBORS,
    propensity: PropensityScore | None = None,
    ps_adjustment: bool | None = None,
    ai_cov_neighbors: int = 2,
    bias_adjust: list[str] | tuple[str, ...] | None = None,
) -> EffectResult:
    """Adjusted effect of the alternative measure (treatment = 1) vs custody (0) on an outcome.

    Estimates the difference and the ratio of weighted mean outcomes, mu_1 - mu_0 and mu_1 / mu_0,
    where mu_g = sum w Y 1{T=g} / sum w 1{T=g}. For a binary outcome these are the risk difference
    and risk ratio; for counts (reoffences, bed-days, costs) the mean difference and rate ratio.
    The weights define the population (ATT, ATC, ATE, ATO); the contrast is causal under no
    unmeasured confounding, positivity and correct design (balance).

    Parameters
    ----------
    design : MatchResult, WeightResult, str, array or None
        Weights source: a matching or weighting result, a weights column, an array, or None (crude).
    estimand : str, optional
        Label of the target population (defaults to the design's).
    outcome_type : {"auto", "binary", "count", "continuous"}
        "auto": binary when every observed value is 0 or 1.
    variance : {"auto", "cluster", "robust", "sandwich", "bootstrap"}
        - ``cluster``: influence values summed within matched sets (``subclass``; Abadie and Spiess
          2022) or within ``cluster``; HC1-type small-sample factor.
        - ``robust``: HC1 sandwich of the weighted regression of Y on T, weights taken as fixed.
        - ``sandwich``: M-estimation sandwich that accounts for the estimated logistic propensity
          score (weighting results from :func:`~altmeasures_eval.matching.estimate_propensity`).
        - ``bootstrap``: resample units, or matched sets / clusters (pair bootstrap), ``n_boot``
          times; with ``refit`` the design is re-estimated in each replicate (e.g. re-fit the
          propensity model); percentile or BCa intervals (``ci_method``); SE = SD of replicates.
        - ``abadie-imbens``: Abadie and Imbens (2006) variance for matching with replacement,
          conditional variances from ``ai_neighbors`` (default 4) within-group neighbours, or with
          ``ai_neighbors=0`` one constant conditional variance, half the mean squared deviation of
          the matched differences (R ``Matching``'s default ``Var.calc = 0``); when the
          match was made on the logit of an estimated logistic score passed as ``propensity``, plus
          the Abadie and Imbens (2016) adjustment for the estimated score (see ``ps_adjustment``).
        - ``auto``: cluster for matching without replacement; with replacement robust for a binary
          outcome and Abadie-Imbens otherwise (the choice the matching-inference study supports,
          docs/methods/effects.md; with ``propensity=`` the estimate is also bias-corrected, see
          ``bias_adjust``); sandwich for IPW/overlap weights from a logistic score; robust
          otherwise.
    cluster : str, optional
        Clustering column (e.g. ``person_id`` when a person has several index events, cohort option
        ``every``). It replaces the matched sets as the clusters (two-way clustering is not done).
    refit : callable, optional
        ``refit(resampled_data) -> design`` for a bootstrap that re-estimates the design.
    propensity : PropensityScore, optional
        The logistic score whose logit the matching (with replacement) used as distance; enables
        the Abadie-Imbens (2016) adjustment of the ``abadie-imbens`` variance.
    ps_adjustment : bool, optional
        Apply that adjustment (default: whenever ``propensity`` is a logistic score, i.e. the
        score is treated as estimated); ``False`` treats the score as known (AI 2006 variance).
    ai_cov_neighbors : int
        Units per group used to estimate the covariances of covariates and outcome given the score
        in the 2016 adjustment (L >= 2).
    bias_adjust : list of str, optional
        Covariate columns for the regression bias correction of a match with replacement (Abadie
        & Imbens 2011): the non-focal group's mean is shifted by the difference of a linear
        regression's predictions between the focal units and their matches. With
        ``variance="auto"`` and a logistic ``propensity``, the correction is made on that model's
        covariates unless ``bias_adjust`` is given; otherwise it is off.
    random_state, n_jobs
        Seed and worker processes for the bootstrap (results do not depend on ``n_jobs``).

    Returns
    -------
    EffectResult
        ``summary`` has two rows (difference, ratio); ``variance`` says which variance was used.

    Notes
    -----
    Rows whose outcome is missing (not observable before the extract date) or whose weight is 0
    are dropped; for matched sets this can leave incomplete sets, stated in ``notes``.
    """
    t_all = treatment_array(data, treatment, "outcome data")
    bc_how, auto_bc = "", False
    y_all = numeric_column(data, outcome, "outcome data", allow_nan=True)
    w_all, design_estimand, label = resolve_weights(data, design)
    est_label = estimand or design_estimand or "ATE"
    notes: list[str] = []
    ok = np.isfinite(y_all) & (w_all > 0)
    n_missing = int((~np.isfinite(y_all) & (w_all > 0)).sum())
    if n_missing:
        notes.append(f"{n_missing} units with {outcome!r} not observable were dropped")
    y, t, w = y_all[ok], t_all[ok], w_all[ok]
    if (t == 1).sum() == 0 or (t == 0).sum() == 0:
        raise DataContractError(f"outcome {outcome!r}: no observable outcome in one group after weighting")
    binary = _outcome_kind(y, outcome_type, outcome)
    unadjusted = design is None and cluster is None and variance == "auto"
    constant = _no_variation(y, t, outcome, binary, unadjusted)

    sub_codes = None
    if isinstance(design, MatchResult) and not design.replace:
        sub_codes = pd.factorize(design.subclass.to_numpy(dtype=float, na_value=np.nan)[ok])[0]
        if n_missing:
            notes.append("some matched sets lost members to missing outcomes; they still count as clusters")
    user_codes = pd.factorize(data[cluster].to_numpy()[ok])[0] if cluster is not None else None

    if variance == "auto":
        if isinstance(design, MatchResult) and not design.replace:
            variance = "cluster"
        elif isinstance(design, MatchResult):
            # the default after matching with replacement is the one the matching-inference study
            # supports (#19): robust for a binary outcome, Abadie-Imbens otherwise
            variance, why_default = default_variance_with_replacement(binary)
            notes.append(why_default)
            # and the regression bias correction on the score model's covariates when that model is
            # given (the study's ATC with 4 matches was biased by 0.6 SD without it)
            auto_bc = (bias_adjust is None and propensity is not None and propensity.design is not None
                       and design.estimand in ("ATT", "ATC")
                       and bool((propensity.score.index.get_indexer(data.index) >= 0).all()))
            if variance == "abadie-imbens" and (n_missing or cluster is not None):
                variance = "cluster" if cluster is not None else "robust"
                why = (f"{n_missing} matched units lack the outcome" if n_missing else
                       f"units are clustered by {cluster!r}")
                notes.append(f"matching with replacement: the Abadie-Imbens variance was not used because {why}; "
                             "weights taken as fixed instead (approximate)")
        elif isinstance(design, WeightResult) and design.propensity is not None \
                and design.propensity.design is not None and design.estimand in _DW:
            variance = "sandwich"
        else:
            variance = "cluster" if cluster is not None else "robust"
    codes = user_codes if user_codes is not None else sub_codes
    if variance == "cluster" and codes is None:
        raise ConfigError("variance='cluster' needs matched sets (matching without replacement) or `cluster`")

    if variance == "sandwich":
        if not (isinstance(design, WeightResult) and design.propensity is not None
                and design.propensity.design is not None):
            raise ConfigError("variance='sandwich' needs a WeightResult built from a logistic PropensityScore")
        e_fit = design.propensity.score.to_numpy()
        X_fit = np.asarray(design.propensity.design)
        H_fit = design.propensity.information  # information over the fitted rows
        m1, m0, phi1, phi0 = _ps_sandwich_influence(y, t, w, e_fit[ok], X_fit[ok], design.estimand, H=H_fit)
        if design.modified:
            notes.append("weights were truncated or units excluded; the sandwich treats that step as fixed")
        if n_missing:
            notes.append("the propensity model was fitted on all rows; the sandwich uses rows with observed outcome")
        how = ("M-estimation sandwich accounting for the estimated logistic propensity score "
               "(Lunceford & Davidian 2004)")
    else:
        m1, m0, phi1, phi0 = _group_influence(y, t, w)
        how = ""
        if bias_adjust or auto_bc:
            m1, m0, bc_how = _bias_adjusted_means(data, ok, bias_adjust or None, design, propensity, y, t, w,
                                                  m1, m0, notes)
    measures = _measures(m1, m0, phi1, phi0, binary)
    n = int(ok.sum())
    rows = {}
    if variance in ("cluster", "robust", "sandwich"):
        use = codes if variance == "cluster" else (user_codes if variance == "sandwich" else None)
        if variance == "robust" and user_codes is not None:
            use = user_codes
        for name, est, phi, log in measures:
            se = np.sqrt(cluster_variance(phi, use)) if np.all(np.isfinite(phi)) else np.nan
            rows[name] = wald_row(est, se, n, alpha, log)
        if variance == "cluster":
            g = int(len(np.unique(codes)))
            src = f"column {cluster!r}" if user_codes is not None else "matched sets (Abadie & Spiess 2022)"
            how = f"cluster-robust on {src}, {g} clusters, HC1 factor; weights fixed"
            if g < 50:
                notes.append(f"only {g} clusters: cluster-robust SEs may be too small")
        elif variance == "robust":
            how = "robust (HC1 sandwich of weighted regression), weights taken as fixed" + (
                f", clustered on {cluster!r}" if user_codes is not None else "")
        elif user_codes is not None:
            how += f", clustered on {cluster!r}"
    elif variance == "abadie-imbens":
        if not (isinstance(design, MatchResult) and design.replace):
            raise ConfigError("variance='abadie-imbens' is for matching with replacement (a MatchResult with replace=True)")
        if n_missing:
            raise DataContractError(
                f"outcome {outcome!r} is missing for {n_missing} matched units; the Abadie-Imbens variance needs "
                "every matched unit's outcome: drop rows with a missing outcome before matching")
        from altmeasures_eval.effects._abadie_imbens import abadie_imbens_variance

        if int(ai_neighbors) != ai_neighbors or ai_neighbors < 0:
            raise ConfigError(f"ai_neighbors must be a whole number >= 0 (0 = constant conditional variance), "
                              f"got {ai_neighbors!r}")

        ps_obj, why_not = _ps_for_adjustment(design, propensity, ps_adjustment, notes)
        adjustments, shared = {}, {}  # one neighbour search for both measures
        for name, est, phi, log in measures:
            if log and not (m1 > 0 and m0 > 0):
                rows[name] = wald_row(est, np.nan, n, alpha, log)
                continue
            v, _, pieces = abadie_imbens_variance(data, y_all, design, scale=(m1, m0) if log else (1.0, 1.0),
                                                  J=ai_neighbors, propensity=ps_obj, L=ai_cov_neighbors,
                                                  cache=shared)
            if pieces is not None:
                adjustments[name] = pieces["adjustment"]
            if v <= 0:
                notes.append(f"{name}: the adjusted Abadie-Imbens variance was not positive; SE not reported")
            rows[name] = wald_row(est, np.sqrt(v) if v > 0 else np.nan, n, alpha, log)
        how = (f"Abadie-Imbens (2006) variance for matching with replacement (population version, "
               + (f"conditional variances from {ai_neighbors} within-group neighbour(s))" if ai_neighbors else
                  "one constant conditional variance from the matched differences)"))
        if ps_obj is not None:
            adj = ", ".join(f"{k} {v:+.3g}" for k, v in adjustments.items())
            how += (f" with the Abadie-Imbens (2016) adjustment for the estimated logistic propensity score "
                    f"(covariances from {ai_cov_neighbors} neighbours per group; variance adjustment: {adj})")
        else:
            how += f"; the propensity score is treated as known (Abadie-Imbens 2016 adjustment not applied: {why_not})"
    elif variance == "bootstrap":
        boot_codes = codes if codes is not None else np.arange(n)
        if refit is None:
            w1, w0 = np.where(t == 1, w, 0.0), np.where(t == 0, w, 0.0)
            cl = np.column_stack([np.bincount(boot_codes, weights=v) for v in (w1 * y, w1, w0 * y, w0)])
            fn = _boot_fixed(cl, binary)
            what = "design held fixed"
        else:
            fn = _boot_refit(data.loc[ok].reset_index(drop=True), outcome, treatment, refit, boot_codes, binary)
            what = "design re-estimated in every replicate"
        reps = np.array(parallel_map(fn, n_boot, random_state=random_state, n_jobs=n_jobs))
        unit = "matched sets" if (codes is not None and user_codes is None) else (
            f"clusters of {cluster!r}" if user_codes is not None else "units")
        how = f"bootstrap ({n_boot} replicates resampling {unit}, {what}), {ci_method} interval"
        boot_undefined: dict[str, str] = {}
        z = stats.norm.ppf(1 - alpha / 2)
        for k, (name, est, phi, log) in enumerate(measures):
            b = reps[:, k]
            b = b[np.isfinite(b)]
            if len(b) < 2:  # no spread to take: the measure is undefined in (nearly) every replicate
                why = (f"{n_boot - len(b)} of {n_boot} bootstrap replicates gave no defined {name} "
                       f"({'a resampled group mean was 0 or negative, so the log ratio is undefined' if log else 'a resampled group was empty'})")
                if not log:
                    raise NotEstimable(f"{name} on {outcome!r}", why + "; no bootstrap interval can be formed")
                rows[name] = dict(estimate=np.nan, se=np.nan, ci_low=np.nan, ci_high=np.nan, p_value=np.nan, n=n,
                                  scale="log")
                boot_undefined[name] = why
                continue
            point = np.log(est) if log else est
            se = float(np.std(b, ddof=1))
            if ci_method == "bca":
                infl = np.bincount(boot_codes, weights=phi) if np.all(np.isfinite(phi)) else phi
                lo, hi = _bca_interval(point, b, infl, alpha)
            elif ci_method == "percentile":
                lo, hi = np.quantile(b, [alpha / 2, 1 - alpha / 2])
            else:
                raise ConfigError(f"ci_method must be 'percentile' or 'bca', got {ci_method!r}")
            p = 2 * stats.norm.sf(abs(point) / se) if se > 0 else np.nan
            if log:
                lo, hi = np.exp(lo), np.exp(hi)
            rows[name] = dict(estimate=est, se=se, ci_low=float(lo), ci_high=float(hi), p_value=p, n=n,
                              scale="log" if log else "identity")
        notes.append(f"bootstrap p-values are normal approximations with the bootstrap SE (z = {z:.3f})")
    else:
        raise ConfigError(f"variance must be auto, cluster, robust, sandwich, bootstrap or abadie-imbens, got {variance!r}")

    if variance in ("cluster", "robust", "sandwich"):
        how += _bounded_difference(rows, measures, phi1, phi0, t, m1, m0, binary, unadjusted, use, alpha)
    how += bc_how
    not_estimable = _guard_rows(rows, measures, y, t, w, m1, m0, binary, constant, outcome)
    if variance == "bootstrap":  # the replicates' reason is the first cause; a group-mean reason stays
        not_estimable.update({k: v for k, v in boot_undefined.items()
                              if not not_estimable.get(k, "").startswith("a group mean")})
    notes.extend(f"{k} not estimable: {v}" for k, v in not_estimable.items())
    summary = summary_frame(rows)
    means = pd.DataFrame(
        {"mean": [m1, m0], "n": [int((t == 1).sum()), int((t == 0).sum())],
         "sum_weights": [float(w[t == 1].sum()), float(w[t == 0].sum())]},
        index=pd.Index(["treated", "control"], name="group"),
    )
    if isinstance(design, MatchResult | WeightResult):
        notes.extend(design.notes)
    return EffectResult(summary=summary, means=means, outcome=outcome, estimand=est_label, design=label,
                        variance=how, alpha=alpha, notes=tuple(notes), influence=measures[0][2],
                        not_estimable=not_estimable)
