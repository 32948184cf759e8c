"""The seam's ``measure="cif_difference"``: Aalen-Johansen risk differences for a design."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from altmeasures_eval import survival
from altmeasures_eval.effects import time_to_event_effect
from altmeasures_eval.matching import estimate_propensity, match_nearest, weight_ipw


@pytest.fixture(scope="module")
def cohort() -> pd.DataFrame:
    rng = np.random.default_rng(4)
    n = 1500
    x = rng.normal(size=n)
    t = rng.binomial(1, 1 / (1 + np.exp(-(-0.5 + 0.7 * x))))
    reoffence = rng.exponential(500 * np.exp(-0.3 * x + 0.2 * t))
    death = rng.exponential(4000, n)
    cens = rng.uniform(200, 1500, n)
    time = np.minimum.reduce([reoffence, death, cens])
    etype = np.where(time == reoffence, 1, np.where(time == death, 2, 0))
    return pd.DataFrame({"treatment": t, "x": x, "time_reoffend": np.ceil(time), "event_type": etype,
                         "event_reoffend": (etype == 1).astype(int)})


def test_matched_sets_become_clusters(cohort: pd.DataFrame) -> None:
    ps = estimate_propensity(cohort, "treatment", ["x"])
    m = match_nearest(cohort, "treatment", ps, estimand="ATC", replace=False)
    got = time_to_event_effect(cohort, "time_reoffend", "event_type", "treatment", m, measure="cif_difference",
                               times=[365, 730])
    md = m.match_data(cohort).assign(subclass=lambda d: d["subclass"].astype(float))
    ref = survival.cumulative_incidence_difference(md, "time_reoffend", "event_type", "treatment",
                                                   weights="weights", cluster="subclass", times=[365, 730])
    np.testing.assert_allclose(got.summary["estimate"], ref.summary["estimate"])
    np.testing.assert_allclose(got.summary["se"], ref.summary["se"])
    assert "clusters of '__set'" in got.variance


def test_without_competing_events_it_is_the_kaplan_meier_risk_difference(cohort: pd.DataFrame) -> None:
    """One cause only: Aalen-Johansen = 1 - Kaplan-Meier, and its IJ influence = KM's (independent code)."""
    ps = estimate_propensity(cohort, "treatment", ["x"])
    w = weight_ipw(cohort, "treatment", ps, estimand="ATE")
    cif = time_to_event_effect(cohort, "time_reoffend", "event_reoffend", "treatment", w, measure="cif_difference",
                               times=[200, 365, 730])
    km = time_to_event_effect(cohort, "time_reoffend", "event_reoffend", "treatment", w, measure="risk_difference",
                              times=[200, 365, 730])
    np.testing.assert_allclose(cif.summary["estimate"], km.summary["estimate"], rtol=1e-12)
    np.testing.assert_allclose(cif.summary["se"], km.summary["se"], rtol=1e-10)
