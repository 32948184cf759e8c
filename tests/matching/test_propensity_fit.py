"""The propensity fit cannot diverge silently: aliasing, separation, Firth and ridge (issue 12).

References (tests/matching/reference/): propensity_fixtures.py writes the ps_*.csv fixtures;
propensity_reference.R (R 4.2.2, brglm2 0.9) fits them with ``glm`` and with
``glm(..., method = "brglmFit", type = "AS_mean")`` and writes glm_*/firth_* CSVs.
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression

from altmeasures_eval.matching import common_support, estimate_propensity

REF = Path(__file__).parent / "reference"


def _r_name(term: str) -> str:
    """R's model-matrix name of one of our design columns ('jurisdiction=J2' -> 'jurisdictionJ2')."""
    return "(Intercept)" if term == "Intercept" else term.replace("=", "")


def _read(name: str) -> pd.DataFrame:
    return pd.read_csv(REF / f"{name}.csv")


def test_aliased_columns_are_dropped_and_named_as_r_glm():
    """R: glm(t ~ age + prior_custody_spells + prior_bed_days + jurisdiction + region + adult)
    reports prior_bed_days, regionsouth and adult as NA (glm_ps_aliased_coef.csv); the other
    coefficients and all fitted values equal ours."""
    data = _read("ps_aliased")
    covs = ["age", "prior_custody_spells", "prior_bed_days", "jurisdiction", "region", "adult"]
    ps = estimate_propensity(data, "t", covs)
    ref = pd.read_csv(REF / "glm_ps_aliased_coef.csv").set_index("term")["estimate"]
    assert {_r_name(a) for a in ps.aliased} == set(ref.index[ref.isna()])  # {prior_bed_days, regionsouth, adult}
    ours = ps.model.rename(index=_r_name)
    np.testing.assert_allclose(ours.to_numpy(), ref.dropna().loc[ours.index].to_numpy(), rtol=1e-6, atol=1e-9)
    fitted = pd.read_csv(REF / "glm_ps_aliased_fitted.csv")["fitted"].to_numpy()
    np.testing.assert_allclose(ps.score.to_numpy(), fitted, rtol=0, atol=1e-6)
    assert np.abs(ps.score.to_numpy() - fitted).max() < 1e-9
    assert ps.converged and not ps.separation and ps.n_clipped == 0
    note = next(n for n in ps.notes if n.startswith("prior_bed_days"))
    assert "exact linear combination of prior_custody_spells" in note and "prior_bed_days = 30 x prior_custody_spells" in note
    assert "as R glm marks it NA" in note
    assert any(n.startswith("adult takes one value") for n in ps.notes)
    assert any(re.match(r"region=south is an exact linear combination of .*jurisdiction=J3.*jurisdiction=J4", n)
               for n in ps.notes)
    # the design kept for the sandwich has full column rank
    assert np.linalg.matrix_rank(ps.design) == ps.design.shape[1] == 6


def test_scores_equal_r_glm_on_regular_fixture():
    """R glm on ps_regular (glm_ps_regular_*.csv): scores to 1e-6 (in fact ~1e-12)."""
    data = _read("ps_regular")
    ps = estimate_propensity(data, "t", ["age", "prior_proven", "substance", "sex"])
    fitted = pd.read_csv(REF / "glm_ps_regular_fitted.csv")["fitted"].to_numpy()
    assert np.abs(ps.score.to_numpy() - fitted).max() < 1e-9
    ref = pd.read_csv(REF / "glm_ps_regular_coef.csv").set_index("term")["estimate"]
    np.testing.assert_allclose(ps.model.rename(index=_r_name).loc[ref.index].to_numpy(), ref.to_numpy(), rtol=1e-7)
    assert ps.aliased == () and ps.separation == () and ps.converged


