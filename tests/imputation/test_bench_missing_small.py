"""A fast version of ``benchmarks/bench_missing.py`` (12 replications instead of 250 x 3).

Paired against the analysis before any value was deleted (``full``), so that 12 replications
suffice: the missing-indicator method moves the estimate towards the null (confounding by ``x``
left among people with ``x`` missing), multiple imputation does not. The coverage claim itself
(93-97%) is the benchmark's, over 750 replications (docs/simulation-study.md).
"""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks import bench_missing as b


@pytest.mark.slow
def test_indicator_biased_mi_not_on_the_same_data():
    draws = b.simulate(600, reps=12, m=5, shares=(0.4,), seed=7)
    wide = draws.pivot(index="rep", columns="method", values="estimate")
    assert np.isfinite(wide.to_numpy()).all()
    truth = b.truth()
    assert truth == pytest.approx(-0.1348, abs=0.001)  # population ATT of the model, 2,000,000 draws
    shift_ind = (wide["indicator"] - wide["full"]).mean()
    shift_mi = (wide["mi"] - wide["full"]).mean()
    assert shift_ind > 0.015          # towards the null (truth is negative)
    assert abs(shift_mi) < 0.012
    mi = draws[draws["method"] == "mi"]
    assert ((mi["fmi"] > 0) & (mi["fmi"] < 1)).all()
    assert mi["observed_share"].between(0.3, 0.5).all()
    # intervals of MI are wider than those of the full data (information was lost)
    se = draws.pivot(index="rep", columns="method", values="se")
    assert (se["mi"] > se["full"]).mean() >= 0.75
