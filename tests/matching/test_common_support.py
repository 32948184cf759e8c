"""Common support: levels held by one group, MatchIt's score-range discard, Crump trimming, the caliper.

Expected numbers are hand calculations written beside them, or counts read off the fixtures
(tests/matching/reference/ps_separated.csv, built by propensity_fixtures.py so that every pre-trial
case received an alternative).
"""

from __future__ import annotations

import inspect
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from altmeasures_eval.evaluation import DesignSettings
from altmeasures_eval.matching import CommonSupport, common_support, crump_alpha, estimate_propensity, match_nearest

REF = Path(__file__).parent / "reference"


@pytest.fixture(scope="module")
def separated() -> pd.DataFrame:
    return pd.read_csv(REF / "ps_separated.csv")


def test_score_range_by_hand():
    # treated scores [0.1, 0.5, 0.9], control scores [0.3, 0.6, 0.95]: overlap [0.3, 0.9]
    frame = pd.DataFrame({"t": [1, 1, 1, 0, 0, 0], "e": [0.1, 0.5, 0.9, 0.3, 0.6, 0.95]},
                         index=[10, 11, 12, 13, 14, 15])
    att = common_support(frame, "t", "e", estimand="ATT")
    assert isinstance(att, CommonSupport)
    assert att.retained.tolist() == [False, True, True, True, True, True]  # treated 0.1 < control min 0.3
    assert att.retained.index.tolist() == [10, 11, 12, 13, 14, 15]
    assert att.bounds == (0.3, 0.9)
    assert att.dropped.to_dict("records") == [
        {"reason": "no comparable person in the custody group: propensity score outside the custody group's range "
                   "(0.3 to 0.95)", "group": "alternative", "n": 1}]
    assert att.estimand_label == "people given an alternative who have a comparable custody case"
    atc = common_support(frame, "t", "e", estimand="ATC")
    assert atc.retained.tolist() == [True, True, True, True, True, False]  # control 0.95 > treated max 0.9
    assert atc.estimand_label == "people sent to custody who have a comparable alternative case"
    ate = common_support(frame, "t", "e", estimand="ATE")
    assert ate.retained.tolist() == [False, True, True, True, True, False]
    assert ate.summary.to_dict() == {"all": {"alternative": 3, "custody": 3}, "retained": {"alternative": 2, "custody": 2},
                                     "dropped": {"alternative": 1, "custody": 1}}
    none = common_support(frame, "t", "e", estimand="ATT", rule="none")
    assert none.retained.all() and none.n_dropped == 0 and none.estimand_label == "people given an alternative"
    assert none.dropped.empty and list(none.dropped.columns) == ["reason", "group", "n"]


def test_crump_fixed_and_optimal_alpha_by_hand():
    e = np.array([0.5] * 8 + [0.02, 0.98])
    frame = pd.DataFrame({"t": [1, 0] * 5, "e": e})
    cs = common_support(frame, "t", "e", estimand="ATE", rule="crump", alpha=0.1)
    assert cs.retained.tolist() == [True] * 8 + [False, False] and cs.bounds == (0.1, 0.9)
    # g = 1/(e(1-e)): eight 4s and two 51.02; max g = 51.02 > 2 mean g = 26.8, so trim. gamma solves
    # gamma = 2 E[g | g <= gamma]: gamma = 2 x 4 = 8, alpha = 1/2 - sqrt(1/4 - 1/8) = 0.146447
    assert crump_alpha(e) == pytest.approx(0.5 - np.sqrt(0.125), abs=1e-12)
    opt = common_support(frame, "t", "e", estimand="ATE", rule="crump", alpha="optimal")
    assert opt.alpha == pytest.approx(0.146447, abs=1e-6) and opt.n_dropped == 2
    assert opt.estimand_label.startswith("people whose propensity score lies between 0.15 and 0.85")
    # no trimming when max g <= 2 mean g (Crump et al. 2009, Theorem 1): all scores 0.3..0.7
    assert crump_alpha(np.linspace(0.3, 0.7, 11)) == 0.0
    with pytest.raises(Exception, match="alpha must be in"):
        common_support(frame, "t", "e", estimand="ATE", rule="crump", alpha=0.6)


