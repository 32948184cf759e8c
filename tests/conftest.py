"""Shared test configuration: a non-interactive matplotlib backend and the repository paths."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("MPLBACKEND", "Agg")

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "data" / "sample"


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO


@pytest.fixture(scope="session")
def sample_dir() -> Path:
    return SAMPLE


@pytest.fixture(scope="session")
def ipw_synthetic():
    """Generated data (6,000 persons, seed 11), its default cohort and IPW ATT weights.

    The shared input of the population and cost recovery tests (the path the ``project`` and
    ``costs`` commands take); built once per session. Returns ``(data, cohort, weights)``.
    """
    from altmeasures_eval.cohort import build_cohort
    from altmeasures_eval.matching import estimate_propensity, weight_ipw
    from altmeasures_eval.synth import simulate

    covariates = ["age", "sex", "jurisdiction", "substance", "stage", "prior_proven",
                  "prior_custody_spells", "prior_bed_days", "has_prior"]
    data = simulate(6000, seed=11)
    cohort = build_cohort(data.dataset).data
    cohort = cohort.assign(substance=cohort["substance"].fillna("unknown"))
    ps = estimate_propensity(cohort, "treatment", covariates)
    weights = weight_ipw(cohort, "treatment", ps, estimand="ATT").weights.to_numpy()
    return data, cohort, weights