def test_level_held_by_one_group_is_reported_not_clipped_silently():
    """ps_separated: every pre-trial case got an alternative (fixture built so). The ML estimate does
    not exist; the level is named, the people flagged, the clipping counted."""
    data = _read("ps_separated")
    n_pre = int((data["stage"] == "pre_trial").sum())
    ps = estimate_propensity(data, "t", ["age", "prior_proven", "stage"])
    assert len(ps.separation) == 1
    assert ps.separation[0] == (f"stage = pre_trial: all {n_pre:,} people are in the alternative group and nobody "
                                "in the custody group (no comparable custody case)")
    assert ps.separated.to_numpy().sum() == n_pre
    assert (ps.separated == (data["stage"] == "pre_trial")).all()
    # every clipped score belongs to a separated person, and the count is exposed
    assert ps.n_clipped > 0 and not (ps.clipped & ~ps.separated).any()
    assert any(f"decide the group of {n_pre:,} people" in n for n in ps.notes)
    # advice that fixes the case: leave the people out, or the covariate that decides the group
    assert any("Leave these people out of the comparison (common_support)" in n
               and "or leave stage out of the covariates if it does not confound" in n for n in ps.notes)
    assert any("clipped" in n for n in ps.notes)


def test_refit_after_common_support_equals_r_glm():
    """R: glm on ps_separated without the pre-trial cases (glm_ps_separated_*.csv). Our refit on the
    people common_support retains (levels only) has the same scores, nothing separated or clipped."""
    data = _read("ps_separated")
    covs = ["age", "prior_proven", "stage"]
    ps = estimate_propensity(data, "t", covs)
    kept = common_support(data, "t", ps, estimand="ATT", rule="none").apply(data)
    assert (kept["stage"] != "pre_trial").all() and len(kept) == int((data["stage"] != "pre_trial").sum())
    refit = estimate_propensity(kept, "t", covs)
    fitted = pd.read_csv(REF / "glm_ps_separated_fitted.csv")["fitted"].to_numpy()
    assert np.abs(refit.score.to_numpy() - fitted).max() < 1e-9
    assert refit.separation == () and refit.n_clipped == 0 and refit.converged and refit.aliased == ()


def test_aliased_fit_raises_no_numpy_warning():
    """Issue 12: the aliased extract printed numpy overflow warnings and diverged to 1e19."""
    data = _read("ps_aliased")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ps = estimate_propensity(data, "t", ["age", "prior_custody_spells", "prior_bed_days"])
    assert ps.aliased == ("prior_bed_days",) and np.abs(ps.model.to_numpy()).max() < 10


def test_lp_finds_quasi_complete_separation_on_numeric_covariate():
    """Endometrial data (Heinze & Schemper 2002): NV = 1 only occurs with HG = 1, the textbook case of
    quasi-complete separation (13 such patients, counted in endometrial.csv)."""
    data = _read("endometrial")
    assert int(((data["NV"] == 1) & (data["HG"] == 1)).sum()) == 13 and int(((data["NV"] == 1) & (data["HG"] == 0)).sum()) == 0
    ps = estimate_propensity(data, "HG", ["NV", "PI", "EH"])
    assert len(ps.separation) == 1
    assert ps.separation[0].startswith("quasi-complete separation: the coefficients of NV run away; 13 people in the "
                                       "alternative group have a fitted probability running to 1")
    assert (ps.separated == (data["NV"] == 1)).all()
    assert any("or leave NV out of the covariates" in n for n in ps.notes)


