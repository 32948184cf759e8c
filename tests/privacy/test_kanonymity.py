"""Tests of k-anonymity over the quasi-identifiers (issue #2, "Privacy guard").

Expected values are counted by hand from the fixture written beside them; the property tests
compare with a brute-force count over Python tuples.
"""

from __future__ import annotations

import json
from collections import Counter

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from altmeasures_eval._errors import DataContractError
from altmeasures_eval.privacy import equivalence_class_sizes, k_anonymity
from altmeasures_eval.schema import QUASI_IDENTIFIERS


def _hand_fixture() -> pd.DataFrame:
    # classes (sex, birth_year, jurisdiction):
    #   (male, 1980, A)     x3  rows 0-2
    #   (male, <NA>, A)     x2  rows 3-4    missing birth year is its own category
    #   (female, 1980, A)   x1  row 5
    #   (<NA>, 1990, B)     x2  rows 6-7    None and NaN are the same missing category
    #   (female, 1990, B)   x4  rows 8-11
    return pd.DataFrame(
        {
            "person_id": [f"P{i}" for i in range(12)],
            "sex": ["male"] * 5 + ["female", None, np.nan] + ["female"] * 4,
            "birth_year": pd.array(
                [1980, 1980, 1980, None, None, 1980, 1990, 1990, 1990, 1990, 1990, 1990],
                dtype="Int64",
            ),
            "jurisdiction": ["A"] * 6 + ["B"] * 6,
        }
    )


def test_hand_worked_fixture() -> None:
    result = k_anonymity(_hand_fixture(), k_values=(2, 3, 5))
    assert result.quasi_identifiers == QUASI_IDENTIFIERS
    assert (result.n_persons, result.n_classes, result.min_class_size) == (12, 5, 1)
    # below 2: the female-1980-A singleton; below 3: + the two pairs; below 5: every class
    assert result.classes_below == {2: 1, 3: 3, 5: 5}
    assert result.persons_below == {2: 1, 3: 5, 5: 12}
    assert not result.is_k_anonymous(2) and result.is_k_anonymous(1)
    summary = result.summary
    assert list(summary.columns) == [
        "k", "classes_below_k", "persons_below_k", "share_persons_below_k", "k_anonymous"
    ]
    assert summary["share_persons_below_k"].tolist() == pytest.approx([1 / 12, 5 / 12, 1.0])
    assert any("4 person(s) have a missing quasi-identifier" in n for n in result.notes)
    np.testing.assert_array_equal(
        equivalence_class_sizes(_hand_fixture()), [3, 3, 3, 2, 2, 1, 2, 2, 4, 4, 4, 4]
    )


def test_to_dict_is_json_ready() -> None:
    out = k_anonymity(_hand_fixture()).to_dict()
    assert json.loads(json.dumps(out)) == out
    assert out["persons_below"] == {"5": 12, "10": 12}


def test_k_anonymous_table() -> None:
    persons = pd.DataFrame(
        {
            "sex": ["male"] * 5 + ["female"] * 5,
            "birth_year": [1980] * 10,
            "jurisdiction": ["A"] * 10,
        }
    )
    result = k_anonymity(persons)
    assert result.min_class_size == 5 and result.is_k_anonymous(5)
    assert not result.is_k_anonymous(10)
    assert result.persons_below == {5: 0, 10: 10}


def test_empty_table() -> None:
    empty = pd.DataFrame({col: pd.Series([], dtype=object) for col in QUASI_IDENTIFIERS})
    result = k_anonymity(empty)
    assert (result.n_persons, result.n_classes, result.min_class_size) == (0, 0, 0)
    assert result.is_k_anonymous(10) and result.persons_below == {5: 0, 10: 0}
    assert result.summary["share_persons_below_k"].tolist() == [0.0, 0.0]


def test_missing_column_is_a_contract_error() -> None:
    with pytest.raises(DataContractError, match=r"table 'persons'.*\['jurisdiction'\]"):
        k_anonymity(_hand_fixture().drop(columns="jurisdiction"))


def test_bad_k_is_rejected() -> None:
    with pytest.raises(ValueError, match="k must be >= 1"):
        k_anonymity(_hand_fixture(), k_values=(0,))


_value = st.one_of(st.none(), st.sampled_from(["a", "b", "c"]))


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.tuples(_value, st.one_of(st.none(), st.integers(1950, 1953)), _value), max_size=60),
    st.lists(st.integers(1, 8), min_size=1, max_size=4),
)
def test_matches_brute_force_count(rows: list[tuple], ks: list[int]) -> None:
    persons = pd.DataFrame(
        {
            "sex": pd.Series([r[0] for r in rows], dtype=object),
            "birth_year": pd.array([r[1] for r in rows], dtype="Int64"),
            "jurisdiction": pd.Series([r[2] for r in rows], dtype=object),
        }
    )
    result = k_anonymity(persons, k_values=ks)
    sizes = Counter(rows)  # Python tuples: None == None, so missing is one category
    assert result.n_persons == len(rows) == sum(sizes.values())
    assert result.n_classes == len(sizes)
    assert result.min_class_size == (min(sizes.values()) if sizes else 0)
    for k in ks:
        assert result.classes_below[k] == sum(1 for s in sizes.values() if s < k)
        assert result.persons_below[k] == sum(s for s in sizes.values() if s < k)
        assert result.is_k_anonymous(k) == (result.persons_below[k] == 0)
    assert result.persons_below.get(1, 0) == 0
    per_row = equivalence_class_sizes(persons)
    assert per_row.tolist() == [sizes[r] for r in rows]
