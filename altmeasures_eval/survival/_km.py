"""Kaplan-Meier curves by group, weighted or not, with valid pointwise intervals."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from altmeasures_eval._errors import ConfigError, DataContractError
from altmeasures_eval.survival import _kmcore as core
from altmeasures_eval.survival import _validate as v
from altmeasures_eval.survival._results import SurvivalResult, z_quantile

Variance = Literal["auto", "greenwood", "robust"]

GREENWOOD = "Greenwood (model-based; valid for unit or integer frequency weights)"


def robust_label(weights: str | None, cluster: str | None) -> str:
    """How the robust variance was computed, for result notes."""
    unit = f"clusters of {cluster!r}" if cluster else "each row as its own cluster"
    w = f"weights {weights!r} treated as fixed" if weights else "unweighted"
    return f"robust infinitesimal-jackknife (sandwich) variance, {unit}, {w}"


def choose_variance(variance: Variance, w: np.ndarray | None, cluster: str | None) -> str:
    """Resolve ``variance='auto'``: Greenwood without weights or clusters, robust otherwise."""
    if variance not in ("auto", "greenwood", "robust"):
        raise ConfigError(f"variance must be 'auto', 'greenwood' or 'robust', got {variance!r}.")
    if variance == "greenwood":
        if cluster is not None:
            raise ConfigError("variance='greenwood' ignores clustering; use variance='robust' with cluster=.")
        if w is not None and not np.allclose(w, np.round(w)):
            raise ConfigError(
                "Greenwood's variance is invalid for non-integer (matching or IPW) weights; "
                "use variance='robust' (the default 'auto' does)."
            )
        return "greenwood"
    if variance == "auto":
        return "greenwood" if w is None and cluster is None else "robust"
    return "robust"


def loglog_interval(s: np.ndarray, var_log_s: np.ndarray, alpha: float) -> tuple[np.ndarray, np.ndarray]:
    """Pointwise interval for S on the log(-log) scale (Kalbfleisch and Prentice)."""
    z = z_quantile(alpha)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        se_ll = np.sqrt(var_log_s) / np.abs(np.log(s))
        low = s ** np.exp(z * se_ll)
        high = s ** np.exp(-z * se_ll)
    inside = (s > 0) & (s < 1)
    low = np.where(inside, low, s)
    high = np.where(inside, high, s)
    return low, high


@dataclass(frozen=True)
class Sample:
    """One group's validated arrays."""

    label: object
    t: np.ndarray
    d: np.ndarray
    w: np.ndarray | None
    clusters: np.ndarray | None
    rows: np.ndarray  # positions in the full table


def split_samples(data: pd.DataFrame, duration: str, event: str, group: str | None, weights: str | None,
                  cluster: str | None, table: str, events: Sequence[int] = (0, 1)) -> list[Sample]:
    """Validate the columns and split rows by ``group`` (one sample if None); zero-weight rows are left out."""
    v.require_columns(data, [duration, event, group, weights, cluster], table)
    t = v.duration_array(data, duration, table)
    d = v.event_array(data, event, table, events)
    w = v.weight_array(data, weights, table)
    cl = v.code_array(data, cluster, table)
    clusters = None if cl is None else cl[0]
    if group is None:
        parts = [(None, np.arange(t.size))]
    else:
        codes, labels = v.code_array(data, group, table)
        order = np.argsort(codes, kind="stable")
        bounds = np.searchsorted(codes[order], np.arange(labels.size + 1))
        parts = [(labels[k], order[bounds[k]:bounds[k + 1]]) for k in range(labels.size)]
    out = []
    for label, rows in parts:
        if w is not None:  # zero weight (e.g. unmatched): no contribution; keep out of counts at risk
            rows = rows[w[rows] > 0]
        if w is not None and not w[rows].sum() > 0:
            raise DataContractError(f"table {table!r}, column {weights!r}: every weight in group {group} = {label!r} "
                                    "is zero; drop the group or check the weights.")
        out.append(Sample(label, t[rows], d[rows], None if w is None else w[rows],
                          None if clusters is None else clusters[rows], rows))
    return out


def beyond_note(samples: list[Sample], at: np.ndarray) -> list[str]:
    """A note listing horizons past a group's last follow-up time (reported as NaN)."""
    out = []
    for s in samples:
        late = at[at > s.t.max()]
        if late.size:
            who = "" if s.label is None else f"group {s.label!r}: "
            out.append(f"{who}horizon(s) {late.tolist()} beyond the last follow-up time {s.t.max():g}; reported as NaN.")
    return out


def blank_beyond(frame: pd.DataFrame, beyond: np.ndarray, columns: Sequence[str]) -> pd.DataFrame:
    """Set ``columns`` to NaN on rows flagged ``beyond`` (horizons past the last follow-up)."""
    frame.loc[beyond, list(columns)] = np.nan
    return frame


