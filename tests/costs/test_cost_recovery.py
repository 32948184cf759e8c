"""On generated data with known truth: the adjusted cost difference recovers the truth in its CI;
bootstrap draws of the quantity differences have the spread of their standard errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from altmeasures_eval.costs import (
    compare_costs,
    cost_effect_draws,
    cost_quantities,
    monte_carlo,
    unit_costs_from_config,
)
from altmeasures_eval.effects import weighted_mean_difference
from altmeasures_eval.population import bootstrap_group_means, count_bed_days

PRICE_DAY, PRICE_REOFFENCE = 100.0, 1000.0


@pytest.fixture(scope="module")
def synthetic(ipw_synthetic):
    data, cohort, weights = ipw_synthetic
    beds = count_bed_days(cohort, data.dataset.custody_spells, data.dataset.extract.extract_date,
                          horizons=(365,), window="start")
    return data, cohort, weights, beds


def _table():
    # Only custody days and reoffences are priced, so the true cost effect is a known combination
    # of the generator's true effects on bed-days and reoffences.
    return unit_costs_from_config({
        "discount_rate": 0.0, "custody_day": PRICE_DAY, "reoffence": PRICE_REOFFENCE,
        "alternative_day": {"default": 0.0}, "treatment_day": {"default": 0.0},
        "treatment_episode": {"default": 0.0},
        "victim": {"default": 0.0},
    })


def test_att_cost_difference_ci_covers_truth(synthetic):
    data, cohort, weights, beds = synthetic
    q = cost_quantities(cohort, beds, horizons=(365,))
    res = compare_costs(q, _table(), weights=weights, estimand="ATT")
    tot = res.table.set_index(["perspective", "component"]).loc[("all", "total")]
    truth = (PRICE_DAY * data.truth["bed_days"]["365"]["att"]
             + PRICE_REOFFENCE * data.truth["reoffences"]["365"]["att"])
    assert tot["ci_low"] <= truth <= tot["ci_high"], (truth, tot.to_dict())
    assert res.npv == pytest.approx(-tot["difference"])


def test_bootstrap_sd_matches_robust_se(synthetic):
    data, cohort, weights, beds = synthetic
    y = beds["bed_days_total_365"].to_numpy()
    t = cohort["treatment"].to_numpy()
    d = bootstrap_group_means(y, t, weights, n_boot=1000, random_state=3)
    diff = d[:, 1, 0] - d[:, 0, 0]
    se = weighted_mean_difference(y, t, weights)["se"]
    assert np.std(diff, ddof=1) == pytest.approx(se, rel=0.12)


def test_cluster_bootstrap_counts_clusters_not_rows():
    # Each cluster holds two identical rows: resampling rows understates the SE by about sqrt(2).
    rng = np.random.default_rng(0)
    base = rng.normal(size=400)
    y = np.repeat(base, 2)
    t = np.repeat(np.arange(400) % 2, 2)
    cl = np.repeat(np.arange(400), 2)
    rows = bootstrap_group_means(y, t, n_boot=2000, random_state=1)[:, 1, 0].std()
    clus = bootstrap_group_means(y, t, n_boot=2000, random_state=1, cluster=cl)[:, 1, 0].std()
    assert clus / rows == pytest.approx(np.sqrt(2), rel=0.1)
    assert clus == pytest.approx(base[t[::2] == 1].std() / np.sqrt(200), rel=0.1)


def test_missing_values_left_out_per_column():
    y = np.array([[1.0, np.nan], [3.0, 10.0], [5.0, 20.0], [7.0, np.nan]])
    t = np.array([1, 1, 0, 0])
    d = bootstrap_group_means(y, t, n_boot=500, random_state=0)
    assert np.nanmax(d[:, 1, 1]) == 10.0 and np.nanmin(d[:, 1, 1]) == 10.0  # only one observed value


def test_monte_carlo_with_bootstrap_draws(synthetic):
    data, cohort, weights, beds = synthetic
    q = cost_quantities(cohort, beds, horizons=(365,))
    t = _table()
    res = compare_costs(q, t, weights=weights)
    draws = cost_effect_draws(q, t, weights, n_boot=400, random_state=2)
    assert list(draws.columns) == list(res.delta_quantities.index)
    mc = monte_carlo(res, t, effect_draws=draws, n_draws=10_000, random_state=4)
    tot = res.table.set_index(["perspective", "component"]).loc[("all", "total")]
    # Fixed prices: the NPV draws are minus the bootstrap cost differences; their SD is near the SE.
    assert np.std(mc.npv) == pytest.approx(tot["se"], rel=0.15)
    assert mc.n_effect_draws == 400
    assert isinstance(mc.summary, pd.DataFrame)
