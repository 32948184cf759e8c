"""Vectorised building blocks: dates as day numbers, and row-by-person pairing of sorted tables.

Every per-person rule of the cohort is computed on *pairs* (cohort row, record of the same person)
produced by :func:`pair_rows` from a table sorted by person (and date), then aggregated per cohort
row with ``np.bincount`` or a first-occurrence lookup. The cost is linear in the number of pairs
(the records of the cohort's persons), with no Python loop over persons.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

_NS_PER_DAY = 86_400 * 10**9


def days(values: pd.Series | pd.DatetimeIndex | np.ndarray) -> np.ndarray:
    """Dates as float day numbers since 1970-01-01 (NaT -> NaN), so that differences are days."""
    arr = np.asarray(values, dtype="datetime64[ns]")
    out = arr.view("int64").astype("float64")
    out[np.isnat(arr)] = np.nan
    return np.floor(out / _NS_PER_DAY)


def to_dates(day_numbers: np.ndarray) -> pd.Series:
    """Inverse of :func:`days` (NaN -> NaT), as ``datetime64[ns]`` values."""
    d = np.asarray(day_numbers, dtype="float64")
    out = np.full(d.shape, np.datetime64("NaT"), dtype="datetime64[ns]")
    ok = np.isfinite(d)
    out[ok] = (d[ok].astype("int64") * _NS_PER_DAY).astype("datetime64[ns]")
    return pd.Series(out)


class SortedTable:
    """Record positions of a table ordered by person code, then by ``order`` (ascending).

    Parameters
    ----------
    person : ndarray of int
        Person code of every record (>= 0).
    order : ndarray of float, optional
        Secondary sort key (e.g. a day number); NaN sorts last within a person.
    """

    def __init__(self, person: np.ndarray, order: np.ndarray | None = None) -> None:
        if order is None:
            self.perm = np.argsort(person, kind="stable")
        else:
            self.perm = np.lexsort((order, person))
        self.person = person[self.perm]

    def pair_rows(self, row_person: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Every (cohort row, record) pair of the same person.

        Returns ``rows`` (ascending) and ``records`` (positions in the original table); within a
        row, records follow the table's sort order.
        """
        lo = np.searchsorted(self.person, row_person, side="left")
        hi = np.searchsorted(self.person, row_person, side="right")
        counts = hi - lo
        rows = np.repeat(np.arange(len(row_person)), counts)
        starts = np.repeat(lo - (np.cumsum(counts) - counts), counts)
        sorted_pos = starts + np.arange(len(rows))
        return rows, self.perm[sorted_pos]


def count_by_row(rows: np.ndarray, mask: np.ndarray, n: int, weights: np.ndarray | None = None) -> np.ndarray:
    """Per-row count (or weighted sum) of the pairs where ``mask`` holds, as float."""
    w = None if weights is None else weights[mask]
    return np.bincount(rows[mask], weights=w, minlength=n).astype("float64")


def _edge_by_row(rows: np.ndarray, mask: np.ndarray, n: int, last: bool) -> np.ndarray:
    idx = np.flatnonzero(mask)
    out = np.full(n, -1, dtype="int64")
    if idx.size:
        r = rows[idx]
        keep = np.ones(idx.size, dtype=bool)
        if last:
            keep[:-1] = r[:-1] != r[1:]
        else:  # rows are ascending: the first occurrence of each row
            keep[1:] = r[1:] != r[:-1]
        out[r[keep]] = idx[keep]
    return out


def first_by_row(rows: np.ndarray, mask: np.ndarray, n: int) -> np.ndarray:
    """Position (into the pair arrays) of each row's first pair where ``mask`` holds; -1 if none."""
    return _edge_by_row(rows, mask, n, last=False)


def last_by_row(rows: np.ndarray, mask: np.ndarray, n: int) -> np.ndarray:
    """Position of each row's last pair where ``mask`` holds; -1 if none."""
    return _edge_by_row(rows, mask, n, last=True)


def max_by_row(rows: np.ndarray, mask: np.ndarray, values: np.ndarray, n: int) -> np.ndarray:
    """Per-row maximum of ``values`` over the pairs where ``mask`` holds; NaN if none."""
    out = np.full(n, -np.inf)
    np.maximum.at(out, rows[mask], values[mask])
    out[np.isneginf(out)] = np.nan
    return out



def take(values: np.ndarray, pos: np.ndarray, fill: float = np.nan) -> np.ndarray:
    """``values[pos]`` as float, with ``fill`` where ``pos`` is -1."""
    out = np.full(pos.shape, fill, dtype="float64")
    ok = pos >= 0
    out[ok] = values[pos[ok]]
    return out
