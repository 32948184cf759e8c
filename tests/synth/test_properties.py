"""Properties that hold for every size, seed, effect and confounding strength (hypothesis)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from altmeasures_eval.synth import simulate

from ._invariants import assert_contract_invariants


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    n=st.integers(min_value=50, max_value=2_500),
    seed=st.integers(min_value=0, max_value=2**40),
    hr=st.floats(min_value=0.3, max_value=1.5),
    confounding=st.floats(min_value=0.0, max_value=2.0),
)
def test_any_setting_gives_valid_data_and_coherent_truth(n: int, seed: int, hr: float,
                                                         confounding: float) -> None:
    data = simulate(n, seed, effects=hr, confounding=confounding)
    assert_contract_invariants(data.dataset)
    assert len(data.dataset.persons) == n
    po, truth = data.potential_outcomes, data.truth
    assert truth["n"]["cohort"] == len(po) == truth["n"]["treated"] + truth["n"]["control"]
    if len(po) == 0:
        return
    t = po["treatment"].to_numpy() == 1
    for h in (365, 730, 1095):
        for m in ("reoffend", "reoffences", "bed_days", "death"):
            y1, y0, obs = (po[f"{p}{m}_{h}"].to_numpy() for p in ("y1_", "y0_", ""))
            assert not np.isnan(y1).any() and not np.isnan(y0).any()
            seen = ~np.isnan(obs)
            assert np.array_equal(obs[seen], np.where(t, y1, y0)[seen])
            assert (y1 >= 0).all() and (y0 >= 0).all()
        # A binary outcome is 1 exactly when its count is positive; risks grow with the horizon.
        assert np.array_equal(po[f"y1_reoffend_{h}"] > 0, po[f"y1_reoffences_{h}"] > 0)
    assert (po["y1_reoffend_730"] >= po["y1_reoffend_365"]).all()
    assert (po["y0_bed_days_1095"] >= po["y0_bed_days_730"]).all()
    r = truth["reoffend"]["365"]
    if t.any() and (~t).any():
        assert r["ate"] == pytest.approx((r["att"] * t.sum() + r["atc"] * (~t).sum()) / t.size)
