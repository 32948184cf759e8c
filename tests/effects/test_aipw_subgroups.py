"""AIPW against a hand-computable saturated case and known truth; subgroups with Holm (the parallel
map with two workers against the serial one: tests/test_parallel.py)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.multitest import multipletests

from altmeasures_eval.effects import estimate_aipw, estimate_effect, subgroup_effects
from altmeasures_eval.matching import estimate_propensity, match_nearest, weight_ipw


def test_aipw_saturated_equals_standardisation():
    """One binary covariate: the outcome and propensity models are saturated, so AIPW equals the
    standardised (stratified) difference sum_z P(z) (ybar_1z - ybar_0z); computed by hand here."""
    z = np.array([0] * 10 + [1] * 10)
    t = np.array([1, 1, 1, 0, 0, 0, 0, 0, 0, 0] + [1, 1, 1, 1, 1, 1, 0, 0, 0, 0])
    y = np.array([1, 1, 0, 1, 0, 0, 0, 0, 0, 0] + [1, 1, 1, 0, 1, 1, 1, 0, 1, 0], dtype=float)
    data = pd.DataFrame({"t": t, "z": z, "y": y})
    # z=0: treated 2/3, control 1/7; z=1: treated 5/6, control 2/4
    ate = 0.5 * (2 / 3 - 1 / 7) + 0.5 * (5 / 6 - 2 / 4)
    att = (3 * (2 / 3 - 1 / 7) + 6 * (5 / 6 - 2 / 4)) / 9
    assert estimate_aipw(data, "y", "t", ["z"]).estimate == pytest.approx(ate, abs=1e-8)
    assert estimate_aipw(data, "y", "t", ["z"], estimand="ATT").estimate == pytest.approx(att, abs=1e-8)


def test_aipw_doubly_robust_with_wrong_outcome_model():
    rng = np.random.default_rng(2)
    n = 20000
    x = rng.normal(size=n)
    t = rng.binomial(1, 1 / (1 + np.exp(-(-0.5 + 0.8 * x))))
    y = x + 0.5 * np.exp(x) - 0.3 * t + rng.normal(size=n)  # linear outcome model is wrong; PS model right
    data = pd.DataFrame({"t": t, "x": x, "y": y})
    res = estimate_aipw(data, "y", "t", ["x"])
    row = res["mean_difference"]
    assert abs(row["estimate"] + 0.3) < 4 * row["se"]
    naive = estimate_effect(data, "y", "t")["mean_difference"]
    assert abs(naive["estimate"] + 0.3) > 10 * naive["se"]


def test_subgroups_holm_and_family_size():
    rng = np.random.default_rng(3)
    n = 6000
    data = pd.DataFrame({
        "substance": rng.choice(["cannabis", "opioids", "stimulants"], n),
        "sex": rng.choice(["female", "male"], n),
        "x": rng.normal(size=n),
    })
    data["t"] = rng.binomial(1, 1 / (1 + np.exp(-(-1 + 0.5 * data["x"]))))
    effect = np.where(data["substance"] == "opioids", -0.15, 0.0)
    data["y"] = rng.binomial(1, np.clip(0.4 + 0.1 * data["x"] + effect * data["t"], 0.01, 0.99)).astype(float)
    ps = estimate_propensity(data, "t", ["x", "substance", "sex"])
    m = match_nearest(data, "t", ps, exact=["substance", "sex"], caliper=0.2, replace=False)
    res = subgroup_effects(data, "y", "t", ["substance", "sex"], m)
    assert res.n_tests == 5 and "5 subgroup tests" in res.notes[0]
    np.testing.assert_allclose(res.table["p_holm"], multipletests(res.table["p_value"], method="holm")[1])
    opi = res.table.set_index("level").loc["opioids"]
    assert opi["p_holm"] < 0.05 and opi["estimate"] < -0.05
    het = res.heterogeneity.set_index("variable")
    assert het.loc["substance", "df"] == 2 and het.loc["substance", "p_value"] < 0.05
    # a callable design is re-estimated inside each subgroup
    res2 = subgroup_effects(data, "y", "t", ["sex"],
                            lambda d: weight_ipw(d, "t", estimate_propensity(d, "t", ["x", "substance"]), estimand="ATT"))
    assert len(res2.table) == 2 and res2.table["se"].gt(0).all()
    # numeric variables cut into bands
    banded = subgroup_effects(data.assign(age=18 + 50 * rng.random(n)), "y", "t", ["age"], m,
                              bins={"age": [17, 30, 45, 70]})
    assert banded.table["level"].astype(str).tolist() == ["(17, 30]", "(30, 45]", "(45, 70]"]
