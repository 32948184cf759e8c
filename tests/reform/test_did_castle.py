"""Staggered DiD on the castle-doctrine data (Cheng & Hoekstra, 2013) against csdid, and TWFE checks.

Reference: ``reference/castle_csdid.json``, written by ``reference/castle_reference.py`` with csdid
0.4.3 (the Python port of R's ``did``; outcome regression without covariates = the DR estimator
without covariates; analytic standard errors) on ``castle`` from causaldata 0.1.5, adoption year =
the year with ``lag0 == 1``. The extract is ``reference/castle.csv``.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from altmeasures_eval.reform import bacon_decomposition, prepare_panel, staggered_did, two_way_fe

REF = Path(__file__).parent / "reference"


@pytest.fixture(scope="module")
def castle():
    c = pd.read_csv(REF / "castle.csv")
    return prepare_panel(c.rename(columns={"sid": "jurisdiction", "year": "period"}), "l_homicide",
                         adoption_column="effyear")


@pytest.fixture(scope="module")
def ref():
    return json.loads((REF / "castle_csdid.json").read_text())


@pytest.mark.parametrize("control", ["never", "notyet"])
def test_group_time_effects_match_csdid(castle, ref, control):
    r = staggered_did(castle, control=control, n_boot=0)
    want = pd.DataFrame(ref[control]["att_gt"]).set_index(["g", "t"])  # csdid 0.4.3, castle_csdid.json
    got = r.att_gt.set_index(["g", "t"]).loc[want.index]
    np.testing.assert_allclose(got["estimate"], want["att"], atol=1e-8)
    np.testing.assert_allclose(got["se"], want["se"], rtol=1e-6)


@pytest.mark.parametrize("control", ["never", "notyet"])
def test_aggregations_match_csdid(castle, ref, control):
    r = staggered_did(castle, control=control, n_boot=0)
    want = ref[control]  # csdid aggte(typec=...) overall ATT and analytic SE, castle_csdid.json
    for mine, key in ((r.overall, "simple"), (r.overall_dynamic, "dynamic"), (r.overall_cohort, "group")):
        assert mine["estimate"] == pytest.approx(want[key]["att"], abs=1e-8)
        assert mine["se"] == pytest.approx(want[key]["se"], rel=1e-6)
    es = pd.DataFrame(want["event_time"]).set_index("e")
    got = r.event_study.set_index("event_time").loc[es.index]
    np.testing.assert_allclose(got["estimate"], es["att"], atol=1e-8)
    np.testing.assert_allclose(got["se"], es["se"], rtol=1e-6)


def test_published_overall_values(castle):
    """Values printed by csdid for this data (never-treated): simple 0.0974 (0.0409), dynamic 0.0837, group 0.0999."""
    r = staggered_did(castle, n_boot=0)
    assert round(r.overall["estimate"], 4) == 0.0974
    assert round(r.overall_dynamic["estimate"], 4) == 0.0837
    assert round(r.overall_cohort["estimate"], 4) == 0.0999


def test_uniform_band_contains_pointwise_interval(castle):
    r = staggered_did(castle, n_boot=499, random_state=3)
    es = r.event_study
    assert r.crit_event > 1.96  # a sup-t critical value exceeds the pointwise one
    ok = es["se"] > 0
    assert (es.loc[ok, "band_low"] <= es.loc[ok, "ci_low"] + 1e-9).all()
    assert (es.loc[ok, "band_high"] >= es.loc[ok, "ci_high"] - 1e-9).all()


def test_twfe_equals_dummy_regression_and_bacon_sum(castle):
    """TWFE by double demeaning equals OLS with unit and year dummies (statsmodels), and the
    Goodman-Bacon decomposition's weighted sum (Theorem 1)."""
    import statsmodels.formula.api as smf

    c = pd.read_csv(REF / "castle.csv")
    c["D"] = (c["year"] >= c["effyear"]).astype(float)
    fit = smf.ols("l_homicide ~ D + C(sid) + C(year)", data=c).fit(cov_type="cluster", cov_kwds={"groups": c["sid"]})
    tw = two_way_fe(castle)
    assert tw.estimate == pytest.approx(fit.params["D"], abs=1e-10)
    # statsmodels' cluster SE carries (G/(G-1)) (N-1)/(N-K); ours only G/(G-1)
    n, k = len(c), int(fit.df_model) + 1
    assert tw.se == pytest.approx(fit.bse["D"] / np.sqrt((n - 1) / (n - k)), rel=1e-8)
    b = bacon_decomposition(castle)
    assert b.estimate == pytest.approx(tw.estimate, abs=1e-10)
    assert b.comparisons["weight"].sum() == pytest.approx(1.0)
    assert set(b.by_type["type"]) == {"treated vs never treated", "earlier vs later treated", "later vs earlier treated"}


def test_castle_pretrends_flagged(castle):
    """Single-state cohorts move differently before adoption in this data (csdid's event study shows
    pre-period coefficients whose bands exclude zero at e = -8 and -6): the pre-trend test rejects."""
    r = staggered_did(castle, n_boot=0)
    assert r.pretrend["p_value"] < 0.05
