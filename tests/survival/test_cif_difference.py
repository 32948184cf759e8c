"""cumulative_incidence_difference: Aalen-Johansen risk differences with a clustered robust variance.

References: the per-group variance equals that of ``cumulative_incidence`` (checked against R's
multi-state ``survfit`` in tests/survival); the per-row influence is checked against a numerical
derivative of the estimate with respect to each weight (the infinitesimal jackknife's definition);
estimates against a hand calculation.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from altmeasures_eval.survival import cumulative_incidence, cumulative_incidence_difference
from altmeasures_eval.survival import _kmcore as core
from altmeasures_eval.survival._cif_contrast import cif_influence


def _data(seed: int = 3, n: int = 300) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"t": rng.integers(1, 40, n).astype(float), "e": rng.choice([0, 1, 2], n, p=[.3, .5, .2]),
                         "g": rng.integers(0, 2, n), "w": rng.uniform(0.3, 3, n), "cl": rng.integers(0, 90, n)})


def test_hand_calculation() -> None:
    """Group 1: t = 1 (reoffence), 2 (death), 3 (reoffence), 4 (censored): F(3) = 1/4 + (1/2)(1/2) = 1/2.
    Group 0: t = 1, 2 (both reoffences): F(2) = 1/2 + 1/2 = 1. Difference at 3: -1/2; at 1: 1/4 - 1/2."""
    df = pd.DataFrame({"t": [1.0, 2, 3, 4, 1, 2], "e": [1, 2, 1, 0, 1, 1], "g": [1, 1, 1, 1, 0, 0]})
    res = cumulative_incidence_difference(df, "t", "e", "g", times=[1, 2])
    s = res.summary
    assert s["estimate"].iloc[0] == pytest.approx(0.25 - 0.5)
    assert s["estimate_group"].tolist() == pytest.approx([0.25, 0.25])
    assert s["estimate_reference"].tolist() == pytest.approx([0.5, 1.0])
    # at 2 every person of group 0 has reoffended (F = 1, variance 0): the difference -3/4 has no honest
    # interval, so the row is blanked and a note says why (issue #12 part 5)
    assert s.loc[1, ["estimate", "se", "ci_low", "ci_high", "p_value"]].isna().all()
    assert any("risk difference at 2 not estimable" in n for n in res.notes)


@pytest.mark.parametrize("kw", [{}, {"weights": "w"}, {"cluster": "cl"}, {"weights": "w", "cluster": "cl"}])
def test_group_estimates_and_ses_equal_cumulative_incidence(kw: dict) -> None:
    df = _data()
    ci = cumulative_incidence(df, "t", "e", "g", causes=[1], times=[5, 15, 30], **kw).summary
    d = cumulative_incidence_difference(df, "t", "e", "g", times=[5, 15, 30], **kw).by_group
    m = ci.merge(d, on=["group", "time"], suffixes=("_aj", "_diff"))
    np.testing.assert_allclose(m["estimate_diff"], m["estimate_aj"], rtol=1e-12)
    np.testing.assert_allclose(m["se_diff"], m["se_aj"], rtol=1e-10)


def test_influence_is_the_weight_derivative() -> None:
    df = _data(n=60)
    df = df[df["g"] == 1].reset_index(drop=True)
    t, w, e = df["t"].to_numpy(), df["w"].to_numpy(), df["e"].to_numpy()
    h = 20.0

    def f(weights: np.ndarray) -> float:
        return cif_influence(core.risk_table(t, (e > 0).astype(float), weights), e, 1, h)[0]

    _, infl = cif_influence(core.risk_table(t, (e > 0).astype(float), w), e, 1, h)
    eps = 1e-6
    numeric = np.array([w[i] * (f(w + eps * (np.arange(w.size) == i)) - f(w - eps * (np.arange(w.size) == i)))
                        / (2 * eps) for i in range(w.size)])
    np.testing.assert_allclose(infl, numeric, atol=1e-8)


def test_contrast_variance_adds_up_without_shared_clusters_and_not_with_them() -> None:
    df = _data()
    plain = cumulative_incidence_difference(df, "t", "e", "g", weights="w", times=[15])
    bg = plain.by_group.set_index("group")
    assert plain.summary["se"].iloc[0] ** 2 == pytest.approx(bg.loc[1, "se"] ** 2 + bg.loc[0, "se"] ** 2, rel=1e-12)
    # matched pairs: one row of each arm per cluster, equal times -> positively correlated arms
    pairs = pd.DataFrame({"t": np.repeat(df["t"].to_numpy()[:100], 2), "e": np.repeat(df["e"].to_numpy()[:100], 2),
                          "g": np.tile([1, 0], 100), "pair": np.repeat(np.arange(100), 2)})
    pairs.loc[pairs.index[::7], "e"] = 0  # so that the arms differ
    clustered = cumulative_incidence_difference(pairs, "t", "e", "g", cluster="pair", times=[15]).summary
    independent = cumulative_incidence_difference(pairs, "t", "e", "g", times=[15]).summary
    assert clustered["se"].iloc[0] < independent["se"].iloc[0]
