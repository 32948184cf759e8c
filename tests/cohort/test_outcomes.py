"""Outcome rules pinned on hand-built fixtures; expected values are hand calculations stated beside them.

Convention in these tests: one index person ``p`` with an eligible fine decided on START (an
alternative, so time at risk starts on the decision date), extract date far away unless a test
is about censoring. ``day(k)`` is START + k days.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from altmeasures_eval.cohort import CohortSpec, build_cohort

START = pd.Timestamp("2020-01-10")


def day(k: int) -> str:
    return (START + pd.Timedelta(days=k)).date().isoformat()


INDEX = {"person_id": "p", "offence_date": day(-30), "decision_date": day(0), "disposition": "fine"}


def one(make, cases=(), spells=(), episodes=(), person=None, extract="2026-12-31", spec=None):
    ds = make([{"person_id": "p", **(person or {})}], [INDEX, *cases], spells, episodes, extract)
    cohort = build_cohort(ds, spec or CohortSpec())
    assert len(cohort.data) == 1
    return cohort.data.iloc[0]


def reoffence(offence: int, decision: int, **kw) -> dict:
    return {"person_id": "p", "offence_date": day(offence), "decision_date": day(decision), "iccs_code": "0501", **kw}


@pytest.mark.parametrize(
    ("offence", "counted_365"),
    [(0, 0), (1, 1), (365, 1), (366, 0)],  # window (start, start + 365]: day 0 out, day 365 in
)
def test_window_boundaries(make, offence, counted_365):
    row = one(make, [reoffence(offence, offence + 10)])
    assert row["reoffend_365"] == counted_365
    assert row["reoffences_365"] == counted_365
    # the 730-day window contains every offence day > 0 here
    assert row["reoffend_730"] == (1 if offence > 0 else 0)


@pytest.mark.parametrize(
    ("decision", "counted"),
    [(365 + 182, 1), (365 + 183, 0)],  # proven by window end + 182 days: on the day in, a day late out
)
def test_waiting_period(make, decision, counted):
    row = one(make, [reoffence(300, decision)])
    assert row["reoffend_365"] == counted
    # the same offence proven late for 365 is in time for the 730-day window (730 + 182 > decision)
    assert row["reoffend_730"] == 1


def test_not_proven_and_pending_cases_are_not_reoffences(make):
    row = one(make, [reoffence(10, 20, outcome="not_proven"), reoffence(11, 20, outcome="pending")])
    assert row["reoffend_1095"] == 0
    assert row["event_reoffend"] == 0


def test_frequency_counts_cases_on_the_same_day_and_severity_takes_the_most_serious(make):
    # two proven reoffences on day 40 (possession and robbery, 0401 = section 04 -> violent), one on day 500
    row = one(make, [reoffence(40, 60, iccs_code="060111"), reoffence(40, 70, iccs_code="0401"), reoffence(500, 520)])
    assert row["reoffences_365"] == 2
    assert row["reoffences_730"] == 3
    assert row["time_reoffend"] == 40
    assert row["severity_first"] == "violent"


def test_custody_on_reoffence_and_severity_tiers(make):
    row = one(make, [reoffence(40, 60, iccs_code="060121", disposition="custody")])
    assert row["custody_on_reoffence"] == 1
    assert row["severity_first"] == "drug_supply"  # 06012 trafficking
    row = one(make, [reoffence(40, 60, iccs_code="060111")])
    assert row["custody_on_reoffence"] == 0
    assert row["severity_first"] == "drug_personal_use"
    row = one(make)
    assert np.isnan(row["custody_on_reoffence"]) and pd.isna(row["severity_first"])


def test_time_to_first_reoffence_skips_an_earlier_offence_proven_too_late(make):
    # longest horizon 1095: offence on day 100 proven on day 1095 + 183 (too late); day 200 proven in time
    row = one(make, [reoffence(100, 1095 + 183), reoffence(200, 250)])
    assert row["time_reoffend"] == 200
    assert row["event_type"] == 1
    # ... and consistency with the binary outcome at the longest horizon
    assert row["reoffend_1095"] == 1


def test_death_is_a_competing_event_and_ends_time_at_risk(make):
    person = {"death_date": day(300), "death_cause": "overdose"}
    row = one(make, person=person)
    assert (row["time_reoffend"], row["event_reoffend"], row["event_type"]) == (300, 0, 2)
    assert (row["death_365"], row["overdose_death_365"]) == (1, 1)
    row = one(make, person={"death_date": day(400), "death_cause": "other"})
    assert (row["death_365"], row["death_730"], row["overdose_death_730"]) == (0, 1, 0)
    # a reoffence before death is the event; death afterwards does not change it
    row = one(make, [reoffence(100, 150)], person={"death_date": day(300)})
    assert (row["time_reoffend"], row["event_type"]) == (100, 1)


def test_death_before_the_start_removes_the_person(make):
    ds = make([{"person_id": "p", "death_date": day(0)}], [INDEX])
    cohort = build_cohort(ds)
    assert cohort.n == 0
    att = cohort.attrition.set_index("rule")
    assert att.loc["alive_at_start", "persons_removed"] == 1


def test_censoring_at_the_extract_date(make):
    # extract = start + 600: 365 + 182 = 547 <= 600 observable; 730 + 182 > 600 not observable
    extract = day(600)
    row = one(make, [reoffence(500, 590)], extract=extract)
    assert row["reoffend_365"] == 0
    assert np.isnan(row["reoffend_730"]) and np.isnan(row["reoffences_730"]) and np.isnan(row["bed_days_730"])
    assert np.isnan(row["death_1095"])
    # survival follow-up ends at extract - waiting = day 418; the day-500 offence is after it
    assert (row["time_reoffend"], row["event_type"]) == (600 - 182, 0)
    row = one(make, [reoffence(400, 590)], extract=extract)
    assert (row["time_reoffend"], row["event_type"]) == (400, 1)


def test_censoring_at_the_longest_horizon(make):
    row = one(make, [reoffence(1100, 1150)])
    assert (row["time_reoffend"], row["event_type"], row["reoffend_1095"]) == (1095, 0, 0)


def test_custody_outcomes_under_release_start(make):
    # custody index decided day 0, spell day 0 -> day 100; recall spell day 150 -> 170; new spell 400 -> 500
    cases = [{**INDEX, "disposition": "custody"}]
    spells = [
        {"person_id": "p", "case_id": "c0", "admission_date": day(-5), "release_date": day(0), "custody_type": "pre_trial"},
        {"person_id": "p", "case_id": "c0", "admission_date": day(0), "release_date": day(100)},
        {"person_id": "p", "case_id": "c0", "admission_date": day(150), "release_date": day(170), "custody_type": "recall_or_breach"},
        {"person_id": "p", "case_id": None, "admission_date": day(400), "release_date": day(500)},
    ]
    ds = make([{"person_id": "p"}], cases, spells, extract="2026-12-31")
    row = build_cohort(ds).data.iloc[0]
    assert row["start_date"] == pd.Timestamp(day(100)) == row["release_date_index"]
    assert row["treatment"] == 0 and np.isnan(row["measure_days"])
    # days from release (day 100): recall admission on day 150 -> 50 days
    assert (row["time_custody"], row["event_custody"]) == (50, 1)
    # window [day 100, day 465]: recall 20 days + new spell 400..465 = 65 -> 85
    assert row["bed_days_365"] == 85
    assert row["bed_days_730"] == 120  # recall 20 + new spell 100
    row = build_cohort(ds, CohortSpec(start="decision")).data.iloc[0]
    # from the decision: index spell 100 days + recall 20 + new spell 100 within 730 days
    assert row["start_date"] == pd.Timestamp(day(0))
    assert row["bed_days_730"] == 220
    assert row["time_custody"] == 150  # the index spell is not a "next" admission


def test_persons_still_in_custody_are_counted_and_excluded_under_release(make):
    persons = [{"person_id": "p"}, {"person_id": "q"}]
    cases = [{**INDEX, "disposition": "custody"}, {**INDEX, "person_id": "q", "disposition": "custody"}]
    spells = [
        {"person_id": "p", "case_id": "c0", "admission_date": day(0), "release_date": None},
        {"person_id": "q", "case_id": "c1", "admission_date": day(0), "release_date": day(30)},
    ]
    ds = make(persons, cases, spells, extract=day(400))
    cohort = build_cohort(ds)
    assert cohort.excluded_in_custody == 1
    assert list(cohort.data["person_id"]) == ["q"]
    att = cohort.attrition.set_index("rule")
    assert att.loc["not_in_custody", "persons_removed"] == 1
    assert att.loc["not_in_custody", "comparator_removed"] == 1
    assert any("still in the index custody" in n for n in cohort.notes)
    # under "decision" both stay; p is censored at the extract date
    cohort = build_cohort(ds, CohortSpec(start="decision"))
    assert cohort.excluded_in_custody == 0 and cohort.n == 2
    p = cohort.data.set_index("person_id").loc["p"]
    assert pd.isna(p["release_date_index"])
    assert (p["time_reoffend"], p["event_type"]) == (400 - 182, 0)


def test_custody_without_a_linked_spell_is_removed_under_release(make):
    ds = make([{"person_id": "p"}], [{**INDEX, "disposition": "custody"}])
    cohort = build_cohort(ds)
    assert cohort.n == 0
    assert cohort.attrition.set_index("rule").loc["release_known", "comparator_removed"] == 1
    assert build_cohort(ds, CohortSpec(start="decision")).n == 1


def test_treatment_entry_and_completion(make):
    episodes = [
        {"person_id": "p", "start_date": day(-100), "completed": True},  # before: a covariate only
        {"person_id": "p", "start_date": day(31), "completed": False},
        {"person_id": "p", "start_date": day(60), "completed": True},
    ]
    row = one(make, episodes=episodes)
    assert (row["treatment_entry_30"], row["treatment_entry_90"]) == (0, 1)
    assert row["treatment_completed"] == 0  # the first episode entered within 90 days was not completed
    assert row["prior_treatment_episodes"] == 1
    row = one(make, episodes=[{"person_id": "p", "start_date": day(30), "completed": None}])
    assert row["treatment_entry_30"] == 1 and np.isnan(row["treatment_completed"])
    row = one(make, extract=day(20))
    assert np.isnan(row["treatment_entry_30"])


def test_measure_days_of_the_alternative(make):
    ds = make([{"person_id": "p"}], [{**INDEX, "disposition": "community_service", "measure_days": 120}])
    assert build_cohort(ds).data.loc[0, "measure_days"] == 120
