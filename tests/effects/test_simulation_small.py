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


def test_small_ai2016_study():
    # 40 replications of n = 500 (the full study: 500 of n = 1,000, docs/simulation-study.md)
    from benchmarks.bench_simulation import heterogeneous_truth, one_replicate_ai2016, summarise_ai2016

    draws = np.array(parallel_map(one_replicate_ai2016(500), 40, random_state=7))
    table = summarise_ai2016(draws, heterogeneous_truth(200_000)).set_index("estimand")
    for est in ("ATT", "ATC"):
        row = table.loc[est]
        assert abs(row["bias"]) < 3 * row["empirical_sd"] / np.sqrt(40) + 0.05, est
        assert 0.75 < row["mean_se_ai2016"] / row["empirical_sd"] < 1.35, est
        assert row["coverage_ai2016"] >= 0.8, est


def test_small_austin_cafri_study():
    # 40 replications of n = 300 (600 until #14 asked for a quicker suite: same bounds, which n = 300
    # meets with room: SE ratio 1.06, coverage 0.95); reusing controls adds variance that set
    # clustering alone misses
    from benchmarks.bench_simulation import one_replicate_austin_cafri, summarise_austin_cafri, survival_truth

    draws = np.array(parallel_map(one_replicate_austin_cafri(300), 40, random_state=8))
    table = summarise_austin_cafri(draws, survival_truth(100_000)).set_index("variance")
    two_way = table.loc["Austin-Cafri two-way (sets and units)"]
    assert 0.75 < two_way["mean_se"] / two_way["empirical_sd"] < 1.35
    assert two_way["coverage"] >= 0.85
    assert (draws[:, 1] >= draws[:, 2]).mean() > 0.9  # two-way SE above the set-clustered SE
