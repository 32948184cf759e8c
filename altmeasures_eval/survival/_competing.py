"""Competing risks: Aalen-Johansen cumulative incidence and cause-specific Cox models.

Deterministic: tied times are handled exactly (lifelines' ``AalenJohansenFitter`` jitters them at
random). The variance is the infinitesimal-jackknife (robust) variance, as R's multi-state
``survfit(Surv(time, factor(status)) ~ group, id=)``, summed within clusters when given.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from altmeasures_eval._errors import ConfigError
from altmeasures_eval.survival import _kmcore as core
from altmeasures_eval.survival import _validate as v
from altmeasures_eval.survival._cox import CoxResult, cox_ph
from altmeasures_eval.survival._km import beyond_note, blank_beyond, loglog_interval, robust_label, split_samples
from altmeasures_eval.survival._results import SurvivalResult


@dataclass(frozen=True, repr=False)
class CumulativeIncidenceResult(SurvivalResult):
    """Aalen-Johansen cumulative incidence functions by group and cause.

    Attributes
    ----------
    summary : DataFrame
        ``group``, ``cause``, ``time``, ``estimate`` (cumulative incidence), ``se``, ``ci_low``,
        ``ci_high``, ``p_value`` (NaN), ``n``, ``n_at_risk``.
    curves : DataFrame
        ``group``, ``cause``, ``time`` (0 and every observed time), ``n_at_risk``, ``cif``, ``se``,
        ``ci_low``, ``ci_high``.
    """

    curves: pd.DataFrame
    group: str | None
    causes: tuple[int, ...]
    alpha: float

    _title = "Aalen-Johansen cumulative incidence (competing risks)"


def cif_jumps(rt: core.RiskTable, etype: np.ndarray, cause: int
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per row cause indicator; per time S(t-), the Aalen-Johansen jump S(t-) D_k / Y and the CIF."""
    dk = (etype == cause).astype(float)
    d_k = np.bincount(rt.idx, weights=rt.weight * dk, minlength=rt.time.size)
    s_minus = np.r_[1.0, rt.survival[:-1]]
    with np.errstate(divide="ignore", invalid="ignore"):
        jump = np.where(rt.at_risk > 0, s_minus * d_k / rt.at_risk, 0.0)
    return dk, s_minus, jump, np.cumsum(jump)


