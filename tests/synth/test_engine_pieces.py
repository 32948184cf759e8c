"""The generator's arithmetic pieces against independent references: the counter-based uniforms
against SplitMix64 in Python integers, ``year_of`` against numpy's calendar, ``categorical``
against its definition (the number of cumulative shares below each uniform).

These are the fast forms (a person's hash computed once, integer calendar arithmetic, a binary
search for draws that share one row of shares); the committed sample, which the earlier forms
generated, pins their combined output (tests/synth/test_sample.py).
"""

from __future__ import annotations

import numpy as np

from altmeasures_eval.synth._engine import categorical, year_of
from altmeasures_eval.synth._random import PERSON_SLOT, hashed_uniforms, person_hashes, seed_key, uniforms

MASK = 2**64 - 1
GOLDEN, M1, M2 = 0x9E3779B97F4A7C15, 0xBF58476D1CE4E5B9, 0x94D049BB133111EB


def _mix(x: int) -> int:
    """The SplitMix64 finaliser (Steele, Lea and Flood 2014) in Python integers."""
    x ^= x >> 30
    x = (x * M1) & MASK
    x ^= x >> 27
    x = (x * M2) & MASK
    return x ^ (x >> 31)


def _uniform(seed: int, person: int, slot: int, field: int) -> float:
    key = _mix((seed + GOLDEN) & MASK)
    x = _mix(key ^ ((person * GOLDEN) & MASK))
    x = _mix((x + (((slot << 8) | field) + 1) * GOLDEN) & MASK)
    return ((x >> 11) + 0.5) * 2.0**-53


def test_uniforms_are_splitmix64() -> None:
    persons = np.array([0, 1, 2, 999_999, 2**40 + 3])
    for seed in (0, 7, 2**63 + 5):
        key = seed_key(seed)
        hashes = person_hashes(key, persons)
        for slot, field in ((0, 0), (3, 5), (57, 28), (PERSON_SLOT, 11)):
            expected = [_uniform(seed, int(p), slot, field) for p in persons]
            assert uniforms(key, persons, slot, field).tolist() == expected
            assert hashed_uniforms(hashes, slot, field).tolist() == expected
            # the same person's hash serves every one of their rows, in any order
            assert hashed_uniforms(hashes[[4, 0, 0]], slot, field).tolist() == [expected[4], expected[0], expected[0]]
    # values of the generator as first written (seed 7, slot 3, field 5), unchanged since
    assert uniforms(seed_key(7), np.array([0, 1]), 3, 5).tolist() == [0.43178833312517656, 0.04479884212176327]


def test_year_of_is_the_calendar_year() -> None:
    days = np.concatenate([np.arange(-800_000, 800_000, 37), np.arange(10_900, 11_000), [-1, 0, 1, 59, 60, 365, 11_016]])
    expected = days.astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64) + 1970
    assert np.array_equal(year_of(days), expected)
    # leap days and year ends: 2000-02-29, 2000-12-31, 2001-01-01, 1900-03-01, 1969-12-31
    assert year_of(np.array([11_016, 11_322, 11_323, -25_508, -1])).tolist() == [2000, 2000, 2001, 1900, 1969]


def test_categorical_counts_the_shares_below_each_uniform() -> None:
    rng = np.random.default_rng(3)
    for k in (2, 5, 14):
        p = rng.random(k)
        p[rng.integers(k)] = 0.0  # an empty category
        cum = np.cumsum(p / p.sum())
        u = np.concatenate([rng.random(500), cum, np.nextafter(cum, 0), [1e-300, 1 - 1e-16]])  # ties and edges
        expected = np.minimum((u[:, None] > cum).sum(axis=1), k - 1)
        one_row = categorical(p, u)
        assert np.array_equal(one_row, expected) and one_row.dtype == expected.dtype
        # one row per draw (the other branch) gives the same when every row is that row
        assert np.array_equal(categorical(np.tile(p, (u.size, 1)), u), expected)


def test_ids_and_row_order_of_the_tables() -> None:
    """``_ids`` writes what numpy's zero-filled text gives (also past the width, through that very
    construction); ``_order`` is ``np.lexsort`` (packed keys, or lexsort itself when they do not pack)."""
    from altmeasures_eval.synth._tables import _ids, _order

    numbers = np.array([0, 7, 42, 9_999_999, 12_345_678])
    expected = np.char.add("P", np.char.zfill(numbers.astype("U7"), 7)).astype(object)
    assert _ids("P", numbers, 7).tolist() == expected.tolist()
    assert _ids("P", numbers[:4], 7).tolist() == ["P0000000", "P0000007", "P0000042", "P9999999"]
    rng = np.random.default_rng(5)
    a, b = rng.integers(0, 30, 500), rng.integers(0, 4, 500)  # ties: stable, as lexsort
    assert np.array_equal(_order(a, b), np.lexsort((a, b)))
    for huge in (np.append(a[:-1], -1), np.append(a[:-1], 2**62)):  # negative or too wide: lexsort
        assert np.array_equal(_order(huge, b), np.lexsort((huge, b)))