def test_levels_held_by_one_group_are_left_out_first(separated):
    n_pre = int((separated["stage"] == "pre_trial").sum())
    n_alt = int((separated["t"] == 1).sum())
    ps = estimate_propensity(separated, "t", ["age", "prior_proven", "stage"])
    cs = common_support(separated, "t", ps, estimand="ATT")
    pre = (separated["stage"] == "pre_trial").to_numpy()
    assert not cs.retained[pre].any()
    first = cs.dropped.iloc[0]
    assert (first["reason"], first["group"], first["n"]) == (
        "no comparable person in the custody group: stage = pre_trial", "alternative", n_pre)
    # each person is counted once; counts add up
    assert int(cs.dropped["n"].sum()) == cs.n_dropped == int((~cs.retained).sum())
    assert int(cs.summary.loc["alternative", "all"]) == n_alt
    assert cs.estimand_label == "people given an alternative who have a comparable custody case"
    assert any(f"of {n_alt:,} people in the alternative group" in n for n in cs.notes)
    # the score range of what is left (MatchIt's discard = "treated" for the ATT)
    e, t = ps.score.to_numpy(), separated["t"].to_numpy()
    inside = ~pre
    lo, hi = e[inside & (t == 0)].min(), e[inside & (t == 0)].max()
    expected = inside & ~((t == 1) & ((e < lo) | (e > hi)))
    assert (cs.retained.to_numpy() == expected).all()
    # ATC: the pre-trial alternatives are still left out (nobody to compare them with), but the
    # population described (custody cases) keeps its name when no custody case is dropped
    atc = common_support(separated, "t", ps, estimand="ATC", rule="none")
    assert not atc.retained[pre].any() and atc.retained[~pre].all()
    assert atc.estimand_label == "people sent to custody"
    # no separation is left in the retained people, and the refit on them converges cleanly
    kept = cs.apply(separated)
    refit = estimate_propensity(kept, "t", ["age", "prior_proven", "stage"])
    assert refit.separation == () and refit.n_clipped == 0 and refit.converged


def test_levels_off_keeps_them(separated):
    ps = estimate_propensity(separated, "t", ["age", "prior_proven", "stage"])
    cs = common_support(separated, "t", ps, estimand="ATT", rule="none", levels=False)
    assert cs.retained.all()


def test_bad_input_is_named(separated):
    with pytest.raises(Exception, match="estimand must be"):
        common_support(separated, "t", np.full(len(separated), 0.5), estimand="ATX")
    with pytest.raises(Exception, match="rule must be"):
        common_support(separated, "t", np.full(len(separated), 0.5), estimand="ATT", rule="hull")
    bad = np.full(len(separated), 0.5)
    bad[7] = np.nan
    with pytest.raises(Exception, match="row 7"):
        common_support(separated, "t", bad, estimand="ATT")


def test_caliper_ignores_clipped_logits(separated):
    """Issue 12: clipped logits inflated a 0.2 SD caliper. The SD is taken over units whose score
    was not clipped: here, by hand, 0.2 x SD of the logits of the non-pre-trial people."""
    ps = estimate_propensity(separated, "t", ["age", "prior_proven", "stage"])
    assert ps.n_clipped > 0
    m = match_nearest(separated, "t", ps, caliper=0.2)
    lin = ps.linear.to_numpy()
    expected = 0.2 * np.std(lin[~ps.clipped.to_numpy()], ddof=1)
    assert m.caliper == pytest.approx(expected, rel=1e-12)
    assert m.caliper < 0.2 * np.std(lin, ddof=1) / 3  # the clipped logits (+18.4) would have tripled it at least
    assert any("clipped scores were left out of the caliper's SD" in n for n in m.notes)
    # on data restricted to common support and a refit score, nothing is clipped
    kept = common_support(separated, "t", ps, estimand="ATT").apply(separated)
    refit = estimate_propensity(kept, "t", ["age", "prior_proven", "stage"])
    m2 = match_nearest(kept, "t", refit, caliper=0.2)
    assert m2.caliper == pytest.approx(0.2 * np.std(refit.linear.to_numpy(), ddof=1), rel=1e-12)


def test_replace_default_is_the_config_default():
    """One default for `replace`, the same in the API and in [design] replace (issue 12)."""
    default = inspect.signature(match_nearest).parameters["replace"].default
    assert default is True and DesignSettings().replace is True


def test_boolean_level_held_by_one_group():
    """A boolean covariate is checked level by level: here everyone flagged is in custody (built so)."""
    rng = np.random.default_rng(0)
    d = pd.DataFrame({"x": rng.normal(size=300), "flag": rng.random(300) < 0.2})
    d["t"] = rng.binomial(1, 0.5, 300)
    d.loc[d["flag"], "t"] = 0
    n_flag = int(d["flag"].sum())
    ps = estimate_propensity(d, "t", ["x", "flag"])
    assert ps.separation == (f"flag = True: all {n_flag:,} people are in the custody group and nobody in the "
                             "alternative group (no comparable alternative case)",)
    cs = common_support(d, "t", ps, estimand="ATT", rule="none")
    assert cs.dropped.to_dict("records") == [
        {"reason": "no comparable person in the alternative group: flag = True", "group": "custody", "n": n_flag}]
    # only custody cases were left out: the ATT population keeps its name
    assert cs.estimand_label == "people given an alternative"


