"""The time-to-event seam hands the design's weights and matched sets to the survival layer."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from altmeasures_eval import survival  # noqa: E402

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
    m = match_nearest(cohort, "treatment", ps, replace=False)
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


def test_hazard_ratio_with_replacement_two_way_variance(cohort):
    ps = estimate_propensity(cohort, "treatment", ["x"])
    m = match_nearest(cohort, "treatment", ps, replace=True, caliper=None, ratio=2)
    res = time_to_event_effect(cohort, "time_reoffend", "event_reoffend", "treatment", m, measure="hazard_ratio")
    row = res["hazard_ratio"]
    assert "two-way" in res.variance and row["scale"] == "log"
    # the point estimate is the weighted Cox fit on the matched data with each control weighted by
    # K_j = sum of 1/k_i over the sets it joins (MatchIt's weights before their rescaling of
    # control weights to the number of matched controls, which changes a Cox fit)
    md = m.match_data(cohort)
    ctrl = md["treatment"] == 0
    n_focal = int((md["treatment"] == 1).sum())
    md.loc[ctrl, "weights"] *= n_focal / int(ctrl.sum())
    ref = survival.hazard_ratio(md, "time_reoffend", "event_reoffend", "treatment", weights="weights")
    assert row["estimate"] == pytest.approx(ref.summary["hazard_ratio"].iloc[0], rel=1e-4)
    assert row["ci_low"] < row["estimate"] < row["ci_high"]


def test_two_way_equals_set_clustering_when_no_control_is_reused():
    # every control used once: V_unit = V_row (and G_unit = G_row), so the Austin-Cafri variance is
    # the set-clustered one times G/(G-1), G = 100 matched sets
    rng = np.random.default_rng(0)
    n = 400
    t = np.r_[np.ones(n // 4, int), np.zeros(3 * n // 4, int)]
    x = rng.normal(size=n)
    d = pd.DataFrame({"treatment": t, "x": x, "time_reoffend": rng.exponential(300, n) + 1,
                      "event_reoffend": rng.binomial(1, 0.7, n)})
    # a match without reuse, presented as a with-replacement result
    m0 = match_nearest(d, "treatment", "x", replace=False, caliper=None)
    m = type(m0)(**{**m0.__dict__, "settings": {**m0.settings, "replace": True}})
    res = time_to_event_effect(d, "time_reoffend", "event_reoffend", "treatment", m, measure="hazard_ratio")
    md = m0.match_data(d).assign(subclass=lambda f: f["subclass"].astype(float))
    ref = survival.hazard_ratio(md, "time_reoffend", "event_reoffend", "treatment", weights="weights",
                                cluster="subclass").summary.iloc[0]
    g = int(md["subclass"].nunique())
    assert g == 100
    assert res["hazard_ratio"]["se"] == pytest.approx(ref["se"] * np.sqrt(g / (g - 1)), rel=1e-6)
    assert res["hazard_ratio"]["estimate"] == pytest.approx(ref["hazard_ratio"], rel=1e-6)
