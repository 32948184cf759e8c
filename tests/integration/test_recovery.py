"""Adjusted estimates recover the generator's truth; the naive comparison does not (issues #4, #5).

Data: ``simulate(100_000, seed=2026)``, evaluation cohort of the truth's definition, court stages
(custody is impossible at the police stage). Truth: the sample values in ``data.truth`` computed
from both potential outcomes of every cohort person (``docs/methods/synth.md``), each estimator
compared with the truth of its own estimand. The repeated-sampling version (bias, coverage over
100 replications) is ``python -m benchmarks recovery`` (``docs/simulation-study.md``).
"""

from __future__ import annotations

import numpy as np
import pytest

from altmeasures_eval import matching, survival
from altmeasures_eval.synth import SyntheticData
from tests.integration._recovery import COVARIATES, HORIZON, court_cohort


#: One draw checks for gross failure, not for the exact 95 % coverage (that is the benchmark's job,
#: over 100 draws): 99.9 % intervals, as tests/synth/test_identification uses 3 SE, so that the ten
#: correct estimators checked on this draw fail together with probability about 1 %. The naive
#: estimate is more than 5 SE from the truth here. On this draw the largest miss of an adjusted
#: estimator is matching with replacement (z = +3.0): it lands inside 95 % in 20 of 20 other draws.
Z_CHECK = 3.290526731491926


def _covers(row: dict, z: float = Z_CHECK) -> bool:
    return abs(row["estimate"] - row["truth"]) <= z * row["se"]


@pytest.mark.parametrize("name", ["naive", "naive_vs_att"])
def test_naive_risk_difference_is_biased(results: dict, name: str) -> None:
    """(a) Custody goes to higher-risk people: the naive difference overstates the benefit."""
    row = results[name]
    assert not row["ci_low"] <= row["truth"] <= row["ci_high"], row  # outside its own 95 % interval
    assert row["ci_high"] < row["truth"], row  # too favourable to alternatives
    assert row["truth"] - row["estimate"] > 4 * row["se"], row


@pytest.mark.parametrize("name", ["ipw_ate", "ipw_att", "ipw_ate_true_ps", "matching_att_replace",
                                  "matching_atc_cal005", "aipw_ate"])
def test_adjusted_binary_risk_difference_covers_the_truth(results: dict, name: str) -> None:
    """(b) effects.estimate_effect after IPW (ATE, ATT; ATE also with the generator's true
    propensity, the decomposition's reference), nearest-neighbour matching on the logit
    score (ATT with replacement, 0.2 SD caliper, Abadie-Imbens SE; ATC 1:1 with a 0.05 SD caliper,
    cluster-robust SE) and AIPW (ATE): the designs that are unbiased over 100 draws."""
    row = results[name]
    assert _covers(row), row
    assert row["se"] < 0.03, row  # an informative interval, not a wide one that covers anything


@pytest.mark.parametrize("name", ["aj_cif_ate", "rmst_event_free_ate", "km_risk_ate", "matching_atc_cal005_cif"])
def test_weighted_survival_estimates_cover_the_time_to_event_truth(results: dict, name: str) -> None:
    """(c) Weighted Aalen-Johansen risk difference and event-free RMST difference at 365 days (IPW,
    ATE), and the Aalen-Johansen difference after ATC matching (matched sets as clusters).

    The truth is the time-to-event truth (``time_to_event`` in the ground truth), whose event is
    the cohort's ``time_reoffend`` event: a first-year offence proven after day 365 + 182 counts,
    so it is not the binary ``reoffend_365`` truth. ``km_risk_ate`` is 1 - Kaplan-Meier with deaths
    censored (a net risk); it is held to the CIF truth because deaths are rare (about 1 % a year).
    """
    row = results[name]
    assert _covers(row), row
    scale = 10.0 if name.startswith("rmst") else 0.03  # days / risk
    assert row["se"] < scale, row


