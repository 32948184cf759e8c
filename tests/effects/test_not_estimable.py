"""No absurd numbers (issue #12 part 5): risk-difference intervals inside [-1, 1], and a group with no
variation, a zero-width interval or an exploding variance is "not estimable", never a table row.

Expected numbers: ``reference/newcombe_mover.R`` (R 4.2 ``prop.test`` Wilson limits combined by
Newcombe's method 10; output in ``reference/newcombe_mover.out``) and Newcombe (1998) Table II.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from altmeasures_eval._errors import NotEstimable
from altmeasures_eval._estimable import check_difference, mover_difference, wilson_interval
from altmeasures_eval.effects import estimate_effect, subgroup_effects


def _two_groups(x1: int, n1: int, x0: int, n0: int) -> pd.DataFrame:
    y = [1.0] * x1 + [0.0] * (n1 - x1) + [1.0] * x0 + [0.0] * (n0 - x0)
    return pd.DataFrame({"t": [1] * n1 + [0] * n0, "y": y})


@pytest.mark.parametrize(("x1", "n1", "x0", "n0", "lower", "upper", "p"), [
    # reference/newcombe_mover.out; the first row is also Newcombe (1998) Table II, example (a),
    # method 10: 0.0524 to 0.3339
    (56, 70, 48, 80, 0.0524314724, 0.3338726540, 0.008045081368),
    (10, 10, 3, 10, 0.2889428910, 0.8922087326, 0.001032013915),
    (9, 10, 1, 10, 0.3698669071, 0.9161405732, 0.0003466193511),
])
def test_unadjusted_risk_difference_is_newcombe_with_score_p(x1, n1, x0, n0, lower, upper, p):
    res = estimate_effect(_two_groups(x1, n1, x0, n0), "y", "t")
    rd = res["risk_difference"]
    assert rd["estimate"] == pytest.approx(x1 / n1 - x0 / n0)
    assert rd["ci_low"] == pytest.approx(lower, abs=1e-9)
    assert rd["ci_high"] == pytest.approx(upper, abs=1e-9)
    assert rd["p_value"] == pytest.approx(p, rel=1e-8)
    assert "Newcombe" in res.variance


def test_everyone_reoffends_in_one_group_n10_gives_a_sane_p_not_1e_112():
    # 10 of 10 vs 3 of 10: the Wald p from the treated group's zero variance was astronomically small;
    # the score test gives prop.test's 0.00103 (reference/newcombe_mover.out) and the interval stays below 1
    rd = estimate_effect(_two_groups(10, 10, 3, 10), "y", "t")["risk_difference"]
    assert rd["p_value"] > 1e-4 and rd["ci_high"] <= 1.0


def test_no_event_in_one_group_blanks_the_ratio_with_its_reason():
    # 3 of 10 vs 0 of 10: the ratio is undefined (division by 0); the difference is Newcombe's
    res = estimate_effect(_two_groups(3, 10, 0, 10), "y", "t")
    assert res["risk_difference"]["ci_low"] == pytest.approx(-0.0375924346, abs=1e-9)
    assert res["risk_difference"]["ci_high"] == pytest.approx(0.6032218525, abs=1e-9)
    assert np.isnan(res["risk_ratio"]["estimate"]) and np.isnan(res["risk_ratio"]["ci_low"])
    assert "risk_ratio" in res.not_estimable and any("risk_ratio not estimable" in n for n in res.notes)


def test_everyone_reoffends_is_not_estimable():
    # the old output was [-2.5e-14, -1.9e-14], an interval that "excludes 0"
    with pytest.raises(NotEstimable, match="every person in both groups has y = 1"):
        estimate_effect(_two_groups(10, 10, 12, 12), "y", "t")
    with pytest.raises(NotEstimable, match="every person in both groups has y = 0"):
        estimate_effect(_two_groups(0, 10, 0, 12), "y", "t", np.full(22, 2.0))


def test_adjusted_effect_with_a_group_without_variation_is_not_estimable():
    w = np.linspace(0.5, 2.0, 30)
    with pytest.raises(NotEstimable, match="no variation in y in the custody"):
        estimate_effect(_two_groups(4, 10, 0, 20), "y", "t", w)
    with pytest.raises(NotEstimable, match="no variation in y in the alternative"):
        estimate_effect(_two_groups(10, 10, 5, 20), "y", "t", w)


def test_adjusted_interval_is_mover_wilson_on_effective_sizes_by_hand():
    # equal weights 2 through the adjusted (robust) path: Var(p_g) = p(1-p)/n_g * n/(n-2) (HC1, n = 20),
    # so the effective sizes are n_g (n-2)/n = 10 * 18/20 = 9, and r = 0: the interval is Newcombe's
    # with n* = 9 in both groups. Wilson limits by hand (Wilson 1927), z = 1.959963984540054.
    z = 1.959963984540054
    res = estimate_effect(_two_groups(7, 10, 2, 10), "y", "t", np.full(20, 2.0))

    def wilson(p, n):
        c, h = (p + z * z / (2 * n)) / (1 + z * z / n), z / (1 + z * z / n) * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
        return c - h, c + h

    (l1, u1), (l0, u0) = wilson(0.7, 9.0), wilson(0.2, 9.0)
    lower = 0.5 - np.sqrt((0.7 - l1) ** 2 + (u0 - 0.2) ** 2)
    upper = 0.5 + np.sqrt((u1 - 0.7) ** 2 + (0.2 - l0) ** 2)
    rd = res["risk_difference"]
    assert rd["ci_low"] == pytest.approx(lower, abs=1e-12) and rd["ci_high"] == pytest.approx(upper, abs=1e-12)
    # the p-value stays the Wald test of the design variance: se^2 = (0.21 + 0.16) / 10 * 20/18
    se = np.sqrt((0.21 + 0.16) / 10 * 20 / 18)
    assert rd["se"] == pytest.approx(se)
    assert "MOVER-Wilson" in res.variance


def test_adjusted_interval_approaches_wald_in_large_samples_and_never_leaves_unit_range():
    rng = np.random.default_rng(4)
    n = 20000
    t = rng.binomial(1, 0.5, n)
    y = rng.binomial(1, np.where(t == 1, 0.3, 0.4)).astype(float)
    w = rng.uniform(0.5, 2.0, n)
    rd = estimate_effect(pd.DataFrame({"t": t, "y": y}), "y", "t", w)["risk_difference"]
    z = 1.959963984540054
    assert rd["ci_low"] == pytest.approx(rd["estimate"] - z * rd["se"], abs=2e-4)
    assert rd["ci_high"] == pytest.approx(rd["estimate"] + z * rd["se"], abs=2e-4)
    # extreme proportions with few effective people: Wald would leave [-1, 1], MOVER cannot
    small = _two_groups(9, 10, 1, 10)
    rd = estimate_effect(small, "y", "t", np.r_[np.full(10, 1.0), np.full(10, 3.0)])["risk_difference"]
    assert -1 <= rd["ci_low"] < rd["estimate"] < rd["ci_high"] <= 1
    assert rd["estimate"] + z * rd["se"] > 1  # the Wald interval would have reached past 1


def test_check_difference_cases_by_hand():
    # the subgroup interval of +-159 million points: se 8.1e7 against at most sqrt(0.5)
    with pytest.raises(NotEstimable, match="variance exploded"):
        check_difference("risk difference", -0.24, 8.1e7, -1.59e8, 1.59e8, max_var=0.25 + 0.25, bounded=True)
    with pytest.raises(NotEstimable, match="zero width"):
        check_difference("risk difference", -2.2e-14, 0.0, -2.2e-14, -2.2e-14, max_var=0.5, bounded=True)
    with pytest.raises(NotEstimable, match="leaves"):
        check_difference("risk difference", 0.8, 0.13, 0.545, 1.055, max_var=0.5, bounded=True)
    with pytest.raises(NotEstimable, match="not a finite"):
        check_difference("mean difference", np.nan, 1.0, -1.0, 1.0, max_var=10.0, bounded=False)
    check_difference("mean difference", 3.0, 1.0, 1.04, 4.96, max_var=10.0, bounded=False)  # a sane one passes


def test_wilson_and_mover_stay_in_range_at_the_edges():
    lo, hi = wilson_interval(np.array([0.0, 1.0]), np.array([5.0, 5.0]))
    assert lo[0] == 0.0 and hi[1] == 1.0 and 0 < hi[0] < 1 and 0 < lo[1] < 1
    assert mover_difference(1.0, 0.0, 0.0, 0.0, n1=3, n0=3) [1] == 1.0
    with pytest.raises(NotEstimable):
        mover_difference(1.0, 0.2, 0.0, 0.01)  # a weighted group with p = 1 has no effective size


def test_subgroup_not_estimable_is_skipped_with_the_reason():
    a = _two_groups(6, 20, 3, 20).assign(g="a")
    b = _two_groups(20, 20, 20, 20).assign(g="b")  # everyone reoffends in subgroup b
    res = subgroup_effects(pd.concat([a, b], ignore_index=True), "y", "t", ["g"], np.ones(80), min_per_group=5)
    assert res.table["level"].tolist() == ["a"]
    assert any("g=b: skipped, not estimable" in n and "every person" in n for n in res.notes)


def test_mean_difference_of_arrays_without_variation_has_no_interval():
    # later custody: 0 bed-days in both groups (the "later custody 0.0 for both groups" of a linkage gap)
    from altmeasures_eval.effects import weighted_mean_difference

    r = weighted_mean_difference(np.zeros(20), np.r_[np.ones(10), np.zeros(10)])
    assert r["estimate"] == 0 and np.isnan(r["ci_low"]) and np.isnan(r["p_value"]) and "zero width" in r["not_estimable"]
    # a structural zero in one group (index bed-days after an alternative) keeps the other group's variance:
    # custody 10, 20, ..., 100 -> mean 55, HC1 variance of the difference = s0^2/10 * 20/18 with s0^2 = 825
    y = np.r_[np.zeros(10), np.arange(10, 101, 10)]
    r = weighted_mean_difference(y, np.r_[np.ones(10), np.zeros(10)])
    assert r["estimate"] == -55 and r["se"] == pytest.approx(np.sqrt(825 / 10 * 20 / 18))
    assert "not_estimable" not in r