def all_weights(samples: list[Sample]) -> np.ndarray | None:
    """The weights of every sample together (None when unweighted)."""
    return None if samples[0].w is None else np.concatenate([s.w for s in samples])


def sample_var_log_s(rt: core.RiskTable, s: Sample, kind: str) -> np.ndarray:
    """Variance of log S at each time of the risk table."""
    if kind == "greenwood":
        return np.cumsum(core.greenwood_terms(rt))
    return core.robust_var_log_survival(rt, s.t, s.clusters)


@dataclass(frozen=True, repr=False)
class KaplanMeierResult(SurvivalResult):
    """Kaplan-Meier estimates by group.

    Attributes
    ----------
    summary : DataFrame
        One row per group and horizon: ``group``, ``time``, ``estimate`` (cumulative incidence
        :math:`1 - S(t)`), ``se``, ``ci_low``, ``ci_high``, ``p_value`` (NaN), ``n``, ``n_at_risk``,
        ``survival``.
    curves : DataFrame
        The step functions: ``group``, ``time`` (0 and every observed time), ``n_at_risk``,
        ``n_events``, ``n_censored``, ``weighted_at_risk``, ``survival``, ``se`` (of S),
        ``ci_low``, ``ci_high`` (log-log pointwise interval for S).
    medians : DataFrame
        ``group``, ``median`` and its interval (times where the pointwise band crosses 0.5; NaN when
        not reached).
    """

    curves: pd.DataFrame
    medians: pd.DataFrame
    group: str | None
    alpha: float

    _title = "Kaplan-Meier: cumulative incidence (1 - S) at horizons"

    def survival_at(self, times: Sequence[float]) -> pd.DataFrame:
        """S(t) with its interval at ``times`` for every group (right-continuous steps)."""
        at = v.check_times(times)
        rows = []
        for label, cur in self.curves.groupby("group", sort=False, dropna=False):
            j = core.step_index(cur["time"].to_numpy(), at)
            picked = cur.iloc[j][["survival", "se", "ci_low", "ci_high"]].reset_index(drop=True)
            picked.insert(0, "time", at)
            picked.insert(0, "group", label)
            rows.append(picked)
        return pd.concat(rows, ignore_index=True)

    def at_risk(self, times: Sequence[float]) -> pd.DataFrame:
        """Numbers at risk (unweighted persons with follow-up >= t): groups as rows, times as columns."""
        at = np.asarray(times, dtype=float)
        out = {}
        for label, cur in self.curves.groupby("group", sort=False, dropna=False):
            time = cur["time"].to_numpy()[1:]
            n = cur["n_at_risk"].to_numpy()[1:]
            j = np.searchsorted(time, at, side="left")  # first observed time >= t
            out[label] = np.where(j < time.size, n[np.minimum(j, time.size - 1)], 0)
        return pd.DataFrame(out, index=pd.Index(at, name="time")).T.rename_axis(self.group or "group")


def _curve_frame(label: object, rt: core.RiskTable, var_log_s: np.ndarray, alpha: float) -> pd.DataFrame:
    low, high = loglog_interval(rt.survival, var_log_s, alpha)
    n0 = int(rt.n_at_risk[0])
    return pd.DataFrame({
        "group": label,
        "time": np.r_[0.0, rt.time],
        "n_at_risk": np.r_[n0, rt.n_at_risk],
        "n_events": np.r_[0, rt.n_events],
        "n_censored": np.r_[0, rt.n_censored],
        "weighted_at_risk": np.r_[rt.at_risk[0], rt.at_risk],
        "survival": np.r_[1.0, rt.survival],
        "se": np.r_[0.0, rt.survival * np.sqrt(var_log_s)],
        "ci_low": np.r_[1.0, low],
        "ci_high": np.r_[1.0, high],
    })


def _median(cur: pd.DataFrame) -> tuple[float, float, float]:
    """Median and its interval: first time a curve is <= 0.5; on a flat stretch at exactly 0.5, the
    midpoint to the next drop (R ``survfit`` rule)."""
    time = cur["time"].to_numpy()
    tol = np.sqrt(np.finfo(float).eps)

    def first_below(col: str) -> float:
        y = cur[col].to_numpy()
        hit = np.flatnonzero(y < 0.5 + tol)
        if not hit.size:
            return np.nan
        if abs(y[hit[0]] - 0.5) < tol:
            lower = np.flatnonzero(y < y[hit[0]] - tol)
            if lower.size:
                return float((time[hit[0]] + time[lower[0]]) / 2)
        return float(time[hit[0]])

    return first_below("survival"), first_below("ci_low"), first_below("ci_high")


