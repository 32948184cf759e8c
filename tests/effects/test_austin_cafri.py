"""Austin & Cafri (2020) variance of the hazard ratio after matching with replacement.

Reference: tests/effects/reference/austin_cafri_reference.R (R 4.2.2, survival 3.5-3) runs the
Austin-Cafri function (as distributed with MatchIt's effects vignette) on the expanded matched data
that austin_cafri_data.py wrote from the seeded simulated cohort austin_cafri_data.csv; its output
is austin_cafri.csv.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from altmeasures_eval.effects import time_to_event_effect
from altmeasures_eval.effects._survival_seam import two_way_variance
from altmeasures_eval.matching import estimate_propensity, match_nearest

REF = Path(__file__).parent / "reference"


@pytest.fixture(scope="module")
def cohort() -> pd.DataFrame:
    return pd.read_csv(REF / "austin_cafri_data.csv")


@pytest.mark.parametrize("ratio", [1, 2])
def test_matches_austin_cafri_r_function(cohort, ratio):
    ref = pd.read_csv(REF / "austin_cafri.csv").set_index("ratio").loc[ratio]
    ps = estimate_propensity(cohort, "treatment", ["x1", "x2"])
    m = match_nearest(cohort, "treatment", ps, replace=True, caliper=None, ratio=ratio)
    res = time_to_event_effect(cohort, "time", "event", "treatment", m, measure="hazard_ratio")
    row = res.summary.loc["hazard_ratio"]
    assert "Austin & Cafri (2020)" in res.variance
    assert f"{int(ref['n_sets'])} sets, {int(ref['n_units'])} units, {int(ref['n_rows'])} rows" in res.variance
    assert row["se"] == pytest.approx(ref["se"], rel=1e-6)  # R: 0.205591648057 (1:1), 0.166231224997 (1:2)
    # the point estimate is the one-row-per-unit fit: equal to R's expanded fit up to Efron's tie rule
    assert np.log(row["estimate"]) == pytest.approx(ref["coef"], abs=0.02)


def test_two_way_formula_by_hand():
    # G/(G-1) factors: 10/9 * 0.04 + 5/4 * 0.09 - 20/19 * 0.01 = 0.0444444 + 0.1125 - 0.0105263
    v = two_way_variance({"__set": 0.04, "__unit": 0.09, "__row": 0.01}, {"__set": 10, "__unit": 5, "__row": 20})
    assert v == pytest.approx(0.04 * 10 / 9 + 0.09 * 5 / 4 - 0.01 * 20 / 19, rel=1e-12)
    assert v == pytest.approx(0.1464181286549708, rel=1e-12)
