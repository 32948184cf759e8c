"""Steady-state prison places from Little's law, with the arithmetic shown."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from altmeasures_eval._errors import ConfigError
from altmeasures_eval.population._base import ResultMixin

__all__ = ["SteadyState", "steady_state"]

DAYS_PER_YEAR = 365.25


@dataclass(frozen=True)
class SteadyState(ResultMixin):
    """Average daily population change at steady state for a number of diversions a year.

    Attributes
    ----------
    diversions_per_year : float
    mean_stay_days : float
        Mean length of stay of the custody episodes averted.
    readmission_change : float
        Change in the probability of a later custody admission per person diverted (alternative
        minus custody; positive = more re-admissions after diversion).
    readmission_stay_days : float
    places_averted : float
        Direct reduction of the average daily population (positive = fewer prisoners).
    places_readmission : float
        Change from re-admissions (positive = more prisoners).
    net_change : float
        ``places_readmission - places_averted``: the change in the average daily population.
    arithmetic : tuple of str
        The computation in words and numbers, for the report.
    """

    diversions_per_year: float
    mean_stay_days: float
    readmission_change: float
    readmission_stay_days: float
    places_averted: float
    places_readmission: float
    net_change: float
    arithmetic: tuple[str, ...]
    notes: tuple[str, ...] = field(default=())
    _title = "Steady-state population change (Little's law)"

    @property
    def summary(self) -> pd.DataFrame:
        """One row per component: admissions a day, mean stay, average daily population."""
        per_day = self.diversions_per_year / DAYS_PER_YEAR
        return pd.DataFrame(
            {
                "component": ["custody averted", "re-admissions", "net change"],
                "admissions_per_day": [-per_day, per_day * self.readmission_change, np.nan],
                "mean_stay_days": [self.mean_stay_days, self.readmission_stay_days, np.nan],
                "population_change": [-self.places_averted, self.places_readmission,
                                      self.net_change],
            }
        )


def steady_state(
    diversions_per_year: float,
    mean_stay_days: float,
    readmission_change: float = 0.0,
    readmission_stay_days: float | None = None,
) -> SteadyState:
    """Average daily population change once a diversion policy has run long enough.

    Little's law: in a stable system the average number held equals the admission rate times the
    mean length of stay, ``L = lambda x W``. Diverting ``D`` admissions a year with mean stay ``W``
    lowers the population by ``D / 365.25 x W``; a change ``dq`` in the probability of a later
    custody admission (with mean stay ``W_r``) adds ``D x dq / 365.25 x W_r``.

    Parameters
    ----------
    diversions_per_year : float
        Custody admissions replaced by an alternative each year (>= 0).
    mean_stay_days : float
        Mean length of stay of those admissions, e.g. ``LengthOfStay.mean_days(j, "eligible")``.
    readmission_change : float
        Alternative minus custody probability of a later custody admission (reoffending x
        custody-on-reoffence, plus breach or recall custody of the alternative).
    readmission_stay_days : float, optional
        Mean stay of a re-admission; defaults to ``mean_stay_days``.

    Returns
    -------
    SteadyState

    Notes
    -----
    Assumes a stationary system (constant admissions and stays) and that re-admissions are one per
    person within the horizon of the rates used; the time needed to reach steady state is about
    the longest stay plus the reoffending horizon.

    Examples
    --------
    >>> ss = steady_state(730.5, 60.0)  # 2 diversions a day, 60-day stays
    >>> round(ss.places_averted, 6)
    120.0
    """
    if diversions_per_year < 0 or mean_stay_days < 0:
        raise ConfigError(
            f"diversions_per_year ({diversions_per_year}) and mean_stay_days ({mean_stay_days}) "
            "must be >= 0"
        )
    w_r = mean_stay_days if readmission_stay_days is None else readmission_stay_days
    per_day = diversions_per_year / DAYS_PER_YEAR
    averted = per_day * mean_stay_days
    readmit = per_day * readmission_change * w_r
    net = readmit - averted
    arithmetic = (
        f"{diversions_per_year:,.0f} diversions a year / {DAYS_PER_YEAR} days "
        f"= {per_day:,.3f} fewer admissions a day",
        f"{per_day:,.3f} a day x {mean_stay_days:,.1f} days mean stay "
        f"= {averted:,.1f} fewer people held on an average day",
        f"{per_day:,.3f} a day x {readmission_change:+.3f} change in re-admission probability "
        f"x {w_r:,.1f} days = {readmit:+,.1f} people from re-admissions",
        f"net change in the average daily population = {readmit:+,.1f} - {averted:,.1f} "
        f"= {net:+,.1f}",
    )
    return SteadyState(
        diversions_per_year=float(diversions_per_year),
        mean_stay_days=float(mean_stay_days),
        readmission_change=float(readmission_change),
        readmission_stay_days=float(w_r),
        places_averted=float(averted),
        places_readmission=float(readmit),
        net_change=float(net),
        arithmetic=arithmetic,
    )
