"""Matching with ties averaged and the Abadie-Imbens variance against R ``Matching`` on the
Dehejia-Wahba NSW data, and a published printed result reproduced to its digits.

References (tests/effects/reference/):

- ``matching_ties_reference.R`` runs R Matching 4.10-8 (``Match(..., ties = TRUE, Var.calc = 0)``,
  its defaults) and writes ``matching_ties.csv`` (17 significant digits) and
  ``matching_ties_reference.out`` (its printed output); the data are Matching's ``lalonde``
  (``lalonde_nsw_dw.csv``, GPL-3, see ``lalonde_nsw_dw_SOURCE.md``), the propensity model that of
  ``?Match`` and of Matching's tests/testthat/test-DehejiaWehba.R, its fitted probabilities in
  ``lalonde_nsw_dw_ps.csv`` (17 digits).
- Published: J. Bryer, *Applied Propensity Score Analysis with R*, chapter "Matching"
  (github.com/jbryer/psa, 03-Matching.md), ``summary(rr.att)`` of that same call prints
  ``Estimate... 2153.3 / AI SE...... 825.4 / T-stat..... 2.6088 / p.val...... 0.0090858`` and
  ``Matched number of observations (unweighted). 346``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from altmeasures_eval.effects import estimate_effect
from altmeasures_eval.matching import estimate_propensity, match_nearest

REF = Path(__file__).parent / "reference"
FORMULA = ("age + I(age**2) + educ + I(educ**2) + black + hisp + married + nodegr + re74 + I(re74**2)"
           " + re75 + I(re75**2) + u74 + u75")


@pytest.fixture(scope="module")
def nsw() -> pd.DataFrame:
    d = pd.read_csv(REF / "lalonde_nsw_dw.csv")
    d["ps_r"] = pd.read_csv(REF / "lalonde_nsw_dw_ps.csv")["ps"].to_numpy()
    return d


def _pairs(m) -> int:
    """R's 'Matched number of observations (unweighted)': (focal, match) pairs, ties counted."""
    return int(m.match_matrix.notna().to_numpy().sum())


@pytest.mark.parametrize("setting", ["book_att_m1", "att_m1_exact_ties", "att_m3", "atc_m1", "atc_m4"])
def test_equals_r_matching_with_ties(nsw, setting):
    ref = pd.read_csv(REF / "matching_ties.csv").set_index("setting").loc[setting]
    m = match_nearest(nsw, "treat", "ps_r", estimand=ref["estimand"], ratio=int(ref["M"]), replace=True,
                      caliper=None, ties="average", tie_tolerance=float(ref["distance_tolerance"]))
    res = estimate_effect(nsw, "re78", "treat", m, variance="abadie-imbens", ai_neighbors=0)
    row = res["mean_difference"]
    assert _pairs(m) == ref["pairs"]
    assert int(m.matched[m.treatment == (1 if ref["estimand"] == "ATT" else 0)].sum()) == ref["matched_focal"]
    assert row["estimate"] == pytest.approx(ref["estimate"], rel=1e-12)
    assert row["se"] == pytest.approx(ref["se"], rel=1e-12)
    assert "constant conditional variance" in res.variance


def test_caliper_estimate_and_r_variance_convention(nsw):
    """With a caliper (M = 1, where Match and match_nearest drop the same focal units) the estimate
    and the matched pairs equal R's; R's AI SE divides by every focal unit, dropped ones included,
    each dropped unit adding est^2 (RmatchLoop, YCAUS = 0 for them): undone here to compare."""
    ref = pd.read_csv(REF / "matching_ties.csv").set_index("setting").loc["att_m1_caliper"]
    m = match_nearest(nsw, "treat", "ps_r", estimand="ATT", ratio=1, replace=True,
                      caliper=float(ref["caliper_units"]), std_caliper=False, ties="average",
                      tie_tolerance=float(ref["distance_tolerance"]))
    res = estimate_effect(nsw, "re78", "treat", m, variance="abadie-imbens", ai_neighbors=0)
    row = res["mean_difference"]
    n_matched = int(m.matched[m.treatment == 1].sum())
    n_dropped = int((m.treatment == 1).sum()) - n_matched
    assert (_pairs(m), n_matched, n_dropped) == (ref["pairs"], ref["matched_focal"], ref["dropped"])
    assert row["estimate"] == pytest.approx(ref["estimate"], rel=1e-12)
    n_all = n_matched + n_dropped
    v_r_convention = (row["se"] ** 2 * n_matched**2 + n_dropped * row["estimate"] ** 2) / n_all**2
    assert np.sqrt(v_r_convention) == pytest.approx(ref["se"], rel=1e-12)


def test_published_output_reproduced_from_our_own_propensity_fit(nsw):
    """Bryer's printed summary(rr.att) (module docstring), every printed digit, with the propensity
    model fitted by this package (not R's fitted values) and the same matching rule."""
    ps = estimate_propensity(nsw, "treat", formula=FORMULA)
    assert np.max(np.abs(ps.score.to_numpy() - nsw["ps_r"].to_numpy())) < 1e-9  # same fit as R's glm
    m = match_nearest(nsw.assign(ps=ps.score.to_numpy()), "treat", "ps", estimand="ATT", ratio=1, replace=True,
                      caliper=None, ties="average", tie_tolerance=1e-5)
    res = estimate_effect(nsw, "re78", "treat", m, variance="abadie-imbens", ai_neighbors=0)
    row = res["mean_difference"]
    assert f"{row['estimate']:.1f}" == "2153.3"        # Estimate...  2153.3
    assert f"{row['se']:.1f}" == "825.4"               # AI SE......  825.4
    assert f"{row['estimate'] / row['se']:.4f}" == "2.6088"   # T-stat.....  2.6088
    assert f"{row['p_value']:.5g}" == "0.0090858"      # p.val......  0.0090858
    assert _pairs(m) == 346                            # Matched number of observations (unweighted). 346
    assert int(m.matched[m.treatment == 1].sum()) == 185  # Matched number of observations... 185


def test_one_per_slot_differs_from_r_on_tied_scores(nsw):
    """Without tie averaging the same call keeps one control per treated unit (185 pairs): the 109
    duplicated scores of this data set are why Matching and the default matcher differ."""
    m = match_nearest(nsw, "treat", "ps_r", estimand="ATT", ratio=1, replace=True, caliper=None)
    assert _pairs(m) == 185
    assert int(nsw["ps_r"].duplicated().sum()) == 109
    est = estimate_effect(nsw, "re78", "treat", m, variance="abadie-imbens", ai_neighbors=0)["mean_difference"]
    assert abs(est["estimate"] - 2153.3060196911183) > 1.0
