"""Matching properties: caliper, exact strata, no reuse, order independence, tiny hand fixtures."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from altmeasures_eval.matching import match_nearest


def test_tiny_hand_fixture():
    # treated at 0.0 and 1.0 (largest first), controls at -0.1, 0.05, 0.9, 3.0
    data = pd.DataFrame({"t": [1, 1, 0, 0, 0, 0], "d": [0.0, 1.0, -0.1, 0.05, 0.9, 3.0]},
                        index=list("abcdef"))
    res = match_nearest(data, "t", "d", replace=False, caliper=None)
    assert res.match_matrix.loc["b", 1] == "e"  # 1.0 takes 0.9
    assert res.match_matrix.loc["a", 1] == "d"  # 0.0 takes 0.05 (closer than -0.1)
    assert res.weights.tolist() == [1, 1, 0, 1, 1, 0]
    # 1:2 in rounds: b gets e, a gets d; then b gets f? no: b's next nearest available is c? |1-(-0.1)|=1.1 < |1-3|=2
    res2 = match_nearest(data, "t", "d", replace=False, ratio=2, caliper=None)
    assert set(res2.match_matrix.loc["b"]) == {"e", "c"}
    assert set(res2.match_matrix.loc["a"]) == {"d", "f"}
    # caliper in raw units 0.12: a -> d (0.05), b -> e (0.1)
    res3 = match_nearest(data, "t", "d", replace=False, caliper=0.12, std_caliper=False)
    assert res3.counts.loc["matched", "treated"] == 2
    res4 = match_nearest(data, "t", "d", replace=False, caliper=0.08, std_caliper=False)
    assert res4.counts.loc["matched", "treated"] == 1 and res4.match_matrix.loc["b", 1] is pd.NA
    assert "found no match" in res4.notes[0]


def test_equal_distance_tie_goes_to_lower_score():
    data = pd.DataFrame({"t": [0, 1, 0], "d": [-1.0, 0.0, 1.0]})
    assert match_nearest(data, "t", "d", replace=False, caliper=None).match_matrix.iloc[0, 0] == 0


def _data(n, seed):
    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        "t": rng.binomial(1, 0.35, n),
        "d": np.round(rng.normal(size=n), 2),  # rounding creates many ties
        "region": rng.choice(["a", "b", "c"], n),
        "male": rng.binomial(1, 0.7, n),
    })


@settings(max_examples=30, deadline=None)
@given(st.integers(30, 300), st.integers(0, 10_000), st.sampled_from([1, 2]), st.booleans(),
       st.sampled_from([None, 0.1, 0.5]))
def test_properties(n, seed, ratio, replace, caliper):
    data = _data(n, seed)
    if data["t"].nunique() < 2:
        return
    res = match_nearest(data, "t", "d", ratio=ratio, replace=replace, caliper=caliper, exact=["region"])
    d, reg = data["d"].to_numpy(), data["region"].to_numpy()
    pairs = [(f, c) for f, row in zip(res.match_matrix.index, res.match_matrix.to_numpy())
             for c in row if c is not pd.NA]
    for f, c in pairs:
        assert reg[f] == reg[c]  # exact strata respected
        assert data["t"].iat[c] == 0
        if caliper is not None:
            assert abs(d[f] - d[c]) <= res.caliper + 1e-9  # within caliper
    controls = [c for _, c in pairs]
    if not replace:
        assert len(controls) == len(set(controls))  # no control reused
    for row in res.match_matrix.to_numpy():
        got = [c for c in row if c is not pd.NA]
        assert len(got) == len(set(got))
    # counts add up
    c = res.counts
    assert (c.loc["discarded"] + c.loc["matched"] + c.loc["unmatched"] == c.loc["all"]).all()
    # order independence: shuffled rows, same labels -> same matched sets
    shuffled = data.sample(frac=1.0, random_state=seed)
    res_s = match_nearest(shuffled, "t", "d", ratio=ratio, replace=replace, caliper=caliper, exact=["region"])
    pd.testing.assert_series_equal(res.weights.sort_index(), res_s.weights.sort_index())
    a = res.match_matrix.sort_index()
    b = res_s.match_matrix.sort_index()
    assert a.equals(b)


def test_mahalanobis_within_caliper_picks_closest_covariates():
    # treated 0 at d=0, age 30; controls within caliper: d=0.01 age 60, d=0.05 age 31
    data = pd.DataFrame({"t": [1, 0, 0, 0], "d": [0.0, 0.01, 0.05, 2.0], "age": [30.0, 60, 31, 30],
                         "x": [0.0, 1, 0.1, 0]})
    res = match_nearest(data, "t", "d", replace=False, caliper=0.1, std_caliper=False, mahvars=["age"])
    assert res.match_matrix.iloc[0, 0] == 2
    res_ps = match_nearest(data, "t", "d", replace=False, caliper=0.1, std_caliper=False)
    assert res_ps.match_matrix.iloc[0, 0] == 1


def test_atc_subclass_and_bad_input():
    data = _data(200, 3)
    res = match_nearest(data, "t", "d", replace=False, estimand="ATC", caliper=None)
    t = data["t"].to_numpy()
    assert (res.weights[t == 0] == 1).sum() == min((t == 0).sum(), (t == 1).sum())
    sub = res.subclass.dropna()
    assert (sub.value_counts() == 2).all()
    md = res.match_data(data)
    assert len(md) == int((res.weights > 0).sum()) and {"weights", "subclass"} <= set(md.columns)
    with pytest.raises(Exception, match="row 5"):
        match_nearest(data.assign(d=data["d"].where(data.index != 5)), "t", "d", replace=False)
    with pytest.raises(Exception, match="'t'"):
        match_nearest(data.assign(t=data["t"] + 1), "t", "d", replace=False)
