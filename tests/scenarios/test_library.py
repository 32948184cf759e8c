"""The scenario library (issue #12, "Done when"): each data set that broke the pipeline, from the project's
generator (post-processed) and from a second generator with other functional forms, run through the
shipped sample config's cohort, design, gate, decision rules and headline effect.

One draw per scenario (fixed seed): a well-posed scenario must give an estimate whose interval covers
the generator's own truth for the population the design retained; an ill-posed one must fail the
design gate or withhold the effect with the right reason. Coverage over hundreds of draws:
``benchmarks/bench_scenarios.py`` (``docs/simulation-study.md``).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pytest

from altmeasures_eval.cohort import build_cohort
from altmeasures_eval.io import read_dataset, write_dataset
from tests.scenarios._library import PERIOD, SCENARIOS, headline, sample_spec
from tests.scenarios._second import SecondSettings, generate

pytestmark = pytest.mark.slow  # eleven draws of 3,000-20,000 persons: about 20 s in all


@pytest.fixture(scope="module")
def spec():
    return sample_spec(PERIOD)


def test_second_generator_writes_the_contract_and_the_cohort_measures_its_truth(spec):
    d = generate(SecondSettings(n_persons=1500, spell_days=30), seed=3)
    with tempfile.TemporaryDirectory() as tmp:
        write_dataset(d.dataset, tmp)
        ds = read_dataset(tmp)  # strict: raises on any contract problem
    c = build_cohort(ds, spec.cohort).data.merge(d.persons, on="person_id", suffixes=("", "_true"))
    assert len(c) == len(d.persons)
    assert (c["treatment"] == c["treatment_true"]).all()
    # the cohort's proven reoffending within a year is the generator's realised potential outcome
    assert (c["reoffend_365"] == np.where(c["treatment"] == 1, c["y1"], c["y0"])).all()
    # a fixed spell length makes prior bed-days an exact multiple of prior custody spells
    assert (c["prior_bed_days"] == 30 * c["prior_custody_spells"]).all() and c["prior_custody_spells"].max() > 1


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_scenario_recovers_the_truth_or_says_why_not(name, spec):
    scenario = SCENARIOS[name]
    draw = scenario.draw(seed=1)
    h = headline(draw.dataset, spec, draw.truth)
    assert h.matches(scenario), (h.status, h.reasons, h.aliased)
    if scenario.expect == "recover":
        assert -1 <= h.ci_low < h.estimate < h.ci_high <= 1
        assert h.covered, f"interval [{h.ci_low:.3f}, {h.ci_high:.3f}] misses the truth {h.truth:.3f}"
    else:
        assert np.isnan(h.estimate)
