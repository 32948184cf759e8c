"""Small, fast version of ``benchmarks/bench_reform.py`` (the full study: docs/simulation-study.md)."""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks import bench_reform as b


@pytest.mark.slow
def test_cs_unbiased_and_twfe_biased_with_growing_effects():
    """20 replications of the 'ramp 60 months' scenario: CS within 3 Monte Carlo SE of the truth and
    covering at least 16 of 20 times; TWFE biased towards zero by more than 5 MC SE."""
    rows, _ = b.staggered(20, np.random.default_rng(7), "ramp 60 months")
    by = {r["estimator"]: r for r in rows}
    for name in ("cs_never", "cs_notyet"):
        assert abs(by[name]["bias"]) < 3 * by[name]["bias_mcse"]
        assert by[name]["coverage"] >= 0.8
    assert by["twfe"]["bias"] > 5 * by["twfe"]["bias_mcse"]


@pytest.mark.slow
def test_single_adopter_designs_recover_the_effect():
    """8 replications: synthetic control and ITS (AR errors) within 3 MC SE of the truth."""
    rows, _, _ = b.single(8, np.random.default_rng(8))
    by = {r["estimator"]: r for r in rows}
    for name in ("synthetic_control", "its_arima"):
        assert abs(by[name]["bias"]) < 3 * by[name]["bias_mcse"] + 0.05
        assert by[name]["coverage"] >= 0.75
