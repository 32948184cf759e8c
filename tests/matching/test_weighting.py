"""Weights: hand calculations, exact-balance properties and hypothesis property tests."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from altmeasures_eval.matching import (
    balance_table,
    entropy_balance,
    estimate_propensity,
    weight_ipw,
    weight_overlap,
)


def _confounded(n=2000, seed=1):
    rng = np.random.default_rng(seed)
    age = rng.normal(32, 9, n)
    prior = rng.poisson(1.5, n)
    male = rng.binomial(1, 0.8, n)
    substance = rng.choice(["cannabis", "opioids", "stimulants"], n)
    lp = -0.5 + 0.04 * (age - 32) - 0.4 * prior + 0.5 * (substance == "opioids")
    t = rng.binomial(1, 1 / (1 + np.exp(-lp)))
    return pd.DataFrame({"t": t, "age": age, "prior": prior, "male": male, "substance": substance})


COVS = ["age", "prior", "male", "substance"]


def test_ipw_weights_by_hand():
    data = pd.DataFrame({"t": [1, 1, 0, 0]})
    e = np.array([0.2, 0.5, 0.5, 0.8])
    assert weight_ipw(data, "t", e, estimand="ATE").weights.tolist() == pytest.approx([5, 2, 2, 5])
    assert weight_ipw(data, "t", e, estimand="ATT").weights.tolist() == pytest.approx([1, 1, 1, 4])
    assert weight_ipw(data, "t", e, estimand="ATC").weights.tolist() == pytest.approx([4, 1, 1, 1])
    assert weight_overlap(data, "t", e).weights.tolist() == pytest.approx([0.8, 0.5, 0.5, 0.8])
    # stabilised ATE: multiply by P(T = t) = 0.5
    assert weight_ipw(data, "t", e, stabilize=True).weights.tolist() == pytest.approx([2.5, 1, 1, 2.5])
    bounded = weight_ipw(data, "t", e, ps_bounds=(0.1, 0.7))
    assert bounded.weights.tolist() == pytest.approx([5, 2, 2, 0]) and bounded.modified


def test_bad_propensity_is_named():
    data = pd.DataFrame({"t": [1, 0, 1]}, index=["a", "b", "c"])
    with pytest.raises(Exception, match="row 'c'.*strictly"):
        weight_ipw(data, "t", np.array([0.5, 0.5, 1.0]))
    with pytest.raises(Exception, match="'t'.*row 'b'"):
        weight_ipw(data.assign(t=[1, 2, 0]), "t", np.array([0.5, 0.5, 0.5]))


def test_overlap_weights_balance_logistic_covariates_exactly():
    """Li, Morgan & Zaslavsky (2018): with a logistic score, overlap weights give SMD = 0 exactly."""
    data = _confounded()
    ps = estimate_propensity(data, "t", COVS)
    bal = balance_table(data, "t", COVS, weight_overlap(data, "t", ps))
    assert bal.table["smd_after"].abs().max() < 1e-8
    assert bal.table["smd_before"].abs().max() > 0.2


@pytest.mark.parametrize("estimand", ["ATT", "ATC", "ATE"])
def test_entropy_balance_exact_means(estimand):
    data = _confounded(seed=2)
    res = entropy_balance(data, "t", COVS, estimand=estimand)
    bal = balance_table(data, "t", COVS, res)
    assert bal.table["smd_after"].abs().max() < 1e-6
    w, t = res.weights.to_numpy(), data["t"].to_numpy()
    assert (w > 0).all()
    assert w[t == 0].mean() == pytest.approx(1) and w[t == 1].mean() == pytest.approx(1)
    if estimand == "ATT":
        assert np.allclose(w[t == 1], 1)


def test_entropy_balance_second_moments():
    data = _confounded(seed=3)
    res = entropy_balance(data, "t", ["age", "prior"], moments=2)
    bal = balance_table(data, "t", ["age", "prior"], res)
    assert bal.table["smd_after"].abs().max() < 1e-6
    # equal weighted means and second moments give equal weighted variances (up to the n/(n-1) factor)
    assert bal.table["var_ratio_after"].sub(1).abs().max() < 0.02


def test_ipw_recovers_balance_and_trim_caps_weights():
    data = _confounded(seed=4, n=5000)
    ps = estimate_propensity(data, "t", COVS)
    res = weight_ipw(data, "t", ps, estimand="ATE")
    assert balance_table(data, "t", COVS, res).max_abs_smd < 0.05
    trimmed = weight_ipw(data, "t", ps, estimand="ATE", trim=0.95)
    t = data["t"].to_numpy()
    for g in (0, 1):
        assert trimmed.weights[t == g].max() <= np.quantile(res.weights[t == g], 0.95) + 1e-12
    assert any("truncated" in n for n in trimmed.notes)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.floats(0.02, 0.98), min_size=4, max_size=60),
    st.sampled_from(["ATE", "ATT", "ATC", "ATO"]),
    st.integers(0, 2**31 - 1),
)
def test_weights_positive_and_stabilised_weights_average_one(scores, estimand, seed):
    e = np.array(scores)
    t = np.random.default_rng(seed).binomial(1, 0.5, len(e))
    t[0], t[1] = 1, 0
    data = pd.DataFrame({"t": t})
    w = weight_ipw(data, "t", e, estimand=estimand).weights.to_numpy()
    assert (w > 0).all() and np.isfinite(w).all()
    if estimand in ("ATT", "ATC"):
        sw = weight_ipw(data, "t", e, estimand=estimand, stabilize=True).weights.to_numpy()
        for g in (0, 1):
            assert sw[t == g].mean() == pytest.approx(1.0)
