"""Random-effects meta-analysis against R metafor.

Every expected number comes from ``reference/metafor_results.csv``, written by
``reference/metafor.R`` (R 4.2.2, metafor 3.8.1, see ``reference/metafor_session.txt``):
``rma(yi, vi, data=d, method=<DL|REML|PM>, test=<"z"|"knha">, control=list(threshold=1e-13, tol=1e-13))``
and ``predict()`` for the prediction interval, on the effect sizes of ``reference/metafor_inputs.csv``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from altmeasures_eval._errors import AltMeasuresError
from altmeasures_eval.pooling import PooledEffect, heterogeneity_in_words, random_effects

REF = Path(__file__).parent / "reference"
INPUTS = pd.read_csv(REF / "metafor_inputs.csv")
RESULTS = pd.read_csv(REF / "metafor_results.csv", skipinitialspace=True)
FIELDS = {"estimate": "estimate", "se": "se", "ci_low": "ci_low", "ci_high": "ci_high", "pvalue": "p_value",
          "tau2": "tau2", "i2": "i2", "h2": "h2", "q": "q", "q_pvalue": "q_pvalue", "pi_low": "pi_low",
          "pi_high": "pi_high"}


def _fit(dataset: str, method: str, test: str) -> PooledEffect:
    d = INPUTS[INPUTS["dataset"] == dataset]
    return random_effects(d["yi"], variances=d["vi"], labels=d["study"], method=method, hksj=test == "knha")


@pytest.mark.parametrize("row", [r for _, r in RESULTS.iterrows()],
                         ids=[f"{r.dataset}-{r.method}-{r.test}" for r in RESULTS.itertuples()])
def test_equals_metafor(row: pd.Series) -> None:
    # source: metafor_results.csv, the row of this dataset x method x test (metafor.R)
    res = _fit(row["dataset"], row["method"], row["test"])
    assert res.k == row["k"] and res.q_df == row["q_df"]
    for theirs, ours in FIELDS.items():
        # pooled estimate, tau^2, interval and prediction interval to 1e-6 (they agree to ~1e-11);
        # I^2 is in percent, so 1e-6 relative
        tol = 1e-6 * max(1.0, abs(row[theirs])) if theirs in ("i2", "h2", "q") else 1e-6
        assert getattr(res, ours) == pytest.approx(row[theirs], abs=tol), theirs


def test_bcg_published_example() -> None:
    # Published: Viechtbauer (2010, J Stat Softw 36(3)), the BCG vaccine example (dat.bcg, log risk
    # ratios), as in the metafor rma.uni help page: REML estimate -0.7145, tau^2 0.3132, I^2 92.22%,
    # Q(df = 12) = 152.2330 (the same digits in our metafor 3.8.1 run, metafor_results.csv).
    res = _fit("bcg", "REML", "z")
    assert res.estimate == pytest.approx(-0.7145, abs=5e-5)
    assert res.tau2 == pytest.approx(0.3132, abs=5e-5)
    assert res.i2 == pytest.approx(92.22, abs=5e-3)
    assert res.q == pytest.approx(152.2330, abs=5e-5)
    # Prediction interval: R output only (metafor_results.csv, bcg REML z: -1.8667 to 0.4376)
    assert (res.pi_low, res.pi_high) == pytest.approx((-1.8667, 0.4376), abs=5e-5)


def test_bcg_dersimonian_laird_matches_stata_metan() -> None:
    # Independent package: Stata "metan tpos tneg cpos cneg, randomi nograph rr log" on dat.bcg gives
    # -0.7141 (-1.0644 to -0.3638), as recorded in metafor's own test suite
    # (tests/testthat/test_misc_metan_vs_rma.uni_with_dat.bcg.r).
    res = _fit("bcg", "DL", "z")
    assert (res.estimate, res.ci_low, res.ci_high) == pytest.approx((-0.7141, -1.0644, -0.3638), abs=5e-5)


def test_homogeneous_years_have_no_heterogeneity() -> None:
    # source: metafor_results.csv, dataset years3: tau^2 = 0 for DL, REML and PM
    for method in ("DL", "REML", "PM"):
        res = _fit("years3", method, "z")
        assert res.tau2 == 0.0 and res.i2 == 0.0
        # with tau^2 = 0 the random-effects estimate is the common-effect one (hand calculation)
        assert res.estimate == pytest.approx(res.fixed_estimate, abs=1e-15)


def test_summary_rows_and_weights() -> None:
    res = _fit("countries4", "REML", "z")
    s = res.summary
    assert list(s["label"]) == ["AAA", "BBB", "CCC", "DDD", "pooled"]
    assert s["weight"].iloc[:-1].sum() == pytest.approx(1.0)
    # weights are 1 / (v_i + tau^2), normalised (hand calculation from the inputs)
    v = INPUTS.loc[INPUTS["dataset"] == "countries4", "vi"].to_numpy()
    w = 1 / (v + res.tau2)
    np.testing.assert_allclose(s["weight"].iloc[:-1], w / w.sum())
    assert s.iloc[-1]["estimate"] == res.estimate
    assert res.to_dict()["method"] == "REML" and "Only 4 estimates" in res.notes[0]


def test_se_and_variances_give_the_same_fit() -> None:
    d = INPUTS[INPUTS["dataset"] == "countries4"]
    a = random_effects(d["yi"], se=np.sqrt(d["vi"]), method="PM")
    b = random_effects(d["yi"], variances=d["vi"], method="PM")
    assert a.estimate == pytest.approx(b.estimate, abs=1e-14) and a.tau2 == pytest.approx(b.tau2, abs=1e-14)


@pytest.mark.parametrize("kwargs, match", [
    ({"estimates": [0.1], "se": [0.1]}, "at least two"),
    ({"estimates": [0.1, 0.2], "se": [0.1, 0.0]}, "positive"),
    ({"estimates": [0.1, np.nan], "se": [0.1, 0.1]}, "finite"),
    ({"estimates": [0.1, 0.2], "se": [0.1, 0.1], "method": "ML"}, "DL, REML, PM"),
    ({"estimates": [0.1, 0.2]}, "either se or variances"),
    ({"estimates": [0.1, 0.2], "se": [0.1]}, "2 estimates but 1"),
])
def test_bad_input_is_named(kwargs: dict, match: str) -> None:
    with pytest.raises(AltMeasuresError, match=match):
        random_effects(**kwargs)


def test_heterogeneity_in_words() -> None:
    # BCG: I^2 92% -> "considerable" (Cochrane Handbook 10.10.2); tau = sqrt(0.3132) = 0.5597
    text = heterogeneity_in_words(_fit("bcg", "REML", "z"), scale=1.0, unit="log risk ratio units")
    assert "considerable heterogeneity between the 13 estimates" in text
    assert "standard deviation of 0.6 log risk ratio units" in text and "p < 0.001" in text
    assert "little or no heterogeneity" in heterogeneity_in_words(_fit("years3", "DL", "z"))
