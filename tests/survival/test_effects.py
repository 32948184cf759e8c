"""The one-call bundle for the effects layer: same numbers as the single calls, PH-driven lead."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from altmeasures_eval.survival import hazard_ratio, risk_difference, rmst, time_to_event_effects


def test_bundle_equals_single_calls(syn):
    kw = dict(weights="w", cluster="cl", times=[100, 300])
    eff = time_to_event_effects(syn, "time", "event", "group", **kw).summary.set_index(["measure", "time"])
    rd = risk_difference(syn, "time", "event", "group", **kw).summary
    rm = rmst(syn, "time", "event", "group", **kw).summary
    hr = hazard_ratio(syn, "time", "event", "group", weights="w", cluster="cl").summary.iloc[0]
    cols = ["estimate", "se", "ci_low", "ci_high", "p_value"]
    np.testing.assert_allclose(eff.loc["risk_difference"][cols], rd[cols])
    np.testing.assert_allclose(eff.loc["rmst_difference"][cols], rm[cols])
    lhr = eff.xs("log_hazard_ratio", level="measure").iloc[0]
    assert lhr["estimate"] == pytest.approx(hr["estimate"]) and lhr["se"] == pytest.approx(hr["se"])
    ratio = eff.xs("hazard_ratio", level="measure").iloc[0]
    assert ratio[["estimate", "ci_low", "ci_high"]].tolist() == pytest.approx(
        [hr["hazard_ratio"], hr["hr_ci_low"], hr["hr_ci_high"]])


def test_lead_follows_the_ph_test():
    # Crossing hazards: the alternative group has a high hazard in the first 100 days and a low one
    # afterwards, so the hazard ratio is not constant and the bundle leads with RMST.
    rng = np.random.default_rng(5)
    n = 3000
    a = rng.integers(0, 2, n)
    early = rng.exponential(np.where(a == 1, 150, 600))
    late = 100 + rng.exponential(np.where(a == 1, 2000, 500))
    t = np.ceil(np.where(early < 100, early, late))
    c = rng.integers(300, 1000, n)
    df = pd.DataFrame({"treatment": a, "time": np.minimum(t, c).astype(float), "event": (t <= c).astype(int)})
    eff = time_to_event_effects(df, "time", "event", times=[365])
    assert eff.lead == "rmst"
    assert any("lead with RMST" in n for n in eff.notes)
    ph = time_to_event_effects(df.assign(time=np.minimum(np.ceil(rng.exponential(400, n)), c)), "time", "event",
                               times=[365])
    assert ph.lead == "hazard_ratio"
