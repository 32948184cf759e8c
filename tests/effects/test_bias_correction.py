"""Regression bias correction of a match with replacement (Abadie & Imbens 2011), ``estimate_effect(
bias_adjust=[...])``: checked by hand on a five-person example and by an exact property (an outcome
linear in the covariate within the non-focal group is imputed without error, whatever the matching
discrepancies, so the corrected estimate equals the true constant effect)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from altmeasures_eval._errors import ConfigError
from altmeasures_eval.effects import estimate_effect
from altmeasures_eval.matching import match_nearest


def test_hand_calculation_att():
    # treated A (x 0, y 5), B (x 2, y 9); controls C (x 0.4, y 1), D (x 1.8, y 4), E (x 5, y 0).
    # 1:1 with replacement on x: A -> C, B -> D; E unused. Plain ATT = ((5 - 1) + (9 - 4)) / 2 = 4.5.
    # Control regression on the used controls C, D (weights 1): slope (4 - 1) / (1.8 - 0.4) = 15/7.
    # Corrected: Y_C + mu(0) - mu(0.4) = 1 - 0.4 * 15/7 and Y_D + mu(2) - mu(1.8) = 4 + 0.2 * 15/7,
    # so ATT = 4.5 - (15/7) * ((0 + 2) / 2 - (0.4 + 1.8) / 2) = 4.5 + 0.1 * 15/7 = 4.7142857...
    d = pd.DataFrame({"t": [1, 1, 0, 0, 0], "x": [0.0, 2.0, 0.4, 1.8, 5.0], "y": [5.0, 9.0, 1.0, 4.0, 0.0]})
    m = match_nearest(d, "t", "x", estimand="ATT", ratio=1, replace=True, caliper=None)
    plain = estimate_effect(d, "y", "t", m, variance="robust")
    bc = estimate_effect(d, "y", "t", m, variance="robust", bias_adjust=["x"])
    assert plain.summary.loc["mean_difference", "estimate"] == pytest.approx(4.5, abs=1e-12)
    assert bc.summary.loc["mean_difference", "estimate"] == pytest.approx(4.5 + 0.1 * 15 / 7, abs=1e-12)
    assert "Abadie & Imbens 2011" in bc.variance and any("control mean shifted by" in n for n in bc.notes)


@pytest.mark.parametrize("estimand, ratio", [("ATT", 1), ("ATT", 4), ("ATC", 1), ("ATC", 4)])
def test_linear_outcome_is_corrected_exactly(estimand, ratio):
    rng = np.random.default_rng(19)
    n = 400
    x1, x2 = rng.normal(size=n), rng.normal(size=n)
    t = (rng.random(n) < 1 / (1 + np.exp(-(-0.5 + 1.5 * x1 + x2)))).astype(int)
    y = 2.0 + 3.0 * x1 - 1.0 * x2 + 1.5 * t  # exactly linear, constant effect 1.5
    d = pd.DataFrame({"t": t, "x1": x1, "x2": x2, "y": y, "score": 1.5 * x1 + x2})
    m = match_nearest(d, "t", "score", estimand=estimand, ratio=ratio, replace=True, caliper=None)
    plain = estimate_effect(d, "y", "t", m, variance="robust").summary.loc["mean_difference", "estimate"]
    bc = estimate_effect(d, "y", "t", m, variance="robust", bias_adjust=["x1", "x2"])
    assert abs(plain - 1.5) > 1e-3  # the matches differ in x1, x2 given the score: plain matching is off
    assert bc.summary.loc["mean_difference", "estimate"] == pytest.approx(1.5, abs=1e-9)


def test_refused_without_replacement():
    d = pd.DataFrame({"t": [1, 1, 0, 0, 0], "x": [0.0, 2.0, 0.4, 1.8, 5.0], "y": [5.0, 9.0, 1.0, 4.0, 0.0]})
    m = match_nearest(d, "t", "x", estimand="ATT", ratio=1, replace=False, caliper=None)
    with pytest.raises(ConfigError, match="bias_adjust is for the ATT or ATC of a match with replacement"):
        estimate_effect(d, "y", "t", m, variance="robust", bias_adjust=["x"])


def test_default_with_the_score_corrects_a_binary_outcome_too():
    # variance="auto" with the design's logistic score: the estimate is bias-corrected on the score
    # model's covariates whatever the outcome type; the SE stays the type's default (robust here)
    from altmeasures_eval.matching import estimate_propensity

    rng = np.random.default_rng(5)
    n = 800
    x1, x2 = rng.normal(size=n), rng.normal(size=n)
    t = (rng.random(n) < 1 / (1 + np.exp(-(-0.5 + x1 + 0.5 * x2)))).astype(int)
    y = (rng.random(n) < 1 / (1 + np.exp(-(-0.5 + 0.8 * x1 + 0.4 * x2)))).astype(float)
    d = pd.DataFrame({"t": t, "x1": x1, "x2": x2, "y": y})
    ps = estimate_propensity(d, "t", ["x1", "x2"])
    m = match_nearest(d, "t", ps, estimand="ATC", ratio=4, replace=True, caliper=None)
    auto = estimate_effect(d, "y", "t", m, propensity=ps)
    named = estimate_effect(d, "y", "t", m, variance="robust", bias_adjust=["x1", "x2"])
    plain = estimate_effect(d, "y", "t", m)
    assert auto.summary.loc["risk_difference", "estimate"] == pytest.approx(
        named.summary.loc["risk_difference", "estimate"], abs=1e-12)
    assert auto.summary.loc["risk_difference", "se"] == pytest.approx(plain.summary.loc["risk_difference", "se"],
                                                                     rel=1e-12)
    assert auto.summary.loc["risk_difference", "estimate"] != plain.summary.loc["risk_difference", "estimate"]
    assert "robust" in auto.variance and "Abadie & Imbens 2011" in auto.variance
