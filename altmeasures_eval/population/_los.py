"""Length of stay in custody: Kaplan-Meier of time served, handling people still held.

The time served of a spell still open at the extract date is right-censored there; dropping such
spells would bias the length of stay down (long stays are the ones most often still open), and
treating the extract date as release would do the same. The Kaplan-Meier estimator (lifelines'
arithmetic, on arrays) uses them as censored observations.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from altmeasures_eval._errors import DataContractError
from altmeasures_eval.population._base import ResultMixin
from altmeasures_eval.population._spells import DAYS_PER_MONTH

__all__ = ["LengthOfStay", "length_of_stay", "stay_kernel"]


def _integral(times: np.ndarray, surv: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Integral of the right-continuous step function S from 0 to each x (S = 0 after times[-1])."""
    # S(u) = surv[i] for times[i] <= u < times[i+1]; times[0] == 0 with surv[0] == 1.
    widths = np.diff(times)
    cum = np.concatenate([[0.0], np.cumsum(surv[:-1] * widths)])
    x = np.clip(x, 0.0, times[-1])
    i = np.searchsorted(times, x, side="right") - 1
    i = np.clip(i, 0, len(times) - 1)
    return cum[i] + surv[i] * (x - times[i]) * (i < len(times) - 1)


@dataclass(frozen=True)
class LengthOfStay(ResultMixin):
    """Kaplan-Meier estimate of time served, by group.

    Attributes
    ----------
    curves : dict[tuple[str, str], pandas.DataFrame]
        ``(jurisdiction, stream)`` -> frame with ``time`` (days, starting at 0) and ``survival``
        (probability of still being held). Jurisdiction ``"all"`` holds the pooled curve.
    counts : pandas.DataFrame
        ``jurisdiction``, ``stream``, ``n``, ``released``, ``still_held``, ``mean_days`` (restricted
        mean), ``median_days``, ``survival_at_end`` (KM value at the longest time served; > 0 means
        the mean is restricted), ``source`` (``own`` or ``pooled`` when the group was too small).
    notes : tuple of str
    """

    curves: dict[tuple[str, str], pd.DataFrame]
    counts: pd.DataFrame
    notes: tuple[str, ...] = field(default=())
    _title = "Length of stay (Kaplan-Meier of time served)"

    @property
    def summary(self) -> pd.DataFrame:
        """One row per jurisdiction and stream: n, still held, restricted mean and median days."""
        return self.counts.copy()

    def curve(self, jurisdiction: str, stream: str) -> pd.DataFrame:
        """The KM curve used for a jurisdiction and stream (the pooled one when it was too small)."""
        for key in ((jurisdiction, stream), ("all", stream)):
            if key in self.curves:
                return self.curves[key]
        return pd.DataFrame({"time": [0.0], "survival": [0.0]})  # no spell of this stream at all

    def mean_days(self, jurisdiction: str, stream: str) -> float:
        """Restricted mean time served in days (area under the KM curve up to its last time)."""
        c = self.curve(jurisdiction, stream)
        t, s = c["time"].to_numpy(float), c["survival"].to_numpy(float)
        return float(_integral(t, s, np.array([t[-1]]))[0])


def _km(durations: np.ndarray, events: np.ndarray) -> pd.DataFrame:
    """The Kaplan-Meier curve of time served, from time 0: ``time`` and ``survival``.

    lifelines' ``KaplanMeierFitter`` (unweighted) in the same arithmetic, on arrays: at each
    distinct time t, S(t) = exp(cumulative sum of log(n_t - d_t) - log(n_t)) with n_t the people
    still at risk and d_t the releases; the first row is time 0. Equal to lifelines to the last bit
    (tests/population/test_population.py) for a fraction of its cost (it builds its event table
    with pandas group-bys: the evaluation fits a curve per jurisdiction and stream).
    """
    durations = np.asarray(durations, dtype=float)
    if durations.size == 0 or not np.isfinite(durations).all() or durations.min() < 0:
        from lifelines import KaplanMeierFitter  # its checks and errors (empty, NaN, inf; negative times)

        kmf = KaplanMeierFitter().fit(durations, events)
        sf = kmf.survival_function_
        t, s = sf.index.to_numpy(float), sf.iloc[:, 0].to_numpy(float)
        if t[0] > 0:
            t, s = np.concatenate([[0.0], t]), np.concatenate([[1.0], s])
        return pd.DataFrame({"time": t, "survival": s})
    times, inv = np.unique(durations, return_inverse=True)
    removed = np.bincount(inv, minlength=len(times))
    observed = np.bincount(inv, weights=np.asarray(events).astype(int).astype(bool), minlength=len(times))
    observed = observed.astype(np.int64)
    if times[0] > 0:  # lifelines' event table starts at the births, time 0
        times = np.concatenate([[0.0], times])
        removed, observed = np.concatenate([[0], removed]), np.concatenate([[0], observed])
    at_risk = len(durations) - np.concatenate([[0], np.cumsum(removed)[:-1]])
    with np.errstate(divide="ignore", invalid="ignore"):
        log_s = np.cumsum(np.log(at_risk - observed) - np.log(at_risk))
    return pd.DataFrame({"time": times, "survival": np.exp(log_s)})


