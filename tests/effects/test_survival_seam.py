"""The time-to-event seam hands the design's weights and matched sets to the survival layer."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

survival = pytest.importorskip("altmeasures_eval.survival")

from altmeasures_eval.effects import time_to_event_effect  # noqa: E402
from altmeasures_eval.matching import estimate_propensity, match_nearest, weight_ipw  # noqa: E402


@pytest.fixture(scope="module")
def cohort():
    rng = np.random.default_rng(1)
    n = 1500
    x = rng.normal(size=n)
    t = rng.binomial(1, 1 / (1 + np.exp(-(-1 + 0.7 * x))))
    time = rng.exponential(500 * np.exp(-0.3 * x + 0.2 * t))
    cens = rng.uniform(200, 1500, n)
    return pd.DataFrame({"treatment": t, "x": x, "time_reoffend": np.minimum(time, cens),
                         "event_reoffend": (time <= cens).astype(int)})


def test_matching_design_passes_weights_and_matched_sets(cohort):
    ps = estimate_propensity(cohort, "treatment", ["x"])
    m = match_nearest(cohort, "treatment", ps)
    got = time_to_event_effect(cohort, "time_reoffend", "event_reoffend", "treatment", m, times=[365])
    md = m.match_data(cohort).assign(subclass=lambda d: d["subclass"].astype(float))
    ref = survival.risk_difference(md, "time_reoffend", "event_reoffend", "treatment", weights="weights",
                                   cluster="subclass", times=[365])
    np.testing.assert_allclose(got.summary["estimate"], ref.summary["estimate"])
    np.testing.assert_allclose(got.summary["se"], ref.summary["se"])


def test_weighting_design_hazard_ratio_and_unknown_measure(cohort):
    ps = estimate_propensity(cohort, "treatment", ["x"])
    w = weight_ipw(cohort, "treatment", ps, estimand="ATE")
    hr = time_to_event_effect(cohort, "time_reoffend", "event_reoffend", "treatment", w, measure="hazard_ratio")
    assert 0 < hr.summary["hazard_ratio"].iloc[0] < 2
    with pytest.raises(Exception, match="not available"):
        time_to_event_effect(cohort, "time_reoffend", "event_reoffend", "treatment", w, measure="median")
