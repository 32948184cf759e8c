"""Balance table: against MatchIt's summary(), hand calculations and properties."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from altmeasures_eval.matching import balance_table, match_nearest, weight_ipw

REF = Path(__file__).parent / "reference"
COVS = ["age", "educ", "race", "married", "nodegree", "re74", "re75"]


@pytest.fixture(scope="module")
def lalonde_match():
    data = pd.read_csv(REF / "lalonde.csv")
    units = pd.read_csv(REF / "lal_11_cal_units.csv")
    return data, match_nearest(data, "treat", units["distance"].to_numpy(), replace=False, caliper=0.2)


@pytest.mark.parametrize("which", ["all", "matched"])
def test_balance_matches_matchit_summary(lalonde_match, which):
    """Reference: summary(matchit(...), un = TRUE) from matchit_reference.R (ATT; SD of treated)."""
    data, res = lalonde_match
    bal = balance_table(data, "treat", COVS, res)
    ref = pd.read_csv(REF / f"balance_{which}.csv").set_index("covariate").drop(index="distance")
    ref.index = ref.index.str.replace(r"^race", "race=", regex=True)
    suffix = "before" if which == "all" else "after"
    ours = bal.table.loc[ref.index]
    np.testing.assert_allclose(ours[f"mean_treated_{suffix}"], ref["Means Treated"], rtol=1e-10)
    np.testing.assert_allclose(ours[f"mean_control_{suffix}"], ref["Means Control"], rtol=1e-10)
    np.testing.assert_allclose(ours[f"smd_{suffix}"], ref["Std. Mean Diff."], rtol=1e-8)
    cont = ref["Var. Ratio"].notna()
    np.testing.assert_allclose(ours.loc[cont, f"var_ratio_{suffix}"], ref.loc[cont, "Var. Ratio"], rtol=1e-8)
    np.testing.assert_allclose(ours[f"ks_{suffix}"], ref["eCDF Max"], rtol=1e-8, atol=1e-12)


def test_hand_computed_smd_and_ess():
    # treated x = [1, 3] (mean 2, sd sqrt(2)); controls x = [0, 2, 4] weights [1, 1, 2]
    data = pd.DataFrame({"t": [1, 1, 0, 0, 0], "x": [1.0, 3.0, 0.0, 2.0, 4.0]})
    w = np.array([1, 1, 1, 1, 2.0])
    bal = balance_table(data, "t", ["x"], w, estimand="ATT", ks=True)
    row = bal.table.loc["x"]
    assert row["smd_before"] == pytest.approx((2 - 2) / np.sqrt(2))
    # weighted control mean = (0 + 2 + 8) / 4 = 2.5
    assert row["mean_control_after"] == pytest.approx(2.5)
    assert row["smd_after"] == pytest.approx((2 - 2.5) / np.sqrt(2))
    # ESS of controls: (1+1+2)^2 / (1+1+4) = 16/6
    assert bal.ess.loc["after", "control"] == pytest.approx(16 / 6)
    # KS after: treated ECDF steps 0.5 at 1, 1 at 3; control 0.25 at 0, 0.5 at 2, 1 at 4 -> max 0.5
    assert row["ks_after"] == pytest.approx(0.5)
    # ATE: pooled SD sqrt((2 + 4) / 2) with control var of [0, 2, 4] = 4
    ate = balance_table(data, "t", ["x"], w, estimand="ATE")
    assert ate.table.loc["x", "smd_after"] == pytest.approx(-0.5 / np.sqrt(3))
    assert "pooled" in ate.sd_denominator


def test_exact_matching_on_binary_covariate_gives_zero_smd():
    rng = np.random.default_rng(5)
    n = 3000
    male = rng.binomial(1, 0.6, n)
    x = rng.normal(size=n)
    t = rng.binomial(1, 1 / (1 + np.exp(-(-1 + 0.8 * male + 0.5 * x))))
    data = pd.DataFrame({"t": t, "male": male, "x": x})
    res = match_nearest(data, "t", x, replace=False, exact="male", caliper=None)
    bal = balance_table(data, "t", ["male", "x"], res)
    assert bal.table.loc["male", "smd_after"] == 0.0
    assert abs(bal.table.loc["male", "smd_before"]) > 0.1


def test_same_path_for_before_and_raw_weights(lalonde_match):
    """Raw unit weights give 'after' == 'before'; a MatchResult and its weights array agree."""
    data, res = lalonde_match
    flat = balance_table(data, "treat", COVS, np.ones(len(data)), estimand="ATT")
    np.testing.assert_allclose(flat.table["smd_after"], flat.table["smd_before"])
    a = balance_table(data, "treat", COVS, res)
    b = balance_table(data, "treat", COVS, res.weights.to_numpy(), estimand="ATT")
    pd.testing.assert_frame_equal(a.table, b.table)
    w = weight_ipw(data, "treat", np.clip(res.distance.to_numpy() * 0 + 0.3, 0.01, 0.99))
    c = balance_table(data, "treat", COVS, w)
    assert c.estimand == "ATE" and c.design == "ipw"


def test_bad_weights_are_named():
    data = pd.DataFrame({"t": [1, 0, 1, 0], "x": [1.0, 2, 3, 4]})
    with pytest.raises(Exception, match="row 2"):
        balance_table(data, "t", ["x"], np.array([1, 1, -1, 1.0]))
    with pytest.raises(Exception, match="'x'.*row 1"):
        balance_table(data.assign(x=[1, np.nan, 3, 4]), "t", ["x"])


def test_text_and_html_renderings(lalonde_match):
    data, res = lalonde_match
    bal = balance_table(data, "treat", COVS, res)
    assert "SMD denominator" in str(bal) and "<table" in bal._repr_html_()
    assert "1:1, without replacement" in str(res) and "<table" in res._repr_html_()
    assert "found no match" in str(res)