def test_designs_on_a_separated_score_say_so(separated):
    """Weighting or matching on a score with clipped values carries a note naming the fix."""
    from altmeasures_eval.matching import weight_ipw

    ps = estimate_propensity(separated, "t", ["age", "prior_proven", "stage"])
    n_pre = int((separated["stage"] == "pre_trial").sum())
    for design in (weight_ipw(separated, "t", ps, estimand="ATT"), match_nearest(separated, "t", ps)):
        assert any(n.startswith(f"the propensity score used has {n_pre:,} people with nobody comparable")
                   and "restrict the data to common support" in n for n in design.notes)
    kept = common_support(separated, "t", ps, estimand="ATT").apply(separated)
    refit = estimate_propensity(kept, "t", ["age", "prior_proven", "stage"])
    assert refit.overlap_note is None
    assert not any("nobody comparable" in n for n in weight_ipw(kept, "t", refit, estimand="ATT").notes)


def test_structural_non_overlap_is_balanced_only_after_restriction():
    """Issue 12's scenario: every pre-trial case got an alternative. Weighting the full cohort cannot
    balance stage (measured here: max |SMD| 0.81 after ATT weighting); leaving out the people with no
    comparable case and refitting balances every covariate (measured 0.016 < 0.1)."""
    from altmeasures_eval.matching import balance_table, weight_ipw

    rng = np.random.default_rng(21)
    n = 4000
    stage = rng.choice(["pre_trial", "trial", "sentence"], n, p=[0.25, 0.4, 0.35])
    age = rng.uniform(18, 65, n)
    prior = rng.poisson(1.5, n)
    lin = 0.5 - 0.03 * (age - 40) - 0.5 * prior + 0.6 * (stage == "trial")
    t = rng.binomial(1, 1 / (1 + np.exp(-lin)))
    t[stage == "pre_trial"] = 1
    d = pd.DataFrame({"t": t, "age": age, "prior": prior, "stage": stage})
    covs = ["age", "prior", "stage"]
    ps = estimate_propensity(d, "t", covs)
    full = balance_table(d, "t", covs, weight_ipw(d, "t", ps, estimand="ATT"))
    assert full.table.loc["stage=pre_trial", "smd_after"] > 0.5
    cs = common_support(d, "t", ps, estimand="ATT")
    kept = cs.apply(d)
    refit = estimate_propensity(kept, "t", covs)
    after = balance_table(kept, "t", covs, weight_ipw(kept, "t", refit, estimand="ATT"))
    assert after.max_abs_smd < 0.1
    assert cs.dropped.iloc[0]["reason"] == "no comparable person in the custody group: stage = pre_trial"
    # the caliper on the full data ignores the pinned logits: 0.2 SD of the unclipped logits, far
    # below 0.2 SD of all logits (measured 0.154 against 1.59)
    m = match_nearest(d, "t", ps)
    assert m.caliper < 0.2 * np.std(ps.linear.to_numpy(), ddof=1) / 5


def test_a_covariate_that_decides_everyone():
    """A jurisdiction decides the group completely (issue 12): everyone is separated, common support
    keeps nobody and says that no comparison can be made."""
    rng = np.random.default_rng(0)
    d = pd.DataFrame({"age": rng.uniform(18, 60, 400), "jurisdiction": rng.choice(["A", "B"], 400)})
    d["t"] = (d["jurisdiction"] == "A").astype(int)
    ps = estimate_propensity(d, "t", ["age", "jurisdiction"])
    assert len(ps.separation) == 2 and bool(ps.separated.all())
    for rule in ("range", "crump", "none"):
        cs = common_support(d, "t", ps, estimand="ATT", rule=rule)
        assert not cs.retained.any() and int(cs.dropped["n"].sum()) == 400
        assert "nobody is left in one of the groups: no comparison can be made" in cs.notes


def test_text_and_html(separated):
    ps = estimate_propensity(separated, "t", ["age", "prior_proven", "stage"])
    cs = common_support(separated, "t", ps, estimand="ATT")
    text = str(cs)
    assert text.startswith("Common support (ATT; score range of the other group (MatchIt discard)): the comparison "
                           "describes people given an alternative who have a comparable custody case")
    assert "stage = pre_trial" in text and "stage = pre_trial" in cs._repr_html_()
