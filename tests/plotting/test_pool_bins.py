"""The overlap histogram's bin pooling under disclosure control (``plotting._balance._pool_bins``).

Expected runs worked out by hand from the rule in its docstring: an empty bin stays on its own, a bin
with people is pooled with the following bins until the run holds ``threshold`` people, and a short
remainder joins the last run that holds people. (Until now only the small pipeline benchmark's
report reached the empty-bin branch, by chance of its data; issue #14.)
"""

from __future__ import annotations

import numpy as np

from altmeasures_eval.plotting._balance import _pool_bins


def test_empty_bins_stay_alone_and_people_are_pooled_to_the_threshold():
    counts = np.array([0, 3, 8, 0, 0, 12, 1])
    # bin 0 empty; 3 + 8 = 11 >= 10; bins 3, 4 empty; 12 >= 10; the last 1 joins the run (5, 6)
    assert _pool_bins(counts, 10) == [(0, 1), (1, 3), (3, 4), (4, 5), (5, 7)]


def test_a_group_below_the_threshold_has_no_run_with_people():
    assert _pool_bins(np.array([0, 2, 3]), 10) == []  # 5 people in all: nothing may be shown
    assert _pool_bins(np.array([0, 0]), 10) == [(0, 1), (1, 2)]  # no one: the zeros are published


def test_runs_tile_the_bins_and_hold_zero_or_enough_people():
    rng = np.random.default_rng(14)
    for _ in range(200):
        counts = rng.integers(0, 6, size=rng.integers(1, 30)) * rng.integers(0, 2, size=1)
        threshold = int(rng.integers(1, 12))
        runs = _pool_bins(counts, threshold)
        if counts.sum() < threshold and counts.sum() > 0:
            assert runs == []
            continue
        assert [r[0] for r in runs] == [0] + [r[1] for r in runs[:-1]] and runs[-1][1] == len(counts)
        assert all(counts[a:b].sum() == 0 or counts[a:b].sum() >= threshold for a, b in runs)
