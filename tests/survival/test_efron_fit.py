"""The vectorised weighted Efron fit (survival._coxcore.efron_fit) that cox_ph uses instead of
lifelines' row loop: against lifelines' CoxPHFitter (the path it replaces) and R survival 3.5
(reference/r_cox*.csv, written by reference/survival_reference.R).

R's coefficients come from its own iterations (converged to ~1e-8 relative), so the likelihood code
is checked at R's coefficients: the log partial likelihood and the model-based SEs there must equal
R's to 1e-10. The fit itself is checked against lifelines, whose iterations it repeats, to 1e-10.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from altmeasures_eval.survival import _coxcore as core
from altmeasures_eval.survival import cox_ph

ROSSI_COVS = ["fin", "age", "race", "wexp", "mar", "paro", "prio"]
CASES = {  # R model name: (data fixture, time, event, covariates, weights, strata)
    "rossi": ("rossi", "week", "arrest", ROSSI_COVS, None, None),
    "syn_weighted_cluster": ("syn", "time", "event", ["group", "x1", "x2"], "w", None),
    "syn_weighted_cluster_strata": ("syn", "time", "event", ["group", "x1", "x2"], "w", "stratum"),
}


def _arrays(request, model):
    name, tc, ec, covs, wc, sc = CASES[model]
    df = request.getfixturevalue(name)
    w = np.ones(len(df)) if wc is None else df[wc].to_numpy(float)
    strata = None if sc is None else pd.factorize(df[sc])[0]
    return df[tc].to_numpy(float), df[ec].to_numpy(float), df[covs].to_numpy(float), w, strata


def _lifelines(t, d, x, w, strata):
    from lifelines import CoxPHFitter

    frame = pd.DataFrame(x, columns=[f"x{j}" for j in range(x.shape[1])]).assign(__T=t, __E=d, __W=w)
    if strata is not None:
        frame["__S"] = strata
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cph = CoxPHFitter().fit(frame, "__T", "__E", weights_col="__W", strata=["__S"] if strata is not None else None,
                                fit_options={"precision": 1e-10})
    ll = float(cph.log_likelihood_)
    return (cph.params_.to_numpy(), cph.variance_matrix_.to_numpy(), ll,
            ll - float(cph.log_likelihood_ratio_test().test_statistic) / 2)


@pytest.mark.parametrize("model", list(CASES))
def test_efron_likelihood_matches_r_at_r_coefficients(request, r_ref, model):
    t, d, x, w, strata = _arrays(request, model)
    ref = r_ref("cox", model)
    hess, grad, ll = core.efron_values(t, d, x, w, ref["coef"].to_numpy(), strata)
    se = np.sqrt(np.diag(np.linalg.inv(-hess)))
    np.testing.assert_allclose(se, ref["se"], rtol=1e-10)  # R: sqrt(diag(fit$var))
    assert np.abs(grad).max() < 1e-5  # R's estimate is (nearly) a root of the score
    tests = r_ref("cox_tests", model)
    if len(tests):
        assert ll == pytest.approx(tests["loglik"].iloc[0], rel=1e-10)  # R: fit$loglik[2]
        _, _, ll0 = core.efron_values(t, d, x, w, np.zeros(x.shape[1]), strata)
        assert ll0 == pytest.approx(tests["loglik_null"].iloc[0], rel=1e-10)  # R: fit$loglik[1]


@pytest.mark.parametrize("model", list(CASES))
def test_efron_fit_matches_lifelines(request, model):
    t, d, x, w, strata = _arrays(request, model)
    ours = core.efron_fit(t, d, x, w, strata, precision=1e-10)
    assert ours is not None
    for a, b in zip(ours, _lifelines(t, d, x, w, strata)):
        np.testing.assert_allclose(a, b, rtol=1e-10)


def test_efron_fit_matches_lifelines_on_heavy_ties():
    # days with many tied events and non-integer weights, as the evaluation's time to reoffence
    rng = np.random.default_rng(7)
    n = 2000
    x = np.column_stack([rng.integers(0, 2, n), rng.normal(size=n)]).astype(float)
    t = np.ceil(rng.exponential(30 * np.exp(-x @ [0.4, 0.2]))).clip(max=60)
    d = ((t < 60) & (rng.random(n) < 0.8)).astype(float)
    w = rng.uniform(0.2, 3.0, n)
    ours = core.efron_fit(t, d, x, w, precision=1e-10)
    for a, b in zip(ours, _lifelines(t, d, x, w, None)):
        np.testing.assert_allclose(a, b, rtol=1e-10)


def test_degenerate_data_are_left_to_lifelines():
    # a constant covariate, and a covariate that separates events from non-events (monotone
    # likelihood): efron_fit declines, cox_ph fits with lifelines and says what went wrong
    rng = np.random.default_rng(3)
    n = 200
    t = rng.integers(1, 50, n).astype(float)
    d = (rng.random(n) < 0.5).astype(float)
    assert core.efron_fit(t, d, np.column_stack([np.ones(n)]), np.ones(n)) is None
    sep = np.column_stack([d, rng.normal(size=n)])
    assert core.efron_fit(t, d, sep, np.ones(n)) is None
    res = cox_ph(pd.DataFrame({"t": t, "e": d, "x": d, "z": sep[:, 1]}), "t", "e", ["x", "z"])
    assert any("did not converge to finite values" in n and "'x'" in n for n in res.notes)


def test_efron_fit_matches_lifelines_with_strong_effect():
    # a large coefficient: the first Newton steps are long and lifelines' StepSizer shortens them
    rng = np.random.default_rng(0)
    x = rng.normal(size=(400, 1))
    t = np.ceil(rng.exponential(np.exp(-6 * x[:, 0]) * 50))
    d = (rng.random(400) < 0.9).astype(float)
    ours = core.efron_fit(t, d, x, np.ones(400), precision=1e-10)
    for a, b in zip(ours, _lifelines(t, d, x, np.ones(400), None)):
        np.testing.assert_allclose(a, b, rtol=1e-10)


def test_newton_guards_decline():
    # each guard of the iterations hands the data back to lifelines (None)
    n = 30
    t = np.arange(1.0, n + 1)
    # the covariate orders the event times: the partial likelihood runs to 0 as the coefficient runs away
    assert core.efron_fit(t, np.ones(n), -t[:, None], np.ones(n)) is None
    rng = np.random.default_rng(1)
    x = rng.normal(size=(200, 1))
    tt = np.ceil(rng.exponential(50 * np.exp(-x[:, 0])))
    dd = (rng.random(200) < 0.8).astype(float)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # scipy's ill-conditioned-matrix warning (cox_ph silences it)
        assert core.efron_fit(tt, dd, np.column_stack([x, 2 * x]), np.ones(200)) is None  # singular information
    assert core.efron_fit(tt, dd, x, np.ones(200), max_steps=1) is None  # not converged in max_steps
    assert core.efron_fit(tt, dd, x, np.ones(200)) is not None


def test_weighted_stratified_degenerate_fit_goes_to_lifelines():
    # a covariate that separates events from non-events, with weights and strata: efron_fit declines
    # and cox_ph's estimates are lifelines' own fit with the same weights and strata
    rng = np.random.default_rng(5)
    n = 300
    e = (rng.random(n) < 0.5).astype(float)
    frame = pd.DataFrame({"t": rng.integers(1, 60, n).astype(float), "e": e, "x": e, "z": rng.normal(size=n),
                          "w": rng.uniform(0.5, 2.0, n), "s": rng.integers(0, 3, n)})
    args = (frame["t"].to_numpy(), e, frame[["x", "z"]].to_numpy(), frame["w"].to_numpy(), frame["s"].to_numpy())
    assert core.efron_fit(*args) is None
    res = cox_ph(frame, "t", "e", ["x", "z"], weights="w", strata="s")
    beta, var, _, _ = _lifelines(*args)
    np.testing.assert_allclose(res.summary["estimate"], beta, rtol=1e-10)
    np.testing.assert_allclose(res.summary["se_model"], np.sqrt(np.diag(var)), rtol=1e-10)
    assert res.summary["estimate"].iloc[0] > 10  # the coefficient of x runs away
