"""Abadie-Imbens (2016) adjustment for matching on an estimated logistic propensity score.

The tiny fixture is computed by hand (arithmetic in the comments); the properties are checked on
simulated data; the coverage simulation is small here (the full one is benchmarks/bench_simulation.py).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from altmeasures_eval._errors import ConfigError
from altmeasures_eval.effects import estimate_effect
from altmeasures_eval.effects._abadie_imbens import ps_estimation_adjustment
from altmeasures_eval.matching import estimate_propensity, match_nearest

# unit: 0    1    2    3    4    5
T = np.array([1, 0, 1, 0, 1, 0])
S = np.array([0.0, 0.1, 1.0, 1.2, 2.2, 2.5])  # distance the neighbours are found on
XC = np.array([0.0, 1.0, 2.0, 1.0, 4.0, 3.0])  # covariate (design = [1, x])
Y = np.array([1.0, 0.0, 3.0, 2.0, 4.0, 1.0])
E = np.array([0.25, 0.25, 0.5, 0.5, 0.75, 0.75])  # f = e(1-e) = 3/16, 3/16, 1/4, 1/4, 3/16, 3/16
X = np.column_stack([np.ones(6), XC])


def _run(estimand, tau):
    # mu_1 - mu_0 imputed on the score here, so that the fixture's neighbours are those listed below
    return ps_estimation_adjustment(Y, T, E, X, estimand, tau, M=1, L=2, score=S, impute_on=S)


def test_effects_are_imputed_on_the_covariates_by_default():
    # x = 0, 0.4, 3, 2 (t = 1, 0, 1, 0): nearest on x pairs 0-1 and 2-3, so mu_diff = 5-1, 5-1,
    # 10-4, 10-4; on the score (0, 2.9, 3, 0.1) unit 0 would take unit 3 instead (5 - 4)
    t = np.array([1, 0, 1, 0])
    x = np.column_stack([np.ones(4), [0.0, 0.4, 3.0, 2.0]])
    y = np.array([5.0, 1.0, 10.0, 4.0])
    e = np.array([0.3, 0.6, 0.7, 0.4])
    r = ps_estimation_adjustment(y, t, e, x, "ATT", 5.0, M=1, L=2, score=np.array([0.0, 2.9, 3.0, 0.1]))
    np.testing.assert_allclose(r["mu_diff"], [4, 4, 6, 6])


def test_pieces_by_hand():
    r = _run("ATE", 5 / 3)
    # cov_w at a unit of group w: L = 2 units of group w counting the unit (the unit and its nearest
    # other unit of group w; Stata's teffects psmatch vce(robust, nn(2)) and teffects-r's psmatch
    # same-group plan); at a unit of the other group: its 2 nearest units of group w. Sample
    # covariance of (x, y), ddof 1; intercept 0.
    # treated 0, 2, 4 (x 0, 2, 4; y 1, 3, 4): at 0 -> {0, 2} and 2 -> {2, 0} (1.0 < 1.2): x 0, 2;
    #   y 1, 3: (-1)(-1) + (1)(1) = 2; at 4 -> {4, 2}: x 4, 2; y 4, 3: (1)(1/2) + (-1)(-1/2) = 1;
    #   at control 1 -> {0, 2}: 2; at 3 and 5 -> {2, 4}: 1
    np.testing.assert_allclose(r["cov1"], [[0, 2], [0, 2], [0, 2], [0, 1], [0, 1], [0, 1]])
    # controls 1, 3, 5 (x 1, 1, 3; y 0, 2, 1): at 1 -> {1, 3} and 3 -> {3, 1} (1.1 < 1.3): dx 0,
    #   cov 0; at 5 -> {5, 3}: x 3, 1; y 1, 2: (1)(-1/2) + (-1)(1/2) = -1; at treated 0 -> {1, 3}
    #   and 2 -> {3, 1}: 0; at 4 -> {5, 3}: -1
    np.testing.assert_allclose(r["cov0"], [[0, 0], [0, 0], [0, 0], [0, 0], [0, -1], [0, -1]])
    # own outcome minus / plus the nearest unit of the other group: 1-0, 1-0, 3-2, 3-2, 4-1, 4-1
    np.testing.assert_allclose(r["mu_diff"], [1, 1, 1, 1, 3, 3])
    # H = sum f X X' = [[5/4, 9/4], [9/4, 49/8]], det 83/32
    np.testing.assert_allclose(r["H"], [[1.25, 2.25], [2.25, 6.125]])


def test_ate_adjustment_by_hand():
    # c_x = mean f (cov1/e + cov0/(1-e)) = (3/16*8 + 3/16*8 + 1/4*4 + 1/4*2 + 3/16*(4/3 - 4)
    #       + 3/16*(4/3 - 4)) / 6 = (3/2 + 3/2 + 1 + 1/2 - 1/2 - 1/2) / 6 = 7/12
    # H^-1 = [[196, -72], [-72, 40]] / 83, so c' H^-1 c = 40 (7/12)^2 / 83 = 245/1494
    r = _run("ATE", 5 / 3)
    np.testing.assert_allclose(r["c"], [0, 7 / 12])
    assert r["adjustment"] == pytest.approx(-245 / 1494, rel=1e-12)


def test_att_adjustment_by_hand():
    # Published form (Abadie & Imbens 2016, Theorem 2; as in teffects-r's .teffects_psmatch_adjustment):
    # c_t = sum X f (mubar_1 - mubar_0 - tau) / N_1 + sum f (cov1 + e/(1-e) cov0) / N_1, N_1 = 3.
    # mubar_w on the score, L = 2 units of group w (other than the unit itself):
    #   mubar_1 = 3.5, 2, 2.5, 3.5, 2, 3.5; mubar_0 = 1, 1.5, 1, 0.5, 1.5, 1 -> diff 2.5, .5, 1.5, 3, .5, 2.5
    # f (diff - 5/3) = 5/32, -7/32, -1/24, 1/3, -7/32, 5/32 -> c1 = (1/6, -3/4) / 3 = (1/18, -1/8)
    # f (cov1 + e/(1-e) cov0) on x = 3/8, 3/8, 1/2, 1/4, 3/16 (1 - 3), 3/16 (1 - 3) -> c2 = (0, 3/4) / 3
    # = (0, 1/4); c = (1/18, 1/8); d = sum X f (mu_diff - tau) / N_1 = (-1/36, 3/8) (mu_diff = 1, 1, 1, 1, 3, 3)
    # H^-1 = [[196, -72], [-72, 40]] / 83: c'H^-1 c = (196/324 - 1 + 40/64) / 83 = 149/648/83,
    # d'H^-1 d = (196/1296 + 3/2 + 45/8) / 83 = 4715/648/83; adjustment = (4715 - 149) / (648 * 83) = 4566/53784
    r = _run("ATT", 5 / 3)
    np.testing.assert_allclose(r["mubar_diff"], [2.5, 0.5, 1.5, 3.0, 0.5, 2.5])
    np.testing.assert_allclose(r["d"], [-1 / 36, 3 / 8])
    np.testing.assert_allclose(r["c"], [1 / 18, 1 / 8])
    assert r["adjustment"] == pytest.approx(4566 / 53784, rel=1e-12)


def test_atc_adjustment_by_hand():
    # the ATT formula with the groups relabelled (T -> 1 - T, e -> 1 - e, tau -> -tau), N_0 = 3:
    # c1 = -(ATT c1) = (-1/18, 1/8); f (cov0 + (1-e)/e cov1) on x = 9/8, 9/8, 1/2, 1/4, 3/16 (-1 + 1/3),
    # 3/16 (-1 + 1/3) -> c2 = (0, 11/4) / 3 = (0, 11/12); c = (-1/18, 25/24); d = (1/36, -3/8)
    # c'H^-1 c = (196/324 + 25/3 + 40 (25/24)^2) / 83 = (392 + 5400 + 28125)/648/83 = 33917/648/83
    # -> adjustment = (4715 - 33917) / (648 * 83) = -29202/53784
    r = _run("ATC", 5 / 3)
    np.testing.assert_allclose(r["c"], [-1 / 18, 25 / 24])
    np.testing.assert_allclose(r["d"], [1 / 36, -3 / 8])
    assert r["adjustment"] == pytest.approx(-29202 / 53784, rel=1e-12)


def test_bad_arguments():
    with pytest.raises(ConfigError, match="ATE, ATT or ATC"):
        ps_estimation_adjustment(Y, T, E, X, "ATO", 0.0)
    with pytest.raises(ConfigError, match="at least 2"):
        ps_estimation_adjustment(Y, T, E, X, "ATT", 0.0, L=1)


def _simulated(n=600, seed=3):
    rng = np.random.default_rng(seed)
    x1, x2 = rng.normal(size=n), rng.normal(size=n)
    t = (rng.random(n) < 1 / (1 + np.exp(-(-0.3 + x1 + 0.5 * x2)))).astype(np.int8)
    y = x1 + x2 + rng.normal(size=n) + t * (1 + 1.5 * x1)
    return pd.DataFrame({"treatment": t, "x1": x1, "x2": x2, "y": y})


@pytest.fixture(scope="module")
def sim():
    d = _simulated()
    return d, estimate_propensity(d, "treatment", ["x1", "x2"])


def test_default_on_with_propensity_and_switch_off(sim):
    d, ps = sim
    m = match_nearest(d, "treatment", ps, replace=True, caliper=None)
    known = estimate_effect(d, "y", "treatment", m)
    adj = estimate_effect(d, "y", "treatment", m, propensity=ps)
    off = estimate_effect(d, "y", "treatment", m, propensity=ps, ps_adjustment=False)
    assert "treated as known" in known.variance and any("pass `propensity=`" in n for n in known.notes)
    assert "Abadie-Imbens (2016) adjustment for the estimated logistic propensity score" in adj.variance
    assert "turned off" in off.variance
    assert off["mean_difference"]["se"] == known["mean_difference"]["se"]
    # with propensity= the default also bias-corrects the estimate on the score model's covariates
    # (Abadie & Imbens 2011), the same as naming them; without it there is no correction
    bc = estimate_effect(d, "y", "treatment", m, variance="robust", bias_adjust=["x1", "x2"])
    assert adj["mean_difference"]["estimate"] == pytest.approx(bc["mean_difference"]["estimate"], abs=1e-12)
    assert off["mean_difference"]["estimate"] == adj["mean_difference"]["estimate"]
    assert adj["mean_difference"]["estimate"] != known["mean_difference"]["estimate"]
    assert any("regression bias correction" in n for n in adj.notes)
    assert not any("regression bias correction" in n for n in known.notes)
    # the adjusted variance is the AI (2006) variance plus the stated adjustment
    pieces = ps_estimation_adjustment(
        d["y"].to_numpy(), d["treatment"].to_numpy(), ps.score.to_numpy(), ps.design, "ATT",
        known["mean_difference"]["estimate"], M=1, L=2, score=ps.linear.to_numpy())
    assert adj["mean_difference"]["se"] ** 2 == pytest.approx(
        known["mean_difference"]["se"] ** 2 + pieces["adjustment"], rel=1e-10)


def test_atc_equals_att_with_groups_relabelled(sim):
    # ATC of T is minus the ATT of 1 - T (score refitted: theta -> -theta); same variance
    d, ps = sim
    flip = d.assign(treatment=(1 - d["treatment"]).astype(np.int8), y=-d["y"])
    ps_f = estimate_propensity(flip, "treatment", ["x1", "x2"])
    a = estimate_effect(d, "y", "treatment", match_nearest(d, "treatment", ps, replace=True, caliper=None,
                                                           estimand="ATC"), propensity=ps)
    b = estimate_effect(flip, "y", "treatment", match_nearest(flip, "treatment", ps_f, replace=True,
                                                              caliper=None, estimand="ATT"), propensity=ps_f)
    assert a["mean_difference"]["estimate"] == pytest.approx(b["mean_difference"]["estimate"], rel=1e-9)
    assert a["mean_difference"]["se"] == pytest.approx(b["mean_difference"]["se"], rel=1e-6)


def test_refuses_a_score_that_was_not_the_distance(sim):
    d, ps = sim
    m = match_nearest(d, "treatment", "x1", replace=True, caliper=None)
    with pytest.raises(ConfigError, match="not the logit"):
        estimate_effect(d, "y", "treatment", m, propensity=ps, ps_adjustment=True)
    res = estimate_effect(d, "y", "treatment", m, propensity=ps)
    assert "not the logit of this propensity score" in res.variance
