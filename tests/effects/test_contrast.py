"""Effect contrasts and their variances against R, statsmodels, a numerical M-estimation sandwich and hand calculations."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from altmeasures_eval.effects import estimate_effect, weighted_mean_difference
from altmeasures_eval.matching import estimate_propensity, match_nearest, weight_ipw

MREF = Path(__file__).parents[1] / "matching" / "reference"


@pytest.fixture(scope="module")
def lalonde():
    return pd.read_csv(MREF / "lalonde.csv")


@pytest.mark.parametrize("name,kwargs", [("lal_11_cal", dict(caliper=0.2)), ("lal_12_nocal", dict(ratio=2, caliper=None)),
                                         ("lal_atc", dict(estimand="ATC", caliper=0.2))])
def test_matched_effect_and_cluster_se_match_r(lalonde, name, kwargs):
    """Reference: summary.csv from matchit_reference.R: lm(re78 ~ treat, weights) and the CR1
    cluster-robust SE on subclass (sandwich::vcovCL HC1 formula, computed by hand in R)."""
    ref = pd.read_csv(MREF / "summary.csv").set_index("config").loc[name]
    units = pd.read_csv(MREF / f"{name}_units.csv")
    m = match_nearest(lalonde, "treat", units["distance"].to_numpy(), **{"replace": False, **kwargs})
    res = estimate_effect(lalonde, "re78", "treat", m)
    row = res["mean_difference"]
    assert row["estimate"] == pytest.approx(ref["effect"], rel=1e-10)
    assert row["se"] == pytest.approx(ref["se_cr1"], rel=1e-8)
    assert "matched sets" in res.variance


def _binary_data(n=1500, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    z = rng.binomial(1, 0.4, n)
    t = rng.binomial(1, 1 / (1 + np.exp(-(0.3 + 0.8 * x - 0.5 * z))))
    y = rng.binomial(1, 1 / (1 + np.exp(-(-0.7 + 0.6 * x + 0.4 * z - 0.5 * t)))).astype(float)
    cl = rng.integers(0, 120, n)
    return pd.DataFrame({"t": t, "x": x, "z": z, "y": y, "cl": cl})


def test_robust_and_cluster_se_equal_statsmodels_wls():
    data = _binary_data()
    w = np.random.default_rng(1).uniform(0.5, 2, len(data))
    X = sm.add_constant(data["t"].to_numpy(float))
    wls = sm.WLS(data["y"], X, weights=w)
    hc1 = wls.fit(cov_type="HC1")
    crv = wls.fit(cov_type="cluster", cov_kwds={"groups": data["cl"]})
    rob = estimate_effect(data, "y", "t", w)
    assert rob["risk_difference"]["estimate"] == pytest.approx(hc1.params.iloc[1], rel=1e-10)
    assert rob["risk_difference"]["se"] == pytest.approx(hc1.bse.iloc[1], rel=1e-8)
    clu = estimate_effect(data, "y", "t", w, cluster="cl")
    assert clu["risk_difference"]["se"] == pytest.approx(crv.bse.iloc[1], rel=1e-8)
    low = weighted_mean_difference(data["y"], data["t"], w, cluster=data["cl"])
    assert low["se"] == pytest.approx(crv.bse.iloc[1], rel=1e-8) and low["estimate"] == pytest.approx(hc1.params.iloc[1])


def test_risk_ratio_by_hand():
    # treated: 2 of 4 reoffend; controls: 1 of 4 -> RD 0.25, RR 2
    data = pd.DataFrame({"t": [1] * 4 + [0] * 4, "y": [1, 1, 0, 0, 1, 0, 0, 0.0]})
    res = estimate_effect(data, "y", "t")
    assert res["risk_difference"]["estimate"] == pytest.approx(0.25)
    assert res["risk_ratio"]["estimate"] == pytest.approx(2.0)
    # log RR influence: phi1/m1 - phi0/m0; HC1 factor n/(n-2) = 8/6
    phi1 = np.array([1, 1, -1, -1]) * 0.5 / 4 / 0.5
    phi0 = np.array([0.75, -0.25, -0.25, -0.25]) / 4 / 0.25
    se = np.sqrt((np.sum(phi1**2) + np.sum(phi0**2)) * 8 / 6)
    assert res["risk_ratio"]["se"] == pytest.approx(se)
    assert res["risk_ratio"]["ci_low"] == pytest.approx(2 * np.exp(-1.959963984540054 * se))
    # rows with an outcome that is not observable are dropped and said so
    res2 = estimate_effect(data.assign(y=data["y"].where(data.index != 0)), "y", "t")
    assert res2["risk_difference"]["n"] == 7 and "not observable" in res2.notes[0]


def test_ps_sandwich_equals_numerical_m_estimation():
    """Independent check: stack the logistic score and weighted-mean estimating equations, take the
    Jacobian by finite differences and form A^-1 B A^-T / n."""
    data = _binary_data(n=800, seed=3)
    ps = estimate_propensity(data, "t", ["x", "z"])
    for estimand in ("ATE", "ATT", "ATC", "ATO"):
        res = estimate_effect(data, "y", "t", weight_ipw(data, "t", ps, estimand=estimand))
        assert "sandwich" in res.variance
        X = ps.design
        t, y = data["t"].to_numpy(float), data["y"].to_numpy()
        n = len(y)

        def psi(theta):
            b, m1, m0 = theta[:-2], theta[-2], theta[-1]
            e = 1 / (1 + np.exp(-(X @ b)))
            w = {"ATE": (1 / e, 1 / (1 - e)), "ATT": (np.ones(n), e / (1 - e)),
                 "ATC": ((1 - e) / e, np.ones(n)), "ATO": (1 - e, e)}[estimand]
            return np.column_stack([X * (t - e)[:, None], w[0] * t * (y - m1), w[1] * (1 - t) * (y - m0)])

        theta = np.r_[ps.model.to_numpy(), res.means.loc["treated", "mean"], res.means.loc["control", "mean"]]
        assert np.abs(psi(theta).mean(axis=0)).max() < 1e-8
        A = np.empty((len(theta), len(theta)))
        for j in range(len(theta)):
            h = np.zeros_like(theta)
            h[j] = 1e-6
            A[:, j] = (psi(theta + h).mean(axis=0) - psi(theta - h).mean(axis=0)) / 2e-6
        P = psi(theta)
        V = np.linalg.inv(A) @ (P.T @ P / n) @ np.linalg.inv(A).T / n
        c = np.zeros(len(theta))
        c[-2], c[-1] = 1, -1
        se_num = np.sqrt(c @ V @ c) * np.sqrt(n / (n - 2))  # our HC1 factor
        assert res["risk_difference"]["se"] == pytest.approx(se_num, rel=1e-4), estimand


def test_bootstrap_is_deterministic():
    """The same seed gives the same replicates; on two workers too, in tests/test_parallel.py
    (test_weighting_bootstrap_on_two_workers_equals_serial: this data and seed), where the suite's
    worker pool starts once."""
    data = _binary_data(n=600, seed=4)
    ps = estimate_propensity(data, "t", ["x", "z"])
    w = weight_ipw(data, "t", ps, estimand="ATT")
    a = estimate_effect(data, "y", "t", w, variance="bootstrap", n_boot=200, random_state=7)
    b = estimate_effect(data, "y", "t", w, variance="bootstrap", n_boot=200, random_state=7)
    pd.testing.assert_frame_equal(a.summary, b.summary)
    rob = estimate_effect(data, "y", "t", w, variance="robust")
    assert a["risk_difference"]["se"] == pytest.approx(rob["risk_difference"]["se"], rel=0.2)
    bca = estimate_effect(data, "y", "t", w, variance="bootstrap", n_boot=200, random_state=7, ci_method="bca")
    assert bca["risk_difference"]["ci_low"] < bca["risk_difference"]["estimate"] < bca["risk_difference"]["ci_high"]
    assert "bca" in bca.variance


def test_bootstrap_refit_and_pair_bootstrap():
    data = _binary_data(n=500, seed=5)

    def design(d):
        return weight_ipw(d, "t", estimate_propensity(d, "t", ["x", "z"]), estimand="ATT")

    res = estimate_effect(data, "y", "t", design(data), variance="bootstrap", refit=design, n_boot=60, random_state=1)
    assert "re-estimated" in res.variance and res["risk_difference"]["se"] > 0
    m = match_nearest(data, "t", estimate_propensity(data, "t", ["x", "z"]), caliper=0.2, replace=False)
    pair = estimate_effect(data, "y", "t", m, variance="bootstrap", n_boot=300, random_state=2)
    clus = estimate_effect(data, "y", "t", m)
    assert "matched sets" in pair.variance
    assert pair["risk_difference"]["se"] == pytest.approx(clus["risk_difference"]["se"], rel=0.2)


def test_known_truth_naive_biased_adjusted_recovers():
    """Constant effect -0.10 on a continuous outcome; confounding by x makes the naive contrast biased."""
    rng = np.random.default_rng(11)
    n = 20000
    x = rng.normal(size=n)
    t = rng.binomial(1, 1 / (1 + np.exp(-(-1.5 + 0.7 * x))))
    y = 0.5 * x - 0.10 * t + rng.normal(scale=0.5, size=n)
    data = pd.DataFrame({"t": t, "x": x, "y": y})
    naive = estimate_effect(data, "y", "t")["mean_difference"]
    assert abs(naive["estimate"] + 0.10) > 10 * naive["se"]
    ps = estimate_propensity(data, "t", ["x"])
    for design in (match_nearest(data, "t", ps, caliper=0.2, replace=False), weight_ipw(data, "t", ps, estimand="ATE"),
                   weight_ipw(data, "t", ps, estimand="ATT")):
        row = estimate_effect(data, "y", "t", design)["mean_difference"]
        assert abs(row["estimate"] + 0.10) < 4 * row["se"]  # fails by chance with probability 6e-5
