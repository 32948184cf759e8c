"""On generated data with known truth: bed-days agree with the cohort and the ATT recovers the truth.

Uses the synthetic generator (:mod:`altmeasures_eval.synth`), the cohort builder and the IPW
design of the matching layer: an integration test of the path the `project` command takes.
"""

from __future__ import annotations

import numpy as np
import pytest

from altmeasures_eval.population import (
    bed_days_by_group,
    count_bed_days,
    readmission_rates,
)

@pytest.fixture(scope="module")
def synthetic(ipw_synthetic):
    return ipw_synthetic


def test_bed_days_from_start_agree_with_the_cohort(synthetic):
    # Two independent implementations of the same definition (cohort builder vs this layer).
    data, cohort, _ = synthetic
    beds = count_bed_days(cohort, data.dataset.custody_spells, data.dataset.extract.extract_date,
                          window="start")
    for h in (365, 730, 1095):
        a, b = beds[f"bed_days_total_{h}"], cohort[f"bed_days_{h}"]
        # The cohort also waits the 182-day adjudication period before an outcome is observable
        # (one rule for all outcomes); bed-days need only the window itself, so they are NaN less.
        assert not (a.isna() & b.notna()).any()
        both = a.notna() & b.notna()
        assert both.sum() > 1500
        np.testing.assert_allclose(a[both], b[both])


def test_att_bed_days_ci_covers_truth(synthetic):
    data, cohort, weights = synthetic
    beds = count_bed_days(cohort, data.dataset.custody_spells, data.dataset.extract.extract_date,
                          window="start")
    res = bed_days_by_group(beds, cohort["treatment"], weights=weights, estimand="ATT")
    tab = res.summary.query("component == 'total'").set_index("horizon")
    for h in (365, 730):
        truth = data.truth["bed_days"][str(h)]["att"]  # from both potential outcomes
        assert tab.loc[h, "ci_low"] <= truth <= tab.loc[h, "ci_high"], (h, truth, tab.loc[h])


def test_decision_window_adds_the_index_spell(synthetic):
    data, cohort, weights = synthetic
    ext = data.dataset.extract.extract_date
    beds = count_bed_days(cohort, data.dataset.custody_spells, ext)
    res = bed_days_by_group(beds, cohort["treatment"], weights=weights).summary
    tot = res.query("component == 'total' and horizon == 365").iloc[0]
    idx = res.query("component == 'index' and horizon == 365").iloc[0]
    # Diverting averts the custody sentence itself: far more bed-days than the later difference.
    assert idx["mean_custody"] > 30 and tot["averted"] > 30


def test_readmission_rate_draws_centre_on_the_weighted_rates(synthetic):
    data, cohort, weights = synthetic
    beds = count_bed_days(cohort, data.dataset.custody_spells, data.dataset.extract.extract_date)
    rates = readmission_rates(cohort, beds, horizon=365, weights=weights, n_boot=300, random_state=1)
    ok = cohort["reoffend_365"].notna().to_numpy()
    t = cohort["treatment"].to_numpy()
    for arm, draws in ((1, rates.reoffend_alternative), (0, rates.reoffend_custody)):
        m = ok & (t == arm)
        point = np.average(cohort["reoffend_365"].to_numpy()[m], weights=weights[m])
        assert np.mean(draws) == pytest.approx(point, abs=3 * np.std(draws) / np.sqrt(300) + 1e-3)
        assert np.std(draws) > 0


def test_att_bed_days_averted_from_decision_covers_truth(synthetic):
    # The headline "bed-days averted per person diverted" counts from the index decision, index
    # sentence included: the generator's start = 'decision' truth (both potential outcomes).
    data, cohort, weights = synthetic
    beds = count_bed_days(cohort, data.dataset.custody_spells, data.dataset.extract.extract_date)
    tab = bed_days_by_group(beds, cohort["treatment"], weights=weights).summary
    tab = tab.query("component == 'total'").set_index("horizon")
    for h in (365, 730):
        truth = -data.truth["start_decision"]["bed_days"][str(h)]["att"]
        assert tab.loc[h, "averted_ci_low"] <= truth <= tab.loc[h, "averted_ci_high"], (h, truth, tab.loc[h])
