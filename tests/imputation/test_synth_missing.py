"""synth.simulate(missingness=...): extra MAR gaps, off by default (the committed sample stays identical)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from altmeasures_eval._errors import ConfigError
from altmeasures_eval.synth import simulate


@pytest.fixture(scope="module")
def pair():
    return simulate(2500, seed=3), simulate(2500, seed=3, missingness={"substance": 0.2, "birth_year": 0.1})


def test_default_unchanged_and_only_the_named_columns_change(pair):
    a, b = pair
    same = simulate(2500, seed=3, missingness=None)
    for name in ("persons", "cases", "custody_spells", "treatment_episodes"):
        pd.testing.assert_frame_equal(getattr(a.dataset, name), getattr(same.dataset, name))
    pd.testing.assert_frame_equal(a.dataset.persons.drop(columns="birth_year"), b.dataset.persons.drop(columns="birth_year"))
    pd.testing.assert_frame_equal(a.dataset.cases.drop(columns="substance"), b.dataset.cases.drop(columns="substance"))
    assert a.truth == b.truth
    # only blanks are added: every value still recorded is the original one
    kept = b.dataset.cases["substance"].notna()
    assert (b.dataset.cases.loc[kept, "substance"] == a.dataset.cases.loc[kept, "substance"]).all()


def test_shares_and_mar_dependence(pair):
    a, b = pair
    can = a.dataset.cases["substance"].notna()
    new = can & b.dataset.cases["substance"].isna()
    assert new[can].mean() == pytest.approx(0.2, abs=0.03)
    early = pd.to_datetime(a.dataset.cases["decision_date"]).dt.year < 2019
    assert new[can & early].mean() > new[can & ~early].mean()  # depends on the observed decision year
    born = a.dataset.persons["birth_year"].notna()
    assert (born & b.dataset.persons["birth_year"].isna())[born].mean() == pytest.approx(0.1, abs=0.03)


def test_bad_option_named():
    with pytest.raises(ConfigError, match="cannot be made missing"):
        simulate(500, seed=1, missingness={"sex": 0.1})
    with pytest.raises(ConfigError, match=r"\[0, 1\)"):
        simulate(500, seed=1, missingness={"substance": 1.5})
