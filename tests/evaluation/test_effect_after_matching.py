"""The evaluation's effects after matching read the design's propensity score, so that the Abadie-Imbens
variance of a non-binary outcome includes the Abadie-Imbens (2016) adjustment for the estimated score."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from altmeasures_eval.design import build_design
from altmeasures_eval.effects import estimate_effect
from altmeasures_eval.evaluation import DesignSettings, EvaluationSpec
from altmeasures_eval.evaluation._run import _effect


def _cohort(n: int = 1500, seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    age = rng.normal(30, 8, n).round()
    prior = rng.poisson(1.5, n)
    p = 1 / (1 + np.exp(-(0.2 + 0.03 * (age - 30) - 0.4 * prior)))
    t = (rng.random(n) < p).astype(int)
    count = rng.poisson(np.exp(-0.5 + 0.2 * prior - 0.2 * t)).astype(float)  # reoffences: a count outcome
    return pd.DataFrame({"person_id": np.arange(n), "treatment": t, "age": age, "prior_proven": prior,
                         "reoffences_365": count})


def test_frequency_after_matching_uses_the_adjusted_abadie_imbens_variance() -> None:
    settings = DesignSettings(covariates=("age", "prior_proven"), method="matching", replace=True)
    design = build_design(_cohort(), settings, random_state=1)
    assert design.gate.passed and design.result.replace
    spec = replace(EvaluationSpec(), design=settings)
    eff = _effect(design.data, "reoffences_365", design.result, spec, None, design.propensity)
    assert "Abadie-Imbens (2006)" in eff.variance
    assert "Abadie-Imbens (2016) adjustment for the estimated logistic propensity score" in eff.variance
    # the same call as estimate_effect with the design's score, and different from the score taken as known
    direct = estimate_effect(design.data, "reoffences_365", "treatment", design.result, propensity=design.propensity,
                             random_state=spec.run.seed)
    known = estimate_effect(design.data, "reoffences_365", "treatment", design.result, random_state=spec.run.seed)
    se = eff.summary.loc["mean_difference", "se"]
    assert se == pytest.approx(direct.summary.loc["mean_difference", "se"], rel=1e-12)
    assert "treated as known" in known.variance
    assert se != pytest.approx(known.summary.loc["mean_difference", "se"], rel=1e-6)
