"""Costs: unit-cost table, deflation, discounting, pricing, ratio and dominance, Monte Carlo, tornado."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from altmeasures_eval._errors import ConfigError
from altmeasures_eval.costs import (
    benefit_cost,
    compare_costs,
    cost_quantities,
    default_unit_costs,
    deflate,
    discount_factors,
    monte_carlo,
    one_way_sensitivity,
    unit_costs_from_config,
)

H = (365, 730, 1095)


def _table(rate=0.0, **over):
    section = {
        "currency": "EUR", "price_year": 2024, "discount_rate": rate,
        "custody_day": {"value": 100.0},
        "alternative_day": {"default": 10.0, "probation": 20.0},
        "treatment_day": {"default": 30.0},
        "treatment_episode": {"default": 0.0},
        "reoffence": 1000.0,
        "victim": {"default": 500.0, "violent": 5000.0},
    }
    section.update(over)
    return unit_costs_from_config(section)


@pytest.fixture
def fixture():
    nan = np.nan
    cohort = pd.DataFrame({
        "treatment": [1, 1, 0, 0],
        "disposition": ["probation", "fine", "custody", "custody"],
        "measure_days": [100.0, 0.0, nan, nan],
        "reoffences_365": [1.0, 0, 1, 0], "reoffences_730": [1.0, 0, 2, 0],
        "reoffences_1095": [2.0, 0, 2, 0],
        "severity_first": ["violent", nan, "drug_personal_use", nan],
    })
    beds = pd.DataFrame({
        "bed_days_index_365": [10.0, 0, 90, 200], "bed_days_index_730": [10.0, 0, 90, 250],
        "bed_days_index_1095": [10.0, 0, 90, 250],
        "bed_days_later_365": [0.0, 0, 0, 0], "bed_days_later_730": [0.0, 0, 30, 0],
        "bed_days_later_1095": [0.0, 0, 30, 0],
    })
    return cohort, beds


def test_discount_factors_by_hand():
    periods = [(0, 365), (365, 730), (730, 1095)]
    np.testing.assert_allclose(discount_factors(periods, 0.035, "start"), [1, 1 / 1.035, 1 / 1.035**2])
    np.testing.assert_allclose(discount_factors(periods, 0.035, "end"), [1 / 1.035, 1.035**-2, 1.035**-3])
    np.testing.assert_allclose(discount_factors(periods, 0.035, "mid"), 1.035 ** -np.array([0.5, 1.5, 2.5]))


def test_deflate_by_hand_and_in_config():
    d = {2020: 100.0, 2024: 120.0}
    assert deflate(100.0, 2020, 2024, d) == pytest.approx(120.0)
    t = unit_costs_from_config({
        "price_year": 2024, "deflator": {"2020": 100.0, "2024": 120.0},
        "custody_day": {"value": 100.0, "distribution": "triangular", "low": 50.0, "high": 150.0,
                        "price_year": 2020},
    })
    u = t.items["custody_day"]
    assert (u.low, u.value, u.high) == pytest.approx((60.0, 120.0, 180.0))
    with pytest.raises(ConfigError, match=r"deflator.*2019"):
        unit_costs_from_config({"price_year": 2024, "custody_day": {"value": 1.0, "price_year": 2019}})


@pytest.mark.parametrize("section, message", [
    ({"custody_day": {"value": 1.0, "distribution": "beta"}}, "distribution"),
    ({"custody_day": {"value": 5.0, "distribution": "triangular", "low": 6.0, "high": 9.0}}, "low <= value"),
    ({"alternative_day": {"prison_lite": 3.0}}, "not in the vocabulary"),
    ({"victim": {"violent": {"value": 1.0, "distribution": "lognormal"}}}, "lognormal"),
    ({"custody_day": {"value": 1.0, "basis": "total"}}, "basis"),
    ({"discount_rate": 1.5}, "discount_rate"),
    ({"costz": 1}, "unknown key"),
])
def test_config_errors_name_the_key(section, message):
    with pytest.raises(ConfigError, match=message):
        unit_costs_from_config(section)


def test_defaults_are_flagged_and_average_cost_labelled():
    assert set(default_unit_costs().placeholders) == set(default_unit_costs().items)
    t = unit_costs_from_config({"custody_day": {"value": 150.0, "basis": "average"}})
    assert "custody_day" not in t.placeholders and "reoffence" in t.placeholders
    assert any("average cost" in n for n in t.notes)


def test_distributions_draws_and_bounds():
    rng = np.random.default_rng(0)
    t = unit_costs_from_config({
        "custody_day": {"value": 100.0, "distribution": "lognormal", "sd": 40.0},
        "reoffence": {"value": 30.0, "distribution": "triangular", "low": 0.0, "high": 90.0},
        "alternative_day": {"default": {"distribution": "uniform", "low": 0.0, "high": 100.0}},
    })
    x = t.items["custody_day"].draw(200_000, rng)
    assert x.mean() == pytest.approx(100, rel=0.01) and x.std() == pytest.approx(40, rel=0.02)
    tri = t.items["reoffence"].draw(200_000, rng)
    assert tri.mean() == pytest.approx((0 + 30 + 90) / 3, rel=0.01)  # triangular mean (a+c+b)/3
    # Uniform(0, 100): the central 90% runs from 5 to 95 (by hand).
    assert t.items["alternative_day.default"].bounds(0.9) == pytest.approx((5.0, 95.0))


@pytest.mark.parametrize("benefits, net, verdict, ratio", [
    (13_926.0, 4_924.0, "ratio", 2.83),  # WSIPP drug courts 2017: $13,926 / $4,924 = 2.83
    (100.0, -50.0, "dominant", np.nan),   # cheaper and better: no ratio
    (0.0, -50.0, "dominant", np.nan),
    (-10.0, 50.0, "dominated", np.nan),
    (-10.0, -50.0, "cheaper, worse outcomes", np.nan),
    (0.0, 0.0, "no difference", np.nan),
])
def test_benefit_cost_ratio_and_dominance(benefits, net, verdict, ratio):
    r, v = benefit_cost(benefits, net)
    assert v == verdict
    if np.isnan(ratio):
        assert np.isnan(r)
    else:
        assert r == pytest.approx(ratio, abs=0.005)


def test_costs_by_hand_undiscounted(fixture):
    cohort, beds = fixture
    q = cost_quantities(cohort, beds, horizons=H)
    res = compare_costs(q, _table(0.0))
    # By hand (prices: custody day 100, probation day 20, fine day 10, reoffence 1000, victim
    # violent 5000, other tiers 500):
    # A1 programme 10x100 + 100x20 = 3000, outcome 2x1000 + 2x5000 = 12000
    # A2 0, 0; C1 programme 90x100 = 9000, outcome 30x100 + 2x1000 + 2x500 = 6000
    # C2 programme 250x100 = 25000, outcome 0.
    t = res.table.set_index(["perspective", "component"])
    assert t.loc[("all", "programme"), "mean_alternative"] == pytest.approx(1500)
    assert t.loc[("all", "programme"), "mean_custody"] == pytest.approx(17000)
    assert t.loc[("all", "outcome"), "mean_alternative"] == pytest.approx(6000)
    assert t.loc[("all", "outcome"), "mean_custody"] == pytest.approx(3000)
    assert t.loc[("victims", "total"), "difference"] == pytest.approx(5000 - 500)
    assert res.net_cost == pytest.approx(-15500)
    assert res.benefits == pytest.approx(-3000)
    assert res.npv == pytest.approx(12500)
    assert res.verdict == "cheaper, worse outcomes" and np.isnan(res.ratio)
    tot = res.totals(100).set_index(["perspective", "component"])
    assert tot.loc[("all", "total"), "total_difference"] == pytest.approx(-1_250_000)


def test_costs_by_hand_discounted(fixture):
    cohort, beds = fixture
    res = compare_costs(cost_quantities(cohort, beds, horizons=H), _table(0.10))
    pp = res.per_person["all|total"]
    # A1 at 10%, costs at the start of each year: year-1 custody 1000 + probation 2000, reoffences
    # of year 1 (1) and year 3 (1) each 1000 + 5000: 3000 + (1 + 1/1.1^2) x 6000.
    assert pp.iloc[0] == pytest.approx(3000 + (1 + 1 / 1.21) * 6000)
    # C2: 200 days in year 1, 50 in year 2: 20000 + 5000 / 1.1.
    assert pp.iloc[3] == pytest.approx(20000 + 5000 / 1.1)


def test_weights_change_the_comparison(fixture):
    cohort, beds = fixture
    q = cost_quantities(cohort, beds, horizons=H)
    res = compare_costs(q, _table(0.0), weights=np.array([1.0, 1.0, 0.0, 1.0]))
    # Custody group is C2 only: programme 25000, outcome 0.
    t = res.table.set_index(["perspective", "component"])
    assert t.loc[("all", "programme"), "mean_custody"] == pytest.approx(25000)
    assert not any("placeholder" in n for n in res.notes)  # every group given in the config


def test_monte_carlo_fixed_costs_no_effect_draws_is_the_point(fixture):
    cohort, beds = fixture
    q = cost_quantities(cohort, beds, horizons=H)
    t = _table(0.0)
    res = compare_costs(q, t)
    mc = monte_carlo(res, t, n_draws=10_000, random_state=1)
    np.testing.assert_allclose(mc.npv, res.npv)
    assert mc.chance_positive == 1.0


def test_monte_carlo_chance_matches_normal_theory(fixture):
    cohort, beds = fixture
    q = cost_quantities(cohort, beds, horizons=H)
    t = _table(0.0)
    res = compare_costs(q, t)
    col = "custody_day|programme"
    rng = np.random.default_rng(5)
    # Effect draws of the index bed-days difference ~ N(-155, 100^2); NPV = -sum dq x price, with
    # the other quantities fixed: NPV = 12500 + (-155 - dq_col) x 100 ... P(NPV > 0) by theory:
    other = res.npv + res.delta_quantities[col] * 100.0
    draws = pd.DataFrame({col: rng.normal(-155, 100, 50_000)})
    mc = monte_carlo(res, t, effect_draws=draws, n_draws=20_000, random_state=2)
    theory = stats.norm.cdf((other / 100.0 - (-155)) / 100)  # P(dq < other / 100)
    assert mc.chance_positive == pytest.approx(theory, abs=0.01)
    assert mc.npv.mean() == pytest.approx(other + 155 * 100, rel=0.02)


def test_monte_carlo_unit_cost_uncertainty_by_theory(fixture):
    cohort, beds = fixture
    q = cost_quantities(cohort, beds, horizons=H)
    # Only the custody day is uncertain, uniform(0, 200): NPV is linear in it.
    t = _table(0.0, custody_day={"value": 100.0, "distribution": "uniform", "low": 0.0, "high": 200.0})
    res = compare_costs(q, t)
    mc = monte_carlo(res, t, n_draws=40_000, random_state=3)
    dq_c = res.delta_quantities[["custody_day|programme", "custody_day|outcome"]].sum()
    rest = res.npv + dq_c * 100.0  # NPV = rest - dq_c x price
    price_zero = rest / dq_c  # NPV > 0 <=> price > price_zero (dq_c < 0)
    theory = 1 - np.clip(price_zero, 0, 200) / 200
    assert mc.chance_positive == pytest.approx(theory, abs=0.01)
    s = mc.summary.set_index("quantity")
    assert s.loc["npv", "ci_low"] < res.npv < s.loc["npv", "ci_high"]


def test_tornado_by_hand(fixture):
    cohort, beds = fixture
    q = cost_quantities(cohort, beds, horizons=H)
    t = _table(0.05)
    res = compare_costs(q, t)
    sens = one_way_sensitivity(res, t, quantities=q)
    tab = sens.table.set_index("input")
    assert sens.base_npv == pytest.approx(res.npv)
    # A fixed cost is varied +-25%: custody day 75 .. 125; NPV moves by -dq_custody x 25.
    dq_c = res.delta_quantities[["custody_day|programme", "custody_day|outcome"]].sum()
    assert tab.loc["custody_day", "npv_low"] == pytest.approx(res.npv + dq_c * 25)
    assert tab.loc["custody_day", "npv_high"] == pytest.approx(res.npv - dq_c * 25)
    assert tab.loc["discount_rate", "npv_low"] == pytest.approx(compare_costs(q, _table(0.0)).npv)
    assert list(sens.table["swing"]) == sorted(sens.table["swing"], reverse=True)


def test_tornado_effect_rows_by_hand(fixture):
    cohort, beds = fixture
    q = cost_quantities(cohort, beds, horizons=H)
    t = _table(0.0)
    res = compare_costs(q, t)
    col = "custody_day|programme"
    draws = pd.DataFrame({col: np.linspace(-200.0, -100.0, 101)})  # 5th/95th percentiles -195, -105
    tab = one_way_sensitivity(res, t, effect_draws=draws).table.set_index("input")
    row = tab.loc["effect on custody_day (programme)"]
    assert (row["low_value"], row["high_value"]) == pytest.approx((-195.0, -105.0))
    # NPV = base - (dq - dq_point) x 100 (custody day price 100).
    dq0 = res.delta_quantities[col]
    assert row["npv_low"] == pytest.approx(res.npv - (-195.0 - dq0) * 100)
    assert row["npv_high"] == pytest.approx(res.npv - (-105.0 - dq0) * 100)
