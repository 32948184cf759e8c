"""Between-group contrasts of Kaplan-Meier functionals: risk differences and RMST differences.

Both are smooth functionals of each group's Kaplan-Meier curve, :math:`\\theta_g`. Their variance is
Greenwood-type (groups independent) without weights or clusters, and otherwise the robust variance of
the per-row influence functions: the influence of a contrast :math:`\\theta_g - \\theta_0` is the
group-*g* influence on rows of *g* minus the reference-group influence on rows of the reference, summed
within clusters before squaring, so that matched sets containing both arms are handled correctly.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from altmeasures_eval._errors import ConfigError, DataContractError, NotEstimable
from altmeasures_eval._estimable import check_difference, mover_difference
from altmeasures_eval.survival import _kmcore as core
from altmeasures_eval.survival import _validate as v
from altmeasures_eval.survival._km import (
    GREENWOOD,
    Variance,
    all_weights,
    beyond_note,
    choose_variance,
    robust_label,
    split_samples,
)
from altmeasures_eval.survival._results import SurvivalResult, wald

# A functional maps (risk table, horizon) to (estimate, coefficients c_j on the table's times), with
# influence linear_influence(rt, c) and Greenwood variance sum(c_j^2 * greenwood_j).
Functional = Callable[[core.RiskTable, float], tuple[float, np.ndarray]]


def _survival_at(rt: core.RiskTable, h: float) -> tuple[float, np.ndarray]:
    s = float(core.step_value(rt.time, rt.survival, np.array([h]), 1.0)[0])
    return s, np.where(rt.time <= h, s, 0.0)


def _rmst_at(rt: core.RiskTable, tau: float) -> tuple[float, np.ndarray]:
    return core.area_under(rt, tau)


@dataclass(frozen=True, repr=False)
class ContrastResult(SurvivalResult):
    """Per-group estimates and their contrasts against a reference group.

    Attributes
    ----------
    summary : DataFrame
        One row per contrast and horizon: ``contrast`` ("1 - 0"), ``time``, ``estimate``, ``se``,
        ``ci_low``, ``ci_high``, ``p_value``, ``n`` (rows in the two groups), ``estimate_group``,
        ``estimate_reference``.
    by_group : DataFrame
        ``group``, ``time``, ``estimate``, ``se``, ``ci_low``, ``ci_high`` (Wald), ``n``.
    measure : str
        ``'risk'`` (cumulative incidence 1 - S), ``'cif'`` (Aalen-Johansen cumulative incidence of one
        cause, other causes competing) or ``'rmst'`` (days).
    """

    by_group: pd.DataFrame
    measure: str
    group: str
    reference: object
    alpha: float

    @property
    def _title(self) -> str:  # type: ignore[override]
        return {"risk": "Risk difference (cumulative incidence)",
                "cif": "Risk difference (Aalen-Johansen cumulative incidence, competing risks)",
                "rmst": "Restricted mean survival time difference (days)"}[self.measure]


def _contrast(data: pd.DataFrame, duration: str, event: str, group: str, weights: str | None,
              cluster: str | None, times: Sequence[float], alpha: float, variance: Variance,
              reference: object | None, table: str, functional: Functional, sign: float,
              measure: str) -> ContrastResult:
    alpha = v.check_alpha(alpha)
    at = v.check_times(times)
    samples = split_samples(data, duration, event, group, weights, cluster, table)
    if len(samples) < 2:
        raise DataContractError(f"table {table!r}, column {group!r}: only one group ({samples[0].label!r}); "
                                "a contrast needs at least two.")
    reference, clusters = contrast_setup(samples, group, reference, cluster, len(data))
    kind = choose_variance(variance, all_weights(samples), cluster)
    n_all = len(data)
    # est[g][k], var[g][k], infl[g][k] (full-length influence vectors, robust only)
    est: dict[object, list[float]] = {}
    var: dict[object, list[float]] = {}
    infl: dict[object, list[np.ndarray]] = {}
    for s in samples:
        rt = core.risk_table(s.t, s.d, s.w)
        gw = core.greenwood_terms(rt) if kind == "greenwood" else None
        est[s.label], var[s.label], infl[s.label] = [], [], []
        for h in at:
            theta, c = functional(rt, h)
            if h > rt.time[-1]:  # not estimable past the last follow-up time
                theta, c = np.nan, np.full_like(c, np.nan)
            est[s.label].append(0.5 * (1 - sign) + sign * theta)  # risk = 1 - S
            if gw is not None:
                var[s.label].append(float(np.dot(c * c, gw)))
            else:
                full = np.zeros(n_all)
                full[s.rows] = core.linear_influence(rt, c)
                infl[s.label].append(full)
                var[s.label].append(core.cluster_variance(full, clusters))
    if kind == "greenwood":
        def diff_var(label: object) -> np.ndarray:
            return np.array(var[label]) + np.array(var[reference])
    else:
        def diff_var(label: object) -> np.ndarray:
            return influence_diff_var(infl, label, reference, clusters, at.size)
    summary, by_group, bound_notes = contrast_tables(samples, reference, at, est, var, diff_var, alpha,
                                                     bounded=measure == "risk")
    how = ("MOVER-Wilson intervals on Dorey-Korn effective sizes (inside [-1, 1])" if measure == "risk"
           else "Wald intervals")
    notes = [f"contrasts are group minus reference ({group} = {reference!r}); {how}.", *bound_notes]
    notes += beyond_note(samples, at)
    if weights is not None:
        notes.append(f"weighted by {weights!r}: adjusted (marginal) contrasts; weights treated as known.")
    if kind == "greenwood":
        label = ("Greenwood-type (Klein and Moeschberger 2003, eq. 4.4.4)" if measure == "rmst" else GREENWOOD)
        label += ", groups independent"
    else:
        label = robust_label(weights, cluster) + "; contrast influence summed within clusters"
    return ContrastResult(summary=summary, variance=label, notes=tuple(notes), by_group=by_group,
                          measure=measure, group=group, reference=reference, alpha=alpha)


def contrast_setup(samples: list, group: str, reference: object | None, cluster: str | None,
                   n_all: int) -> tuple[object, np.ndarray | None]:
    """Resolve the reference group (default: the first label) and the full-length cluster codes."""
    labels = [s.label for s in samples]
    if reference is None:
        reference = labels[0]
    if reference not in labels:
        raise ConfigError(f"reference={reference!r} is not a value of column {group!r} (values: {labels}).")
    clusters = None
    if cluster is not None:
        clusters = np.zeros(n_all, dtype=np.int64)  # rows left out (zero weight) have zero influence
        for s in samples:
            clusters[s.rows] = s.clusters
    return reference, clusters


def influence_diff_var(infl: dict[object, list[np.ndarray]], label: object, reference: object,
                       clusters: np.ndarray | None, k: int) -> np.ndarray:
    """Robust variance of each of ``k`` contrasts: the influence difference summed within clusters."""
    return np.array([core.cluster_variance(infl[label][j] - infl[reference][j], clusters) for j in range(k)])


def _bound_risk(diff: np.ndarray, se: np.ndarray, lo: np.ndarray, hi: np.ndarray, p: np.ndarray,
                e1: np.ndarray, e0: np.ndarray, v1: np.ndarray, v0: np.ndarray, at: np.ndarray,
                alpha: float) -> list[str]:
    """Risk differences at each horizon: MOVER-Wilson intervals (in [-1, 1]) on the Dorey-Korn (1987)
    effective sizes F(1-F)/Var(F), with the design's correlation; a horizon where a group's cumulative
    incidence is 0 or 1 or has no variance, or whose interval is absurd, is blanked (NaN) and named
    in the returned notes. Arrays are modified in place."""
    notes = []
    for k in range(diff.size):
        if not np.isfinite(diff[k]):
            continue
        why = ""
        if not (0 < e1[k] < 1 and 0 < e0[k] < 1 and v1[k] > 0 and v0[k] > 0):
            why = ("a group has cumulative incidence 0 or 1 (no event, or every person had one) or no variance "
                   "at this horizon")
        else:
            cov = (v1[k] + v0[k] - se[k] ** 2) / 2
            lo[k], hi[k] = mover_difference(e1[k], e0[k], v1[k], v0[k], cov, alpha=alpha)
            try:
                check_difference("risk difference", diff[k], se[k], lo[k], hi[k],
                                 max_var=e1[k] * (1 - e1[k]) + e0[k] * (1 - e0[k]), bounded=True)
            except NotEstimable as exc:
                why = exc.reason
        if why:
            diff[k] = se[k] = lo[k] = hi[k] = p[k] = np.nan
            notes.append(f"risk difference at {at[k]:g} not estimable: {why}")
    return notes


def contrast_tables(samples: list, reference: object, at: np.ndarray, est: dict[object, list[float]],
                    var: dict[object, list[float]], diff_var: Callable[[object], np.ndarray],
                    alpha: float, bounded: bool = False) -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    """``summary`` (each group minus the reference, Wald) and ``by_group`` frames of a contrast.

    With ``bounded`` (risk differences) the intervals are MOVER-Wilson and absurd horizons are
    blanked (see :func:`_bound_risk`); the third element lists the notes saying so."""
    by_group = []
    for s in samples:
        e, se = np.array(est[s.label]), np.sqrt(var[s.label])
        lo, hi, _ = wald(e, se, alpha)
        by_group.append(pd.DataFrame({"group": s.label, "time": at, "estimate": e, "se": se,
                                      "ci_low": lo, "ci_high": hi, "n": s.t.size}))
    ref = next(s for s in samples if s.label == reference)
    rows = []
    notes: list[str] = []
    for s in samples:
        if s.label == reference:
            continue
        diff = np.array(est[s.label]) - np.array(est[reference])
        se = np.sqrt(diff_var(s.label))
        lo, hi, p = wald(diff, se, alpha)
        if bounded:
            lo, hi, p = np.array(lo, dtype=float), np.array(hi, dtype=float), np.array(p, dtype=float)
            notes += _bound_risk(diff, se, lo, hi, p, np.array(est[s.label], dtype=float),
                                 np.array(est[reference], dtype=float), np.array(var[s.label], dtype=float),
                                 np.array(var[reference], dtype=float), at, alpha)
        rows.append(pd.DataFrame({"contrast": f"{s.label} - {reference}", "time": at, "estimate": diff,
                                  "se": se, "ci_low": lo, "ci_high": hi, "p_value": p,
                                  "n": s.t.size + ref.t.size, "estimate_group": est[s.label],
                                  "estimate_reference": est[reference]}))
    return pd.concat(rows, ignore_index=True), pd.concat(by_group, ignore_index=True), notes


def risk_difference(
    data: pd.DataFrame,
    duration: str,
    event: str,
    group: str = "treatment",
    *,
    weights: str | None = None,
    cluster: str | None = None,
    times: Sequence[float] = v.DEFAULT_HORIZONS,
    alpha: float = 0.05,
    variance: Variance = "auto",
    reference: object | None = None,
    table: str = "data",
) -> ContrastResult:
    """Difference in Kaplan-Meier cumulative incidence :math:`F_g(t) - F_0(t)` at each horizon.

    With matching or inverse-probability weights this is the adjusted risk difference (the average
    effect in the population the weights target: ATT for matching/ATT weights, ATE for ATE weights),
    under no unmeasured confounding, positivity and censoring independent of the outcome given group
    and weights. The variance is Greenwood's (independent groups) without weights or clusters, and
    otherwise the robust influence-function variance summed within clusters (weights treated as
    fixed; a bootstrap that re-estimates the weights is more conservative for IPW).

    Parameters
    ----------
    data : DataFrame
    duration, event : str
        Days at risk and event indicator (1 = event, 0 = censored).
    group : str
        Group column (default ``treatment``: 1 alternative, 0 custody).
    weights, cluster : str, optional
        Weight column and cluster column (matched set or person).
    times : sequence of float
        Horizons in days.
    alpha : float
        1 - confidence level.
    variance : {'auto', 'greenwood', 'robust'}
    reference : optional
        Reference group (default: the smallest value, 0 = custody).
    table : str
        Table name for error messages.

    Returns
    -------
    ContrastResult
        ``summary`` holds one row per horizon for each non-reference group.

    References
    ----------
    Xie J, Liu C (2005). Stat Med 24:3089-3110. Cole SR, Hernan MA (2004). Adjusted survival curves
    with inverse probability weights. Comput Methods Programs Biomed 75:45-49.
    """
    return _contrast(data, duration, event, group, weights, cluster, times, alpha, variance, reference,
                     table, _survival_at, -1.0, "risk")


def rmst(
    data: pd.DataFrame,
    duration: str,
    event: str,
    group: str = "treatment",
    *,
    weights: str | None = None,
    cluster: str | None = None,
    times: Sequence[float] = v.DEFAULT_HORIZONS,
    alpha: float = 0.05,
    variance: Variance = "auto",
    reference: object | None = None,
    table: str = "data",
) -> ContrastResult:
    """Restricted mean survival time :math:`\\int_0^\\tau S_g(t)\\,dt` per group and its difference.

    RMST up to :math:`\\tau` is the mean number of days free of the event within the first
    :math:`\\tau` days; the difference needs no proportional-hazards assumption. Without weights the
    variance is the Greenwood-based :math:`\\sum_{t_j \\le \\tau} A_j^2 D_j / (Y_j (Y_j - D_j))` with
    :math:`A_j = \\int_{t_j}^{\\tau} S` (Klein and Moeschberger 2003, 4.4.4; R ``print(survfit, rmean=)``
    and ``survRM2``), not lifelines' variance of :math:`\\min(T, \\tau)`. With weights or clusters it is
    the robust influence-function variance, contrasts summed within clusters.

    Parameters and returns are as for :func:`risk_difference`; ``times`` are the truncation points
    :math:`\\tau` and estimates are in days.

    References
    ----------
    Klein JP, Moeschberger ML (2003). Survival Analysis, 2nd ed., Springer, section 4.4.
    Royston P, Parmar MKB (2013). Restricted mean survival time. BMC Med Res Methodol 13:152.
    """
    return _contrast(data, duration, event, group, weights, cluster, times, alpha, variance, reference,
                     table, _rmst_at, 1.0, "rmst")
