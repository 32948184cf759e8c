"""Interrupted time series: hand-made series with known level and slope changes; statsmodels as the
independent reference for the Newey-West covariance."""

from __future__ import annotations

import numpy as np
import pytest

from altmeasures_eval._errors import NotEstimable
from altmeasures_eval.reform import interrupted_time_series

PER = np.arange(24_000, 24_000 + 72)
ADOPT = 24_000 + 48


def _series(level=-6.0, slope=-0.25, noise=0.0, seed=0):
    rng = np.random.default_rng(seed)
    t = PER - ADOPT
    season = 2.0 * (PER % 12 == 6) - 1.0 * (PER % 12 == 0)
    return 40 + 0.1 * t + season + (t >= 0) * (level + slope * t) + noise * rng.normal(size=len(PER))


def test_noiseless_series_gives_the_changes_exactly():
    """Hand calculation: the average post effect is level + slope * mean(0..23) = -6 - 0.25 * 11.5."""
    r = interrupted_time_series(_series(), PER, ADOPT, errors="newey-west")
    coef = r.coefficients.set_index("term")["estimate"]
    assert coef["level_change"] == pytest.approx(-6.0, abs=1e-8)
    assert coef["slope_change"] == pytest.approx(-0.25, abs=1e-8)
    assert r.effect["estimate"] == pytest.approx(-6.0 - 0.25 * 11.5, abs=1e-8)
    post = r.series["post"]
    gap = (r.series["observed"] - r.series["counterfactual"])[post]
    assert gap.mean() == pytest.approx(r.effect["estimate"], abs=1e-8)


def test_newey_west_matches_statsmodels_directly():
    """The HAC covariance is statsmodels' OLS HAC (Bartlett, 4 lags, small-sample correction) of the
    same design; the effect's SE is sqrt(c' V c) for c = (level, mean post time)."""
    import statsmodels.api as sm

    y = _series(noise=1.5, seed=4)
    r = interrupted_time_series(y, PER, ADOPT, errors="newey-west", lags=4)
    t = (PER - ADOPT).astype(float)
    post = (t >= 0).astype(float)
    X = np.column_stack([np.ones_like(t), t, post, t * post] + [(PER % 12 == s).astype(float) for s in range(1, 12)])
    fit = sm.OLS(y, X).fit(cov_type="HAC", cov_kwds={"maxlags": 4, "use_correction": True})
    c = np.zeros(X.shape[1])
    c[2], c[3] = 1.0, t[t >= 0].mean()
    assert r.effect["estimate"] == pytest.approx(c @ fit.params, abs=1e-10)
    assert r.effect["se"] == pytest.approx(np.sqrt(c @ fit.cov_params() @ c), rel=1e-10)


def test_arima_errors_recover_the_effect_and_interval_covers():
    y = _series(noise=1.0, seed=7)
    r = interrupted_time_series(y, PER, ADOPT, errors="arima")
    truth = -6.0 - 0.25 * 11.5
    assert r.effect["ci_low"] < truth < r.effect["ci_high"]
    assert (r.series["cf_low"] <= r.series["counterfactual"]).all()


def test_placebo_in_time_flags_a_pre_reform_break():
    y = _series(noise=0.5, seed=1)
    y[PER < ADOPT - 24] -= 8  # a jump halfway through the pre-period
    r = interrupted_time_series(y, PER, ADOPT, errors="newey-west")
    assert r.placebo["p_value"] < 0.01
    clean = interrupted_time_series(_series(noise=0.5, seed=1), PER, ADOPT, errors="newey-west")
    assert clean.placebo["p_value"] > 0.05


def test_too_short_pre_period_is_not_estimable():
    with pytest.raises(NotEstimable, match="at least 24 periods before"):
        interrupted_time_series(_series()[36:], PER[36:], ADOPT)
