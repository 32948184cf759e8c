"""Small, fast version of the matching-inference study (benchmarks/bench_matching_inference.py runs
1,000 replications of three designs x 10 cells; the results are in docs/simulation-study.md).

Here 40 replications of the null design (binary outcome, strong confounding, no effect for anyone)
at n = 800, ATT, k = 1, no caliper, with and without replacement. Bounds are loose (40
replications: the Monte Carlo SE of a 95% coverage is 3.4 points); the full study checks 93-97%.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from altmeasures_eval._parallel import parallel_map
from benchmarks.bench_matching_inference import cells, one_replicate, simulate, summarise, truth

pytestmark = pytest.mark.slow  # 40 replications x 7 standard errors: about 6 s of one core

CELLS = [("ATT", True, 1, None), ("ATT", False, 1, None)]


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    res = parallel_map(one_replicate("binary_null", 800, n_boot=49, cell_list=CELLS), 40, random_state=19)
    draws = np.array([r[0] for r in res])
    info = np.array([r[1] for r in res])
    tr = truth("binary_null", 100_000)
    return summarise("binary_null", draws, info, tr, cell_list=CELLS).set_index(["replace", "se_method"])


def test_truth_of_the_null_design_is_zero():
    tr = truth("binary_null", 50_000)
    assert tr["ATT"] == 0.0 and tr["ATC"] == 0.0
    assert 0.25 < tr["share_treated"] < 0.45


def test_every_offered_standard_error_is_reported(table):
    assert set(table.loc[True].index) == {"ai_known", "ai_2016", "robust", "unit_bootstrap", "default_bias_corrected"}
    assert set(table.loc[False].index) == {"matched_set_cluster", "robust", "matched_set_bootstrap"}
    assert (table["failed"] == 0).all() and (table["reps"] == 40).all()


def test_abadie_imbens_2016_is_about_right_under_the_null(table):
    row = table.loc[(True, "ai_2016")]
    assert abs(row["bias"]) < 3 * row["empirical_sd"] / np.sqrt(40) + 0.005
    assert 0.7 < row["sd_over_se"] < 1.4
    assert row["coverage"] >= 0.85
    assert row["reject_null"] <= 0.15
    assert row["coverage"] == pytest.approx(1 - row["reject_null"], abs=1e-12)  # Wald interval and test agree


def test_without_replacement_the_balance_check_flags_the_biased_match(table):
    # greedy 1:1 matching without replacement from this badly overlapping pool matches every treated
    # person but with poor matches: the score stays unbalanced and the estimate is biased although
    # the truth is 0 for everyone; the design diagnostic (SMD of the logit > 0.1) says so, and
    # with replacement the same check passes
    row = table.loc[(False, "matched_set_cluster")]
    assert row["matched_focal"] > 0.9
    assert row["smd_logit"] > 0.1 and not row["well_posed"]
    assert row["bias"] > 3 * row["empirical_sd"] / np.sqrt(40)
    with_rep = table.loc[(True, "ai_2016")]
    assert with_rep["smd_logit"] < 0.1 and with_rep["well_posed"]


def test_cells_and_simulation_shapes():
    assert len(cells()) == 10 and ("ATT", False, 4, None) not in cells() and ("ATT", True, 4, None) in cells()
    d = simulate("few_controls", 2_000, np.random.default_rng(1))
    assert d["treatment"].mean() > 0.6  # few controls per treated person
    assert set(d["y"].unique()) <= {0.0, 1.0}


def test_the_truth_of_a_match_that_drops_focal_units_is_their_effect():
    # replicates x INFO: (matched share, failures, SMD, sum of tau over matched, number matched, bias)
    from benchmarks.bench_matching_inference import estimand_truth

    all_matched = np.array([[1.0, 0, 0.01, 5.0, 10, 0.0], [1.0, 0, 0.02, 7.0, 10, 0.0]])
    assert estimand_truth(all_matched, 0.55) == 0.55  # every focal unit matched: the full ATT/ATC
    caliper = np.array([[0.8, 0, 0.01, 6.0, 8, 0.0], [0.9, 0, 0.01, 9.0, 9, 0.0], [0.0, 1, np.nan, 0.0, 0, np.nan]])
    assert estimand_truth(caliper, 0.55) == pytest.approx(15.0 / 17.0)  # ratio of sums; a failed match left out
