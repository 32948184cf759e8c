"""The design matrix of the propensity and balance code (matching._design.covariate_frame) against
pandas.get_dummies on the categorical dtype (the construction it replaced): the same indicator
columns, names, order and values, for used and unused categories, one-level covariates and
object columns whose values cannot be sorted."""

from __future__ import annotations

import datetime

import numpy as np
import pandas as pd
import pytest

from altmeasures_eval.matching._design import covariate_frame


def _get_dummies(data: pd.DataFrame, covariates: list[str], drop_first: bool) -> pd.DataFrame:
    parts = []
    for name in covariates:
        col = data[name]
        if col.dtype == object or isinstance(col.dtype, pd.CategoricalDtype) or pd.api.types.is_string_dtype(col):
            parts.append(pd.get_dummies(col.astype("category"), prefix=name, prefix_sep="=", drop_first=drop_first,
                                        dtype=float))
        else:
            parts.append(pd.DataFrame({name: col.to_numpy(dtype=float)}, index=data.index))
    return pd.concat(parts, axis=1)


@pytest.fixture(scope="module")
def data() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    n = 40
    return pd.DataFrame({
        "age": rng.integers(18, 60, n),
        "sex": rng.choice(["male", "female", "unknown"], n),
        "stage": pd.Categorical(rng.choice(["trial", "sentencing"], n), categories=["pre_trial", "sentencing", "trial"]),
        "mixed": np.array([1.5 if i % 3 else "a" for i in range(n)], dtype=object),
        # values Python cannot order (a date and a number): categories in order of appearance
        "unordered": np.array([datetime.date(2020, 1, 1) if i % 2 else 3 for i in range(n)], dtype=object),
        "one": "x",
        "one_cat": pd.Categorical(["y"] * n),
        "text": pd.array(rng.choice(["u", "v"], n), dtype="string"),
    }, index=pd.RangeIndex(100, 100 + n))


@pytest.mark.parametrize("drop_first", [True, False])
@pytest.mark.parametrize("covs", [["age", "sex", "stage"], ["mixed", "text", "one"], ["one", "one_cat"], ["stage"],
                                  ["unordered", "age"]])
def test_covariate_frame_equals_get_dummies(data, covs, drop_first):
    got = covariate_frame(data, covs, drop_first=drop_first)
    want = _get_dummies(data, covs, drop_first)
    pd.testing.assert_frame_equal(got, want)
    assert list(got.columns) == list(want.columns)


def test_unused_category_is_a_zero_column_and_one_level_covariates_give_no_column(data):
    full = covariate_frame(data, ["stage"], drop_first=False)
    assert list(full.columns) == ["stage=pre_trial", "stage=sentencing", "stage=trial"]
    assert (full["stage=pre_trial"] == 0).all()
    assert covariate_frame(data, ["one", "one_cat"]).shape == (len(data), 0)
