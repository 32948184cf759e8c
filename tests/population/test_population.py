"""Population models: length of stay, kernel, Little's law, projection, back-cast, occupancy."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from lifelines import KaplanMeierFitter
from lifelines.utils import restricted_mean_survival_time

from altmeasures_eval._errors import ConfigError, DataContractError
from altmeasures_eval.population import (
    DAYS_PER_MONTH,
    ReadmissionRates,
    length_of_stay,
    monthly_admissions,
    observed_population,
    prepare_spells,
    project_population,
    stay_kernel,
    steady_state,
)


def _spells(times, released, stream="eligible", juris="A"):
    n = len(times)
    adm = pd.Timestamp("2020-01-01")
    return pd.DataFrame({"jurisdiction": juris, "stream": stream, "custody_type": "sentenced",
                         "admission_date": [adm] * n,
                         "release_date": [adm + pd.Timedelta(days=t) if r else pd.NaT
                                          for t, r in zip(times, released)],
                         "time_served": np.asarray(times, float), "released": released})


def test_km_mean_by_hand_with_person_still_held():
    # Hand: stays 10, 20, 40 released, 30 still held (censored). KM: S=1 on [0,10), 3/4 on [10,20),
    # 1/2 on [20,40), 0 after 40 (the censored 30 does not drop S). Area = 10 + 7.5 + 10 = 27.5.
    los = length_of_stay(_spells([10, 20, 30, 40], [1, 1, 0, 1]), min_spells=1)
    assert los.mean_days("A", "eligible") == pytest.approx(27.5)
    assert los.summary.loc[0, "still_held"] == 1
    assert los.summary.loc[0, "median_days"] == 20.0


def test_km_mean_matches_lifelines_rmst():
    rng = np.random.default_rng(3)
    t = np.ceil(rng.exponential(100, 400))
    e = (rng.random(400) < 0.8).astype(int)
    los = length_of_stay(_spells(t, e), min_spells=1)
    kmf = KaplanMeierFitter().fit(t, e)
    assert los.mean_days("A", "eligible") == pytest.approx(
        restricted_mean_survival_time(kmf, t=t.max()), rel=1e-9)


@pytest.mark.parametrize("kind", ["days", "ties_and_zeros", "continuous", "all_released", "one_person"])
def test_km_curve_equals_lifelines_to_the_last_bit(kind):
    # The curve of length_of_stay was lifelines' KaplanMeierFitter until issue #14; its own array
    # version keeps lifelines' arithmetic (exp of the cumulative sum of log(n - d) - log(n)), so the
    # curves are equal exactly, not approximately: the same times from 0 and the same survival bits
    from altmeasures_eval.population._los import _km

    rng = np.random.default_rng(["days", "ties_and_zeros", "continuous", "all_released", "one_person"].index(kind))
    n = 1 if kind == "one_person" else 300
    t = {"days": np.ceil(rng.exponential(100, n)), "ties_and_zeros": rng.integers(0, 6, n).astype(float),
         "continuous": rng.exponential(80, n)}.get(kind, np.ceil(rng.exponential(30, n)))
    e = np.ones(n, int) if kind in ("all_released", "one_person") else (rng.random(n) < 0.7).astype(int)
    sf = KaplanMeierFitter().fit(t, e).survival_function_
    want_t, want_s = sf.index.to_numpy(float), sf.iloc[:, 0].to_numpy(float)
    if want_t[0] > 0:
        want_t, want_s = np.r_[0.0, want_t], np.r_[1.0, want_s]
    got = _km(t, e)
    np.testing.assert_array_equal(got["time"].to_numpy(), want_t)
    np.testing.assert_array_equal(got["survival"].to_numpy(), want_s)
    if kind == "all_released":
        assert got["survival"].iloc[-1] == 0.0  # the curve reaches 0 (log 0 = -inf, exp -> 0) as lifelines'


def test_small_group_uses_pooled_curve_and_says_so():
    big = _spells(np.arange(1, 41), [1] * 40, juris="A")
    small = _spells([500, 600], [1, 1], juris="B")
    los = length_of_stay(pd.concat([big, small], ignore_index=True), min_spells=30)
    assert los.mean_days("B", "eligible") == los.mean_days("all", "eligible")
    assert any("B/eligible" in n and "pooled" in n for n in los.notes)


@pytest.mark.parametrize("stay_months, expected", [(1.0, [1.0, 0.0, 0.0]), (1.5, [1.0, 0.5, 0.0])])
def test_stay_kernel_fixed_stay(stay_months, expected):
    # Fixed stay L months, admitted uniformly within month 0: held at end of month k with
    # probability integral_k^{k+1} 1[x < L] dx.
    curve = pd.DataFrame({"time": [0.0, stay_months * DAYS_PER_MONTH], "survival": [1.0, 0.0]})
    np.testing.assert_allclose(stay_kernel(curve, 3), expected, atol=1e-12)


def test_observed_population_by_hand():
    sp = pd.DataFrame({
        "jurisdiction": "A",
        "admission_date": pd.to_datetime(["2020-01-10", "2020-01-31", "2020-02-05"]),
        "release_date": pd.to_datetime(["2020-01-31", "2020-03-01", pd.NaT]),
    })
    out = observed_population(sp, pd.period_range("2020-01", "2020-03", freq="M"))
    # End of Jan: spell 1 released on Jan 31 (not held), spell 2 admitted Jan 31 (held) -> 1.
    # End of Feb: spells 2 and 3 -> 2. End of Mar: spell 3 still open -> 1.
    assert out["population"].tolist() == [1, 2, 1]


def test_prepare_spells_names_bad_row(tables):
    sp, ca, pe, ex = tables
    bad = sp.copy()
    bad.loc[5, "release_date"] = bad.loc[5, "admission_date"] - pd.Timedelta(days=3)
    with pytest.raises(DataContractError, match=r"custody_spells.*release_date.*row 5"):
        prepare_spells(bad, ca, pe, ex)
    with pytest.raises(DataContractError, match="persons"):
        prepare_spells(sp, ca, pe.iloc[1:], ex)


def test_prepare_spells_streams_and_censoring(tables):
    sp, ca, pe, ex = tables
    s = prepare_spells(sp, ca, pe, ex)
    assert set(s["stream"]) == {"eligible", "other"}
    assert not {"person_id", "case_id", "spell_id"} & set(s.columns)
    open_ = sp["release_date"].isna().to_numpy()
    assert (s.loc[open_, "released"] == 0).all()
    np.testing.assert_allclose(s.loc[open_, "time_served"],
                               (ex - sp.loc[open_, "admission_date"]).dt.days)


def _daily(per_day: int, stay: int, n_days: int, start="2015-01-01"):
    """Exactly ``per_day`` admissions every day with a fixed stay: the population is per_day x stay."""
    days = pd.date_range(start, periods=n_days, freq="D").repeat(per_day)
    ids = [f"p{i}" for i in range(len(days))]
    extract = days[-1]
    rel = pd.Series(days + pd.Timedelta(days=stay)).where(lambda r: r <= extract)
    sp = pd.DataFrame({"spell_id": ids, "person_id": ids, "case_id": ids, "admission_date": days,
                       "release_date": rel.to_numpy(), "custody_type": "sentenced"})
    ca = pd.DataFrame({"case_id": ids, "iccs_code": "060111"})
    pe = pd.DataFrame({"person_id": ids, "jurisdiction": "A"})
    return sp, ca, pe, extract


def test_littles_law_at_steady_state_within_one_percent():
    # 3 admissions a day, stay 120 days: the counted population is 360 every month end once full.
    sp, ca, pe, ex = _daily(3, 120, 6 * 365)
    s = prepare_spells(sp, ca, pe, ex)
    adm = monthly_admissions(s)
    obs = observed_population(s, pd.PeriodIndex(adm["month"].unique(), freq="M"))
    assert obs["population"].iloc[-2] == 360
    proj = project_population(adm, length_of_stay(s), ex, years=10, shares=(0.25,), observed=obs)
    base = proj.paths.query("scenario == 'baseline' and projected")
    # Little's law L = lambda W: 3 a day x 120 days = 360.
    assert base["population"].iloc[-1] == pytest.approx(360, rel=0.01)
    # Back-cast against the counted population, after the burn-in.
    assert proj.backcast.loc[0, "mape"] < 0.01
    # Scenario: diverting 25% -> 0.75 a day x 120 = 90 fewer, as steady_state says.
    drop = base["population"].iloc[-1] - proj.paths.query("scenario == 'divert_25'")["population"].iloc[-1]
    ss = steady_state(0.25 * 3 * 365.25, 120)
    assert drop == pytest.approx(ss.places_averted, rel=0.01)
    assert ss.places_averted == pytest.approx(90)


def test_projection_readmissions_match_steady_state(tables):
    sp, ca, pe, ex = tables
    s = prepare_spells(sp, ca, pe, ex)
    adm, los = monthly_admissions(s), length_of_stay(s)
    rates = ReadmissionRates(reoffend_custody=0.4, reoffend_alternative=0.5,
                             custody_on_reoffence_custody=0.3, custody_on_reoffence_alternative=0.3,
                             breach_custody_alternative=0.1)
    proj = project_population(adm, los, ex, years=15, shares=(0.5,), rates=rates)
    last = proj.summary.set_index("scenario")
    e_rate = proj.admissions.query("projected and stream == 'eligible'")["admissions"].iloc[-1]
    q_alt, q_cus = 0.5 * 0.3 + 0.1, 0.4 * 0.3
    ss = steady_state(0.5 * e_rate * 12, los.mean_days("A", "eligible"), q_alt - q_cus)
    assert last.loc["divert_50", "change_vs_baseline"] == pytest.approx(ss.net_change, rel=0.01)


def test_bands_cover_point_and_collapse_without_draws(tables):
    sp, ca, pe, ex = tables
    s = prepare_spells(sp, ca, pe, ex)
    adm, los = monthly_admissions(s), length_of_stay(s)
    rng = np.random.default_rng(7)
    draws = ReadmissionRates(rng.uniform(0.3, 0.5, 200), rng.uniform(0.2, 0.6, 200), 0.3, 0.3)
    p = project_population(adm, los, ex, years=3, rates=draws).paths
    assert (p["low"] <= p["population"] + 1e-9).all() and (p["population"] <= p["high"] + 1e-9).all()
    scen = p.query("scenario == 'divert_50' and projected")
    assert (scen["high"] - scen["low"]).iloc[-1] > 0
    fixed = project_population(adm, los, ex, years=3, rates=ReadmissionRates(0.4, 0.4, 0.3, 0.3)).paths
    np.testing.assert_allclose(fixed["low"], fixed["high"])


@pytest.mark.filterwarnings("ignore:Perfect separation")  # an exact geometric series fits perfectly
def test_loglinear_trend_recovers_growth():
    months = pd.period_range("2018-01", periods=60, freq="M")
    growth = 1.01
    adm = pd.DataFrame({"jurisdiction": "A", "month": months,
                        "eligible": 100 * growth ** np.arange(60), "other": 50.0})
    curve = pd.DataFrame({"time": [0.0, 30.0], "survival": [1.0, 0.0]})
    from altmeasures_eval.population import LengthOfStay
    los = LengthOfStay(curves={("all", "eligible"): curve, ("all", "other"): curve},
                       counts=pd.DataFrame())
    p = project_population(adm, los, "2022-12-31", years=1, trend="loglinear", shares=(0.1,))
    fut = p.admissions.query("projected and stream == 'eligible'")["admissions"].to_numpy()
    np.testing.assert_allclose(fut, 100 * growth ** np.arange(60, 72), rtol=1e-6)
    assert any("+12.7%" in n for n in p.notes)  # 1.01^12 - 1 = 12.68%


def test_occupancy_against_capacity():
    sp, ca, pe, ex = _daily(3, 120, 4 * 365)
    s = prepare_spells(sp, ca, pe, ex)
    adm = monthly_admissions(s)
    cap = pd.DataFrame({"jurisdiction": "A", "month": ["2016-06", "2018-06"],
                        "capacity": [400, 300], "population": pd.array([pd.NA, pd.NA], "Int64")})
    p = project_population(adm, length_of_stay(s), ex, years=2, shares=(0.5,), capacity=cap)
    occ = p.occupancy.set_index("scenario")
    # Capacity 300 held after 2018-06; baseline ~360 is over it in all 24 projected months. The 50%
    # scenario diverts 1.5 a day: ~46 fewer by the end of month 1 (~314, still over), ~91 fewer by
    # the end of month 2 (~269) and 180 from month 4 on, so exactly 1 month over.
    assert occ.loc["baseline", "months_over_capacity"] == 24
    assert occ.loc["divert_50", "months_over_capacity"] == 1
    assert occ.loc["baseline", "mean_occupancy"] == pytest.approx(360 / 300, rel=0.01)


def test_bad_settings_raise():
    with pytest.raises(ConfigError):
        steady_state(-1, 10)
    with pytest.raises(ConfigError, match="probability"):
        ReadmissionRates(1.5, 0.2, 0.1, 0.1).arms()


def test_steady_state_arithmetic_by_hand():
    # 730.5 diversions a year = 2 a day; x 60 days = 120 places; dq = -0.1 x 2 x 30 = -6.
    ss = steady_state(730.5, 60, readmission_change=-0.1, readmission_stay_days=30)
    assert ss.places_averted == pytest.approx(120)
    assert ss.places_readmission == pytest.approx(-6)
    assert ss.net_change == pytest.approx(-126)
    assert "2.000 fewer admissions a day" in ss.arithmetic[0]
    assert "<h4>" in ss._repr_html_()


def test_prepare_spells_other_errors(tables):
    sp, ca, pe, ex = tables
    bad = sp.copy()
    bad.loc[2, "custody_type"] = "jail"
    with pytest.raises(DataContractError, match=r"custody_type.*row 2.*'jail'"):
        prepare_spells(bad, ca, pe, ex)
    late = sp.copy()
    late.loc[3, "admission_date"] = ex + pd.Timedelta(days=1)
    late.loc[3, "release_date"] = pd.NaT
    with pytest.raises(DataContractError, match=r"admission_date.*row 3.*after the extract"):
        prepare_spells(late, ca, pe, ex)


def test_rate_draws_of_different_lengths_are_rejected():
    with pytest.raises(ConfigError, match="equal lengths"):
        ReadmissionRates([0.1, 0.2], [0.1, 0.2, 0.3], 0.1, 0.1).arms()


def test_projection_result_presentation(tables):
    sp, ca, pe, ex = tables
    s = prepare_spells(sp, ca, pe, ex)
    los = length_of_stay(s)
    proj = project_population(monthly_admissions(s), los, ex, years=1)
    for obj in (proj, los):
        assert obj._repr_html_().startswith("<h4>")
    assert set(proj.summary["scenario"]) == {"baseline", "divert_10", "divert_25", "divert_50"}
    with pytest.raises(ConfigError, match="trend"):
        project_population(monthly_admissions(s), los, ex, trend="cubic")


def test_backcast_prefers_the_capacity_population_column():
    sp, ca, pe, ex = _daily(2, 60, 3 * 365)
    s = prepare_spells(sp, ca, pe, ex)
    adm = monthly_admissions(s)
    months = pd.PeriodIndex(adm["month"].unique(), freq="M")
    obs = observed_population(s, months)
    # A published population 10% above the counted one (e.g. people outside the extract).
    cap = pd.DataFrame({"jurisdiction": "A", "month": months.astype(str), "capacity": 500,
                        "population": pd.array((obs["population"] * 1.1).round().astype(int), "Int64")})
    p = project_population(adm, length_of_stay(s), ex, years=1, capacity=cap, observed=obs)
    b = p.backcast.iloc[0]
    assert b["observed_source"] == "prison_capacity.population"
    # The model follows the counted population (120), so the error against the published one is
    # about -12 people (-1/11 of it): the back-cast reports the gap instead of hiding it.
    assert b["mean_error"] == pytest.approx(-12, abs=1.5)
    assert b["mape"] == pytest.approx(1 / 11, abs=0.01)
    with pytest.raises(ConfigError, match="readmission_stream"):
        project_population(adm, length_of_stay(s), ex, readmission_stream="remand")


def test_km_matches_r_survival():
    # Reference: tests/population/reference/km_time_served.R (R 4.2, survival 3.5):
    # survfit(Surv(time_served, released) ~ 1), summary(fit, rmean = max time)$table.
    from pathlib import Path

    ref_dir = Path(__file__).parent / "reference"
    data = pd.read_csv(ref_dir / "time_served.csv")
    ref = pd.read_csv(ref_dir / "km_time_served_R.csv").set_index("stream")
    spells = data.assign(jurisdiction="A", admission_date=pd.Timestamp("2020-01-01"))
    los = length_of_stay(spells, min_spells=1).summary.query("jurisdiction == 'A'").set_index("stream")
    for stream in ("eligible", "other"):
        assert los.loc[stream, "mean_days"] == pytest.approx(ref.loc[stream, "rmean"], rel=1e-6)
        assert los.loc[stream, "median_days"] == ref.loc[stream, "median"]
        assert los.loc[stream, "survival_at_end"] == pytest.approx(ref.loc[stream, "surv_end"], abs=1e-9)


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 400), st.booleans()), min_size=1, max_size=40))
def test_stay_kernel_properties(stays):
    # Properties: the kernel is a probability per month (in [0, 1]), non-increasing after the
    # first month, and sums to the restricted mean stay in months (Little's law by construction).
    times = [t for t, _ in stays]
    released = [int(r) for _, r in stays]
    if not any(released):
        released[0] = 1
    los = length_of_stay(_spells(times, released), min_spells=1)
    k = stay_kernel(los.curve("A", "eligible"), 20)
    assert ((k >= -1e-12) & (k <= 1 + 1e-12)).all()
    assert (np.diff(k) <= 1e-12).all()
    assert k.sum() == pytest.approx(los.mean_days("A", "eligible") / DAYS_PER_MONTH, rel=1e-9, abs=1e-12)


def test_km_curve_outside_its_fast_path_is_lifelines_own():
    # times the array version does not take (negative, NaN) go to lifelines: its curve from the
    # earliest time and its error, as before issue #14
    from altmeasures_eval.population._los import _km

    t, e = np.array([-1.0, 2.0, 3.0]), np.array([1, 0, 1])
    sf = KaplanMeierFitter().fit(t, e).survival_function_
    got = _km(t, e)
    np.testing.assert_array_equal(got["time"].to_numpy(), sf.index.to_numpy(float))
    np.testing.assert_array_equal(got["survival"].to_numpy(), sf.iloc[:, 0].to_numpy(float))
    with pytest.raises(TypeError, match="NaNs were detected"):
        _km(np.array([np.nan, 2.0]), np.array([1, 1]))


def test_bed_day_numbers_of_dates_and_of_text_agree():
    # day numbers since 1970-01-01 (floor, NaT -> NaN): datetime64 columns on the nanoseconds, any
    # other input through pandas' date parsing
    from altmeasures_eval.population._bed_days import _days

    dates = pd.Series([pd.Timestamp("1969-12-31 12:00"), pd.Timestamp("1970-01-01"), pd.Timestamp("2020-01-02"),
                       pd.NaT], dtype="datetime64[ns]")
    np.testing.assert_array_equal(_days(dates), [-1.0, 0.0, 18263.0, np.nan])
    np.testing.assert_array_equal(_days(pd.Series(["1969-12-31", "1970-01-01", "2020-01-02", None])),
                                  [-1.0, 0.0, 18263.0, np.nan])
