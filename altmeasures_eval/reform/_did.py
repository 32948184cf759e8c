"""Staggered difference-in-differences: Callaway & Sant'Anna (2021) group-time effects, their
aggregations and a multiplier bootstrap; the two-way fixed-effects regression and its
Goodman-Bacon (2021) decomposition beside them.

Unconditional parallel trends, no covariates, a balanced panel, no anticipation: then the doubly
robust estimator of Callaway & Sant'Anna reduces to a difference of mean changes, and its influence
function is exact. Everything is vectorised over units; loops run over the few (cohort, period)
cells only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats

from altmeasures_eval._errors import NotEstimable
from altmeasures_eval._normal import two_sided_p, z_quantile
from altmeasures_eval.reform._data import Panel, period_label

__all__ = ["BaconDecomposition", "StaggeredDiD", "TwoWayFE", "bacon_decomposition", "staggered_did", "two_way_fe"]

Control = Literal["never", "notyet"]
_IQR_NORMAL = stats.norm.ppf(0.75) - stats.norm.ppf(0.25)


def _summary_row(label: str, est: float, se: float, alpha: float, **extra: object) -> dict[str, object]:
    z = z_quantile(alpha)
    p = float(two_sided_p(est / se)) if se > 0 else float("nan")
    return {"term": label, "estimate": est, "se": se, "ci_low": est - z * se, "ci_high": est + z * se,
            "p_value": p, **extra}


@dataclass(frozen=True)
class StaggeredDiD:
    """Group-time average effects and their aggregations (Callaway & Sant'Anna, 2021).

    Attributes
    ----------
    att_gt : pandas.DataFrame
        One row per (cohort ``g``, period ``t``): ``g``, ``t``, ``event_time`` (``t - g``),
        ``base`` (the comparison period), ``estimate``, ``se``, ``n_treated``, ``n_control``,
        ``band_low``/``band_high`` (simultaneous bootstrap band over all cells).
    event_study : pandas.DataFrame
        Aggregation by event time ``e``: ``event_time``, ``estimate``, ``se``, ``ci_low``,
        ``ci_high`` (pointwise), ``band_low``, ``band_high`` (uniform over event times).
    by_cohort : pandas.DataFrame
        Average effect of each cohort over its treated periods.
    overall : pandas.Series
        The headline: the average effect over all treated cohort-periods, weighted by cohort size
        (``simple`` in the ``did`` package); ``estimate``, ``se``, ``ci_low``, ``ci_high``, ``p_value``.
    overall_dynamic : pandas.Series
        The average of the event-study effects over event times 0 and later.
    overall_cohort : pandas.Series
        The cohort effects averaged with cohort-size weights.
    pretrend : pandas.Series
        Joint test that the pre-period event-study coefficients (in the tested window, averaged in
        bins) are zero: ``statistic`` (Wald F), ``df``, ``df_denominator``, ``p_value``,
        ``n_coefficients``, ``bins``.
    summary : pandas.DataFrame
        Tidy: overall, overall (event-time average), each event time and each cohort.
    control : str
        ``"never"`` (never-treated units) or ``"notyet"`` (never and not-yet-treated units).
    crit_event, crit_gt : float
        Bootstrap critical values of the uniform bands.
    n_units : int
    notes : tuple of str
    """

    att_gt: pd.DataFrame
    event_study: pd.DataFrame
    by_cohort: pd.DataFrame
    overall: pd.Series
    overall_dynamic: pd.Series
    overall_cohort: pd.Series
    pretrend: pd.Series
    summary: pd.DataFrame
    control: str
    crit_event: float
    crit_gt: float
    n_units: int
    notes: tuple[str, ...] = field(default_factory=tuple)


def _wif(groups_of_keep: np.ndarray, pg_keep: np.ndarray, G: np.ndarray) -> np.ndarray:
    """Influence function of the estimated cohort-share weights (as ``did::wif``), N x K."""
    ind = (G[:, None] == groups_of_keep[None, :]).astype(float) - pg_keep[None, :]
    s = pg_keep.sum()
    return ind / s - ind.sum(axis=1, keepdims=True) * (pg_keep / s**2)[None, :]


def _aggregate(psi: np.ndarray, att: np.ndarray, keep: np.ndarray, g_of: np.ndarray, pg_of: np.ndarray,
               G: np.ndarray, weighted: bool = True) -> tuple[float, np.ndarray]:
    """Weighted average of the kept cells and its influence function."""
    if weighted:
        w = pg_of[keep] / pg_of[keep].sum()
        est = float(w @ att[keep])
        inf = psi[:, keep] @ w + _wif(g_of[keep], pg_of[keep], G) @ att[keep]
    else:
        w = np.full(keep.sum(), 1.0 / keep.sum())
        est = float(w @ att[keep])
        inf = psi[:, keep] @ w
    return est, inf


def _se(inf: np.ndarray) -> np.ndarray | float:
    """Standard error(s) from influence functions (one column per parameter)."""
    n = inf.shape[0]
    se = np.sqrt(np.mean(inf**2, axis=0) / n)
    return float(se) if np.ndim(se) == 0 else se


def _bootstrap(inf: np.ndarray, est: np.ndarray, rng: np.random.Generator, n_boot: int,
               alpha: float) -> tuple[np.ndarray, float]:
    """Multiplier bootstrap (Rademacher weights): robust standard errors and the critical value of
    the uniform (sup-t) band over the columns of ``inf`` (Callaway & Sant'Anna, 2021, Algorithm 1)."""
    n = inf.shape[0]
    v = rng.choice(np.array([-1.0, 1.0]), size=(n_boot, n))
    draws = v @ inf / n
    q75, q25 = np.quantile(draws, 0.75, axis=0), np.quantile(draws, 0.25, axis=0)
    se = (q75 - q25) / _IQR_NORMAL
    se = np.where(se > 0, se, np.nan)
    tmax = np.nanmax(np.abs(draws) / se[None, :], axis=1)
    return se, float(np.quantile(tmax, 1 - alpha))


def _pretrend(evs: np.ndarray, theta: np.ndarray, inf: np.ndarray, bin_size: int, n_small: int) -> pd.Series:
    """Joint test that the pre-period event-study coefficients are zero.

    Consecutive coefficients are averaged in bins of ``bin_size`` event times (monthly data: 6, so
    24 months give 4 bins; yearly data: 1), then a Wald test with the influence-function covariance,
    referred to F(q, G - 1) with G jurisdictions (the usual small-sample form of a clustered Wald
    test): a test of many monthly coefficients on few jurisdictions would have a singular or
    unstable covariance. The covariance is multiplied by ``m / (m - 1)``, ``m`` the size of the
    smallest cohort: the influence-function variance of a mean of ``m`` jurisdictions divides by
    ``m``, not ``m - 1``, which matters for a test with cohorts of a few jurisdictions."""
    bins = (np.max(evs) - evs) // max(1, bin_size)  # bin 0 = the event times just before adoption
    labels = np.unique(bins)
    A = np.vstack([(bins == b) / (bins == b).sum() for b in labels])
    th = A @ theta
    inf_b = inf @ A.T
    n = inf.shape[0]
    V = inf_b.T @ inf_b / n**2 * (n_small / (n_small - 1) if n_small > 1 else 1.0)
    q = int(np.linalg.matrix_rank(V))
    if q == 0:
        return pd.Series({"statistic": np.nan, "p_value": np.nan, "df": 0, "df_denominator": n - 1,
                          "n_coefficients": int(len(theta)), "bins": int(len(labels))})
    stat = float(th @ np.linalg.pinv(V) @ th) / q
    return pd.Series({"statistic": stat, "p_value": float(stats.f.sf(stat, q, n - 1)), "df": q,
                      "df_denominator": n - 1, "n_coefficients": int(len(theta)), "bins": int(len(labels))})


def staggered_did(
    panel: Panel,
    *,
    control: Control = "never",
    alpha: float = 0.05,
    n_boot: int = 999,
    pretrend_periods: int = 0,
    pretrend_bin: int = 1,
    random_state: int | np.random.Generator | None = 0,
) -> StaggeredDiD:
    """Group-time average treatment effects on the treated with staggered adoption.

    ``ATT(g, t)`` compares the change in the outcome of the cohort first treated in period ``g``
    between ``g - 1`` and ``t`` with the same change among the comparison units (never-treated, or
    never- and not-yet-treated); pre-period cells use the period just before (``varying`` base, as
    the ``did`` package). Under parallel trends and no anticipation, each ``ATT(g, t)`` is the
    average effect of the reform on cohort ``g`` in period ``t``.

    Parameters
    ----------
    panel : Panel
        Balanced panel with adoption periods.
    control : {"never", "notyet"}
        Comparison units.
    alpha : float
        1 - confidence level of intervals and bands.
    n_boot : int
        Multiplier-bootstrap draws for the uniform bands (0: no bands).
    pretrend_periods : int
        Pre-period event times tested for pre-trends (the last ones before adoption); 0 = all.
    pretrend_bin : int
        Consecutive pre-period event times averaged before the joint test (6 for months).
    random_state : int or numpy.random.Generator, optional

    Returns
    -------
    StaggeredDiD

    Raises
    ------
    NotEstimable
        No adopting cohort with a pre-period, or no comparison unit.

    References
    ----------
    Callaway, B. and Sant'Anna, P. H. C. (2021). Difference-in-differences with multiple time
    periods. Journal of Econometrics 225(2), 200-230.
    """
    if control not in ("never", "notyet"):
        raise ValueError(f"control must be 'never' or 'notyet', got {control!r}")
    rng = np.random.default_rng(random_state)
    y, T, G0 = panel.y, panel.periods, panel.adoption
    notes: list[str] = []
    first = T[0]
    always = np.isfinite(G0) & (G0 <= first)
    if always.any():
        notes.append(f"{int(always.sum())} unit(s) treated from the first period have no pre-period and are left out")
    y, G = y[~always], G0[~always]
    N = len(G)
    cohorts = np.unique(G[np.isfinite(G)])
    if len(cohorts) == 0:
        raise NotEstimable("the staggered difference-in-differences", "no jurisdiction adopts the reform after the first period")
    if control == "never" and not np.isinf(G).any():
        raise NotEstimable("the staggered difference-in-differences",
                           "there is no never-treated jurisdiction; use control = \"notyet\"")
    col = {int(t): j for j, t in enumerate(T)}
    rows, psis = [], []
    for g in cohorts:
        treat = G == g
        n_g = int(treat.sum())
        for t in T[1:]:
            base = g - 1 if t >= g else t - 1
            if control == "never":
                ctrl = np.isinf(G)
            else:
                ctrl = (G > max(t, base)) & ~treat
            n_c = int(ctrl.sum())
            if n_c == 0:
                notes.append(f"ATT(g={period_label(g)}, t={period_label(t)}) not estimated: no comparison unit is untreated by then")
                continue
            dy = y[:, col[int(t)]] - y[:, col[int(base)]]
            m_g, m_c = dy[treat].mean(), dy[ctrl].mean()
            psi = N * (treat * (dy - m_g) / n_g - ctrl * (dy - m_c) / n_c)
            rows.append({"g": int(g), "t": int(t), "event_time": int(t - g), "base": int(base),
                         "estimate": float(m_g - m_c), "n_treated": n_g, "n_control": n_c})
            psis.append(psi)
    gt = pd.DataFrame(rows)
    psi = np.column_stack(psis)
    att = gt["estimate"].to_numpy()
    gt["se"] = _se(psi)
    g_of = gt["g"].to_numpy(dtype=float)
    pg = {g: float(np.mean(G == g)) for g in cohorts}
    pg_of = np.array([pg[g] for g in g_of])
    post = (gt["t"] >= gt["g"]).to_numpy()

    overall, inf_overall = _aggregate(psi, att, post, g_of, pg_of, G)
    ev = gt["event_time"].to_numpy()
    evs = np.unique(ev)
    e_est, e_inf = [], []
    for e in evs:
        est, inf = _aggregate(psi, att, ev == e, g_of, pg_of, G)
        e_est.append(est)
        e_inf.append(inf)
    e_inf_m = np.column_stack(e_inf)
    e_est_a = np.array(e_est)
    e_se = _se(e_inf_m)
    post_e = evs >= 0
    dyn = float(e_est_a[post_e].mean())
    dyn_inf = e_inf_m[:, post_e].mean(axis=1)
    c_est, c_inf = [], []
    for g in cohorts:
        est, inf = _aggregate(psi, att, post & (g_of == g), g_of, pg_of, G, weighted=False)
        c_est.append(est)
        c_inf.append(inf)
    c_inf_m = np.column_stack(c_inf)
    pg_c = np.array([pg[g] for g in cohorts])
    grp = float(pg_c @ np.array(c_est) / pg_c.sum())
    grp_inf = c_inf_m @ (pg_c / pg_c.sum()) + _wif(cohorts.astype(float), pg_c, G) @ np.array(c_est)

    z = stats.norm.ppf(1 - alpha / 2)
    crit_e, crit_gt = np.nan, np.nan
    band_e = np.full((len(evs), 2), np.nan)
    band_gt = np.full((len(gt), 2), np.nan)
    if n_boot:
        bse_e, crit_e = _bootstrap(e_inf_m, e_est_a, rng, n_boot, alpha)
        band_e = np.column_stack([e_est_a - crit_e * bse_e, e_est_a + crit_e * bse_e])
        bse_gt, crit_gt = _bootstrap(psi, att, rng, n_boot, alpha)
        band_gt = np.column_stack([att - crit_gt * bse_gt, att + crit_gt * bse_gt])
    gt["band_low"], gt["band_high"] = band_gt[:, 0], band_gt[:, 1]
    es = pd.DataFrame({"event_time": evs.astype(int), "estimate": e_est_a, "se": e_se,
                       "ci_low": e_est_a - z * e_se, "ci_high": e_est_a + z * e_se,
                       "band_low": band_e[:, 0], "band_high": band_e[:, 1],
                       "n_cohorts": [int((ev == e).sum()) for e in evs]})
    c_se = _se(c_inf_m)
    bc = pd.DataFrame({"cohort": cohorts.astype(int), "estimate": c_est, "se": c_se,
                       "ci_low": np.array(c_est) - z * c_se, "ci_high": np.array(c_est) + z * c_se,
                       "n_units": [int((G == g).sum()) for g in cohorts]})

    pre = ~post_e & (evs >= -pretrend_periods if pretrend_periods else True)
    if pre.any():
        pretrend = _pretrend(evs[pre], e_est_a[pre], e_inf_m[:, pre], pretrend_bin,
                             int(min((G == g).sum() for g in cohorts)))
    else:
        pretrend = pd.Series({"statistic": np.nan, "p_value": np.nan, "df": 0, "df_denominator": N - 1,
                              "n_coefficients": 0, "bins": 0})
        notes.append("no pre-period event-study coefficient: parallel trends cannot be checked")

    def ser(est: float, inf: np.ndarray) -> pd.Series:
        return pd.Series(_summary_row("overall", est, _se(inf), alpha)).drop("term")

    ov, ovd, ovc = ser(overall, inf_overall), ser(dyn, dyn_inf), ser(grp, grp_inf)
    summ = [_summary_row("overall (cohort-size weighted)", overall, _se(inf_overall), alpha),
            _summary_row("overall (event-time average)", dyn, _se(dyn_inf), alpha),
            _summary_row("overall (cohort average)", grp, _se(grp_inf), alpha)]
    summ += [_summary_row(f"event time {int(e)}", float(es.estimate[i]), float(es.se[i]), alpha)
             for i, e in enumerate(evs)]
    summ += [_summary_row(f"cohort {int(g)}", float(bc.estimate[i]), float(bc.se[i]), alpha)
             for i, g in enumerate(cohorts)]
    small = [period_label(g) for g in cohorts if (G == g).sum() < 5]
    if small:
        notes.append(f"cohort(s) {', '.join(small)} have fewer than 5 jurisdictions: their own estimates are imprecise")
    notes.append(f"comparison units: {'never-treated' if control == 'never' else 'never- and not-yet-treated'}; "
                 f"{N} jurisdictions, {len(cohorts)} adoption cohort(s)")
    return StaggeredDiD(att_gt=gt, event_study=es, by_cohort=bc, overall=ov, overall_dynamic=ovd, overall_cohort=ovc,
                        pretrend=pretrend, summary=pd.DataFrame(summ), control=control,
                        crit_event=float(crit_e), crit_gt=float(crit_gt), n_units=N,
                        notes=tuple(dict.fromkeys(notes)))


@dataclass(frozen=True)
class TwoWayFE:
    """The two-way fixed-effects regression ``y_it = a_i + b_t + beta D_it + e_it``.

    Attributes
    ----------
    estimate, se, ci_low, ci_high, p_value : float
        ``beta`` with standard errors clustered by unit (small-sample factor ``G / (G - 1)``).
    summary : pandas.DataFrame
    notes : tuple of str
    """

    estimate: float
    se: float
    ci_low: float
    ci_high: float
    p_value: float
    summary: pd.DataFrame
    notes: tuple[str, ...] = ()


def _treated(panel: Panel) -> np.ndarray:
    return (panel.periods[None, :] >= panel.adoption[:, None]).astype(float)


def two_way_fe(panel: Panel, *, alpha: float = 0.05) -> TwoWayFE:
    """Two-way fixed-effects difference-in-differences (unit and period effects), clustered by unit.

    With staggered adoption and effects that change over time this estimate is a weighted average
    of all 2x2 comparisons, including those that use already-treated units as controls, and can be
    far from any average effect (Goodman-Bacon, 2021); it is shown beside the group-time estimates
    as a warning, never as the headline.

    Parameters
    ----------
    panel : Panel
    alpha : float

    Returns
    -------
    TwoWayFE
    """
    y, D = panel.y, _treated(panel)

    def demean(a: np.ndarray) -> np.ndarray:
        return a - a.mean(axis=1, keepdims=True) - a.mean(axis=0, keepdims=True) + a.mean()

    yd, dd = demean(y), demean(D)
    sxx = float((dd**2).sum())
    if sxx <= 0:
        raise NotEstimable("the two-way fixed-effects estimate", "treatment does not vary within units and periods")
    beta = float((dd * yd).sum() / sxx)
    e = yd - beta * dd
    G = y.shape[0]
    meat = float((((dd * e).sum(axis=1)) ** 2).sum())
    se = float(np.sqrt(G / (G - 1) * meat) / sxx)
    row = _summary_row("two-way fixed effects", beta, se, alpha)
    return TwoWayFE(estimate=beta, se=se, ci_low=float(row["ci_low"]), ci_high=float(row["ci_high"]),
                    p_value=float(row["p_value"]), summary=pd.DataFrame([row]),
                    notes=("standard error clustered by jurisdiction",))


@dataclass(frozen=True)
class BaconDecomposition:
    """Goodman-Bacon (2021) decomposition of the two-way fixed-effects estimate.

    Attributes
    ----------
    comparisons : pandas.DataFrame
        Every 2x2 comparison: ``type`` ("treated vs never treated", "earlier vs later treated",
        "later vs earlier treated"), ``treated``, ``control`` (adoption periods; ``inf`` = never),
        ``estimate``, ``weight``.
    by_type : pandas.DataFrame
        ``type``, ``weight`` (sum) and ``estimate`` (weighted average).
    estimate : float
        Sum of weight x estimate: equals the two-way fixed-effects estimate.
    forbidden_weight : float
        Weight of the comparisons that use already-treated units as controls ("later vs earlier
        treated"): the part of the estimate that is biased when effects change over time.
    """

    comparisons: pd.DataFrame
    by_type: pd.DataFrame
    estimate: float
    forbidden_weight: float


def bacon_decomposition(panel: Panel) -> BaconDecomposition:
    """Decompose the two-way fixed-effects estimate into its 2x2 comparisons.

    Balanced panel, binary absorbing treatment, no covariates (Goodman-Bacon, 2021, Theorem 1,
    equations 10a-10g). Units treated from the first period count as "always treated" and play the
    role of an early cohort.

    Parameters
    ----------
    panel : Panel

    Returns
    -------
    BaconDecomposition

    References
    ----------
    Goodman-Bacon, A. (2021). Difference-in-differences with variation in treatment timing.
    Journal of Econometrics 225(2), 254-277.
    """
    y, T, G = panel.y, panel.periods, panel.adoption
    nT = len(T)
    times = np.unique(G)  # inf (never) last
    N = len(G)
    share = {g: float(np.mean(G == g)) for g in times}
    dbar = {g: float(np.mean(T >= g)) for g in times}  # share of periods treated
    mean_path = {g: y[G == g].mean(axis=0) for g in times}
    rows = []

    def dd(a: float, b: float, pre: np.ndarray, post: np.ndarray) -> float:
        ya, yb = mean_path[a], mean_path[b]
        return float((ya[post].mean() - ya[pre].mean()) - (yb[post].mean() - yb[pre].mean()))

    timing = [g for g in times if np.isfinite(g)]
    never = [g for g in times if not np.isfinite(g)]
    for k in timing:
        if never and 0 < dbar[k] < 1:
            nk, nu = share[k], share[never[0]]
            nku = nk / (nk + nu)
            w = (nk + nu) ** 2 * nku * (1 - nku) * dbar[k] * (1 - dbar[k])
            rows.append(("treated vs never treated", k, np.inf, dd(k, np.inf, T < k, T >= k), w))
    for i, k in enumerate(timing):
        for l in timing[i + 1:]:
            nk, nl = share[k], share[l]
            nkl = nk / (nk + nl)
            dk, dl = dbar[k], dbar[l]
            pre, mid, post = T < k, (T >= k) & (T < l), T >= l
            if pre.any() and mid.any():
                w = ((nk + nl) * (1 - dl)) ** 2 * nkl * (1 - nkl) * (dk - dl) / (1 - dl) * (1 - dk) / (1 - dl)
                rows.append(("earlier vs later treated", k, l, dd(k, l, pre, mid), w))
            if mid.any() and post.any():
                w = ((nk + nl) * dk) ** 2 * nkl * (1 - nkl) * dl / dk * (dk - dl) / dk
                rows.append(("later vs earlier treated", l, k, dd(l, k, mid, post), w))
    comp = pd.DataFrame(rows, columns=["type", "treated", "control", "estimate", "weight"])
    comp["weight"] = comp["weight"] / comp["weight"].sum()
    by = comp.groupby("type", sort=False).apply(
        lambda d: pd.Series({"weight": d["weight"].sum(), "estimate": np.average(d["estimate"], weights=d["weight"])}),
        include_groups=False).reset_index()
    del nT, N
    return BaconDecomposition(comparisons=comp, by_type=by, estimate=float((comp.weight * comp.estimate).sum()),
                              forbidden_weight=float(comp.loc[comp.type == "later vs earlier treated", "weight"].sum()))
