"""Population anchored to the data's real coverage (issue #12 part 9), on a custody register that ends
2.5 years before the extract date.

Before: admissions were counted over the 12 months before the extract date (all zero), so diverting
25% was "0 people a year", while the projection ran from the last admission month. Now the yearly
admissions, the projection start and the bed-day windows all stop where the register stops. Expected
values are counted by hand from the post-processed tables.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from altmeasures_eval.cohort import CohortSpec, build_cohort
from altmeasures_eval.evaluation import EvaluationSpec, prison_stage
from altmeasures_eval.evaluation._stages import admissions_per_year
from altmeasures_eval.synth import simulate
from tests.scenarios import _project

pytestmark = pytest.mark.slow  # one 3,000-person simulation and a prison stage: about 8 s


@pytest.fixture(scope="module")
def early():
    sim = simulate(3000, seed=5, period=("2019-01-01", "2021-12-31"))
    ds = _project.custody_ends_early(sim, years_before=2.5)
    spec = EvaluationSpec(cohort=CohortSpec(period_start="2019-01-01", period_end="2021-12-31"))
    spec = spec.__class__(**{**spec.__dict__, "population": spec.population.__class__(
        **{**spec.population.__dict__, "n_boot": 20})})
    data = build_cohort(ds, spec.cohort).data
    w = np.ones(len(data))
    return ds, spec, data, prison_stage(ds, data, w, spec, None, rate_weights=w)


def _eligible_by_month(ds: pd.DataFrame) -> pd.Series:
    sp = ds.custody_spells.merge(ds.cases[["case_id", "iccs_code"]], on="case_id", how="left")
    ok = sp["iccs_code"].fillna("").str.startswith("06011") & sp["custody_type"].isin(["pre_trial", "sentenced"])
    return sp.loc[ok, "admission_date"].dt.to_period("M").value_counts().sort_index()


def test_projection_starts_after_the_last_month_the_register_covers(early):
    ds, _, _, res = early
    last = ds.custody_spells["admission_date"].max()
    assert last <= pd.Timestamp("2023-06-30")
    last_complete = pd.Period(last, "M") if last.is_month_end else pd.Period(last, "M") - 1
    st = res.projection.settings
    assert st["last_observed_month"] == str(last_complete)
    assert st["first_projected_month"] == str(last_complete + 1)
    assert any("projected, not observed" in n and "complete only to" in n for n in res.notes)


def test_diversions_a_year_come_from_the_last_covered_twelve_months(early):
    ds, spec, _, res = early
    counts = _eligible_by_month(ds)
    last_complete = pd.Period(res.projection.settings["last_observed_month"], "M")
    window = pd.period_range(last_complete - 11, last_complete, freq="M")
    by_hand = float(counts.reindex(window, fill_value=0).sum())
    assert by_hand > 0  # the old count over the 12 months before the extract date was 0
    for share, n in zip(spec.population.shares, res.diversions_per_year):
        assert n == pytest.approx(share * by_hand)
    assert any(f"counted over {window[0]} to {window[-1]}" in n for n in res.notes)


def test_bed_days_after_the_register_ends_are_not_observable_not_zero(early):
    ds, _, data, res = early
    until = pd.Timestamp(res.projection.settings["observed_until"])
    # by hand: the 365-day window is observable when it ends by the register's end
    # by hand: a window opens at the index decision and is observable when it ends by the register's end
    index = pd.to_datetime(data["index_date"])
    observable = int((index + pd.Timedelta(days=730) <= until).sum())
    from altmeasures_eval.population import count_bed_days

    beds = count_bed_days(data, ds.custody_spells, until, horizons=(730,))
    assert 0 < int(beds["bed_days_total_730"].notna().sum()) == observable < len(data)
    # the prison stage counted the same way: its 2-year bed-day comparison has only the observable rows
    t = res.bed_days.table
    row = t[(t["horizon"] == 730) & (t["component"] == "total")].iloc[0]
    assert row["n_alternative"] + row["n_custody"] == observable
    assert any("not observable (left out, not zero)" in n for n in res.notes)


def test_observed_points_reconcile_or_are_explained(early):
    _, _, _, res = early
    bc = res.projection.backcast
    assert len(bc) and (bc["months"] > 0).all()
    for r in bc.itertuples():
        explained = any(n.startswith(f"{r.jurisdiction}: the modelled baseline") for n in res.notes)
        assert r.mape <= 0.10 or explained


def test_full_coverage_keeps_the_last_twelve_months_before_the_extract():
    # a register that reaches the extract date: the window is the 12 months before it, as before
    adm = pd.DataFrame({"jurisdiction": "A", "month": pd.period_range("2023-01", "2025-12", freq="M"),
                        "eligible": np.arange(36), "other": 0})
    per_year, basis = admissions_per_year(adm, pd.Timestamp("2025-12-31"), (pd.Timestamp("2024-01-01"),
                                                                            pd.Timestamp("2024-12-31")))
    assert per_year == sum(range(24, 36))  # 2025-01..2025-12 hold 24..35
    assert "2025-01 to 2025-12" in basis and "over the evaluation period (2024-01 to 2024-12) " \
        f"{sum(range(12, 24)):,} a year" in basis


def test_linkage_gap_is_stated_in_prison_and_cost_notes():
    from dataclasses import replace

    from altmeasures_eval.evaluation import costs_stage

    sim = simulate(3000, seed=5, period=("2019-01-01", "2021-12-31"))
    ds = _project.linkage_gap(sim, years=(2020, 2021))  # spells of the cohort's own years are missing
    spec = EvaluationSpec(cohort=CohortSpec(period_start="2019-01-01", period_end="2021-12-31"))
    spec = replace(spec, population=replace(spec.population, n_boot=20),
                   costs_analysis=replace(spec.costs_analysis, n_boot=20, n_draws=1000))
    data = build_cohort(ds, spec.cohort).data
    w = np.ones(len(data))
    prison = prison_stage(ds, data, w, spec, None, rate_weights=w)
    costs = costs_stage(ds, data, w, spec, None)
    for notes, what in ((prison.notes, "bed-days"), (costs.notes, "prison bed-days and their costs")):
        gap = [n for n in notes if n.startswith("linkage gap:")]
        assert len(gap) == 1 and what in gap[0] and "2020, 2021" in gap[0] and "towards zero" in gap[0]
