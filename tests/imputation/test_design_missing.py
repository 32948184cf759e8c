"""[design] missing through build_design and imputed_effects on a generated cohort with a numeric gap."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from altmeasures_eval._errors import ConfigError
from altmeasures_eval.cohort import CohortSpec, build_cohort
from altmeasures_eval.design import build_design
from altmeasures_eval.evaluation import DesignSettings
from altmeasures_eval.design import imputed_effects
from altmeasures_eval.synth import simulate

pytestmark = pytest.mark.slow  # a generated cohort and three designs per test (several seconds)

COVS = ("age", "sex", "substance", "prior_proven", "prior_custody_spells")


@pytest.fixture(scope="module")
def cohort():
    import pandas as pd

    data = simulate(6000, seed=4)
    c = build_cohort(data.dataset, CohortSpec(period_start=pd.Timestamp("2019-01-01"),
                                              period_end=pd.Timestamp("2022-12-31"), stages=("trial", "sentencing")))
    d = c.data.copy()
    rng = np.random.default_rng(0)
    # age (numeric) missing more often for people with a prior custody spell: MAR given an observed covariate
    p = np.where(d["prior_custody_spells"] > 0, 0.3, 0.1)
    d["age"] = d["age"].astype(float).where(rng.random(len(d)) >= p)
    return d


@pytest.fixture(scope="module")
def imputed_design(cohort):
    """The design with 3 imputations (seed 1). Its imputations depend on the cohort, the covariates,
    m and the seed only, not on the gate's settings: both tests use them (one build instead of two)."""
    return build_design(cohort, DesignSettings(covariates=COVS, imputations=3), random_state=1)


def test_numeric_gap_no_longer_stops_and_nobody_leaves(cohort, imputed_design):
    n_miss = int(cohort["age"].isna().sum())
    assert n_miss > 50
    s = DesignSettings(covariates=COVS, imputations=3)
    d = imputed_design
    assert d.imputed is not None and d.imputed.m == 3 and "age" in d.imputed.columns
    assert d.data["age"].notna().all()
    assert "missing_covariate" not in set(d.attrition["rule"])
    # complete cases: the removals are a counted attrition step
    cc = build_design(cohort, replace(s, missing="complete_case"), random_state=1)
    step = cc.attrition.set_index("rule").loc["missing_covariate"]
    n_rows_missing = int(cohort[list(COVS)].isna().any(axis=1).sum())
    assert step["cases_removed"] == n_rows_missing
    with pytest.raises(ConfigError, match=rf"age \({n_miss:,} missing\)"):
        build_design(cohort, replace(s, missing="stop"), random_state=1)
    ind = build_design(cohort, replace(s, missing="indicator"), random_state=1)
    assert "age_missing" in ind.covariates


def test_imputed_effects_pooled_with_complete_case_sensitivity(imputed_design):
    # a small cohort: the balance threshold of the gate is widened (the gate is not under test here)
    s = DesignSettings(covariates=COVS, imputations=3, balance_threshold=0.25)
    d = imputed_design  # the same imputations as build_design(cohort, s, random_state=1) makes
    md = imputed_effects(d.imputed, s, ["reoffend_365"], headline="reoffend_365", random_state=1)
    pooled = md.effects["reoffend_365"]
    assert pooled.m == 3 and set(pooled.summary.index) == {"risk_difference", "risk_ratio"}
    assert 0 <= md.fmi < 1 and md.balance is not None and (md.balance["imputations"] == 3).all()
    assert md.complete_case is not None
    assert md.complete_case.summary.loc["risk_difference", "n"] < pooled.summary.loc["risk_difference", "n"]
    assert {"treated", "control"} <= set(pooled.means.index)
    assert list(md.summary["analysis"]) == ["multiple imputation (m = 3)", "complete cases (sensitivity)"]
    # every imputation is analysed: none is dropped for its own balance
    assert len(md.balance_by_imputation) == 3 and list(md.balance_by_imputation["imputation"]) == [1, 2, 3]
    assert len(pooled.results) == 3
    # where the gate fails on the balance pooled over the imputations nothing is pooled, and the notes say so
    strict = replace(s, balance_threshold=0.0001)
    md = imputed_effects(d.imputed, strict, ["reoffend_365"], headline="reoffend_365", random_state=1)
    assert md.effects == {} and any("failed on the balance pooled over the imputations" in n for n in md.notes)
    assert any("failed in 3 of 3" in n for n in md.notes)
