"""Outcomes after the start of time at risk, and covariates fixed at the index date.

All functions take the index events and return columns aligned with them (one value per cohort
row). Day arithmetic is on day numbers: ``t = date - start_date`` in days.
"""

from __future__ import annotations

import numpy as np

from altmeasures_eval.cohort._arrays import (
    SortedTable,
    count_by_row,
    first_by_row,
    last_by_row,
    take,
)
from altmeasures_eval.cohort._index import Events
from altmeasures_eval.cohort._prepare import SEVERITY_BY_RANK, Prepared
from altmeasures_eval.cohort._spec import CohortSpec

#: Look-back windows of the recent-history covariates, in days.
PRIOR_2Y = 730
PRIOR_5Y = 1826


def reoffending(prep: Prepared, ev: Events, spec: CohortSpec) -> dict[str, np.ndarray]:
    """Proven reoffending: binary and count per horizon, time to first, severity, custody.

    A proven reoffence within horizon ``h``: a case with outcome ``proven`` whose offence date
    lies in ``(start, start + h]`` and whose decision date is at most ``start + h + waiting``.
    Binary and count outcomes are NaN when ``start + h + waiting`` is after the extract date.

    Time to first proven reoffence: follow-up ends at ``T = min(max(horizons), extract - waiting -
    start)`` (not below 0); the event is the first offence in ``(start, start + T]`` proven by
    ``start + T + waiting``; death before it is a competing event (``event_type = 2``).
    """
    n = ev.person.size
    s, w, e = ev.start_day, float(spec.waiting_period), prep.extract_day
    proven = np.flatnonzero(prep.c_proven & np.isfinite(prep.c_offence))
    tab = SortedTable(prep.c_person[proven], prep.c_offence[proven])
    rows, rec = tab.pair_rows(ev.person)
    rec = proven[rec]
    t = prep.c_offence[rec] - s[rows]
    dec = prep.c_decision[rec] - s[rows]  # NaN decision -> never counted
    out: dict[str, np.ndarray] = {}
    for h in spec.horizons:
        hit = (t > 0) & (t <= h) & (dec <= h + w)
        count = count_by_row(rows, hit, n)
        unobservable = s + h + w > e
        out[f"reoffend_{h}"] = np.where(unobservable, np.nan, (count > 0).astype(float))
        out[f"reoffences_{h}"] = np.where(unobservable, np.nan, count)
    t_end = np.clip(np.minimum(float(spec.horizons[-1]), e - w - s), 0.0, None)
    hit = (t > 0) & (t <= t_end[rows]) & (dec <= t_end[rows] + w)
    first = first_by_row(rows, hit, n)
    t1 = take(t, first, np.inf)
    td = prep.death_day[ev.person] - s  # NaN when alive
    event_re = t1 <= np.fmin(td, np.inf)  # an offence on the day of death counts
    event_re &= np.isfinite(t1)
    died = ~event_re & (td <= t_end)
    out["time_reoffend"] = np.where(event_re, t1, np.where(died, td, t_end))
    out["event_reoffend"] = event_re.astype(float)
    out["event_type"] = np.where(event_re, 1, np.where(died, 2, 0)).astype(float)
    # Severity and custody of the first reoffence: every counted offence on that first day.
    first_day = hit & (t == t1[rows])
    sev = np.full(n, -1.0)
    np.maximum.at(sev, rows[first_day], prep.c_severity[rec[first_day]].astype(float))
    tiers = np.array([np.nan, *SEVERITY_BY_RANK], dtype=object)
    severity = tiers[(sev + 1).astype(int)]
    severity[~event_re] = np.nan
    out["severity_first"] = severity
    cust = count_by_row(rows, first_day & prep.c_custody[rec], n)
    out["custody_on_reoffence"] = np.where(event_re, (cust > 0).astype(float), np.nan)
    return out


