"""E-values (published examples) and Rosenbaum bounds (hand calculations)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from altmeasures_eval.effects import evalue, rosenbaum_bounds
from altmeasures_eval.matching import match_nearest


def test_evalue_published_example():
    """VanderWeele & Ding (2017), Ann Intern Med 167:268: RR 3.9 -> E-value 7.26; with lower limit
    2.4 -> 4.23 (values as printed by R's EValue-based example for RR 3.9, lower 2.4:
    7.263034 and 4.23303)."""
    ev = evalue(3.9, 2.4, 6.0)
    assert ev.point == pytest.approx(7.263034, abs=1e-6)
    assert ev.ci == pytest.approx(4.23303, abs=1e-5)


def test_evalue_protective_null_crossing_and_hr():
    # RR 0.5: invert to 2 -> 2 + sqrt(2)
    ev = evalue(0.5, 0.3, 0.8)
    assert ev.point == pytest.approx(2 + np.sqrt(2))
    assert ev.ci == pytest.approx(1.25 + np.sqrt(1.25 * 0.25))  # upper limit 0.8 -> 1.25
    assert evalue(1.3, 0.9, 1.8).ci == 1.0
    # common outcome HR 2: RR = (1 - 0.5^sqrt 2) / (1 - 0.5^sqrt 0.5) (VanderWeele 2017)
    rr = (1 - 0.5 ** np.sqrt(2)) / (1 - 0.5 ** np.sqrt(0.5))
    assert evalue(2.0, measure="hr", rare=False).rr == pytest.approx(rr)
    assert evalue(2.0, measure="hr").point == pytest.approx(2 + np.sqrt(2))


def test_rosenbaum_bounds_hand_calculation():
    # five pairs: control had the event and treated not in 4 pairs; the reverse in 1 pair
    t = [1, 0] * 6
    d = [0.0, 0.01, 1, 1.01, 2, 2.01, 3, 3.01, 4, 4.01, 5, 5.01]
    y = [0, 1, 0, 1, 0, 1, 0, 1, 1, 0, 1, 1]  # pair 6 concordant
    data = pd.DataFrame({"t": t, "d": d, "y": y})
    m = match_nearest(data, "t", "d", caliper=None, replace=False)
    rb = rosenbaum_bounds(data, "y", m, gammas=[1.0, 2.0])
    assert rb.discordant == {"treated_only": 1, "control_only": 4}
    # Gamma 1: P(Bin(5, 1/2) >= 4) = 6/32; Gamma 2: P(Bin(5, 2/3) >= 4) = 112/243
    assert rb.table["p_upper"].tolist() == pytest.approx([6 / 32, 112 / 243])
    # lower bound at Gamma 2: P(Bin(5, 1/3) >= 4) = (5*2 + 1)/243
    assert rb.table["p_lower"].iloc[1] == pytest.approx(11 / 243)
    assert rb.gamma_critical == 1.0
    with pytest.raises(Exception, match="1:1"):
        rosenbaum_bounds(data, "y", match_nearest(data, "t", "d", caliper=None, replace=True))
