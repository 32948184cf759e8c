"""The propensity sandwich when some rows lack the outcome (e.g. treatment completion, observed only
for people who entered treatment).

Regression: the information matrix of the logistic fit was rebuilt from the outcome rows only, which
is singular when a covariate level has no row with an observed outcome; the evaluation's health stage
then failed with ``LinAlgError: Singular matrix`` on small cohorts (seen on ``synth.simulate(3000,
seed=1)``). The information must be the fit's own, over every row the model was fitted on.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from altmeasures_eval.effects import estimate_effect
from altmeasures_eval.matching import estimate_propensity, weight_ipw


def _data(seed: int = 3, n: int = 600) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    cat = rng.choice(["a", "b", "rare"], size=n, p=[0.5, 0.4, 0.1])
    t = (rng.random(n) < 1 / (1 + np.exp(-(0.3 + 0.8 * x + 0.5 * (cat == "b"))))).astype(int)
    y = (rng.random(n) < 1 / (1 + np.exp(-(-0.5 + 0.6 * x - 0.4 * t)))).astype(float)
    y[cat == "rare"] = np.nan  # the level never has an observed outcome
    return pd.DataFrame({"treatment": t, "x": x, "cat": cat, "y": y})


def test_sandwich_with_a_covariate_level_absent_from_the_outcome_rows():
    df = _data()
    ps = estimate_propensity(df, "treatment", ["x", "cat"])
    design = weight_ipw(df, "treatment", ps, estimand="ATT")
    res = estimate_effect(df, "y", "treatment", design, variance="sandwich")
    row = res.summary.loc["risk_difference"]
    # point estimate = weighted means over the rows with an observed outcome (hand computation)
    ok = df["y"].notna().to_numpy()
    w, t, y = design.weights.to_numpy()[ok], df["treatment"].to_numpy()[ok], df["y"].to_numpy()[ok]
    hand = np.average(y[t == 1], weights=w[t == 1]) - np.average(y[t == 0], weights=w[t == 0])
    assert abs(row["estimate"] - hand) < 1e-12
    assert np.isfinite(row["se"]) and row["se"] > 0
    assert any("fitted on all rows" in n for n in res.notes)


def test_without_missing_outcomes_the_fit_information_is_the_outcome_rows_information():
    # With every outcome observed the two constructions coincide, so the SE is unchanged by the fix:
    # compare with the same data where the missing outcomes are filled and then dropped by hand.
    df = _data(seed=11).assign(y=lambda d: d["y"].fillna(0.0))
    ps = estimate_propensity(df, "treatment", ["x", "cat"])
    design = weight_ipw(df, "treatment", ps, estimand="ATE")
    full = estimate_effect(df, "y", "treatment", design, variance="sandwich").summary.loc["risk_difference"]
    robust = estimate_effect(df, "y", "treatment", design, variance="robust").summary.loc["risk_difference"]
    assert full["estimate"] == robust["estimate"]
    # estimating the score changes the SE (Lunceford & Davidian 2004: for the ATE it does not increase it)
    assert full["se"] <= robust["se"] * 1.0001
