"""Pooling of every evaluation stage (issue #17) against R ``mice::pool.scalar``, to 1e-6.

Reference: ``reference/stage_pool_reference.R`` (R 4.2.2, mice 3.15.0, ``stage_versions.txt``) pooled
each quantity of ``reference/stage_per_imputation.csv`` (written by ``stage_estimates.py``: time to
event, Kaplan-Meier cumulative incidence, bed-days and a risk ratio estimated in each of 5 imputed
data sets of a generated cohort) into ``reference/stage_pooled.csv``. CI has no R: the output is stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from altmeasures_eval.imputation import pool_curves, pool_frame, pool_survival

REF = Path(__file__).parent / "reference"
COLS = ("estimate", "ci_low", "ci_high", "p_value", "df", "fmi")


@pytest.fixture(scope="module")
def per() -> pd.DataFrame:
    return pd.read_csv(REF / "stage_per_imputation.csv")


@pytest.fixture(scope="module")
def ref() -> pd.DataFrame:
    return pd.read_csv(REF / "stage_pooled.csv").set_index(["stage", "key"])


def _check(got: pd.Series, r: pd.Series, what: str) -> None:
    for c in COLS:
        assert got[c] == pytest.approx(float(r[c]), rel=1e-6, abs=1e-12), (what, c)


@dataclass(frozen=True)
class _TTE:  # the fields of survival.TimeToEventEffects that pooling reads
    summary: pd.DataFrame
    notes: tuple[str, ...] = ()


def test_time_to_event_pooled_as_mice(per, ref):
    """Risk and RMST differences at each horizon, and the hazard ratio on the log scale (its
    ``hazard_ratio`` row = exp of the pooled log hazard ratio and interval), equal mice::pool.scalar."""
    results = []
    for _, g in per[per["stage"] == "time_to_event"].groupby("imputation"):
        parts = g["key"].str.split("|", expand=True).reindex(columns=[0, 1])
        s = pd.DataFrame({"measure": parts[0], "time": pd.to_numeric(parts[1]), "estimate": g["estimate"].to_numpy(),
                          "se": g["se"].to_numpy(), "ci_low": np.nan, "ci_high": np.nan, "p_value": 0.5, "n": 900})
        lhr = s[s["measure"] == "log_hazard_ratio"].iloc[0]
        hr = {"measure": "hazard_ratio", "time": np.nan, "estimate": np.exp(lhr["estimate"]), "se": np.nan,
              "ci_low": np.nan, "ci_high": np.nan, "p_value": 0.5, "n": 900}
        results.append(_TTE(pd.concat([s, pd.DataFrame([hr])], ignore_index=True)))
    got = pool_survival(results).summary
    assert list(got["measure"]) == list(results[0].summary["measure"])  # same rows, same order
    for _, row in got.iterrows():
        if row["measure"] == "hazard_ratio":
            r = ref.loc[("time_to_event", "log_hazard_ratio")]
            for c in ("estimate", "ci_low", "ci_high"):
                assert row[c] == pytest.approx(np.exp(float(r[c])), rel=1e-6), c
            assert row["p_value"] == pytest.approx(float(r["p_value"]), rel=1e-6)
            continue
        key = row["measure"] if pd.isna(row["time"]) else f"{row['measure']}|{row['time']:g}"
        r = ref.loc[("time_to_event", key)]
        _check(row, r, key)
        assert row["se"] ** 2 == pytest.approx(float(r["t"]), rel=1e-6)


@pytest.mark.parametrize("stage, keys, estimate", [
    ("kaplan_meier", ["group", "time"], "estimate"),
    ("bed_days", ["horizon", "component"], "difference"),
])
def test_tables_pooled_row_by_row_as_mice(per, ref, stage, keys, estimate):
    """Kaplan-Meier cumulative incidence at each horizon and group; bed-day differences by horizon
    and component (``pool_frame`` with the stage's own column names)."""
    frames = []
    for _, g in per[per["stage"] == stage].groupby("imputation"):
        parts = g["key"].str.split("|", expand=True)
        f = pd.DataFrame({keys[0]: parts[0].to_numpy(), keys[1]: parts[1].to_numpy(),
                          estimate: g["estimate"].to_numpy(), "se": g["se"].to_numpy(), "ci_low": np.nan,
                          "ci_high": np.nan, "p_value": 0.5, "mean": np.arange(len(g), dtype=float)})
        frames.append(f)
    got = pool_frame(frames, keys, estimate=estimate)
    assert len(got) == len(frames[0])
    np.testing.assert_allclose(got["mean"], np.arange(len(got)))  # descriptive columns: averaged
    for _, row in got.iterrows():
        key = f"{row[keys[0]]}|{row[keys[1]]}"
        _check(row.rename({estimate: "estimate"}), ref.loc[(stage, key)], key)


def test_ratio_pooled_on_the_log_scale_as_mice(per, ref):
    frames = [pd.DataFrame({"measure": ["risk_ratio"], "estimate": g["estimate"].to_numpy(), "se": g["se"].to_numpy(),
                            "ci_low": np.nan, "ci_high": np.nan, "p_value": 0.5})
              for _, g in per[per["stage"] == "effect"].groupby("imputation")]
    got = pool_frame(frames, ["measure"], log=[True]).iloc[0]
    _check(got, ref.loc[("effect", "risk_ratio")], "risk_ratio")


def test_rows_missing_in_some_imputation_are_not_pooled():
    a = pd.DataFrame({"k": ["x", "y"], "estimate": [1.0, 2.0], "se": [0.1, 0.1]})
    b = pd.DataFrame({"k": ["x"], "estimate": [3.0], "se": [0.1]})
    got = pool_frame([a, b], ["k"], ci=None, p_value=None)
    assert list(got["k"]) == ["x"] and got["estimate"].iloc[0] == pytest.approx(2.0)
    # an SE missing in one imputation: the mean estimate, no interval
    c = pd.DataFrame({"k": ["x"], "estimate": [5.0], "se": [np.nan], "ci_low": np.nan, "ci_high": np.nan,
                      "p_value": np.nan})
    d = c.assign(estimate=7.0, se=0.2)
    got = pool_frame([c, d], ["k"]).iloc[0]
    assert got["estimate"] == 6.0 and np.isnan(got["se"]) and np.isnan(got["ci_low"])


def test_curves_carried_forward_and_pooled_pointwise_by_hand():
    """Two imputations whose step curves jump at different times: at t = 2 the first is still at its
    t = 1 value. Hand calculation at t = 2: values 0.9 and 0.7, SEs 0.1 and 0.1: qbar 0.8,
    ubar 0.01, b = 0.02, t = 0.01 + 1.5 * 0.02 = 0.04, lambda = 0.75, df = 1 / 0.75**2."""
    c1 = pd.DataFrame({"group": 0, "time": [0.0, 1.0, 3.0], "survival": [1.0, 0.9, 0.5], "se": [0.0, 0.1, 0.1],
                       "n_at_risk": [10, 9, 5]})
    c2 = pd.DataFrame({"group": 0, "time": [0.0, 2.0], "survival": [1.0, 0.7], "se": [0.0, 0.1], "n_at_risk": [10, 7]})
    got = pool_curves([c1, c2], ["group"], "survival", counts=("n_at_risk",)).set_index("time")
    assert list(got.index) == [0.0, 1.0, 2.0, 3.0]
    row = got.loc[2.0]
    assert row["survival"] == pytest.approx(0.8) and row["se"] == pytest.approx(0.2)
    from scipy import stats

    half = stats.t.ppf(0.975, 1 / 0.75**2) * 0.2
    assert row["ci_low"] == pytest.approx(max(0.8 - half, 0)) and row["ci_high"] == pytest.approx(min(0.8 + half, 1))
    assert got.loc[1.0, "survival"] == pytest.approx((0.9 + 1.0) / 2)  # the second still at 1 before t = 2
    assert got.loc[2.0, "n_at_risk"] == 8  # counts averaged and rounded: (9 + 7) / 2