def length_of_stay(spells: pd.DataFrame, min_spells: int = 30) -> LengthOfStay:
    """Fit Kaplan-Meier curves of time served per jurisdiction and admission stream.

    Parameters
    ----------
    spells : pandas.DataFrame
        Output of :func:`~altmeasures_eval.population.prepare_spells` (``time_served``,
        ``released``, ``jurisdiction``, ``stream``).
    min_spells : int
        A jurisdiction-stream with fewer spells uses the pooled curve of its stream (noted).

    Returns
    -------
    LengthOfStay

    Notes
    -----
    Assumes independent censoring: the time still to serve of a person held at the extract date is
    like that of people admitted earlier who had served as long. The mean is restricted to the
    longest observed time served; when the curve has not reached 0 there, the mean is an
    underestimate, reported in ``survival_at_end`` and the notes.
    """
    if len(spells) == 0:
        raise DataContractError("table 'custody_spells' has no rows; length of stay needs spells")
    curves: dict[tuple[str, str], pd.DataFrame] = {}
    rows = []
    notes = []
    groups = [("all", s, g) for s, g in spells.groupby("stream")]
    groups += [(j, s, g) for (j, s), g in spells.groupby(["jurisdiction", "stream"])]
    for juris, stream, g in groups:
        own = juris == "all" or len(g) >= min_spells
        if own:
            curves[(juris, stream)] = _km(g["time_served"].to_numpy(float),
                                          g["released"].to_numpy(int))
        c = curves[(juris, stream)] if own else curves[("all", stream)]
        t, s = c["time"].to_numpy(float), c["survival"].to_numpy(float)
        below = np.flatnonzero(s <= 0.5)
        rows.append(
            {
                "jurisdiction": juris,
                "stream": stream,
                "n": len(g),
                "released": int(g["released"].sum()),
                "still_held": int((g["released"] == 0).sum()),
                "mean_days": float(_integral(t, s, np.array([t[-1]]))[0]),
                "median_days": float(t[below[0]]) if below.size else np.nan,
                "survival_at_end": float(s[-1]),
                "source": "own" if own else "pooled",
            }
        )
        if not own:
            notes.append(f"{juris}/{stream}: {len(g)} spells < {min_spells}; pooled curve used")
        elif s[-1] > 0.01:
            notes.append(
                f"{juris}/{stream}: {s[-1]:.1%} still held at the longest time served "
                f"({t[-1]:.0f} days); the mean is restricted to it and underestimates the stay"
            )
    counts = pd.DataFrame(rows)
    return LengthOfStay(curves=curves, counts=counts, notes=tuple(notes))


def stay_kernel(curve: pd.DataFrame, n_months: int) -> np.ndarray:
    """Expected months in custody, month by month, of one admission made uniformly within a month.

    ``kernel[k]`` = probability that a person admitted at a uniformly random day of month 0 is still
    held at the end of month ``k`` = ``integral_k^{k+1} S(x) dx`` with ``x`` in months. Its sum is the
    (restricted) mean length of stay in months, so a constant inflow ``A`` a month convolved with it
    gives ``A x mean stay`` at steady state: Little's law holds by construction, not by tuning.

    Parameters
    ----------
    curve : pandas.DataFrame
        ``time`` (days) and ``survival`` from :class:`LengthOfStay`.
    n_months : int
        Length of the kernel; mass beyond it is cut (choose it longer than the longest stay).
    """
    t, s = curve["time"].to_numpy(float), curve["survival"].to_numpy(float)
    edges = np.arange(n_months + 1, dtype=float) * DAYS_PER_MONTH
    return np.diff(_integral(t, s, edges)) / DAYS_PER_MONTH
