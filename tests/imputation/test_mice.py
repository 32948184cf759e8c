"""Chained-equations imputation: properties on small data with a known answer."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.special import expit

from altmeasures_eval._errors import ConfigError
from altmeasures_eval.imputation import impute_chained, nelson_aalen


def _data(n=2000, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    g = np.where(rng.random(n) < expit(1.5 * x), "b", "a")
    age = np.round(40 + 8 * x + rng.normal(0, 3, n)).astype(int)
    y = (rng.random(n) < expit(-0.5 + x)).astype(int)
    return pd.DataFrame({"x": x, "g": g, "age": age, "y": y, "t": rng.integers(0, 2, n)})


def test_nelson_aalen_by_hand():
    """Times 1, 2, 2, 3 with events 1, 1, 0, 1: H(1) = 1/4, H(2) = 1/4 + 1/3, H(3) = H(2) + 1/1."""
    h = nelson_aalen(np.array([2.0, 1, 3, 2]), np.array([1, 1, 1, 0]))
    np.testing.assert_allclose(h, [0.25 + 1 / 3, 0.25, 0.25 + 1 / 3 + 1, 0.25 + 1 / 3])


def test_every_gap_filled_with_valid_values_and_dtypes_kept():
    d = _data()
    rng = np.random.default_rng(1)
    d.loc[rng.random(len(d)) < 0.3, "age"] = np.nan
    d.loc[rng.random(len(d)) < 0.2, "g"] = None
    imp = impute_chained(d, ["x", "g", "age"], auxiliary=["y", "t"], m=3, random_state=5)
    assert imp.columns == ("g", "age") and imp.methods == {"g": "logreg", "age": "pmm"}
    for i in range(3):
        c = imp.complete(i)
        assert c[["g", "age"]].notna().all().all()
        assert set(c["g"]) == {"a", "b"}
        assert c["age"].dtype == np.int64  # PMM draws observed values: integers stay integers
        assert set(c["age"]) <= set(d["age"].dropna().astype(int))
        # observed values untouched
        obs = d["age"].notna()
        assert (c.loc[obs, "age"] == d.loc[obs, "age"]).all()
    assert imp.missing.set_index("column").loc["age", "n_missing"] == int(d["age"].isna().sum())
    assert len(set(imp.seeds)) == 3


def test_same_seed_same_imputations_and_imputations_differ():
    d = _data()
    d.loc[:499, "age"] = np.nan
    a = impute_chained(d, ["x", "age"], m=2, random_state=3)
    b = impute_chained(d, ["x", "age"], m=2, random_state=3)
    np.testing.assert_array_equal(a.imputed[0]["age"], b.imputed[0]["age"])
    assert not np.array_equal(a.imputed[0]["age"], a.imputed[1]["age"])


def test_imputed_values_follow_the_conditional_distribution():
    """MAR given x: the imputed age mean recovers the true mean of the missing ones (complete-case
    mean is biased), and the imputed category share follows P(g = b | x)."""
    d = _data(n=6000, seed=2)
    true_age, true_b = d["age"].copy(), (d["g"] == "b").copy()
    rng = np.random.default_rng(4)
    miss = rng.random(len(d)) < expit(-1 + 1.5 * d["x"])
    d.loc[miss, "age"] = np.nan
    miss_g = rng.random(len(d)) < expit(-1 + 1.5 * d["x"])
    d.loc[miss_g, "g"] = None
    imp = impute_chained(d, ["x", "g", "age"], m=5, random_state=1)
    means = [imp.complete(i).loc[miss, "age"].mean() for i in range(5)]
    shares = [(imp.complete(i).loc[miss_g, "g"] == "b").mean() for i in range(5)]
    assert abs(np.mean(means) - true_age[miss].mean()) < 0.3  # SD of age ~ 8.5, n_miss ~ 1900
    assert abs(d["age"].mean() - true_age.mean()) > 1.5       # the complete cases are biased
    assert abs(np.mean(shares) - true_b[miss_g].mean()) < 0.03


def test_outcome_in_the_model_keeps_the_association():
    """Imputing x without y attenuates corr(x, y) among the imputed rows; with y it is kept."""
    rng = np.random.default_rng(7)
    n = 4000
    x = rng.normal(size=n)
    y = x + rng.normal(size=n)
    d = pd.DataFrame({"x": x, "y": y, "z": rng.normal(size=n)})
    miss = rng.random(n) < 0.4
    d.loc[miss, "x"] = np.nan
    with_y = impute_chained(d, ["x", "z"], auxiliary=["y"], m=2, random_state=1).complete(0)
    without = impute_chained(d, ["x", "z"], m=2, random_state=1).complete(0)
    r_true = np.corrcoef(x[miss], y[miss])[0, 1]
    assert abs(np.corrcoef(with_y.loc[miss, "x"], y[miss])[0, 1] - r_true) < 0.06
    assert abs(np.corrcoef(without.loc[miss, "x"], y[miss])[0, 1]) < 0.1


def test_norm_method_and_clear_errors():
    d = _data(n=300)
    d.loc[:49, "x"] = np.nan
    imp = impute_chained(d, ["x", "age"], methods={"x": "norm"}, m=2, random_state=1)
    assert imp.methods == {"x": "norm"} and imp.complete(1)["x"].notna().all()
    with pytest.raises(ConfigError, match="m >= 2"):
        impute_chained(d, ["x"], m=1)
    with pytest.raises(ConfigError, match="not in the data"):
        impute_chained(d, ["nope"])
    with pytest.raises(ConfigError, match="unknown method"):
        impute_chained(d, ["x"], methods={"x": "mean"})
    d["w"] = np.nan
    with pytest.raises(ConfigError, match="no observed value"):
        impute_chained(d, ["w", "x"])
    with pytest.raises(IndexError, match="m = 2"):
        imp.complete(2)


def test_multinomial_fit_converges_on_rare_categories():
    """The categorical imputation model is fitted to its optimum without a ConvergenceWarning where
    lbfgs crawled: a weak ridge penalty, 20 standardised predictors and eight categories of which
    three are held by one or two people (as substances in a 600-person extract). Reference: the same
    penalised model fitted by another solver, scikit-learn's newton-cg (truncated Newton with
    conjugate gradients) to tol 1e-12; the coefficients agree to 1e-6. lbfgs with the former settings
    (1,000 iterations, tol 1e-6) stops 0.015 away from them after 529 iterations, and with 500
    iterations (the first version) raises the ConvergenceWarning."""
    import warnings

    from sklearn.linear_model import LogisticRegression

    from altmeasures_eval.imputation._mice import _logreg_fit

    rng = np.random.default_rng(3)
    X = rng.standard_normal((150, 20))
    X = np.column_stack([np.ones(150), (X - X.mean(0)) / X.std(0)])
    y = np.repeat(np.arange(8), [40, 50, 30, 15, 9, 2, 2, 2])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a ConvergenceWarning fails the test
        classes, B, L = _logreg_fit(X, y)
    ref = LogisticRegression(C=100.0, solver="newton-cg", max_iter=1000, tol=1e-12).fit(X[:, 1:], y)
    coef = np.column_stack([ref.intercept_, ref.coef_])
    assert classes.tolist() == list(range(8)) and B.shape == (21, 7) and L.shape == (147, 147)
    np.testing.assert_allclose(B, (coef[1:] - coef[0]).T, atol=1e-6)
