"""Shared synthetic data sets for the synth tests (generated once per session; fixed seeds)."""

from __future__ import annotations

import pytest

from altmeasures_eval.synth import SyntheticData, simulate


@pytest.fixture(scope="session")
def small() -> SyntheticData:
    """3,000 persons, seed 5: enough for every kind of row, fast."""
    return simulate(3_000, seed=5)


@pytest.fixture(scope="session")
def sample() -> SyntheticData:
    """The committed sample's settings: 20,000 persons, seed 0."""
    return simulate(20_000, seed=0)
