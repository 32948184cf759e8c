"""Rubin's rules against R ``mice`` 3.15 (``pool`` and ``pool.scalar``), to 1e-6.

Reference values: ``tests/imputation/reference/pool_reference.R`` run with R 4.2.2 and mice 3.15.0
(``versions.txt``); its output is stored beside it (CI has no R).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from altmeasures_eval._errors import AltMeasuresError
from altmeasures_eval.imputation import barnard_rubin_df, pool_results, pool_scalar, pool_table

REF = Path(__file__).parent / "reference"


@pytest.mark.parametrize("stem", ["nhanes", "logit"])
def test_pool_table_equals_mice_pool(stem):
    """mice::pool(with(mice(nhanes, m=5, seed=123), lm(chl ~ age + bmi))) and the logistic fit of
    nhanes2 (m=10, seed=2024): estimate, ubar, b, t, df, riv, lambda, fmi as R prints them
    (``nhanes_pooled.csv`` / ``logit_pooled.csv``), from the per-imputation estimates and SEs R fitted."""
    per = pd.read_csv(REF / f"{stem}_per_imputation.csv")
    ref = pd.read_csv(REF / f"{stem}_pooled.csv").set_index("term")
    dfcom = float(per["dfcom"].iloc[0])  # df.residual of the complete-data fit, as mice uses
    got = pool_table(per, keys=["term"], dfcom=dfcom).set_index("term").loc[ref.index]
    for col in ("estimate", "ubar", "b", "t", "df", "riv", "lambda", "fmi"):
        np.testing.assert_allclose(got[col].to_numpy(), ref[col].to_numpy(), rtol=1e-6, atol=1e-12, err_msg=col)
    np.testing.assert_allclose(got["se"] ** 2, ref["t"], rtol=1e-6)


@pytest.mark.parametrize("n", [60.0, np.inf])
def test_pool_scalar_equals_mice_pool_scalar(n):
    """mice::pool.scalar(Q, U, n = 60, k = 2) and with n = Inf (``scalar.csv``)."""
    ref = pd.read_csv(REF / "scalar.csv")
    ref = ref[np.isinf(ref["n"])] if np.isinf(n) else ref[ref["n"] == n]
    r0 = ref.iloc[0]
    q = [float(x) for x in r0["q"].split()]
    u = [float(x) for x in r0["u"].split()]
    got = pool_scalar(q, u, dfcom=n - 2 if np.isfinite(n) else np.inf)
    for mine, theirs in (("estimate", "qbar"), ("ubar", "ubar"), ("b", "b"), ("t", "t"), ("df", "df"),
                         ("riv", "r"), ("fmi", "fmi")):
        assert getattr(got, mine) == pytest.approx(float(r0[theirs]), rel=1e-6, abs=1e-12), mine


def test_rubin_by_hand():
    """Hand calculation: Q = (1, 2, 3), U = (1, 1, 1): qbar 2, b 1, t = 1 + 4/3 = 7/3,
    lambda = (4/3)/(7/3) = 4/7, df (dfcom = inf) = 2 / (4/7)^2 = 6.125, riv = 4/3."""
    r = pool_scalar([1, 2, 3], [1, 1, 1])
    assert (r.estimate, r.b) == (2.0, 1.0)
    assert r.t == pytest.approx(7 / 3)
    assert r.lambda_ == pytest.approx(4 / 7)
    assert r.df == pytest.approx(6.125)
    assert r.riv == pytest.approx(4 / 3)
    assert r.fmi == pytest.approx((4 / 3 + 2 / 9.125) / (7 / 3))
    from scipy import stats

    assert r.ci_high - r.estimate == pytest.approx(stats.t.ppf(0.975, 6.125) * np.sqrt(7 / 3))


def test_no_between_variance_gives_large_df_and_small_fmi():
    """Identical estimates: b = 0, lambda floored at 1e-4 as mice does, so df = (m - 1) / 1e-8."""
    r = pool_scalar([0.5] * 5, [0.01] * 5)
    assert r.b == 0 and r.df == pytest.approx(4e8)
    assert barnard_rubin_df(5, np.array([0.0]), np.array([0.01]), 100.0)[0] == pytest.approx(
        4e8 * (101 / 103 * 100 * (1 - 1e-4)) / (4e8 + 101 / 103 * 100 * (1 - 1e-4)))


def test_ratios_are_pooled_on_the_log_scale():
    """Two risk ratios 0.5 and 2 with equal SEs of the log pool to exp(mean(log)) = 1, not 1.25."""
    rows = [pd.DataFrame({"measure": ["risk_ratio"], "estimate": [v], "se": [0.1], "scale": ["log"], "n": [100]})
            for v in (0.5, 2.0)]
    res = pool_results(rows)
    assert res.summary.loc["risk_ratio", "estimate"] == pytest.approx(1.0)
    b = np.var(np.log([0.5, 2.0]), ddof=1)
    assert res.summary.loc["risk_ratio", "t"] == pytest.approx(0.01 + 1.5 * b)
    assert res.summary.loc["risk_ratio", "ci_low"] < 1 < res.summary.loc["risk_ratio", "ci_high"]


def test_bad_input_is_named():
    with pytest.raises(AltMeasuresError, match="at least 2 imputations"):
        pool_scalar([1.0], [1.0])
    with pytest.raises(AltMeasuresError, match="imputation 2"):
        pool_scalar([1.0, np.nan, 2.0], [1.0, 1.0, 1.0])
