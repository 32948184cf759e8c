"""Resource quantities per cohort member and follow-up period, ready to be priced.

Quantities (not money) are built once from the cohort outcomes; prices, discounting and their
uncertainty are applied afterwards, so that the Monte Carlo and the sensitivity analysis reprice
without rebuilding anything.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from altmeasures_eval._errors import ConfigError, DataContractError
from altmeasures_eval.population._bed_days import _union_overlap, person_intervals
from altmeasures_eval.schema import SEVERITY_OTHER, SEVERITY_TIERS

__all__ = ["CostQuantities", "cost_quantities", "count_treatment_days", "discount_factors"]

PROGRAMME = "programme"
OUTCOME = "outcome"
DAYS_PER_YEAR = 365.0


def count_treatment_days(
    cohort: pd.DataFrame,
    treatment_episodes: pd.DataFrame,
    extract_date: pd.Timestamp | str,
    horizons: Sequence[int] = (365, 730, 1095),
) -> pd.DataFrame:
    """Days in treatment by modality over each horizon from the index decision date.

    Days of episodes of one modality that overlap are counted once; open episodes run to the extract
    date. Returns columns ``treatment_days_{modality}_{h}`` and ``treatment_starts_{modality}_{h}``
    (episodes starting in the window, for costs per episode), NaN when the window passes the extract
    date, indexed like ``cohort``; no identifiers.
    """
    idx, ext, pairs, row, a, e = person_intervals(
        cohort, treatment_episodes, extract_date, ("start_date", "end_date"), other=("modality",))
    n = len(cohort)
    out = {}
    for mod in sorted(pairs["modality"].dropna().unique()):
        m = (pairs["modality"] == mod).to_numpy()
        for h in horizons:
            w0 = idx[row[m]]
            d = _union_overlap(row[m], a[m], e[m], w0, w0 + h, n)
            out[f"treatment_days_{mod}_{h}"] = np.where(idx + h > ext, np.nan, d)
            starts = (a[m] >= w0) & (a[m] < w0 + h)
            out[f"treatment_starts_{mod}_{h}"] = np.where(
                idx + h > ext, np.nan, np.bincount(row[m], weights=starts, minlength=n))
    return pd.DataFrame(out, index=cohort.index)


def discount_factors(periods: Sequence[tuple[int, int]], rate: float, timing: str) -> np.ndarray:
    """Present-value factor of each follow-up period ``(start_day, end_day]``.

    A cost in a period is discounted by ``(1 + rate)^-t`` with ``t`` in years from the index
    decision: the period's start (``start``: first-year costs undiscounted, WSIPP's convention of
    valuing in the year of participation), its middle (``mid``) or its end (``end``).

    Examples
    --------
    >>> discount_factors([(0, 365), (365, 730)], 0.10, "start").round(4).tolist()
    [1.0, 0.9091]
    """
    s = np.array([p[0] for p in periods], float) / DAYS_PER_YEAR
    e = np.array([p[1] for p in periods], float) / DAYS_PER_YEAR
    t = {"start": s, "mid": (s + e) / 2, "end": e}[timing]
    return (1.0 + rate) ** -t


@dataclass(frozen=True)
class CostQuantities:
    """Quantities per person and follow-up period.

    Attributes
    ----------
    periods : tuple of (int, int)
        Follow-up periods in days from the index decision, ``(0, 365], (365, 730], ...``.
    per_period : tuple of pandas.DataFrame
        One frame per period, persons x quantity columns named ``"{item}|{component}"``: ``item``
        names the unit cost (``custody_day``, ``alternative_day.probation``, ...); ``component``
        is ``programme`` (the index sanction: custody of the index case including breach or recall
        custody, days under the measure, treatment) or ``outcome`` (later custody, reoffence
        processing, victim costs).
    treatment : numpy.ndarray
        1 = alternative, 0 = custody.
    observable : numpy.ndarray of bool
        Persons whose whole follow-up is observable (the others are left out of the comparison).
    """

    periods: tuple[tuple[int, int], ...]
    per_period: tuple[pd.DataFrame, ...]
    treatment: np.ndarray
    observable: np.ndarray
    notes: tuple[str, ...] = ()

    @property
    def columns(self) -> list[str]:
        return list(self.per_period[0].columns)

    def discounted(self, rate: float, timing: str = "start") -> pd.DataFrame:
        """Present-value quantities per person (sum over periods of quantity x factor)."""
        f = discount_factors(self.periods, rate, timing)
        total = sum(df.to_numpy(float) * fk for df, fk in zip(self.per_period, f))
        return pd.DataFrame(total, index=self.per_period[0].index, columns=self.columns)


def _increments(frame: pd.DataFrame, stem: str, horizons: Sequence[int]) -> list[np.ndarray]:
    cols = [f"{stem}_{h}" for h in horizons]
    missing = [c for c in cols if c not in frame.columns]
    if missing:
        raise DataContractError(f"columns {missing} missing; build them for horizons {list(horizons)}")
    cum = np.column_stack([frame[c].to_numpy(float) for c in cols])
    prev = np.concatenate([np.zeros((len(frame), 1)), cum[:, :-1]], axis=1)
    return [cum[:, j] - prev[:, j] for j in range(len(cols))]


def cost_quantities(
    cohort: pd.DataFrame,
    bed_days: pd.DataFrame,
    treatment_days: pd.DataFrame | None = None,
    horizons: Sequence[int] = (365, 730, 1095),
) -> CostQuantities:
    """Resource use per person and follow-up period from the cohort outcomes.

    Parameters
    ----------
    cohort : pandas.DataFrame
        The cohort: ``treatment``, ``disposition``, ``measure_days`` (NaN for custody),
        ``reoffences_{h}`` and ``severity_first``.
    bed_days : pandas.DataFrame
        From :func:`altmeasures_eval.population.count_bed_days` (index and later bed-days).
    treatment_days : pandas.DataFrame, optional
        From :func:`count_treatment_days`.
    horizons : sequence of int
        Increasing horizons in days; the last one is the cost horizon.

    Returns
    -------
    CostQuantities

    Notes
    -----
    Days under the measure are spread from the index decision onward (``measure_days`` is a
    duration). Every reoffence of a person is priced at the victim cost of the severity tier of
    the first reoffence (``other`` when unknown): the cohort gives only the first one's tier.
    """
    horizons = list(horizons)
    if horizons != sorted(horizons) or horizons[0] <= 0:
        raise ConfigError(f"horizons must be increasing positive days, got {horizons}")
    for col in ("treatment", "disposition", "measure_days", "severity_first"):
        if col not in cohort.columns:
            raise DataContractError(f"cohort lacks column {col!r}; pass the cohort table")
    periods = tuple(zip([0, *horizons[:-1]], horizons))
    n = len(cohort)
    bidx = _increments(bed_days, "bed_days_index", horizons)
    blater = _increments(bed_days, "bed_days_later", horizons)
    reoff = _increments(cohort, "reoffences", horizons)
    mdays = pd.to_numeric(cohort["measure_days"], errors="coerce").to_numpy(dtype=float)
    treated = cohort["treatment"].to_numpy() == 1
    notes = []
    if np.isnan(mdays[treated]).any():
        notes.append(f"{int(np.isnan(mdays[treated]).sum())} of {int(treated.sum())} people given an "
                     "alternative have no measure_days: their days under the measure are costed as 0")
    mdays = np.where(treated, np.nan_to_num(mdays), 0.0)
    disp = cohort["disposition"].astype(str).to_numpy()
    tier = cohort["severity_first"].where(cohort["severity_first"].isin(SEVERITY_TIERS), SEVERITY_OTHER)
    tier = tier.astype(str).to_numpy()
    alt_disps = sorted(set(disp[cohort["treatment"].to_numpy() == 1]))
    tcols = treatment_days.columns if treatment_days is not None else []
    mods = sorted({c.rsplit("_", 1)[0][len("treatment_days_"):] for c in tcols
                   if c.startswith("treatment_days_")})
    tincr = {m: _increments(treatment_days, f"treatment_days_{m}", horizons) for m in mods}
    sincr = {m: _increments(treatment_days, f"treatment_starts_{m}", horizons) for m in mods
             if f"treatment_starts_{m}_{horizons[0]}" in tcols}
    frames = []
    for j, (lo, hi) in enumerate(periods):
        cols: dict[str, np.ndarray] = {
            f"custody_day|{PROGRAMME}": bidx[j],
            f"custody_day|{OUTCOME}": blater[j],
        }
        in_period = np.clip(mdays, lo, hi) - lo
        for d in alt_disps:
            cols[f"alternative_day.{d}|{PROGRAMME}"] = np.where(disp == d, in_period, 0.0)
        for m in mods:
            cols[f"treatment_day.{m}|{PROGRAMME}"] = tincr[m][j]
        for m in sincr:
            cols[f"treatment_episode.{m}|{PROGRAMME}"] = sincr[m][j]
        cols[f"reoffence|{OUTCOME}"] = reoff[j]
        for t in SEVERITY_TIERS:
            if (tier == t).any():
                cols[f"victim.{t}|{OUTCOME}"] = np.where(tier == t, reoff[j], 0.0)
        frames.append(pd.DataFrame(cols, index=cohort.index))
    observable = np.all([np.isfinite(f.to_numpy(float)).all(axis=1) for f in frames], axis=0)
    return CostQuantities(periods=periods, per_period=tuple(frames),
                          treatment=cohort["treatment"].to_numpy().astype(int),
                          observable=np.asarray(observable).reshape(n), notes=tuple(notes))
