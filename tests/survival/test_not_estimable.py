"""No absurd numbers in time-to-event contrasts (issue #12 part 5): Kaplan-Meier risk-difference
intervals stay in [-1, 1]; a horizon or a hazard ratio that cannot be estimated is blanked with the reason.

Expected numbers: ``tests/effects/reference/newcombe_mover.out`` (R 4.2 ``prop.test`` Wilson limits
combined by Newcombe's method 10). Without censoring the Kaplan-Meier cumulative incidence is the
sample proportion and Greenwood's variance is F(1-F)/n, so the Dorey-Korn effective size is n and the
interval must equal Newcombe's.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from altmeasures_eval.survival import risk_difference, time_to_event_effects


def _uncensored(events1: int, events0: int, n: int = 10) -> pd.DataFrame:
    # events at days 1..k, everybody else followed beyond day 400 without an event
    t1 = [float(i + 1) for i in range(events1)] + [500.0] * (n - events1)
    t0 = [float(i + 1) for i in range(events0)] + [500.0] * (n - events0)
    return pd.DataFrame({"t": t1 + t0, "e": [1] * events1 + [0] * (n - events1) + [1] * events0 + [0] * (n - events0),
                         "g": [1] * n + [0] * n})


def test_uncensored_km_risk_difference_is_newcombe():
    # 9 of 10 vs 1 of 10 by day 365: Newcombe 0.3698669071 to 0.9161405732 (newcombe_mover.out);
    # the Wald interval 0.8 +- 1.96 * sqrt(0.018) = (0.537, 1.063) would leave [-1, 1]
    s = risk_difference(_uncensored(9, 1), "t", "e", "g", times=[365]).summary.iloc[0]
    assert s["estimate"] == pytest.approx(0.8)
    assert s["se"] == pytest.approx(np.sqrt(0.09 / 10 + 0.09 / 10))
    assert s["ci_low"] == pytest.approx(0.3698669071, abs=1e-9)
    assert s["ci_high"] == pytest.approx(0.9161405732, abs=1e-9)


def test_no_event_in_a_group_blanks_the_horizon_and_the_hazard_ratio():
    df = _uncensored(4, 0)
    res = risk_difference(df, "t", "e", "g", times=[365])
    assert res.summary[["estimate", "ci_low", "ci_high", "p_value"]].isna().all(axis=None)
    assert any("risk difference at 365 not estimable" in n for n in res.notes)
    eff = time_to_event_effects(df, "t", "e", "g", times=[365])
    hr = eff.summary.set_index("measure").loc[["log_hazard_ratio", "hazard_ratio"]]
    assert hr[["estimate", "ci_low", "ci_high", "p_value"]].isna().all(axis=None)
    assert eff.lead == "rmst" and any("hazard ratio not estimable: no event in group 0" in n for n in eff.notes)


def test_weighted_km_risk_difference_stays_in_unit_range():
    rng = np.random.default_rng(8)
    n = 40
    df = pd.DataFrame({"t": rng.integers(1, 400, 2 * n).astype(float), "g": [1] * n + [0] * n,
                       "w": rng.uniform(0.2, 5, 2 * n)})
    df["e"] = (rng.uniform(size=2 * n) < np.where(df["g"] == 1, 0.9, 0.1)).astype(int)
    s = risk_difference(df, "t", "e", "g", weights="w", times=[300]).summary.iloc[0]
    assert -1 <= s["ci_low"] < s["estimate"] < s["ci_high"] <= 1