def _cause_curve(rt: core.RiskTable, etype: np.ndarray, t: np.ndarray, cause: int,
                 clusters: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """CIF of ``cause`` and its robust variance at every time of the (all-cause) risk table."""
    m = rt.time.size
    w = rt.weight
    dk, s_minus, jump, f = cif_jumps(rt, etype, cause)
    with np.errstate(divide="ignore", invalid="ignore"):
        c2 = np.cumsum(np.where(rt.at_risk > 0, jump / rt.at_risk, 0.0))
    hu = rt.hazard * rt.inv_surviving
    b = np.cumsum(hu)
    bf = np.cumsum(hu * f)
    i = rt.idx
    u_i = rt.event * rt.inv_surviving[i]
    with np.errstate(divide="ignore", invalid="ignore"):
        own = np.where(dk > 0, s_minus[i] / rt.at_risk[i], 0.0)
    p_dep = w * (own - c2[i] + u_i * f[i] - bf[i])
    q_dep = w * (b[i] - u_i)
    mom = core.cluster_moments(t, i, m, np.column_stack([p_dep, q_dep]), w, clusters)
    r = -c2 + f * b - bf
    var = core.quadratic_form(mom, np.column_stack([np.ones(m), f, r]))
    return f, var


def cumulative_incidence(
    data: pd.DataFrame,
    duration: str,
    event_type: str,
    group: str | None = None,
    *,
    causes: Sequence[int] | None = None,
    weights: str | None = None,
    cluster: str | None = None,
    times: Sequence[float] = v.DEFAULT_HORIZONS,
    alpha: float = 0.05,
    table: str = "data",
) -> CumulativeIncidenceResult:
    """Aalen-Johansen cumulative incidence of each cause, by group.

    Estimates :math:`F_k(t) = \\sum_{t_j \\le t} S(t_j-) D_{kj} / Y_j`, the probability of a
    cause-*k* event (e.g. proven reoffence, ``event_type`` 1) by *t* when other causes (death, 2)
    preclude it, with :math:`S` the all-cause Kaplan-Meier. Unlike 1 - KM with deaths censored, it does
    not treat the dead as if they could still reoffend. Assumes censoring independent of all causes
    given group (and weights). Variance: infinitesimal jackknife, per cluster when ``cluster`` given.
    Intervals: log-log for :math:`1 - F_k`, which for a single cause equals the Kaplan-Meier interval.

    Parameters
    ----------
    data : DataFrame
    duration : str
        Days at risk.
    event_type : str
        0 censored, 1, 2, ... cause (cohort: ``event_type``, 1 proven reoffence, 2 death).
    group : str, optional
        Group column.
    causes : sequence of int, optional
        Causes to report (default all non-zero codes present).
    weights, cluster : str, optional
        Case weights (treated as fixed) and cluster column.
    times : sequence of float
        Horizons in days for ``summary``.
    alpha : float
        1 - confidence level.
    table : str
        Table name for error messages.

    Returns
    -------
    CumulativeIncidenceResult

    References
    ----------
    Aalen OO, Johansen S (1978). Scand J Stat 5:141-150. Putter H, Fiocco M, Geskus RB (2007).
    Tutorial in biostatistics: competing risks and multi-state models. Stat Med 26:2389-2430.
    Therneau TM, Crowson C, Atkinson E (2023). Multi-state models and competing risks (R survival vignette).
    """
    alpha = v.check_alpha(alpha)
    at = v.check_times(times)
    v.require_columns(data, [event_type], table)
    codes = v.event_array(data, event_type, table, allowed=range(0, 100))
    present = tuple(int(c) for c in np.unique(codes) if c > 0)
    causes = present if causes is None else tuple(int(c) for c in causes)
    if not causes or any(c <= 0 for c in causes):
        raise ConfigError(f"causes must be positive event codes present in {event_type!r} (found {present}).")
    frame = data.assign(__any_event=(codes > 0).astype(np.int64))
    samples = split_samples(frame, duration, "__any_event", group, weights, cluster, table)
    curves, summaries = [], []
    for s in samples:
        rt = core.risk_table(s.t, s.d, s.w)
        et = codes[s.rows]
        for cause in causes:
            f, var = _cause_curve(rt, et, s.t, cause, s.clusters)
            with np.errstate(divide="ignore", invalid="ignore"):
                var_log = np.where(f < 1, var / (1 - f) ** 2, 0.0)
            lo_s, hi_s = loglog_interval(1 - f, var_log, alpha)
            cur = pd.DataFrame({"group": s.label, "cause": cause, "time": np.r_[0.0, rt.time],
                                "n_at_risk": np.r_[rt.n_at_risk[0], rt.n_at_risk], "cif": np.r_[0.0, f],
                                "se": np.r_[0.0, np.sqrt(var)], "ci_low": np.r_[0.0, 1 - hi_s],
                                "ci_high": np.r_[0.0, 1 - lo_s]})
            curves.append(cur)
            j = core.step_index(cur["time"].to_numpy(), at)
            pick = cur.iloc[j]
            first_ge = np.searchsorted(rt.time, at, side="left")
            n_at = np.where(first_ge < rt.time.size, rt.n_at_risk[np.minimum(first_ge, rt.time.size - 1)], 0)
            beyond = at > rt.time[-1]  # not estimable past the last follow-up time
            summaries.append(pd.DataFrame({
                "group": s.label, "cause": cause, "time": at, "estimate": pick["cif"].to_numpy(),
                "se": pick["se"].to_numpy(), "ci_low": pick["ci_low"].to_numpy(),
                "ci_high": pick["ci_high"].to_numpy(), "p_value": np.nan, "n": s.t.size, "n_at_risk": n_at,
            }).pipe(blank_beyond, beyond, ("estimate", "se", "ci_low", "ci_high")))
    notes = ["estimate = cumulative incidence with competing causes (Aalen-Johansen), deterministic with ties."]
    notes += beyond_note(samples, at)
    if weights is not None:
        notes.append(f"weighted by {weights!r}: adjusted (marginal) cumulative incidence; weights treated as known.")
    return CumulativeIncidenceResult(
        summary=pd.concat(summaries, ignore_index=True), variance=robust_label(weights, cluster),
        notes=tuple(notes), curves=pd.concat(curves, ignore_index=True), group=group, causes=causes, alpha=alpha,
    )


def cause_specific_cox(
    data: pd.DataFrame,
    duration: str,
    event_type: str,
    covariates: Sequence[str],
    cause: int = 1,
    **kwargs: object,
) -> CoxResult:
    """Cause-specific Cox model: hazard of ``cause``, other causes treated as censoring.

    The cause-specific hazard ratio compares the instantaneous rate of the cause among those still
    free of every event; it is not a ratio of cumulative incidences (use :func:`cumulative_incidence`
    for those). Keywords go to :func:`cox_ph` (``weights``, ``cluster``, ``strata`` ...).
    """
    v.require_columns(data, [event_type], kwargs.get("table", "data"))  # type: ignore[arg-type]
    codes = v.event_array(data, event_type, str(kwargs.get("table", "data")), allowed=range(0, 100))
    col = f"{event_type}=={cause}"
    frame = data.assign(**{col: (codes == cause).astype(np.int64)})
    res = cox_ph(frame, duration, col, covariates, **kwargs)  # type: ignore[arg-type]
    note = f"cause-specific hazard of {event_type} = {cause}; other causes censored."
    return CoxResult(**{**res.__dict__, "notes": (note, *res.notes)})
