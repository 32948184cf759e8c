"""Abadie-Imbens variance after a match whose ties were averaged: hand-computed fixture.

Treated t1 (score 0.9, Y 5) and t2 (1.1, Y 7); controls c1, c2, c3 all at score 1.0 (Y 0, 4, 10) and
c4 at 3.0 (Y 1). 1:1 ATT with ties averaged: each treated unit's set is {c1, c2, c3}, 1/3 each, so
Yhat = 14/3, the differences are 1/3 and 7/3, tau = 4/3 and sum (diff - tau)^2 = 2. Every control
used has K = 2/3, Q = 2/9, K^2 - Q = 2/9.

- ``ai_neighbors=1`` with ties: a control's neighbourhood is itself and every control as near as its
  nearest other, here all three (distance 0): sigma^2 = var(0, 4, 10) = 228/9, so
  V = (2 + 3 * 2/9 * 228/9) / 2^2 = 4.72222...
- ``ai_neighbors=0`` (constant variance, R Matching's Var.calc = 0): the six pair differences minus
  tau are 11/3, -1/3, -19/3, 17/3, 5/3, -13/3, each weighted 1/3; sigma^2 = 0.5 * (966/9 / 3) / 2
  = 8.94444..., V = (2 + 3 * 2/9 * 8.94444) / 4 = 1.99074...
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from altmeasures_eval.effects import estimate_effect
from altmeasures_eval.matching import match_nearest

DATA = pd.DataFrame({"t": [1, 1, 0, 0, 0, 0], "s": [0.9, 1.1, 1.0, 1.0, 1.0, 3.0], "y": [5.0, 7.0, 0.0, 4.0, 10.0, 1.0]},
                    index=["t1", "t2", "c1", "c2", "c3", "c4"])


def test_sets_and_estimate():
    m = match_nearest(DATA, "t", "s", ratio=1, caliper=None, ties="average")
    assert m.match_matrix.notna().sum(axis=1).tolist() == [3, 3]
    res = estimate_effect(DATA, "y", "t", m, variance="abadie-imbens", ai_neighbors=1)
    assert res["mean_difference"]["estimate"] == pytest.approx(4 / 3, rel=1e-12)


@pytest.mark.parametrize(("J", "variance"), [(1, (2 + 3 * 2 / 9 * 228 / 9) / 4),
                                             (0, (2 + 3 * 2 / 9 * (0.5 * (966 / 9 / 3) / 2)) / 4)])
def test_variance_by_hand(J, variance):
    m = match_nearest(DATA, "t", "s", ratio=1, caliper=None, ties="average")
    res = estimate_effect(DATA, "y", "t", m, variance="abadie-imbens", ai_neighbors=J)
    assert res["mean_difference"]["se"] == pytest.approx(np.sqrt(variance), rel=1e-12)


def test_without_tie_averaging_the_neighbourhood_is_exactly_one_other():
    """Same data, one control per slot: each treated unit keeps one of the tied controls, and that
    control's conditional variance comes from itself and one other control, not all three, so the
    SE differs from the one with ties averaged."""
    m = match_nearest(DATA, "t", "s", ratio=1, caliper=None)
    assert m.match_matrix.notna().sum(axis=1).tolist() == [1, 1]
    tied = match_nearest(DATA, "t", "s", ratio=1, caliper=None, ties="average")
    a = estimate_effect(DATA, "y", "t", m, variance="abadie-imbens", ai_neighbors=1)["mean_difference"]["se"]
    b = estimate_effect(DATA, "y", "t", tied, variance="abadie-imbens", ai_neighbors=1)["mean_difference"]["se"]
    assert np.isfinite(a) and abs(a - b) > 0.1