def test_weighted_curves_equal_the_weighted_mean_of_own_arm_potential_outcomes(generated: SyntheticData) -> None:
    """Decomposition: with no censoring before day 365, the weighted Aalen-Johansen risk of each arm is
    exactly the weighted mean of that arm's potential outcome over its own members, so any gap to
    the truth is the weights' (confounding), not the estimator's or the definition's."""
    c = court_cohort(generated)
    assert (c["time_reoffend"][c["event_type"] == 0] >= HORIZON).all()  # no censoring by day 365
    ps = matching.estimate_propensity(c, "treatment", COVARIATES)
    c = c.assign(w=matching.weight_ipw(c, "treatment", ps, estimand="ATE").weights.to_numpy())
    po = generated.potential_outcomes.set_index("person_id").loc[c["person_id"]]
    aj = survival.cumulative_incidence(c, "time_reoffend", "event_type", "treatment", weights="w",
                                       times=[HORIZON], causes=[1]).summary.set_index("group")
    for a in (1, 0):
        own = (c["treatment"] == a).to_numpy()
        y = ((po[f"y{a}_event_type"] == 1) & (po[f"y{a}_time_reoffend"] <= HORIZON)).to_numpy()
        assert aj.loc[a, "estimate"] == pytest.approx(np.average(y[own], weights=c["w"].to_numpy()[own]), abs=1e-12)
    # The binary outcome with the same weights is a different quantity: late-proven offences.
    binary = np.average(c["reoffend_365"][c["treatment"] == 1], weights=c["w"][c["treatment"] == 1])
    assert aj.loc[1, "estimate"] > binary + 0.005


def test_each_estimator_is_compared_with_its_own_estimand(results: dict, generated: SyntheticData) -> None:
    from tests.integration._recovery import truth_value

    court = generated.truth["court_stages"]
    for name, row in results.items():
        assert row["truth"] == truth_value(court, name), name


def test_greedy_matching_designs_that_failed_say_so(generated: SyntheticData) -> None:
    """1:1 ATT matching without replacement, 70 % treated: about a third of the treated are matched,
    greedy pairs sit on one side on the score (bias -0.02 over 100 replications, coverage 83 %,
    ``docs/simulation-study.md``). The design must say so: the result carries the scarce-pool and
    pair-shift notes and its balance table is not balanced."""
    c = court_cohort(generated)
    ps = matching.estimate_propensity(c, "treatment", COVARIATES)
    att = matching.match_nearest(c, "treatment", ps, estimand="ATT", replace=False)
    assert any(n.startswith("fewer control units") for n in att.notes)
    assert int(att.counts.loc["matched", "treated"]) < 0.5 * int((c["treatment"] == 1).sum())
    assert not matching.balance_table(c, "treatment", COVARIATES, att).all_balanced
    atc = matching.match_nearest(c, "treatment", ps, estimand="ATC", replace=False)
    assert not any(n.startswith("fewer ") for n in atc.notes)
    # ATC with the default 0.2 SD caliper: balanced by the |SMD| < 0.1 rule on this draw, yet the
    # pairs shift on the score (bias -0.014 over 100 draws); the note says so. 0.05 SD: no shift.
    assert any(n.startswith("matched pairs differ") for n in atc.notes)
    narrow = matching.match_nearest(c, "treatment", ps, estimand="ATC", caliper=0.05, replace=False)
    assert not any(n.startswith("matched pairs differ") for n in narrow.notes)


def test_fitted_and_true_propensity_weights_agree(results: dict) -> None:
    """Decomposition: the fitted propensity model (cohort covariates) is not where error comes from:
    its IPW estimate is within a fraction of an SE of the one with the generator's true score."""
    fitted, true = results["ipw_ate"], results["ipw_ate_true_ps"]
    assert abs(fitted["estimate"] - true["estimate"]) < 0.5 * true["se"], (fitted, true)
