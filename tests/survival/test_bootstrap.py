"""Bootstrap: deterministic, keeps clusters whole, agrees with the IJ variance when weights are fixed."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from altmeasures_eval import ConfigError
from altmeasures_eval.survival import bootstrap, rmst
from altmeasures_eval.survival._bootstrap import _resample_rows


def test_cluster_resampling_keeps_clusters_whole():
    groups = np.repeat(np.arange(50), np.arange(1, 51) % 4 + 1)
    rows = _resample_rows(groups, groups.size, np.random.default_rng(0))
    drawn = pd.Series(groups[rows]).value_counts()
    sizes = pd.Series(groups).value_counts()
    assert np.all(drawn % sizes.loc[drawn.index] == 0)  # every drawn cluster appears with all its rows
    assert drawn.sum() == rows.size


def test_fixed_weight_bootstrap_matches_ij_variance_and_is_deterministic(syn):
    def stat(d):
        return rmst(d, "time", "event", "group", weights="w", cluster="cl", times=[100, 250])

    a = bootstrap(syn, stat, cluster="cl", n_boot=300, random_state=3)
    b = bootstrap(syn, stat, cluster="cl", n_boot=300, random_state=3)
    pd.testing.assert_frame_equal(a.summary, b.summary)
    ij = stat(syn).summary["se"].to_numpy()
    # the IJ variance is the first-order (delta-method) version of this bootstrap: agree within ~15%
    np.testing.assert_allclose(a.summary["se"], ij, rtol=0.15)
    assert np.all(a.summary["ci_low"] < a.summary["estimate"]) and np.all(a.summary["estimate"] < a.summary["ci_high"])
    assert "clusters of 'cl' resampled" in a.variance and "weights held fixed" in a.variance


def test_reweight_runs_on_every_replicate(syn):
    calls = []

    def reweight(d):
        calls.append(len(d))
        return d.assign(w=1.0)

    res = bootstrap(syn, lambda d: rmst(d, "time", "event", "group", weights="w", times=[100]), reweight=reweight,
                    n_boot=5)
    assert len(calls) == 6  # the original data and five replicates
    assert res.n_failed == 0 and "re-estimated" in res.variance
    with pytest.raises(ConfigError, match="n_boot"):
        bootstrap(syn, lambda d: rmst(d, "time", "event", "group"), n_boot=1)
