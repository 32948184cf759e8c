"""Custody bed-days per cohort member over each horizon, split into the index sanction and later custody.

A bed-day is a night in custody: a spell from admission ``a`` to release ``r`` holds ``r - a``
bed-days. Over horizon ``h`` the window is the ``h`` nights from the index decision date,
``[index_date, index_date + h)``, for both groups, so that the custody group's index spell counts
(those are the bed-days a diversion averts) and so does breach or recall custody of the alternative
group (counted against it). Overlapping spells of one person are merged first (a night is counted
once).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from altmeasures_eval._errors import ConfigError, DataContractError
from altmeasures_eval.effects import weighted_mean_difference
from altmeasures_eval.population._base import ResultMixin

EffectFn = Callable[..., Mapping[str, float]]

__all__ = ["count_bed_days", "BedDays", "bed_days_by_group"]

DEFAULT_HORIZONS = (365, 730, 1095)
_EPOCH = pd.Timestamp("1970-01-01")
_NS_PER_DAY = 86_400 * 10**9


def _days(values: pd.Series) -> np.ndarray:
    """Day numbers as float, NaT -> NaN."""
    s = values if isinstance(values, pd.Series) else pd.Series(values)
    if s.dtype == "datetime64[ns]":
        # the days of (date - 1970-01-01) as Timedelta.days counts them (floor), on the int64
        # nanoseconds: a tenth of the cost of the Series arithmetic below (it runs per cohort and
        # spell table in every evaluation)
        ns = s.to_numpy().view("i8")
        out = (ns // _NS_PER_DAY).astype(float)
        out[ns == np.iinfo(np.int64).min] = np.nan  # NaT
        return out
    return (pd.to_datetime(s) - _EPOCH).dt.days.to_numpy(dtype=float)


def _union_overlap(row: np.ndarray, start: np.ndarray, end: np.ndarray, w0: np.ndarray,
                   w1: np.ndarray, n: int) -> np.ndarray:
    """Days of the union of intervals ``[start, end)`` of each row inside ``[w0, w1)``.

    Intervals are merged per row by a sort and a running maximum (no per-row loop).
    """
    if row.size == 0:
        return np.zeros(n)
    order = np.lexsort((start, row))
    row, start, end = row[order], start[order], end[order]
    w0, w1 = w0[order], w1[order]
    # Clip to the window first: merging clipped intervals gives the union inside the window.
    s = np.clip(start, w0, w1)
    e = np.clip(end, w0, w1)
    e = np.maximum(e, s)
    # Running max of end within row: offset by row so that rows never merge with each other.
    big = float(np.max(w1) - np.min(w0) + 1.0)
    off = row * big * 4
    run = np.maximum.accumulate(e - np.min(w0) + off) + np.min(w0) - off
    prev = np.concatenate([[-np.inf], run[:-1]])
    prev[np.concatenate([[True], row[1:] != row[:-1]])] = -np.inf
    # Each interval adds the part of it beyond everything earlier in its row.
    add = np.clip(e - np.maximum(s, prev), 0.0, None)
    return np.bincount(row, weights=add, minlength=n)


def person_intervals(
    cohort: pd.DataFrame,
    table: pd.DataFrame,
    extract_date: pd.Timestamp | str,
    dates: tuple[str, str],
    keep: Sequence[str] = (),
    other: Sequence[str] = (),
) -> tuple[np.ndarray, float, pd.DataFrame, np.ndarray, np.ndarray, np.ndarray]:
    """Pair each cohort row with its person's intervals (spells or episodes), as day numbers.

    Returns the index day of every cohort row, the extract day, the paired frame (with the cohort
    columns ``keep`` and the table columns ``other``), the cohort row of each pair, and the start
    and end day of each interval (open intervals end at the extract date).
    """
    for col in ("person_id", "index_date", *keep):
        if col not in cohort.columns:
            raise DataContractError(f"cohort lacks column {col!r}; pass the table built by "
                                    "altmeasures_eval.cohort.build_cohort (ids stay in memory)")
    extract_day = float((pd.Timestamp(extract_date) - _EPOCH).days)
    idx_day = _days(cohort["index_date"])
    if np.isnan(idx_day).any():
        row = int(np.flatnonzero(np.isnan(idx_day))[0])
        raise DataContractError(f"cohort, column 'index_date', row {row}: empty; every index event "
                                "needs a decision date")
    rows_of = pd.DataFrame({"_row": np.arange(len(cohort)), "person_id": cohort["person_id"].to_numpy(),
                            **{k: cohort[k].to_numpy() for k in keep}})
    pairs = rows_of.merge(table[["person_id", *other, *dates]], on="person_id", how="inner")
    start = _days(pairs[dates[0]])
    end = _days(pairs[dates[1]])
    return (idx_day, extract_day, pairs, pairs["_row"].to_numpy(), start,
            np.where(np.isnan(end), extract_day, end))


def count_bed_days(
    cohort: pd.DataFrame,
    custody_spells: pd.DataFrame,
    extract_date: pd.Timestamp | str,
    horizons: Sequence[int] = DEFAULT_HORIZONS,
    window: str = "decision",
) -> pd.DataFrame:
    """Bed-days of each cohort row over each horizon from the index decision date.

    Parameters
    ----------
    cohort : pandas.DataFrame
        The cohort (``person_id``, ``index_case_id``, ``index_date``), one row per index event.
    custody_spells : pandas.DataFrame
        Contract table (``person_id``, ``case_id``, ``admission_date``, ``release_date``); open spells
        run to the extract date.
    extract_date : Timestamp or str
        A horizon whose window ends after it is not observable: NaN.
    horizons : sequence of int
        Horizons in days.
    window : {"decision", "start"}
        ``decision`` (default): windows open at the index decision, so the custody group's index
        spell counts (bed-days averted by diverting). ``start``: windows open at the cohort's
        ``start_date`` (release for custody), the cohort's and the synthetic truth's definition of
        ``bed_days_{h}``; the index spell then ends before the window.

    Returns
    -------
    pandas.DataFrame
        Same index as ``cohort``; per horizon ``h``: ``bed_days_index_{h}`` (spells of the index
        case: the custody sentence, or breach/recall custody of the alternative measure),
        ``bed_days_later_{h}`` (all other spells: custody for new offences or other cases) and
        ``bed_days_total_{h}`` (their union; equals the sum unless spells of both kinds overlap,
        in which case ``later`` is ``total - index``).
    """
    idx_day, extract_day, pairs, row, a, r = person_intervals(
        cohort, custody_spells, extract_date, ("admission_date", "release_date"),
        keep=("index_case_id",), other=("case_id",))
    n = len(cohort)
    if window == "start":
        if "start_date" not in cohort.columns:
            raise DataContractError("window='start' needs the cohort column 'start_date'")
        idx_day = _days(cohort["start_date"])
    elif window != "decision":
        raise ConfigError(f"window must be 'decision' or 'start', got {window!r}")
    is_index = (pairs["case_id"] == pairs["index_case_id"]).to_numpy()
    out = {}
    for h in horizons:
        w0 = idx_day[row]
        w1 = w0 + h
        total = _union_overlap(row, a, r, w0, w1, n)
        index = _union_overlap(row[is_index], a[is_index], r[is_index], w0[is_index], w1[is_index], n)
        unobservable = idx_day + h > extract_day
        out[f"bed_days_index_{h}"] = np.where(unobservable, np.nan, index)
        out[f"bed_days_later_{h}"] = np.where(unobservable, np.nan, total - index)
        out[f"bed_days_total_{h}"] = np.where(unobservable, np.nan, total)
    return pd.DataFrame(out, index=cohort.index)


@dataclass(frozen=True)
class BedDays(ResultMixin):
    """Mean custody bed-days per person by group and horizon, and bed-days averted per diversion.

    Attributes
    ----------
    table : pandas.DataFrame
        ``horizon``, ``component`` (index, later, total), ``n_alternative``, ``n_custody``,
        ``mean_alternative``, ``mean_custody`` (weighted when weights were given),
        ``difference`` (alternative minus custody) and ``averted`` (= -difference), plus
        ``se``, ``ci_low``, ``ci_high`` when an effect function was given.
    estimand : str
        ``ATT``, ``ATC`` or ``ATE`` as implied by the weights (stated by the caller).
    notes : tuple of str
    """

    table: pd.DataFrame
    estimand: str
    notes: tuple[str, ...] = field(default=())
    _title = "Custody bed-days per person"

    @property
    def summary(self) -> pd.DataFrame:
        """The table (one row per horizon and component)."""
        return self.table.copy()


def bed_days_by_group(
    bed_days: pd.DataFrame,
    treatment: pd.Series | np.ndarray,
    weights: np.ndarray | None = None,
    estimand: str = "ATT",
    cluster: np.ndarray | None = None,
    effect: EffectFn | None = weighted_mean_difference,
    alpha: float = 0.05,
) -> BedDays:
    """Mean bed-days by group and the adjusted difference (bed-days averted per person diverted).

    Parameters
    ----------
    bed_days : pandas.DataFrame
        Output of :func:`count_bed_days`.
    treatment : array
        1 = alternative, 0 = custody (the cohort's ``treatment``).
    weights : array, optional
        Matching or weighting weights for the estimand (``MatchResult.weights`` or
        ``WeightResult.weights`` of the matching layer); ``None`` = a raw comparison.
    estimand : {"ATT", "ATC", "ATE"}
        The estimand the weights target; ATC answers "what would diverting those now sent to
        custody change".
    cluster : array, optional
        Cluster of each row for the variance (matched set, or person with several index events).
    effect : callable or None
        Weighted mean difference with its interval,
        ``effect(y, treatment, weights, cluster=..., alpha=...) -> {estimate, se, ci_low, ci_high}``;
        default :func:`altmeasures_eval.effects.weighted_mean_difference` (HC1 robust or
        cluster-robust SE, weights taken as fixed). ``None``: point difference only.
    alpha : float
        1 - confidence level.

    Returns
    -------
    BedDays

    Notes
    -----
    The difference is causal under the assumptions of the design that produced the weights (no
    unmeasured confounding, overlap). Rows whose horizon is not observable are dropped per horizon.
    """
    t = np.asarray(treatment).astype(int)
    w = np.ones(len(t)) if weights is None else np.asarray(weights, float)
    rows, skipped = [], []
    for col in bed_days.columns:
        _, comp, h = col.rsplit("_", 2)
        y = bed_days[col].to_numpy(float)
        ok = np.isfinite(y) & (w > 0)
        m = {g: np.average(y[ok & (t == g)], weights=w[ok & (t == g)]) if (ok & (t == g)).any()
             else np.nan for g in (0, 1)}
        rec = {"horizon": int(h), "component": comp, "n_alternative": int((ok & (t == 1)).sum()),
               "n_custody": int((ok & (t == 0)).sum()), "mean_alternative": m[1],
               "mean_custody": m[0], "difference": m[1] - m[0]}
        if effect is not None and np.isfinite(rec["difference"]):
            res = effect(y, t, w, cluster=cluster, alpha=alpha)
            rec["difference"] = float(res["estimate"])
            rec.update({k: float(res[k]) for k in ("se", "ci_low", "ci_high")})
            # averted = -difference, so its interval is the mirror image
            rec["averted_ci_low"], rec["averted_ci_high"] = -rec["ci_high"], -rec["ci_low"]
            if res.get("not_estimable"):
                skipped.append(f"{comp} bed-days at {h} days: no interval ({res['not_estimable']})")
        rec["averted"] = -rec["difference"]
        rows.append(rec)
    notes = [] if effect is not None else ["no confidence interval: effect=None"]
    notes += skipped
    if weights is None:
        notes.append("unweighted: a raw comparison, not adjusted for differences between groups")
    return BedDays(table=pd.DataFrame(rows), estimand=estimand, notes=tuple(notes))
