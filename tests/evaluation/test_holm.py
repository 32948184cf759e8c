"""Holm's adjustment of the subgroup p-values (effects.holm, used by subgroup_effects and the evaluation's
pooled subgroups) against statsmodels and by hand."""

from __future__ import annotations

import gc

import numpy as np
import pytest
from statsmodels.stats.multitest import multipletests

from altmeasures_eval.effects import holm


def test_holm_by_hand():
    # Holm (1979): sorted p 0.01, 0.02, 0.04 times 3, 2, 1 = 0.03, 0.04, 0.04 (running maximum)
    np.testing.assert_allclose(holm(np.array([0.04, 0.01, 0.02])), [0.04, 0.03, 0.04])
    np.testing.assert_allclose(holm(np.array([0.5, 0.6])), [1.0, 1.0])  # capped at 1


@pytest.mark.parametrize("seed", range(5))
def test_holm_equals_statsmodels(seed, monkeypatch):
    # statsmodels' multipletests (0.15) ends its Holm branch with gc.collect(), which in a test
    # process holding the session's evaluations takes ~0.4 s a call; the reference's numbers do
    # not depend on it
    monkeypatch.setattr(gc, "collect", lambda *args: 0)
    rng = np.random.default_rng(seed)
    p = rng.random(17) ** 3
    p[3] = p[5]  # ties
    np.testing.assert_allclose(holm(p), multipletests(p, method="holm")[1], rtol=1e-12)
