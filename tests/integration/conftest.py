"""One generated data set with known truth for the recovery checks (fixed seed)."""

from __future__ import annotations

import pytest

from altmeasures_eval.synth import SyntheticData, simulate

#: 100,000 persons give an evaluation cohort of about 8,900 court-stage persons (1-year risk
#: difference SE about 0.015): large enough that the naive bias (about -0.09) is far outside its
#: interval, small enough to run in a few seconds.
N_PERSONS = 100_000
SEED = 2026


@pytest.fixture(scope="session")
def generated() -> SyntheticData:
    return simulate(N_PERSONS, seed=SEED)


@pytest.fixture(scope="session")
def results(generated: SyntheticData) -> dict:
    from tests.integration._recovery import estimates

    return estimates(generated)
