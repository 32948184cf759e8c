"""match_nearest(ties="average"): properties and a hand-checked case (R Matching's agreement is in
tests/effects/test_matching_ties_reference.py)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from altmeasures_eval._errors import ConfigError
from altmeasures_eval.matching import match_nearest


def _sets(m) -> dict:
    return {k: sorted(v for v in row if v is not pd.NA) for k, row in zip(m.match_matrix.index, m.match_matrix.to_numpy())}


def test_hand_case():
    """Treated at 0.5 and 0.8; controls at 0.3, 0.7, 0.7, 0.9 and 1.2 (labels c1..c5).
    1:1: unit t1 (0.5) has c1 (0.3) and c2, c3 (0.7) all 0.2 away -> a set of three, 1/3 each;
    t2 (0.8) has c2, c3, c4 all 0.1 away -> three, 1/3 each. Weights: c1 1/3, c2 2/3, c3 2/3,
    c4 1/3, c5 0, rescaled to sum to the 4 matched controls: x 4 / 2 = 2/3, 4/3, 4/3, 2/3."""
    d = pd.DataFrame({"t": [1, 1, 0, 0, 0, 0, 0], "s": [0.5, 0.8, 0.3, 0.7, 0.7, 0.9, 1.2]},
                     index=["t1", "t2", "c1", "c2", "c3", "c4", "c5"])
    m = match_nearest(d, "t", "s", ratio=1, caliper=None, ties="average")
    assert _sets(m) == {"t1": ["c1", "c2", "c3"], "t2": ["c2", "c3", "c4"]}
    np.testing.assert_allclose(m.weights.loc[["c1", "c2", "c3", "c4", "c5"]], [2 / 3, 4 / 3, 4 / 3, 2 / 3, 0])
    # default: one per slot; a left-right tie goes to the left (lower-distance) side, and on the left the
    # nearest in sorted (distance, label) order is c3
    one = match_nearest(d, "t", "s", ratio=1, caliper=None)
    assert _sets(one) == {"t1": ["c1"], "t2": ["c3"]}
    # a caliper of 0.15 keeps only the 0.1-away set of t2; t1 finds nothing
    cal = match_nearest(d, "t", "s", ratio=1, caliper=0.15, std_caliper=False, ties="average")
    assert _sets(cal) == {"t1": [], "t2": ["c2", "c3", "c4"]}
    # R Matching's tolerance t on the squared standardised distance, t = (0.4^2 - 0.1^2) / s^2 (a hair
    # more): t2 (D = 0.1) now takes c5, 0.4 away; t1 (D = 0.2) takes c4, 0.4 away (0.16 <= 0.04 + 0.15),
    # not c5, 0.7 away
    s = d["s"].std(ddof=1)
    wide = match_nearest(d, "t", "s", ratio=1, caliper=None, ties="average",
                         tie_tolerance=((0.4**2 - 0.1**2) / s**2) * 1.0001)
    assert _sets(wide) == {"t1": ["c1", "c2", "c3", "c4"], "t2": ["c2", "c3", "c4", "c5"]}


@pytest.mark.parametrize("estimand", ["ATT", "ATC"])
def test_without_ties_equals_one_per_slot_and_order_free(estimand):
    rng = np.random.default_rng(7)
    n = 400
    d = pd.DataFrame({"t": rng.integers(0, 2, n), "s": rng.normal(size=n), "g": rng.integers(0, 3, n)},
                     index=rng.permutation(10 * n)[:n])
    a = match_nearest(d, "t", "s", estimand=estimand, ratio=2, caliper=0.2, exact="g", ties="average")
    b = match_nearest(d, "t", "s", estimand=estimand, ratio=2, caliper=0.2, exact="g")
    assert _sets(a) == _sets(b)  # continuous scores: no ties, the same sets
    d["s"] = d["s"].round(1)  # many ties now
    c = match_nearest(d, "t", "s", estimand=estimand, ratio=2, caliper=0.2, exact="g", ties="average")
    shuffled = match_nearest(d.sample(frac=1, random_state=3), "t", "s", estimand=estimand, ratio=2, caliper=0.2,
                             exact="g", ties="average")
    assert _sets(c) == _sets(shuffled)
    focal = 1 if estimand == "ATT" else 0
    for k, got in _sets(c).items():
        if not got:
            continue
        gap = np.abs(d.loc[got, "s"].to_numpy() - d.loc[k, "s"])
        assert (d.loc[got, "g"] == d.loc[k, "g"]).all() and (d.loc[got, "t"] != focal).all()
        assert len(got) >= min(2, len(got))
        # every pool unit of the stratum at most as far as the farthest member is in the set
        pool = d[(d["t"] != focal) & (d["g"] == d.loc[k, "g"])]
        near = pool.index[np.abs(pool["s"] - d.loc[k, "s"]) <= gap.max() + 1e-12]
        assert sorted(near) == got
    assert c.match_matrix.shape[1] > 2  # sets grew beyond the two slots


def test_ties_average_needs_replacement():
    d = pd.DataFrame({"t": [1, 0, 0], "s": [0.5, 0.4, 0.6]})
    with pytest.raises(ConfigError, match="with replacement"):
        match_nearest(d, "t", "s", replace=False, ties="average")
    with pytest.raises(ConfigError, match="tie_tolerance"):
        match_nearest(d, "t", "s", tie_tolerance=1e-5)
    with pytest.raises(ConfigError, match="ties must be"):
        match_nearest(d, "t", "s", ties="random")
