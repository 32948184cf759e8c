"""Integration with the synthetic generator: on generated data, the observed outcomes of the cohort
reproduce the generator's simulated outcomes (``SyntheticData.potential_outcomes``: the observed
outcome of every eligible index person, computed by the generator from the careers it simulated,
under the definition shared with the cohort builder)."""

from __future__ import annotations

import pandas as pd
import pytest

from altmeasures_eval.cohort import CohortSpec, build_cohort

from altmeasures_eval import synth

MEASURES = ("reoffend", "reoffences", "bed_days", "death", "overdose_death")


def _spec(truth: dict) -> CohortSpec:
    d = dict(truth["cohort_definition"])
    d.pop("not_in_either_group")
    if d["stages"] == "all":
        d.pop("stages")
    return CohortSpec.from_config(d)


@pytest.fixture(scope="module", params=[(12_000, 7), (5_000, 3)], ids=["n12000-seed7", "n5000-seed3"])
def pair(request):
    n, seed = request.param
    sim = synth.simulate(n, seed=seed)
    cohort = build_cohort(sim.dataset, _spec(sim.truth))
    return sim, cohort


def test_spec_of_the_truth_is_the_default_spec_with_a_period(pair):
    sim, cohort = pair
    assert cohort.spec == CohortSpec(period_start=cohort.spec.period_start, period_end=cohort.spec.period_end)


def test_same_index_persons_cases_groups_and_dates(pair):
    sim, cohort = pair
    po = sim.potential_outcomes.sort_values("person_id").reset_index(drop=True)
    data = cohort.data.sort_values("person_id").reset_index(drop=True)
    assert len(data) > 300
    cols = ["person_id", "index_case_id", "treatment", "disposition", "stage", "index_date", "start_date"]
    pd.testing.assert_frame_equal(data[cols], po[cols], check_dtype=False)


@pytest.mark.parametrize("measure", MEASURES)
def test_observed_outcomes_reproduce_the_generator(pair, measure):
    sim, cohort = pair
    po = sim.potential_outcomes.set_index("person_id")
    data = cohort.data.set_index("person_id").loc[po.index]
    cols = [f"{measure}_{h}" for h in cohort.spec.horizons]
    pd.testing.assert_frame_equal(data[cols], po[cols], check_dtype=False, check_exact=True)


def test_attrition_reconciles_on_generated_data(pair):
    sim, cohort = pair
    att = cohort.attrition
    assert att.loc[0, "persons_remaining"] == len(sim.dataset.persons)
    assert att.loc[0, "cases_remaining"] == len(sim.dataset.cases)
    for col in ("persons", "cases"):
        assert (att[f"{col}_remaining"].shift(1)[1:] - att[f"{col}_removed"][1:] == att[f"{col}_remaining"][1:]).all()
    last = att.iloc[-1]
    assert last["persons_remaining"] == cohort.n == sim.truth["n"]["cohort"]
    assert (last["alternative_remaining"], last["comparator_remaining"]) == (
        sim.truth["n"]["treated"], sim.truth["n"]["control"],
    )
