"""The time-to-event truth uses the cohort's own ``time_reoffend``/``event_type`` definition.

The binary ``reoffend_h`` counts a first-year offence only when it is proven by start + h + 182;
the cohort's time to first proven reoffence counts it when proven by start + H + 182 (H = the
longest horizon). The generator therefore publishes a separate truth for the time-to-event
estimands (cumulative incidence with death competing, event-free RMST), measured on complete
potential careers with exactly the cohort's rule.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from altmeasures_eval.cohort import CohortSpec, build_cohort
from altmeasures_eval.synth import SyntheticData
from altmeasures_eval.synth._truth import time_to_event_truth

HORIZONS = (365, 730, 1095)


def test_observed_arm_times_equal_the_cohort_where_follow_up_is_complete(small: SyntheticData) -> None:
    spec = CohortSpec(period_start="2021-01-01", period_end="2021-12-31")
    cohort = build_cohort(small.dataset, spec).data
    po = small.potential_outcomes
    m = cohort.merge(po, on="person_id", suffixes=("", "_po"))
    assert len(m) == len(po) == len(cohort) > 200
    t1 = m["treatment"].to_numpy() == 1
    t_obs = np.where(t1, m["y1_time_reoffend"], m["y0_time_reoffend"])
    e_obs = np.where(t1, m["y1_event_type"], m["y0_event_type"])
    # The cohort's follow-up is complete (T = 1095) unless start + 1095 + 182 passes the extract.
    extract = pd.Timestamp(small.truth["extract_date"])
    complete = (m["start_date"] + pd.Timedelta(days=1095 + 182) <= extract).to_numpy()
    assert complete.mean() > 0.95
    np.testing.assert_array_equal(t_obs[complete], m["time_reoffend"].to_numpy()[complete])
    np.testing.assert_array_equal(e_obs[complete], m["event_type"].to_numpy()[complete])
    # Censored earlier: the cohort's event, when there is one, is the potential one.
    ev = ~complete & (m["event_type"].to_numpy() == 1)
    np.testing.assert_array_equal(t_obs[ev], m["time_reoffend"].to_numpy()[ev])


def test_late_proven_first_year_offences_count_in_the_cif_but_not_in_reoffend_365(small: SyntheticData) -> None:
    po = small.potential_outcomes
    for a in (1, 0):
        cif = (po[f"y{a}_event_type"] == 1) & (po[f"y{a}_time_reoffend"] <= 365)
        binary = po[f"y{a}_reoffend_365"] == 1
        assert not (binary & ~cif).any()  # every binary reoffence is a time-to-event one
        assert (cif & ~binary).any()  # some first-year offences are proven after day 365 + 182
    tte = small.truth["time_to_event"]["cif_reoffend"]["365"]
    assert tte["mean_y1"] > small.truth["reoffend"]["365"]["mean_y1"]
    assert tte["mean_y0"] > small.truth["reoffend"]["365"]["mean_y0"]


def test_truth_by_hand_on_a_tiny_frame() -> None:
    """Four persons, hand-computed: CIF counts type-1 events by h; RMST is mean min(T, h)."""
    po = pd.DataFrame({
        "treatment": [1, 1, 0, 0],
        # arm 1: reoffence day 100, death day 200, event-free, reoffence day 500
        "y1_time_reoffend": [100.0, 200.0, 1095.0, 500.0], "y1_event_type": [1.0, 2.0, 0.0, 1.0],
        # arm 0: reoffence day 50, reoffence day 300, reoffence day 400, death day 1000
        "y0_time_reoffend": [50.0, 300.0, 400.0, 1000.0], "y0_event_type": [1.0, 1.0, 1.0, 2.0],
    })
    out = time_to_event_truth(po, HORIZONS)
    c = out["cif_reoffend"]["365"]
    assert c["mean_y1"] == pytest.approx(1 / 4) and c["mean_y0"] == pytest.approx(2 / 4)
    assert c["ate"] == pytest.approx(-1 / 4)
    assert c["att"] == pytest.approx(-0.5)  # treated persons 1, 2: ((1 - 1) + (0 - 1)) / 2
    assert out["cif_reoffend"]["730"]["mean_y0"] == pytest.approx(3 / 4)
    r = out["rmst_event_free"]["365"]
    assert r["mean_y1"] == pytest.approx((100 + 200 + 365 + 365) / 4)
    assert r["mean_y0"] == pytest.approx((50 + 300 + 365 + 365) / 4)
    assert out["rmst_event_free"]["1095"]["mean_y0"] == pytest.approx((50 + 300 + 400 + 1000) / 4)
    assert c["naive"] is None
