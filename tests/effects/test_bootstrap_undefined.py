"""estimate_effect(variance="bootstrap") when a measure is undefined in every replicate (#19): the
ratio of two negative means has no log, so every replicate's log ratio is NaN; the call used to
end in an IndexError from np.quantile on an empty array. Now the ratio row is blanked with its
reason and the difference keeps its bootstrap interval; a difference with no defined replicate
raises NotEstimable."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from altmeasures_eval._errors import NotEstimable
from altmeasures_eval.effects import estimate_effect
from altmeasures_eval.effects import _contrast


@pytest.fixture
def negative_outcome() -> pd.DataFrame:
    rng = np.random.default_rng(1)
    return pd.DataFrame({"treatment": np.repeat([0, 1], 100), "y": rng.normal(-5.0, 1.0, 200)})


def test_ratio_of_negative_means_is_blanked_with_its_reason(negative_outcome):
    res = estimate_effect(negative_outcome, "y", "treatment", None, variance="bootstrap", n_boot=50, random_state=1)
    diff, ratio = res.summary.loc["mean_difference"], res.summary.loc["rate_ratio"]
    assert np.isfinite(diff["se"]) and diff["ci_low"] < diff["estimate"] < diff["ci_high"]
    assert ratio[["estimate", "se", "ci_low", "ci_high", "p_value"]].isna().all()
    assert "negative" in res.not_estimable["rate_ratio"]


def test_ratio_undefined_only_in_the_replicates_gets_the_bootstrap_reason(monkeypatch, negative_outcome):
    # the point estimate's ratio is defined (positive means) but every replicate's log ratio is NaN
    d = negative_outcome.assign(y=negative_outcome["y"].abs())
    monkeypatch.setattr(_contrast, "parallel_map",
                        lambda fn, n, random_state=None, n_jobs=1: [np.array([v, np.nan]) for v in np.linspace(-1, 1, n)])
    res = estimate_effect(d, "y", "treatment", None, variance="bootstrap", n_boot=30, random_state=1)
    assert res.summary.loc["rate_ratio", ["estimate", "se"]].isna().all()
    assert res.not_estimable["rate_ratio"].startswith("30 of 30 bootstrap replicates gave no defined rate_ratio")


def test_difference_with_no_defined_replicate_is_not_estimable(monkeypatch, negative_outcome):
    monkeypatch.setattr(_contrast, "parallel_map",
                        lambda fn, n, random_state=None, n_jobs=1: [np.array([np.nan, np.nan])] * n)
    with pytest.raises(NotEstimable, match="mean_difference on 'y' is not estimable: 20 of 20 bootstrap replicates"):
        estimate_effect(negative_outcome, "y", "treatment", None, variance="bootstrap", n_boot=20, random_state=1)
