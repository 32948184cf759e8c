"""Eligibility, index events, treatment groups, covariates at index and the attrition flow."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from altmeasures_eval.cohort import ATTRITION_COLUMNS, CohortSpec, build_cohort, cohort_columns


def case(pid: str, decision: str, **kw) -> dict:
    offence = (pd.Timestamp(decision) - pd.Timedelta(days=20)).date().isoformat()
    return {"person_id": pid, "offence_date": offence, "decision_date": decision, **kw}


def persons(*ids: str, **kw) -> list[dict]:
    return [{"person_id": i, **kw} for i in ids]


def test_columns_and_dtypes_follow_the_interface(make):
    ds = make(persons("a"), [case("a", "2020-03-01")])
    data = build_cohort(ds).data
    assert list(data.columns) == cohort_columns((365, 730, 1095))
    assert data["treatment"].dtype == np.int8
    assert data["index_date"].dtype == "datetime64[ns]"
    assert data["reoffend_365"].dtype == np.float64
    assert data["prior_proven"].dtype == np.int64
    assert build_cohort(ds, CohortSpec(horizons=(180,))).data.columns.str.endswith("_180").sum() == 5


def test_first_eligible_decision_is_the_index_event(make):
    cases = [
        case("a", "2019-06-01", disposition="custody", iccs_code="0501"),  # not an eligible offence
        case("a", "2020-02-01", disposition="probation"),
        case("a", "2020-05-01", disposition="custody"),
    ]
    row = build_cohort(make(persons("a"), cases)).data.iloc[0]
    assert row["index_case_id"] == "c1" and row["disposition"] == "probation" and row["treatment"] == 1
    # pre-index history: the 2019 case; the later eligible decision is an outcome, not a covariate
    assert row["prior_proven"] == 1 and row["has_prior"] == 1
    assert row["days_since_last_proven"] == (pd.Timestamp("2020-02-01") - pd.Timestamp("2019-06-01")).days


def test_index_disposition_not_in_a_group_removes_the_person_rather_than_picking_a_later_one(make):
    cases = [case("a", "2020-02-01", disposition="dismissed"), case("a", "2020-05-01", disposition="fine")]
    cohort = build_cohort(make(persons("a"), cases))
    assert cohort.n == 0
    assert cohort.attrition.set_index("rule").loc["treatment_group", "persons_removed"] == 1


def test_every_eligible_decision_with_every_option(make):
    cases = [case("a", "2020-02-01"), case("a", "2020-05-01", disposition="probation"), case("b", "2020-03-01")]
    data = build_cohort(make(persons("a", "b"), cases), CohortSpec(index_event="every")).data
    assert list(zip(data["person_id"], data["index_case_id"])) == [("a", "c0"), ("a", "c1"), ("b", "c2")]
    # the second event of a is a reoffence of the first (offence 2020-04-11 after 2020-02-01)
    assert data.loc[0, "reoffend_365"] == 1
    assert data.loc[1, "prior_proven"] == 1


def test_several_cases_on_one_day_form_one_event_with_the_most_restrictive_disposition(make):
    cases = [
        case("a", "2020-02-01", disposition="fine"),
        case("a", "2020-02-01", disposition="custody", iccs_code="0501"),  # theft sentenced the same day
    ]
    spells = [{"person_id": "a", "case_id": "c1", "admission_date": "2020-02-01", "release_date": "2020-04-01"}]
    cohort = build_cohort(make(persons("a"), cases, spells))
    row = cohort.data.iloc[0]
    assert row["index_case_id"] == "c0"  # the eligible case
    assert row["disposition"] == "custody" and row["treatment"] == 0
    assert row["start_date"] == pd.Timestamp("2020-04-01")
    assert row["prior_proven"] == 0  # same-day cases are part of the index decision, not history
    att = cohort.attrition.set_index("rule")
    assert att.loc["index_event", "cases_remaining"] == 1


def test_two_eligible_cases_on_one_day_count_once(make):
    cases = [case("a", "2020-02-01", disposition="fine"), case("a", "2020-02-01", disposition="probation")]
    cohort = build_cohort(make(persons("a"), cases))
    assert cohort.n == 1
    # fine and probation: vocabulary order decides (probation is listed before fine)
    assert cohort.data.loc[0, "disposition"] == "probation"
    assert cohort.attrition.set_index("rule").loc["index_event", "cases_removed"] == 1


@pytest.mark.parametrize(
    ("other", "kept"),
    [
        ({"iccs_code": "02011", "same_case": True}, False),  # assault in the same case
        ({"iccs_code": "060121"}, False),  # trafficking decided the same day
        ({"iccs_code": "0301", "outcome": "not_proven"}, True),  # not proven: not decided against the person
        ({"iccs_code": "060121", "decision_date": "2020-02-02"}, True),  # the next day
        ({"iccs_code": "0501"}, True),  # theft the same day is not an exclusion
    ],
)
def test_exclusions_in_the_same_case_or_on_the_same_decision_date(make, other, kept):
    other = dict(other)
    same_case = other.pop("same_case", False)
    cases = [case("a", "2020-02-01", case_id="k1"), case("a", other.pop("decision_date", "2020-02-01"), **other)]
    if same_case:
        cases[1]["case_id"] = "k1"  # a second offence row of the same case
    else:
        cases[1]["case_id"] = "k2"
    cohort = build_cohort(make(persons("a"), cases))
    assert (cohort.n == 1) is kept


def test_stage_period_and_minimum_age(make):
    ps = [{"person_id": "young", "birth_year": 2003}, {"person_id": "adult", "birth_year": 2002}, {"person_id": "nobirth", "birth_year": None}]
    cases = [case(p["person_id"], "2020-06-01") for p in ps] + [
        case("adult", "2019-12-31", stage="police"),
    ]
    ds = make(ps, cases)
    # 2020 - 2003 = 17 < 18 removed; 2020 - 2002 = 18 kept; unknown birth year removed, and counted
    # as such, not as under age
    cohort = build_cohort(ds)
    assert list(cohort.data["person_id"]) == ["adult"]
    removed = dict(zip(cohort.attrition["rule"], cohort.attrition["persons_removed"]))
    assert (removed["birth_year_known"], removed["min_age"]) == (1, 1)
    spec = CohortSpec(period_start="2020-01-01", period_end="2020-12-31", min_age=0)
    data = build_cohort(ds, spec).data
    assert set(data["person_id"]) == {"young", "adult"}
    assert (data["index_date"] >= "2020-01-01").all()
    # adult was 2019 - 2002 = 17 at the 2019 police decision: with min_age 0 and no period it is
    # the index; restricted to the trial stage it is not
    data = build_cohort(ds, CohortSpec(min_age=0)).data.set_index("person_id")
    assert data.loc["adult", "stage"] == "police"
    data = build_cohort(ds, CohortSpec(min_age=0, stages=("trial",))).data.set_index("person_id")
    assert data.loc["adult", "index_date"] == pd.Timestamp("2020-06-01")


def test_one_alternative_against_custody_and_type_against_type(make):
    cases = [
        case("a", "2020-02-01", disposition="treatment_order"),
        case("b", "2020-02-01", disposition="fine"),
        case("c", "2020-02-01", disposition="custody"),
    ]
    spells = [{"person_id": "c", "case_id": "c2", "admission_date": "2020-02-01", "release_date": "2020-03-01"}]
    ds = make(persons("a", "b", "c"), cases, spells)
    data = build_cohort(ds, CohortSpec(alternatives=("treatment_order",))).data
    assert dict(zip(data["person_id"], data["treatment"])) == {"a": 1, "c": 0}
    data = build_cohort(ds, CohortSpec(alternatives=("treatment_order",), comparators=("fine",))).data
    assert dict(zip(data["person_id"], data["treatment"])) == {"a": 1, "b": 0}
    # a non-custodial comparator starts at its decision date
    assert (data["start_date"] == data["index_date"]).all()


def test_covariates_use_only_information_from_before_the_index_date(make):
    index = "2020-06-01"
    d = pd.Timestamp(index)

    def before(k: int) -> str:
        return (d - pd.Timedelta(days=k)).date().isoformat()

    cases = [
        case("a", before(2000), iccs_code="0201"),  # violent, > 5 years
        case("a", before(1826), iccs_code="060111", disposition="custody"),  # exactly 5 years (in)
        case("a", before(731), iccs_code="0501"),  # just over 2 years
        case("a", before(730), iccs_code="0501"),  # exactly 2 years (in)
        case("a", before(10), iccs_code="0501", outcome="pending"),  # not proven: not history
        case("a", index),  # the index
        case("a", "2020-07-01", iccs_code="0201"),  # after: an outcome, never a covariate
    ]
    spells = [
        {"person_id": "a", "case_id": "c1", "admission_date": before(1826), "release_date": before(1726)},
        {"person_id": "a", "case_id": "c5", "admission_date": before(5), "release_date": index, "custody_type": "pre_trial"},
        {"person_id": "a", "case_id": "c6", "admission_date": "2020-07-01", "release_date": "2020-08-01"},
    ]
    episodes = [
        {"person_id": "a", "start_date": before(300)},
        {"person_id": "a", "start_date": index},  # on the index date: not prior
    ]
    spec = CohortSpec(period_start="2020-01-01")  # the 2015 drug case is history, not the index
    row = build_cohort(make(persons("a"), cases, spells, episodes), spec).data.iloc[0]
    assert row["index_case_id"] == "c5"
    expected = {
        "prior_proven": 4,
        "prior_drug": 1,
        "prior_violent": 1,
        "prior_proven_2y": 1,
        "prior_proven_5y": 3,
        "days_since_last_proven": 730,
        "prior_custody_spells": 1,  # the remand spell of the index case is not history
        "prior_bed_days": 100,
        "prior_treatment_episodes": 1,
        "has_prior": 1,
        "age": 40,
        "index_year": 2020,
    }
    assert {k: row[k] for k in expected} == expected


def test_attrition_reconciles_and_ends_at_the_cohort(make):
    ps = persons("a", "b", "c", "d", "e", "f", "g") + [{"person_id": "kid", "birth_year": 2010}]
    cases = [
        case("a", "2020-02-01"),
        case("a", "2020-03-01"),
        case("b", "2020-02-01", outcome="not_proven"),
        case("c", "2020-02-01", iccs_code="0501"),
        case("d", "2020-02-01", disposition="custody"),  # still in custody
        case("e", "2020-02-01", disposition="custody"),  # no spell
        case("f", "2020-02-01", disposition="dismissed"),
        case("kid", "2020-02-01"),
    ]
    spells = [{"person_id": "d", "case_id": "c4", "admission_date": "2020-02-01", "release_date": None}]
    cohort = build_cohort(make(ps, cases, spells))
    att = cohort.attrition
    assert list(att.columns) == list(ATTRITION_COLUMNS)
    assert att.loc[0, "persons_remaining"] == 8 and att.loc[0, "cases_remaining"] == 8
    for col in ("persons", "cases", "alternative", "comparator"):
        rem, removed = att[f"{col}_remaining"], att[f"{col}_removed"]
        ok = rem.notna() & rem.shift().notna()
        assert (rem.shift()[ok] - removed[ok] == rem[ok]).all()
    last = att.iloc[-1]
    assert last["persons_remaining"] == cohort.data["person_id"].nunique() == cohort.n == 1
    assert last["alternative_remaining"] + last["comparator_remaining"] == cohort.n
    removed = dict(zip(att["rule"], att["persons_removed"]))
    assert removed == {
        "data": 0, "proven": 2, "eligible_offence": 1, "stage": 0, "period": 0, "exclusion": 0,
        "birth_year_known": 0, "min_age": 1, "index_event": 0, "treatment_group": 1, "release_known": 1, "alive_at_start": 0,
        "not_in_custody": 1,
    }


def test_unknown_person_is_a_clear_data_contract_error(make):
    from altmeasures_eval._errors import DataContractError

    ds = make(persons("a"), [case("zz", "2020-02-01")])
    with pytest.raises(DataContractError, match=r"'cases', column 'person_id'.*row 0 \('zz'\)"):
        build_cohort(ds)


def test_duplicated_person_is_a_clear_data_contract_error(make):
    from altmeasures_eval._errors import DataContractError

    ds = make(persons("a", "b", "a"), [case("a", "2020-02-01")])
    with pytest.raises(DataContractError, match=r"'persons', column 'person_id': duplicated id 'a' at row 2"):
        build_cohort(ds)


def test_unknown_person_in_custody_spells_names_the_table(make):
    from altmeasures_eval._errors import DataContractError

    spells = [{"person_id": "ghost", "case_id": None, "admission_date": "2020-01-01", "release_date": "2020-02-01"}]
    ds = make(persons("a"), [case("a", "2020-02-01")], spells)
    with pytest.raises(DataContractError, match=r"'custody_spells', column 'person_id'.*'ghost'"):
        build_cohort(ds)


def test_every_event_uses_its_own_custody_spell(make):
    cases = [
        case("a", "2020-02-01", disposition="custody"),
        case("a", "2021-03-01", disposition="custody"),
    ]
    spells = [
        {"person_id": "a", "case_id": "c0", "admission_date": "2020-02-01", "release_date": "2020-06-01"},
        {"person_id": "a", "case_id": "c1", "admission_date": "2021-03-01", "release_date": "2021-05-01"},
    ]
    data = build_cohort(make(persons("a"), cases, spells), CohortSpec(index_event="every")).data
    assert list(data["start_date"]) == [pd.Timestamp("2020-06-01"), pd.Timestamp("2021-05-01")]
    # first event: the second spell is the next custody admission, 273 days after release
    assert data.loc[0, "time_custody"] == (pd.Timestamp("2021-03-01") - pd.Timestamp("2020-06-01")).days
    # second event: the first spell is history (2020-02-01 to 2020-06-01: 29+31+30+31 = 121 bed-days), its own spell is not
    assert (data.loc[1, "prior_custody_spells"], data.loc[1, "prior_bed_days"]) == (1, 121)
    assert data.loc[1, "event_custody"] == 0


def test_empty_data_gives_an_empty_cohort_with_every_column(make):
    cohort = build_cohort(make(persons("a")))
    assert cohort.n == 0 and list(cohort.data.columns) == cohort_columns()
    assert cohort.attrition["persons_remaining"].tolist()[:2] == [1, 0]


def test_empty_period_with_custody_spells_gives_an_empty_cohort(make):
    """Issue #14: spells linked to cases but no index event (an empty period) raised IndexError in
    cohort/_index.py; now an empty cohort whose attrition says which rule emptied it, and
    ``require_groups`` turns that into a clear error."""
    from altmeasures_eval._errors import ConfigError

    cases = [case("a", "2020-02-01", disposition="custody"), case("b", "2020-03-01")]
    spells = [{"person_id": "a", "case_id": "c0", "admission_date": "2020-02-01", "release_date": "2020-06-01"}]
    cohort = build_cohort(make(persons("a", "b"), cases, spells),
                          CohortSpec(period_start="2023-01-01", period_end="2023-06-30"))
    assert cohort.n == 0 and list(cohort.data.columns) == cohort_columns()
    with pytest.raises(ConfigError, match=r"the cohort is empty: the rule 'period' .* removed the last 2 people"):
        cohort.require_groups(1)


def test_require_groups_names_the_group_sizes(make):
    from altmeasures_eval._errors import ConfigError

    cohort = build_cohort(make(persons("a"), [case("a", "2020-02-01")]))
    assert cohort.n == 1
    cohort.require_groups(0)
    with pytest.raises(ConfigError, match=r"1 people given an alternative and 0 comparators; at least 2"):
        cohort.require_groups(2)
