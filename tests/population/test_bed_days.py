"""Bed-day counting on a hand-built fixture, and group means."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from altmeasures_eval.population import bed_days_by_group, count_bed_days

D = pd.Timestamp


@pytest.fixture
def fixture():
    cohort = pd.DataFrame({
        "person_id": ["P1", "P2", "P3"],
        "index_case_id": ["C1", "C2", "C3"],
        "index_date": [D("2020-01-01"), D("2020-02-01"), D("2020-03-01")],
        "treatment": [0, 1, 1],
    })
    spells = pd.DataFrame({
        "spell_id": ["s1", "s2", "s3", "s4", "s5"],
        "person_id": ["P1", "P1", "P1", "P2", "P2"],
        "case_id": ["C1", "C9", "C9", "C2", "C7"],
        "admission_date": [D("2019-12-20"), D("2020-06-01"), D("2020-06-05"), D("2020-05-01"),
                           D("2021-01-20")],
        "release_date": [D("2020-03-01"), D("2020-06-11"), D("2020-06-15"), D("2020-05-31"),
                         D("2021-03-01")],
        "custody_type": ["sentenced", "pre_trial", "sentenced", "recall_or_breach", "sentenced"],
    })
    return cohort, spells


def test_bed_days_by_hand(fixture):
    cohort, spells = fixture
    out = count_bed_days(cohort, spells, "2021-06-30", horizons=(365, 730))
    # P1 (custody): index spell nights from 2020-01-01 to 2020-03-01 = 31 + 29 = 60 (remand before
    # the decision is outside the window); later spells 06-01..06-11 and 06-05..06-15 overlap:
    # union 06-01..06-15 = 14 nights, not 10 + 10.
    # P2 (alternative): breach custody of the index case 05-01..05-31 = 30 nights, against the
    # alternative; a new spell from 2021-01-20 is cut at the window end 2021-01-31 (1 Feb 2020 + 365
    # days): 11 nights. P3: no custody, 0.
    assert out["bed_days_index_365"].tolist() == [60, 30, 0]
    assert out["bed_days_later_365"].tolist() == [14, 11, 0]
    assert out["bed_days_total_365"].tolist() == [74, 41, 0]
    # 730 days after 2020-01-01 is after the 2021-06-30 extract: not observable.
    assert out["bed_days_total_730"].isna().all()
    assert not {"person_id", "index_case_id"} & set(out.columns)


def test_open_spell_runs_to_extract(fixture):
    cohort, spells = fixture
    sp = spells.copy()
    sp.loc[0, "release_date"] = pd.NaT  # still held at the extract date 2020-12-31
    out = count_bed_days(cohort.iloc[:1], sp, "2020-12-31", horizons=(365,))
    assert out["bed_days_index_365"].iloc[0] == 365  # the whole 2020-01-01 .. 2020-12-31 window


def test_group_means_weighted_by_hand(fixture):
    cohort, spells = fixture
    beds = count_bed_days(cohort, spells, "2021-06-30", horizons=(365,))
    res = bed_days_by_group(beds, cohort["treatment"], weights=np.array([1.0, 3.0, 1.0]), effect=None)
    tot = res.summary.set_index("component").loc["total"]
    # alternative: (3 x 41 + 1 x 0) / 4 = 30.75; custody: 74; averted = 74 - 30.75 = 43.25.
    assert tot["mean_alternative"] == pytest.approx(30.75)
    assert tot["mean_custody"] == pytest.approx(74)
    assert tot["averted"] == pytest.approx(43.25)
    assert "ci_low" not in res.summary


def test_effect_function_is_used(fixture):
    cohort, spells = fixture
    beds = count_bed_days(cohort, spells, "2021-06-30", horizons=(365,))

    def effect(y, t, w, cluster=None, alpha=0.05):
        return {"estimate": -1.0, "se": 0.5, "ci_low": -2.0, "ci_high": 0.0}

    res = bed_days_by_group(beds, cohort["treatment"], effect=effect)
    assert (res.summary["averted"] == 1.0).all() and (res.summary["ci_low"] == -2.0).all()


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 400), st.integers(0, 60)), min_size=1, max_size=8),
       st.integers(1, 500))
def test_union_equals_day_by_day_count(intervals, h):
    # Property: the merged count equals counting each night in the window once.
    cohort = pd.DataFrame({"person_id": ["P"], "index_case_id": ["C"],
                           "index_date": [D("2020-01-01") + pd.Timedelta(days=50)]})
    start = D("2020-01-01")
    spells = pd.DataFrame({
        "person_id": "P", "case_id": "X",
        "admission_date": [start + pd.Timedelta(days=a) for a, _ in intervals],
        "release_date": [start + pd.Timedelta(days=a + L) for a, L in intervals],
    })
    out = count_bed_days(cohort, spells, "2030-01-01", horizons=(h,))
    nights = set()
    for a, L in intervals:
        nights |= {d for d in range(a, a + L) if 50 <= d < 50 + h}
    assert out["bed_days_total_" + str(h)].iloc[0] == len(nights)


def test_several_index_events_of_one_person(fixture):
    # index_event = "every": each row has its own window and index case; the person's spells are
    # shared. P1's second event (case C9 on 2020-06-01) has the June spells as its index sanction.
    cohort, spells = fixture
    two = pd.DataFrame({"person_id": ["P1", "P1"], "index_case_id": ["C1", "C9"],
                        "index_date": [D("2020-01-01"), D("2020-06-01")], "treatment": [0, 0]})
    out = count_bed_days(two, spells, "2021-06-30", horizons=(365,))
    assert out["bed_days_index_365"].tolist() == [60, 14]
    assert out["bed_days_later_365"].tolist() == [14, 0]


def test_cluster_widens_the_interval():
    rng = np.random.default_rng(0)
    base = rng.normal(100, 30, 200)
    beds = pd.DataFrame({"bed_days_total_365": np.repeat(base, 2)})
    t = np.repeat(np.arange(200) % 2, 2)
    person = np.repeat(np.arange(200), 2)  # each person twice (two index events, same outcome)
    se_rows = bed_days_by_group(beds, t).summary.loc[0, "se"]
    se_cl = bed_days_by_group(beds, t, cluster=person).summary.loc[0, "se"]
    assert se_cl / se_rows == pytest.approx(np.sqrt(2), rel=0.05)