def test_complete_separation_and_combination_of_levels():
    """ps_complete: t = 1 exactly when prior <= 2.5 (complete separation). ps_combination: the cells
    (J3, sentence) and (J1, trial) each hold one group only (fixture built so)."""
    d = _read("ps_complete")
    ps = estimate_propensity(d, "t", ["age", "prior"])
    assert ps.separation[0].startswith("complete separation: the coefficients of prior")
    assert bool(ps.separated.all())
    c = _read("ps_combination")
    ps = estimate_propensity(c, "t", ["age", "jurisdiction", "stage"])
    n_a = int(((c["jurisdiction"] == "J3") & (c["stage"] == "sentence")).sum())
    n_c = int(((c["jurisdiction"] == "J1") & (c["stage"] == "trial")).sum())
    assert set(ps.separation) == {
        f"jurisdiction = J1 and stage = trial: all {n_c:,} people are in the custody group and nobody in the "
        "alternative group (no comparable alternative case)",
        f"jurisdiction = J3 and stage = sentence: all {n_a:,} people are in the alternative group and nobody in "
        "the custody group (no comparable custody case)",
    }
    assert int(ps.separated.sum()) == n_a + n_c


@pytest.mark.parametrize("name,formula_covs", [
    ("endometrial", ("HG", ["NV", "PI", "EH"])),
    ("ps_separated", ("t", ["age", "prior_proven", "stage"])),
    ("ps_combination", ("t", ["age", "jurisdiction", "stage"])),
    ("ps_complete", ("t", ["age", "prior"])),
    ("ps_regular", ("t", ["age", "prior_proven", "substance", "sex"])),
])
def test_firth_equals_brglm2(name, formula_covs):
    """R brglm2: glm(..., method = "brglmFit", type = "AS_mean") (firth_<name>_*.csv). For the
    endometrial data the published brglm estimates are 3.77456, 2.92927, -0.03475, -2.60416
    (Heinze & Schemper 2002 data; brglm output quoted in the mbrglm README)."""
    treat, covs = formula_covs
    data = _read(name)
    ps = estimate_propensity(data, treat, covs, penalty="firth")
    ref = pd.read_csv(REF / f"firth_{name}_coef.csv").set_index("term")["estimate"]
    ours = ps.model.rename(index=_r_name).loc[ref.index]
    np.testing.assert_allclose(ours.to_numpy(), ref.to_numpy(), rtol=1e-6, atol=1e-8)
    fitted = pd.read_csv(REF / f"firth_{name}_fitted.csv")["fitted"].to_numpy()
    if name != "ps_complete":  # under complete separation the Firth scores themselves reach the clipping bound
        assert np.abs(ps.score.to_numpy() - fitted).max() < 1e-7
    assert ps.converged and ps.method == "logistic (Firth)" and ps.design is None
    if name == "endometrial":
        np.testing.assert_allclose(ps.model.to_numpy(), [3.77456, 2.92927, -0.03475, -2.60416], atol=5e-6)
    if name != "ps_regular":
        assert ps.separation  # Firth keeps the coefficients finite but the groups still do not overlap
        assert any(n.startswith("Firth's penalty keeps the coefficients finite") for n in ps.notes)


def test_ridge_equals_scikit_learn():
    """Ridge: l(b) - lambda |b|^2 / 2 on standardised covariates = scikit-learn's LogisticRegression
    with C = 1 / lambda (an independent implementation, lbfgs)."""
    data = _read("ps_separated")
    ps = estimate_propensity(data, "t", ["age", "prior_proven", "stage"], penalty="ridge", ridge_lambda=2.0)
    X = pd.get_dummies(data[["age", "prior_proven", "stage"]], drop_first=True, dtype=float).to_numpy()
    Z = (X - X.mean(axis=0)) / X.std(axis=0)
    sk = LogisticRegression(C=0.5, tol=1e-12, max_iter=10_000).fit(Z, data["t"])
    np.testing.assert_allclose(ps.score.to_numpy(), sk.predict_proba(Z)[:, 1], atol=1e-7)
    assert ps.converged and ps.method == "logistic (ridge, lambda=2)" and ps.design is None


def test_bad_penalty_is_named():
    data = _read("ps_regular")
    with pytest.raises(Exception, match="penalty must be None, 'firth' or 'ridge'"):
        estimate_propensity(data, "t", ["age"], penalty="lasso")
