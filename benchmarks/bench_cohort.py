"""Cohort build time: ``build_cohort`` on ``synth.simulate`` extracts up to 1,000,000 persons
(~3,000,000 cases), and the naive per-person implementation (``cohort._reference.naive_cohort``)
side by side with the vectorised one at a small size.

The small comparison uses :func:`quick_dataset`, a vectorised generator of canonical tables with
the shapes that matter for the cohort (about two cases per person, same-day decisions, custody spells with
open and recall spells, deaths, treatment episodes). It has no causal model: it exists to time
the builder and to feed the agreement test of the two implementations.
The machine is shared by several engineers at once: wall times are noisy (re-run to compare).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from altmeasures_eval.cohort import CohortSpec, build_cohort
from altmeasures_eval.cohort._reference import naive_cohort
from altmeasures_eval.schema import (
    ALTERNATIVE_DISPOSITIONS,
    CUSTODY_TYPES,
    DEATH_CAUSES,
    DISPOSITION_CUSTODY,
    DISPOSITION_DISMISSED,
    MODALITIES,
    OUTCOMES,
    REFERRAL_SOURCES,
    SEXES,
    STAGES,
    SUBSTANCES,
    Dataset,
    ExtractInfo,
)
from benchmarks._harness import measure

DEFAULT_SIZES = [20_000, 200_000, 1_000_000]
NAIVE_SIZE = 2_000

_ICCS = np.array(["060111", "060112", "060121", "0501", "0502", "0201", "0401", "0701", "0301"], dtype=object)
_ICCS_P = np.array([0.45, 0.08, 0.08, 0.14, 0.08, 0.06, 0.03, 0.06, 0.02])
_EPOCH = np.datetime64("2012-01-01", "D")


def _dates(day_numbers: np.ndarray) -> np.ndarray:
    d = np.asarray(day_numbers, dtype="float64")
    out = np.full(d.shape, np.datetime64("NaT"), dtype="datetime64[ns]")
    ok = np.isfinite(d)
    out[ok] = (_EPOCH + d[ok].astype("int64")).astype("datetime64[ns]")
    return out


def quick_dataset(n_persons: int, seed: int = 0, extract: str = "2024-12-31") -> Dataset:
    """Canonical tables for ``n_persons`` persons and about ``2 * n_persons`` cases (no causal model)."""
    rng = np.random.default_rng(seed)
    horizon = int((np.datetime64(extract, "D") - _EPOCH).astype(int))
    pid = np.char.add("P", np.arange(n_persons).astype(str)).astype(object)
    dead = rng.random(n_persons) < 0.06
    death = np.where(dead, rng.integers(200, horizon, n_persons), np.nan)
    persons = pd.DataFrame({
        "person_id": pid,
        "sex": rng.choice(np.array(SEXES[:2], dtype=object), n_persons),
        "birth_year": pd.array(rng.integers(1955, 2006, n_persons), dtype="Int64"),
        "jurisdiction": rng.choice(np.array(["J1", "J2", "J3"], dtype=object), n_persons),
        "death_date": _dates(death),
        "death_cause": np.where(dead, rng.choice(np.array(DEATH_CAUSES, dtype=object), n_persons), None).astype(object),
    })
    k = rng.poisson(2.0, n_persons)
    owner = np.repeat(np.arange(n_persons), k)
    offence = rng.integers(0, horizon - 30, owner.size).astype(float)
    alive = ~(offence >= death[owner])  # no offence after death
    owner, offence = owner[alive], offence[alive]
    n_c = owner.size
    decision = offence + np.ceil(rng.exponential(70.0, n_c))
    # about 5% of cases are decided together with the person's previous case (same day)
    order = np.lexsort((offence, owner))
    owner, offence, decision = owner[order], offence[order], decision[order]
    same = np.zeros(n_c, dtype=bool)
    same[1:] = (owner[1:] == owner[:-1]) & (rng.random(n_c - 1) < 0.05)
    decision[same] = np.maximum(decision[np.flatnonzero(same) - 1], offence[same] + 1)
    outcome = rng.choice(np.array(OUTCOMES, dtype=object), n_c, p=[0.82, 0.1, 0.08])
    decision[outcome == OUTCOMES[2]] = np.nan  # pending: not decided yet
    late = np.isfinite(decision) & (decision > horizon)
    decision[late] = np.nan
    outcome[late] = OUTCOMES[2]
    dispositions = np.array([DISPOSITION_CUSTODY, *ALTERNATIVE_DISPOSITIONS, DISPOSITION_DISMISSED], dtype=object)
    p_disp = np.r_[0.25, np.full(len(ALTERNATIVE_DISPOSITIONS), 0.70 / len(ALTERNATIVE_DISPOSITIONS)), 0.05]
    disposition = rng.choice(dispositions, n_c, p=p_disp)
    disposition[outcome != OUTCOMES[0]] = None
    measure_days = np.where(np.isin(disposition, ALTERNATIVE_DISPOSITIONS), rng.integers(30, 720, n_c), np.nan)
    case_id = np.char.add("C", np.arange(n_c).astype(str)).astype(object)
    cases = pd.DataFrame({
        "case_id": case_id,
        "person_id": pid[owner],
        "offence_date": _dates(offence),
        "iccs_code": rng.choice(_ICCS, n_c, p=_ICCS_P),
        "substance": rng.choice(np.array(SUBSTANCES, dtype=object), n_c),
        "stage": rng.choice(np.array(STAGES, dtype=object), n_c),
        "decision_date": _dates(decision),
        "outcome": outcome,
        "disposition": disposition,
        "measure_days": pd.array(np.where(np.isnan(measure_days), None, measure_days), dtype="Int64"),
    })
    cust = np.flatnonzero(disposition == DISPOSITION_CUSTODY)
    adm = decision[cust]
    length = np.ceil(rng.gamma(1.5, 90.0, cust.size))
    release = np.where(rng.random(cust.size) < 0.03, np.nan, np.minimum(adm + length, horizon))
    release[release >= horizon] = np.nan  # still in custody at the extract date
    recall = rng.random(cust.size) < 0.15
    r_adm = release[recall] + np.ceil(rng.exponential(120.0, recall.sum()))
    r_rel = r_adm + np.ceil(rng.exponential(40.0, recall.sum()))
    r_ok = np.isfinite(r_adm) & (r_adm < horizon)
    r_rel = np.where(r_rel >= horizon, np.nan, r_rel)
    s_case = np.r_[case_id[cust], case_id[cust][recall][r_ok]]
    s_person = np.r_[pid[owner[cust]], pid[owner[cust]][recall][r_ok]]
    spells = pd.DataFrame({
        "spell_id": np.char.add("S", np.arange(s_case.size).astype(str)).astype(object),
        "person_id": s_person,
        "case_id": s_case,
        "admission_date": _dates(np.r_[adm, r_adm[r_ok]]),
        "release_date": _dates(np.r_[release, r_rel[r_ok]]),
        "custody_type": np.r_[np.full(cust.size, CUSTODY_TYPES[1], dtype=object), np.full(r_ok.sum(), CUSTODY_TYPES[2], dtype=object)],
    })
    n_e = int(0.4 * n_persons)
    e_owner = rng.integers(0, n_persons, n_e)
    e_start = rng.integers(0, horizon, n_e).astype(float)
    e_end = e_start + np.ceil(rng.exponential(100.0, n_e))
    ongoing = e_end > horizon
    completed = pd.array(np.where(ongoing, None, rng.random(n_e) < 0.5), dtype="boolean")
    episodes = pd.DataFrame({
        "episode_id": np.char.add("E", np.arange(n_e).astype(str)).astype(object),
        "person_id": pid[e_owner],
        "case_id": np.full(n_e, None, dtype=object),
        "referral_source": rng.choice(np.array(REFERRAL_SOURCES, dtype=object), n_e),
        "modality": rng.choice(np.array(MODALITIES, dtype=object), n_e),
        "start_date": _dates(e_start),
        "end_date": _dates(np.where(ongoing, np.nan, e_end)),
        "completed": completed,
    })
    return Dataset(
        persons=persons,
        cases=cases,
        custody_spells=spells,
        treatment_episodes=episodes,
        extract=ExtractInfo(country="XXX", extract_date=pd.Timestamp(extract)),
    )


def run(sizes: list[int]) -> list[dict]:
    """Naive vs vectorised at NAIVE_SIZE on :func:`quick_dataset`; then ``build_cohort`` on
    ``synth.simulate`` extracts (``first`` with the generator's evaluation year, and ``every``)."""
    from altmeasures_eval.synth import simulate

    records: list[dict] = []
    spec = CohortSpec(period_start="2016-01-01", period_end="2020-12-31")
    small = quick_dataset(NAIVE_SIZE, seed=1)
    with measure("naive_groupby_apply", NAIVE_SIZE, records, cases=len(small.cases)):
        naive = naive_cohort(small, spec)
    with measure("build_cohort", NAIVE_SIZE, records, cases=len(small.cases)) as rec:
        fast = build_cohort(small, spec)
    rec["rows"] = fast.n
    ordered = fast.data.sort_values("person_id").reset_index(drop=True)[naive.columns]
    try:
        pd.testing.assert_frame_equal(ordered, naive, check_dtype=False, check_exact=True)
        rec["agrees_with_naive"] = True
    except AssertionError:
        rec["agrees_with_naive"] = False
    for n in sizes:
        sim = simulate(n, seed=1)
        ds = sim.dataset
        period = sim.truth["cohort_definition"]
        first = CohortSpec(period_start=period["period_start"], period_end=period["period_end"])
        for name, sp in (("build_cohort_first_year", first), ("build_cohort_every", CohortSpec(index_event="every"))):
            with measure(name, n, records, cases=len(ds.cases), spells=len(ds.custody_spells), data="synth.simulate") as rec:
                cohort = build_cohort(ds, sp)
            rec["rows"] = cohort.n
            rec["note"] = "shared 2-core machine, noisy"
        del sim, ds
    return records
