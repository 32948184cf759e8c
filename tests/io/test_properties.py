"""Properties of the checks, against brute-force definitions, on random inputs (hypothesis)."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from altmeasures_eval.io import ingest, read_dataset, write_dataset
from altmeasures_eval.io._checks import overlap_problems, unique_key_problems

from .conftest import valid_dataset

DAY = pd.Timedelta(days=1)


def _brute_force_overlaps(spells: pd.DataFrame) -> set[int]:
    """Rows that start before the latest release of an earlier spell of the same person (pairwise)."""
    bad = set()
    end = spells["release_date"].fillna(pd.Timestamp.max)
    order = spells.assign(_row=spells.index).sort_values(["person_id", "admission_date", "_row"])
    for i, (row_i, a) in enumerate(order.iterrows()):
        for row_j, b in order.iloc[:i].iterrows():
            if b["person_id"] == a["person_id"] and a["admission_date"] < end[row_j]:
                bad.add(row_i)
    return bad


spell_rows = st.lists(
    st.tuples(
        st.sampled_from(["A", "B", "C"]),
        st.integers(0, 60),  # admission day
        st.one_of(st.none(), st.integers(0, 40)),  # length of stay; None = still held
    ),
    min_size=0,
    max_size=12,
)


@settings(max_examples=100, deadline=None)
@given(spell_rows)
def test_overlap_check_matches_pairwise_definition(rows: list[tuple]) -> None:
    start = pd.Timestamp("2020-01-01")
    spells = pd.DataFrame({
        "person_id": [r[0] for r in rows],
        "admission_date": pd.to_datetime([start + r[1] * DAY for r in rows]),
        "release_date": pd.to_datetime([None if r[2] is None else start + (r[1] + r[2]) * DAY for r in rows]),
    }, index=pd.RangeIndex(2, len(rows) + 2))
    found = overlap_problems(spells, "custody_spells.csv")
    flagged = set(found[0]["source_row"].astype(int)) if found else set()
    assert flagged == _brute_force_overlaps(spells)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from(["K1", "K2", "K3", "K4", None]), max_size=15))
def test_unique_key_flags_every_copy_of_a_duplicate(keys: list) -> None:
    frame = pd.DataFrame({"case_id": keys}, index=pd.RangeIndex(2, len(keys) + 2), dtype=object)
    found = unique_key_problems(frame, "cases", "cases.csv")
    flagged = set(found[0]["source_row"].astype(int)) if found else set()
    counts = pd.Series(keys, dtype=object).value_counts()
    expected = {i + 2 for i, k in enumerate(keys) if k is not None and counts[k] > 1}
    assert flagged == expected


_GARBAGE = st.sampled_from(["", "??", "2020-02-30", "-3", "P9", "C9", "1850", "0", "yes", "2099-01-01"])
_TABLES = ["persons", "cases", "custody_spells", "treatment_episodes", "prison_capacity"]


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(_TABLES), st.integers(0, 5), st.integers(0, 9), _GARBAGE), min_size=1, max_size=6))
def test_quarantine_accounts_for_every_row(edits: list[tuple]) -> None:
    """Random cells set to random bad values: rows read = kept + rejected for every table, and
    what is kept is itself valid."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = write_dataset(valid_dataset(), Path(tmp) / "d")
        for table, row, col, value in edits:
            frame = pd.read_csv(folder / f"{table}.csv", dtype=str, keep_default_na=False)
            frame.iloc[row % len(frame), col % frame.shape[1]] = value
            frame.to_csv(folder / f"{table}.csv", index=False)
        result = ingest(folder, mode="quarantine")
        rejects = result.dataset.rejects
        assert not rejects.duplicated(["table", "source_row"]).any()
        for table in _TABLES:
            n_read = len(pd.read_csv(folder / f"{table}.csv", dtype=str))
            n_rejected = int((rejects["table"] == table).sum())
            assert n_read == len(getattr(result.dataset, table)) + n_rejected
        # Every problem row is rejected.
        flagged = set(map(tuple, result.problems[["table", "source_row"]].dropna().astype({"source_row": int}).values.tolist()))
        assert flagged <= set(map(tuple, rejects[["table", "source_row"]].values.tolist()))
        kept = write_dataset(result.dataset, Path(tmp) / "kept")
        read_dataset(kept)  # raises if anything kept breaks the contract
    assert np.all(rejects["reason"].str.len() > 0)
