"""Small, fast version of the simulation study in benchmarks/bench_simulation.py (1,000 replications
there). Here 60 replications of n = 1,000: adjusted designs are nearly unbiased, naive is not, and
coverage is not far from 95% (loose bounds; the full study checks 93-97%)."""

from __future__ import annotations

import numpy as np

from altmeasures_eval._parallel import parallel_map
from benchmarks.bench_simulation import DESIGNS, TAU, one_replicate, summarise


def test_small_simulation():
    draws = np.array(parallel_map(one_replicate(1000), 60, random_state=99))
    table = summarise(draws).set_index("design")
    assert table.loc["naive", "bias"] > 0.03  # confounding bias, 0.044 in the full study
    for d in DESIGNS[1:]:
        row = table.loc[d]
        assert abs(row["bias"]) < 3 * row["empirical_sd"] / np.sqrt(60) + 0.005, d
        assert 0.85 <= row["coverage"] <= 1.0, d
        assert 0.75 < row["mean_se"] / row["empirical_sd"] < 1.35, d
    assert TAU == -0.08