def custody_and_deaths(prep: Prepared, ev: Events, spec: CohortSpec) -> dict[str, np.ndarray]:
    """Next custody admission, custody bed-days, deaths per horizon, days under the measure.

    Bed-days within horizon ``h``: days of every custody spell of the person inside
    ``[start, start + h]``, open spells running to the extract date, cut at death. The index
    spell therefore counts under ``start = "decision"`` and not under ``release``; breach and
    recall spells always count. Next custody admission: the first admission after the start that
    is not an index spell, censored at death, the extract date or the longest horizon.
    """
    n = ev.person.size
    s, e, w = ev.start_day, prep.extract_day, float(spec.waiting_period)
    death = prep.death_day[ev.person]
    stop = np.fmin(death, e)  # follow-up data end for custody and deaths
    tab = SortedTable(prep.s_person, prep.s_admission)
    rows, rec = tab.pair_rows(ev.person)
    adm = prep.s_admission[rec] - s[rows]
    rel = np.where(np.isfinite(prep.s_release[rec]), prep.s_release[rec], e) - s[rows]
    out: dict[str, np.ndarray] = {}
    t_max = np.clip(np.minimum(float(spec.horizons[-1]), stop - s), 0.0, None)
    nxt = (adm > 0) & (adm <= t_max[rows]) & (ev.index_spell[rec] != rows)
    first = first_by_row(rows, nxt, n)
    tc = take(adm, first, np.inf)
    out["time_custody"] = np.fmin(tc, t_max)
    out["event_custody"] = np.isfinite(tc).astype(float)
    td = death - s
    for h in spec.horizons:
        unobservable = s + h + w > e
        end = np.minimum(np.fmin(td, float(h)), e - s)
        overlap = np.clip(np.minimum(rel, end[rows]) - np.maximum(adm, 0.0), 0.0, None)
        beds = count_by_row(rows, overlap > 0, n, weights=overlap)
        out[f"bed_days_{h}"] = np.where(unobservable, np.nan, beds)
        d = (td > 0) & (td <= h)
        out[f"death_{h}"] = np.where(unobservable, np.nan, d.astype(float))
        out[f"overdose_death_{h}"] = np.where(unobservable, np.nan, (d & prep.overdose[ev.person]).astype(float))
    return out


def health(prep: Prepared, ev: Events) -> dict[str, np.ndarray]:
    """Treatment entry within 30 and 90 days of the start, and completion of that treatment.

    Entry within ``k`` days: a treatment episode starting in ``[start, start + k]`` (NaN when
    ``start + k`` is after the extract date). Completion: the ``completed`` flag of the first
    episode entered within 90 days (NaN when none was entered or the flag is missing).
    """
    n = ev.person.size
    s, e = ev.start_day, prep.extract_day
    tab = SortedTable(prep.e_person, prep.e_start)
    rows, rec = tab.pair_rows(ev.person)
    t = prep.e_start[rec] - s[rows]
    out: dict[str, np.ndarray] = {}
    for k in (30, 90):
        entered = count_by_row(rows, (t >= 0) & (t <= k), n) > 0
        out[f"treatment_entry_{k}"] = np.where(s + k > e, np.nan, entered.astype(float))
    first = first_by_row(rows, (t >= 0) & (t <= 90), n)
    out["treatment_completed"] = take(prep.e_completed[rec], first)
    return out


def covariates(prep: Prepared, ev: Events) -> dict[str, np.ndarray]:
    """Criminal, custody and treatment history known before the index date.

    Only records dated strictly before the index decision date are used: proven cases decided
    before it, custody spells admitted before it (not the index case's own spells; bed-days cut
    at the index date), treatment episodes started before it.
    """
    n = ev.person.size
    d = ev.index_day
    proven = np.flatnonzero(prep.c_proven & np.isfinite(prep.c_decision))
    tab = SortedTable(prep.c_person[proven], prep.c_decision[proven])
    rows, rec = tab.pair_rows(ev.person)
    rec = proven[rec]
    ago = d[rows] - prep.c_decision[rec]  # days before the index date
    prior = ago > 0
    out: dict[str, np.ndarray] = {
        "prior_proven": count_by_row(rows, prior, n),
        "prior_drug": count_by_row(rows, prior & prep.c_drug[rec], n),
        "prior_violent": count_by_row(rows, prior & prep.c_violent[rec], n),
        "prior_proven_2y": count_by_row(rows, prior & (ago <= PRIOR_2Y), n),
        "prior_proven_5y": count_by_row(rows, prior & (ago <= PRIOR_5Y), n),
    }
    last = last_by_row(rows, prior, n)
    out["days_since_last_proven"] = take(ago, last)
    tab = SortedTable(prep.s_person)
    rows, rec = tab.pair_rows(ev.person)
    adm = prep.s_admission[rec]
    before = (adm < d[rows]) & (ev.index_spell[rec] != rows)
    rel = np.fmin(np.where(np.isfinite(prep.s_release[rec]), prep.s_release[rec], np.inf), d[rows])
    out["prior_custody_spells"] = count_by_row(rows, before, n)
    out["prior_bed_days"] = count_by_row(rows, before, n, weights=np.clip(rel - adm, 0.0, None))
    tab = SortedTable(prep.e_person)
    rows, rec = tab.pair_rows(ev.person)
    out["prior_treatment_episodes"] = count_by_row(rows, prep.e_start[rec] < d[rows], n)
    return out
