"""Abadie-Imbens variance for matching with replacement against R's Matching::Match.

Reference: tests/effects/reference/abadie_imbens_reference.R (Matching 4.10-8, ties = TRUE with
distinct jittered scores, BiasAdjust = FALSE, Var.calc = J) -> abadie_imbens.csv; the jittered
logit score it matched on is stored in lalonde_logit.csv (17 digits).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from altmeasures_eval.effects import estimate_effect
from altmeasures_eval.matching import match_nearest

REF = Path(__file__).parent / "reference"
MREF = Path(__file__).parents[1] / "matching" / "reference"


@pytest.fixture(scope="module")
def lalonde():
    d = pd.read_csv(MREF / "lalonde.csv")
    d["score"] = pd.read_csv(REF / "lalonde_logit.csv")["linear"].to_numpy()
    return d


@pytest.mark.parametrize("estimand", ["ATT", "ATC"])
@pytest.mark.parametrize("M", [1, 3])
@pytest.mark.parametrize("J", [1, 4])
def test_matches_matching_package(lalonde, estimand, M, J):
    ref = pd.read_csv(REF / "abadie_imbens.csv")
    ref = ref[(ref.estimand == estimand) & (ref.M == M) & (ref.J == J)].iloc[0]
    m = match_nearest(lalonde, "treat", "score", estimand=estimand, ratio=M, replace=True, caliper=None)
    res = estimate_effect(lalonde, "re78", "treat", m, ai_neighbors=J)
    row = res["mean_difference"]
    assert "Abadie-Imbens" in res.variance
    assert row["estimate"] == pytest.approx(ref["estimate"], rel=1e-9)
    assert row["se"] == pytest.approx(ref["se"], rel=1e-7)


def test_ratio_and_missing_outcome(lalonde):
    d = lalonde.assign(y=(lalonde["re78"] > 0).astype(float))
    m = match_nearest(d, "treat", "score", replace=True, caliper=None)
    res = estimate_effect(d, "y", "treat", m)
    assert np.isfinite(res["risk_ratio"]["se"]) and res["risk_ratio"]["se"] > 0
    with pytest.raises(Exception, match="missing"):
        estimate_effect(d.assign(y=d["y"].where(d.index != 0)), "y", "treat", m, variance="abadie-imbens")


def test_auto_falls_back_when_outcomes_missing_or_clustered(lalonde):
    d = lalonde.assign(y=lalonde["re78"].where(lalonde.index != 0), person=lalonde.index // 2)
    m = match_nearest(d, "treat", "score", replace=True, caliper=None)
    res = estimate_effect(d, "y", "treat", m)
    assert "robust" in res.variance and any("Abadie-Imbens variance was not used" in n for n in res.notes)
    res2 = estimate_effect(d.assign(y=d["re78"]), "y", "treat", m, cluster="person")
    assert "cluster-robust on column 'person'" in res2.variance
