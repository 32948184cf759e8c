"""Potential outcomes of every index person, measured exactly as the cohort measures them.

For index person *i* with arm *a* (1 = alternative measure, 0 = custody) and start of time at risk
``S_a`` (release from the index custody spell under custody, the index decision date under an
alternative), horizon *h* and waiting period *W* (182 days):

* ``reoffences_h`` = number of cases with offence date in ``(S_a, S_a + h]``, outcome proven and
  decision date ``<= S_a + h + W``; ``reoffend_h`` = 1 if that number is positive;
* ``bed_days_h`` = days in custody within ``(S_a, S_a + h]``: for each later custody spell
  ``[admission, release]`` (remand, sentence, breach or recall), ``max(0, min(release, S_a + h) -
  max(admission, S_a))`` nights, summed;
* ``death_h`` / ``overdose_death_h`` = death (recorded as overdose) on a day in ``(S_a, S_a + h]``;
* ``time_reoffend`` / ``event_type`` = time to the first proven reoffence with the cohort's
  time-to-event definition at full follow-up ``H`` (the longest horizon): the first case with
  offence date in ``(S_a, S_a + H]``, outcome proven and decision date ``<= S_a + H + W``
  (event 1, unless the person died strictly before that offence); otherwise death in
  ``(S_a, S_a + H]`` (event 2, the competing event) or ``H`` days event-free (0).

The generator knows each career beyond the extract date, so potential outcomes are complete; the
*observed* outcome is set to NaN when ``S_a + h + W`` passes the extract date, as in the cohort.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd

from altmeasures_eval.synth._engine import DISP_CUSTODY, NEVER, Career



def _overlap(adm: np.ndarray, rel: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    return np.maximum(0, np.minimum(rel, hi) - np.maximum(adm, lo))


def row_outcomes(career: Career, rows: np.ndarray, horizons: tuple[int, ...], waiting: int,
                 starts: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """Outcomes of the given career rows from ``starts`` (default: their index start), per horizon."""
    n_rows = len(career.rows.person)
    pos = np.full(n_rows, -1, dtype=np.int64)
    pos[rows] = np.arange(rows.size)
    rp = pos[career.records["row"]]
    # Only the records of these rows count: taken apart once (in record order, so that every sum
    # below adds the same numbers in the same order as over all records).
    mine = np.flatnonzero(rp >= 0)
    rp = rp[mine]
    rec = {k: career.records[k][mine] for k in (
        "slot", "proven", "offence", "decision", "comp", "remand", "disp", "breach",
        "r_adm", "r_rel", "sent_adm", "sent_rel", "b_adm", "b_rel")}
    start_row = career.rows.idx_start[rows] if starts is None else starts
    slot_row = career.rows.idx_slot[rows]
    after = rec["slot"] > slot_row[rp]
    from_index = rec["slot"] >= slot_row[rp]
    s = start_row[rp]
    n_cases = 1 + rec["comp"].astype(np.int64)
    death = career.rows.death[rows]
    # As recorded: a death whose cause is not recorded is not an observable overdose death.
    overdose = (career.rows.death_cause[rows] == 1) & ~career.persons.death_cause_unknown[career.rows.person[rows]]
    out: dict[str, np.ndarray] = {}
    # Time to event with the cohort's definition (cohort/_outcomes.py: ``reoffending``) when follow-up
    # is complete: a proven reoffence counts whatever the horizon when decided by S + H + W.
    h_max = max(horizons)
    hit = after & rec["proven"] & (rec["offence"] > s) & (rec["offence"] <= s + h_max) & (
        rec["decision"] <= s + h_max + waiting)
    t1 = np.full(rows.size, np.inf)
    np.minimum.at(t1, rp[hit], (rec["offence"][hit] - s[hit]).astype(float))
    td = np.where(death != NEVER, (death - start_row).astype(float), np.inf)
    event_re = np.isfinite(t1) & (t1 <= td)  # an offence on the day of death counts
    died = ~event_re & (td <= h_max)
    out["time_reoffend"] = np.where(event_re, t1, np.where(died, td, float(h_max)))
    out["event_type"] = np.where(event_re, 1.0, np.where(died, 2.0, 0.0))
    for h in horizons:
        hit = after & rec["proven"] & (rec["offence"] > s) & (rec["offence"] <= s + h) & (
            rec["decision"] <= s + h + waiting)
        count = np.bincount(rp[hit], weights=n_cases[hit], minlength=rows.size)
        out[f"reoffences_{h}"] = count
        out[f"reoffend_{h}"] = (count > 0).astype(float)
        beds = np.zeros(rp.size)
        end = s + h
        for adm, rel, on in (("r_adm", "r_rel", rec["remand"]),
                             ("sent_adm", "sent_rel", rec["disp"] == DISP_CUSTODY),
                             ("b_adm", "b_rel", rec["breach"])):
            use = from_index & on
            beds += np.where(use, _overlap(rec[adm], np.where(use, rec[rel], 0), s, end), 0)
        out[f"bed_days_{h}"] = np.bincount(rp, weights=beds, minlength=rows.size)
        died = (death <= start_row + h) & (death != NEVER)
        out[f"death_{h}"] = died.astype(float)
        out[f"overdose_death_{h}"] = (died & overdose).astype(float)
    return out


def potential_outcomes(career: Career, horizons: tuple[int, ...], waiting: int,
                       start: Literal["release", "decision"] = "release") -> pd.DataFrame:
    """One row per index person: arm, dates and both potential outcomes plus the observed one.

    ``start="release"`` (default) measures from release under custody and from the decision under
    an alternative; ``start="decision"`` measures both arms from the index decision date, so the
    custody arm's outcomes include the index sentence (its bed-days, and no offending while held).

    Columns: ``person`` (engine number), ``record`` (position of the index case in the records),
    ``treatment`` (1 alternative, 0 custody), ``alternative_if_treated`` (engine code of the
    alternative the person receives under arm 1), ``stage`` (engine code), ``propensity_true``
    (the generator's probability of an alternative at the index decision), ``index_day``,
    ``start_day`` (observed arm), ``y1_start_day``, ``y0_start_day``, and per horizon *h* and
    measure *m*: ``y1_m_h``, ``y0_m_h`` (complete) and ``m_h`` (observed; NaN when the window plus
    waiting period passes the extract date); ``y1_time_reoffend``, ``y1_event_type``,
    ``y0_time_reoffend``, ``y0_event_type`` (complete follow-up to the longest horizon; the
    observed, censored version is the cohort's).
    """
    rows = career.rows
    rec = career.records
    obs = np.flatnonzero((rows.world == 0) & rows.forked)
    n = len(career.persons.jur)
    cf_of_person = np.full(n, -1, dtype=np.int64)
    cf = np.flatnonzero(rows.world == 1)
    cf_of_person[rows.person[cf]] = cf
    cfr = cf_of_person[rows.person[obs]]
    # Index case records of the observed rows (one per row).
    idx_rec = np.flatnonzero(rec["is_index"] & (rec["row"] < n))
    idx_rec = idx_rec[np.argsort(rec["row"][idx_rec])]
    assert np.array_equal(rec["row"][idx_rec], obs)
    cf_rec = np.flatnonzero(rec["is_index"] & (rec["row"] >= n))
    cf_rec = cf_rec[np.argsort(rec["row"][cf_rec])]
    cf_rec = cf_rec[np.searchsorted(rec["row"][cf_rec], cfr)]
    treat = (rec["disp"][idx_rec] != DISP_CUSTODY).astype(np.int8)
    if start == "decision":
        start_obs = start_cf = rec["decision"][idx_rec]
    else:
        start_obs, start_cf = rows.idx_start[obs], rows.idx_start[cfr]
    o_obs = row_outcomes(career, obs, horizons, waiting, start_obs)
    o_cf = row_outcomes(career, cfr, horizons, waiting, start_cf)
    df = pd.DataFrame({
        "person": rows.person[obs],
        "record": idx_rec,
        "cf_record": cf_rec,
        "treatment": treat,
        "alternative_if_treated": rec["alt"][idx_rec],
        "stage": rec["stage"][idx_rec],
        # true P(alternative | what the court saw) of the observed index decision (0 < p <= 1)
        "propensity_true": 1.0 - rec["p_custody"][idx_rec],
        "index_day": rec["decision"][idx_rec],
        "start_day": start_obs,
        "y1_start_day": np.where(treat == 1, start_obs, start_cf),
        "y0_start_day": np.where(treat == 0, start_obs, start_cf),
    })
    t1 = treat == 1
    for h in horizons:
        observable = start_obs + h + waiting <= career.extract
        for m in ("reoffend", "reoffences", "bed_days", "death", "overdose_death"):
            col = f"{m}_{h}"
            df[f"y1_{col}"] = np.where(t1, o_obs[col], o_cf[col])
            df[f"y0_{col}"] = np.where(t1, o_cf[col], o_obs[col])
            df[col] = np.where(observable, o_obs[col], np.nan)
    for col in ("time_reoffend", "event_type"):
        df[f"y1_{col}"] = np.where(t1, o_obs[col], o_cf[col])
        df[f"y0_{col}"] = np.where(t1, o_cf[col], o_obs[col])
    return df