def kaplan_meier(
    data: pd.DataFrame,
    duration: str,
    event: str,
    group: str | None = None,
    *,
    weights: str | None = None,
    cluster: str | None = None,
    times: Sequence[float] = v.DEFAULT_HORIZONS,
    alpha: float = 0.05,
    variance: Variance = "auto",
    table: str = "data",
) -> KaplanMeierResult:
    """Kaplan-Meier survival and cumulative incidence by group, optionally weighted.

    Estimates :math:`S(t) = \\prod_{t_j \\le t} (1 - D_j / Y_j)` within each group, where
    :math:`D_j` and :math:`Y_j` are the (weighted) numbers of events and at risk at time
    :math:`t_j`, and reports the cumulative incidence :math:`1 - S(t)` at ``times``. With matching or
    inverse-probability weights this is the adjusted (marginal) survival curve of each group, valid
    when the weights balance the confounders and censoring is independent of the outcome given group.

    Parameters
    ----------
    data : DataFrame
        One row per person (or per index event).
    duration, event : str
        Follow-up time in days from the start of time at risk, and the event indicator (1 event,
        0 censored).
    group : str, optional
        Column whose values define the curves (e.g. ``treatment``).
    weights : str, optional
        Case weights (matching or IPW). Treated as fixed: the variance ignores their estimation.
    cluster : str, optional
        Cluster identifier (matched set, or person with several index events) for the robust variance.
    times : sequence of float
        Horizons in days for ``summary`` (default 365, 730, 1095).
    alpha : float
        1 - confidence level.
    variance : {'auto', 'greenwood', 'robust'}
        ``auto`` uses Greenwood without weights or clusters, and the robust infinitesimal-jackknife
        variance (R ``survfit(..., robust=TRUE)``) otherwise.
    table : str
        Name of the table for error messages.

    Returns
    -------
    KaplanMeierResult

    References
    ----------
    Kaplan EL, Meier P (1958). JASA 53:457-481. Cole SR, Hernan MA (2004). Adjusted survival curves
    with inverse probability weights. Comput Methods Programs Biomed 75:45-49. Therneau TM (2023).
    A Package for Survival Analysis in R, 3.5: survfit robust (infinitesimal jackknife) variance.

    Examples
    --------
    >>> from lifelines.datasets import load_rossi
    >>> km = kaplan_meier(load_rossi(), "week", "arrest", "fin", times=[52])
    >>> km.summary[["group", "estimate"]].round(4).to_dict("list")
    {'group': [0, 1], 'estimate': [0.3056, 0.2222]}
    """
    alpha = v.check_alpha(alpha)
    at = v.check_times(times)
    samples = split_samples(data, duration, event, group, weights, cluster, table)
    kind = choose_variance(variance, all_weights(samples), cluster)
    curves, summaries, medians = [], [], []
    for s in samples:
        rt = core.risk_table(s.t, s.d, s.w)
        var = sample_var_log_s(rt, s, kind)
        cur = _curve_frame(s.label, rt, var, alpha)
        curves.append(cur)
        j = core.step_index(cur["time"].to_numpy(), at)
        pick = cur.iloc[j]
        time = cur["time"].to_numpy()[1:]
        first_ge = np.searchsorted(time, at, side="left")
        n_at = np.where(first_ge < time.size, cur["n_at_risk"].to_numpy()[1:][np.minimum(first_ge, time.size - 1)], 0)
        beyond = at > rt.time[-1]  # not estimable past the last follow-up time
        summaries.append(pd.DataFrame({
            "group": s.label, "time": at,
            "estimate": 1 - pick["survival"].to_numpy(), "se": pick["se"].to_numpy(),
            "ci_low": 1 - pick["ci_high"].to_numpy(), "ci_high": 1 - pick["ci_low"].to_numpy(),
            "p_value": np.nan, "n": s.t.size, "n_at_risk": n_at, "survival": pick["survival"].to_numpy(),
        }).pipe(blank_beyond, beyond, ("estimate", "se", "ci_low", "ci_high", "survival")))
        med, lo, hi = _median(cur)
        medians.append({"group": s.label, "median": med, "ci_low": lo, "ci_high": hi})
    notes = ["estimate = cumulative incidence 1 - S(t); intervals are log-log pointwise intervals for S(t)."]
    notes += beyond_note(samples, at)
    if weights is not None:
        notes.append(f"weighted by {weights!r}: adjusted (marginal) curves; weights treated as known.")
    label = GREENWOOD if kind == "greenwood" else robust_label(weights, cluster)
    return KaplanMeierResult(
        summary=pd.concat(summaries, ignore_index=True), variance=label, notes=tuple(notes),
        curves=pd.concat(curves, ignore_index=True), medians=pd.DataFrame(medians), group=group, alpha=alpha,
    )
