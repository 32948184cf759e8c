"""Propensity models: logistic vs statsmodels, splines, formula, scikit-learn classifiers, support."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from sklearn.ensemble import HistGradientBoostingClassifier

from altmeasures_eval.matching import PropensityModel, common_support, estimate_propensity


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(8)
    n = 3000
    age = rng.uniform(18, 65, n)
    sub = rng.choice(["cannabis", "opioids", "stimulants"], n)
    prior = rng.poisson(1.2, n)
    lin = -1 + 0.002 * (age - 40) ** 2 - 0.3 * prior + 0.4 * (sub == "opioids")
    t = rng.binomial(1, 1 / (1 + np.exp(-lin)))
    return pd.DataFrame({"t": t, "age": age, "substance": sub, "prior": prior})


def test_logistic_equals_statsmodels(data):
    ps = estimate_propensity(data, "t", ["age", "substance", "prior"])
    X = sm.add_constant(pd.get_dummies(data[["age", "substance", "prior"]], drop_first=True, dtype=float))
    ref = sm.Logit(data["t"], X).fit(disp=0)
    np.testing.assert_allclose(ps.score.to_numpy(), ref.predict(X).to_numpy(), rtol=1e-8)
    np.testing.assert_allclose(ps.linear.to_numpy(), X.to_numpy() @ ref.params.to_numpy(), rtol=1e-6, atol=1e-8)
    assert ps.design.shape == (len(data), 5) and ps.method == "logistic"


def test_splines_formula_and_sklearn(data):
    lin = estimate_propensity(data, "t", ["age", "substance", "prior"])
    spl = estimate_propensity(data, "t", ["age", "substance", "prior"], splines=["age"])
    # the true model is quadratic in age: splines fit better (higher log-likelihood)
    t = data["t"].to_numpy()

    def ll(p):
        return float(np.sum(t * np.log(p) + (1 - t) * np.log1p(-p)))

    assert ll(spl.score.to_numpy()) > ll(lin.score.to_numpy()) + 10
    frm = estimate_propensity(data, "t", formula="bs(age, df=4) + C(substance) + prior")
    assert ll(frm.score.to_numpy()) > ll(lin.score.to_numpy()) + 10
    gb = PropensityModel(["age", "substance", "prior"],
                         estimator=HistGradientBoostingClassifier(max_iter=15, random_state=0)).fit(data, "t")
    assert gb.propensity_.method == "HistGradientBoostingClassifier" and gb.propensity_.design is None
    assert 0 < gb.propensity_.score.min() and gb.propensity_.score.max() < 1


def test_common_support_by_hand():
    score = pd.Series([0.1, 0.5, 0.9, 0.3, 0.6, 0.95])
    t = pd.Series([1, 1, 1, 0, 0, 0])
    # treated range [0.1, 0.9], control range [0.3, 0.95]
    frame = pd.DataFrame({"t": t, "e": score})
    # estimand -> MatchIt discard: ATE "both", ATT "treated", ATC "control"
    for estimand, kept in (("ATE", [False, True, True, True, True, False]),
                           ("ATT", [False, True, True, True, True, True]),
                           ("ATC", [True, True, True, True, True, False])):
        assert common_support(frame, "t", "e", estimand=estimand).retained.tolist() == kept
    data = pd.DataFrame({"t": t, "x": [0.0, 1, 2, 0.5, 1.5, 3]})
    ps = estimate_propensity(data, "t", ["x"])
    tab = ps.support_table()
    assert (tab["all"] == [3, 3]).all() and (tab["inside_support"] + tab["outside_support"] == tab["all"]).all()


def test_missing_covariate_is_named(data):
    bad = data.copy()
    bad.loc[17, "age"] = np.nan
    with pytest.raises(Exception, match="'age'.*row 17"):
        estimate_propensity(bad, "t", ["age"])
    bad2 = data.copy().astype({"substance": object})
    bad2.loc[5, "substance"] = None
    with pytest.raises(Exception, match="'substance'.*row 5"):
        estimate_propensity(bad2, "t", ["substance"])
