"""Row-level checks of parsed tables: the pandera models, then vectorised cross-row/table rules.

Every function takes frames indexed by source row and returns problem tables (see
:mod:`altmeasures_eval.io._problems`); none raises on bad data.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pandera.pandas as pa

from altmeasures_eval.io._problems import problems_frame
from altmeasures_eval.schema import (
    DATE_COLUMNS,
    OUTCOME_PENDING,
    TABLE_CASES,
    TABLE_CUSTODY_SPELLS,
    TABLE_PERSONS,
    TABLE_PRISON_CAPACITY,
    TABLE_TREATMENT_EPISODES,
    VOCABULARY_COLUMNS,
)
from altmeasures_eval.schema._models import TABLE_MODELS, conforms

#: Primary key of every table.
KEYS = {
    TABLE_PERSONS: ("person_id",),
    TABLE_CASES: ("case_id",),
    TABLE_CUSTODY_SPELLS: ("spell_id",),
    TABLE_TREATMENT_EPISODES: ("episode_id",),
    TABLE_PRISON_CAPACITY: ("jurisdiction", "month"),
}
#: Plausible ages at the extract date for ``birth_year``: a person in contact with criminal justice
#: is at least 10 (the lowest common minimum age of criminal responsibility) and at most 110.
MIN_AGE, MAX_AGE = 10, 110


def _vocab_hint(table: str, column: str) -> str:
    codes = VOCABULARY_COLUMNS.get(table, {}).get(column)
    if codes:
        return f"use one of {', '.join(codes)}, or translate local codes in [tables.{table}.codes.{column}] of the mapping"
    return ""


def _pandera_problem(table: str, column: str, check: str) -> tuple[str, str, str]:
    """(check name, message, hint) for a pandera failure."""
    if check == "not_nullable":
        return "required_value", f"{table}.{column} must not be empty", "fill the value, or reject the row"
    if check.startswith("isin"):
        return "vocabulary", f"not a code of {table}.{column}", _vocab_hint(table, column)
    if check.startswith("str_matches") and column == "iccs_code":
        return (
            "iccs_format",
            "not an ICCS code (2, 4, 5 or 6 digits starting with section 01-11)",
            "write ICCS codes as text with their leading zero (060111, not 60111), or map local offence codes in [tables.cases.codes.iccs_code]",
        )
    if check.startswith("str_matches"):
        return "format", f"{table}.{column} does not have the required format", "months are written YYYY-MM"
    if check.startswith("greater_than_or_equal_to"):
        return "range", f"{table}.{column} must not be negative", "check the sign and units of the value"
    return check, f"{table}.{column} fails pandera check {check}", "see docs/data-contract.md"


def model_problems(frame: pd.DataFrame, table: str, file: str) -> list[pd.DataFrame]:
    """Run the table's pandera model lazily; one problem per failing cell.

    A frame that certainly passes the model (``schema._models.conforms``, the
    common case) is not run through pandera's validation, whose fixed cost per column dominates the
    ingestion of small tables; any other frame is, so failures are always pandera's own report."""
    if conforms(frame, table):
        return []
    try:
        TABLE_MODELS[table].validate(frame, lazy=True, inplace=True)  # no copy: nothing is coerced
    except pa.errors.SchemaErrors as exc:
        fc = exc.failure_cases
        parts = []
        for (column, check), group in fc.groupby(["column", "check"], sort=False, dropna=False):
            rows = pd.to_numeric(group["index"], errors="coerce")
            name, message, hint = _pandera_problem(table, str(column), str(check))
            parts.append(problems_frame(
                file=file, table=table, column=str(column),
                source_rows=rows.dropna().astype("int64") if rows.notna().any() else None,
                values=group["failure_case"][rows.notna()] if rows.notna().any() else str(group["failure_case"].iloc[0]),
                check=name, message=message, hint=hint,
            ))
        return parts
    return []


def _rows(frame: pd.DataFrame, mask: np.ndarray | pd.Series) -> pd.Index:
    return frame.index[np.asarray(mask, dtype=bool)]


def unique_key_problems(frame: pd.DataFrame, table: str, file: str) -> list[pd.DataFrame]:
    """Every row of a duplicated key (all copies: the source cannot tell which one is right)."""
    key = list(KEYS[table])
    # The common case in one hash pass: all values distinct, missing ones included (then the
    # present ones are too); otherwise the present values again, and the duplicates found below.
    if len(key) == 1 and (pd.Index(frame[key[0]].to_numpy()).is_unique or frame[key[0]].dropna().is_unique):
        return []
    present = frame[key].notna().all(axis=1)
    dup = frame.duplicated(subset=key, keep=False) & present
    if not dup.any():
        return []
    first = frame[dup].groupby(key, sort=False).ngroup()
    first_row = pd.Series(frame.index[dup], index=frame.index[dup]).groupby(first.to_numpy()).transform("min")
    column = key[0] if len(key) == 1 else "+".join(key)
    values = frame.loc[dup, key[0]] if len(key) == 1 else frame.loc[dup, key].astype(str).agg("/".join, axis=1)
    return [problems_frame(
        file=file, table=table, column=column, source_rows=frame.index[dup], values=values,
        check="unique_key",
        message=[f"key is duplicated (first seen at source row {r})" for r in first_row.to_numpy()],
        hint=f"{column} must be unique in {table}: remove the duplicate rows or fix their keys",
    )]


def key_index(keys: pd.Series) -> pd.Index:
    """A unique index of the non-empty ``keys``, whose hash table is built once and reused by
    every :func:`reference_problems` that points at this table."""
    index = pd.Index(keys.dropna().to_numpy(dtype=object))
    return index if index.is_unique else pd.Index(index.unique())


def reference_problems(
    frame: pd.DataFrame, table: str, file: str, column: str, target: pd.Index, target_table: str
) -> list[pd.DataFrame]:
    """Non-empty ``column`` values that are not keys of ``target_table`` (``target`` from
    :func:`key_index`)."""
    values = frame[column]
    present = values.dropna()
    if present.empty:
        return []
    missing = target.get_indexer(present.to_numpy(dtype=object)) < 0
    if not missing.any():
        return []
    rows = present.index[missing]
    return [problems_frame(
        file=file, table=table, column=column, source_rows=rows, values=values.loc[rows],
        check="unknown_reference",
        message=f"{column} does not exist in {target_table}",
        hint=f"every {table}.{column} must be a {column} of {target_table}; check the extracts were taken together",
    )]


def order_problems(
    frame: pd.DataFrame, table: str, file: str, early: str, late: str
) -> list[pd.DataFrame]:
    """Rows where date ``late`` is before date ``early`` (both present)."""
    bad = (frame[late] < frame[early]).to_numpy()
    if not bad.any():
        return []
    shown = frame.loc[bad, early].dt.strftime("%Y-%m-%d")
    return [problems_frame(
        file=file, table=table, column=late, source_rows=_rows(frame, bad), values=frame.loc[bad, late],
        check="date_order",
        message=[f"{late} is before {early} ({e})" for e in shown],
        hint=f"{late} must be on or after {early}; check for swapped or mistyped dates",
    )]


def extract_date_problems(frame: pd.DataFrame, table: str, file: str, extract_date: pd.Timestamp) -> list[pd.DataFrame]:
    """Dates after the extract date (data are complete up to it; later events cannot be known)."""
    parts = []
    for col in DATE_COLUMNS.get(table, ()):
        bad = (frame[col] > extract_date).to_numpy()
        if bad.any():
            parts.append(problems_frame(
                file=file, table=table, column=col, source_rows=_rows(frame, bad), values=frame.loc[bad, col],
                check="after_extract_date",
                message=f"{col} is after the extract date {extract_date.date().isoformat()}",
                hint="check the date, or the extract_date in extract.toml",
            ))
    return parts


def pending_problems(cases: pd.DataFrame, file: str) -> list[pd.DataFrame]:
    """``decision_date`` and ``disposition`` are empty exactly when ``outcome`` is pending."""
    parts = []
    known = cases["outcome"].notna()
    pending = cases["outcome"].eq(OUTCOME_PENDING)
    for col in ("decision_date", "disposition"):
        empty = cases[col].isna()
        bad_empty = known & ~pending & empty
        bad_filled = pending & ~empty
        if bad_empty.any():
            parts.append(problems_frame(
                file=file, table=TABLE_CASES, column=col, source_rows=_rows(cases, bad_empty),
                values=cases.loc[bad_empty, col], check="pending_consistency",
                message=f"{col} is empty but the outcome is not pending",
                hint=f"fill {col} for decided cases, or set outcome to pending",
            ))
        if bad_filled.any():
            parts.append(problems_frame(
                file=file, table=TABLE_CASES, column=col, source_rows=_rows(cases, bad_filled),
                values=cases.loc[bad_filled, col], check="pending_consistency",
                message=f"{col} is filled but the outcome is pending",
                hint=f"leave {col} empty while the case is pending, or record the outcome",
            ))
    return parts


def birth_year_problems(persons: pd.DataFrame, file: str, extract_date: pd.Timestamp) -> list[pd.DataFrame]:
    """``birth_year`` outside [extract year - 110, extract year - 10]."""
    by = persons["birth_year"]
    lo, hi = extract_date.year - MAX_AGE, extract_date.year - MIN_AGE
    bad = (by.notna() & ((by < lo) | (by > hi))).fillna(False).to_numpy(dtype=bool)
    if not bad.any():
        return []
    return [problems_frame(
        file=file, table=TABLE_PERSONS, column="birth_year", source_rows=_rows(persons, bad),
        values=by[bad], check="implausible_birth_year",
        message=f"birth_year outside {lo}-{hi} (age {MIN_AGE} to {MAX_AGE} at the extract date)",
        hint="check the year (a full date or a two-digit year?); leave empty if unknown",
    )]


def overlap_problems(spells: pd.DataFrame, file: str) -> list[pd.DataFrame]:
    """Custody spells of one person that overlap an earlier spell of the same person.

    Spells are sorted by person and admission; a spell overlaps when it starts before the latest
    release among the person's earlier spells (a spell still open counts as never released). A
    release and readmission on the same day is not an overlap. The later spell is the one flagged.
    """
    s = spells[["person_id", "admission_date", "release_date"]].dropna(subset=["person_id", "admission_date"])
    if len(s) < 2:
        return []
    person_all, _ = pd.factorize(s["person_id"])
    order = np.lexsort((s.index.to_numpy(), s["admission_date"].to_numpy(), person_all))
    s = s.iloc[order]
    person = person_all[order]
    release = s["release_date"].to_numpy(dtype="datetime64[ns]").astype("int64")
    release[s["release_date"].isna().to_numpy()] = np.iinfo("int64").max  # still held: open to the end
    admission = s["admission_date"].to_numpy(dtype="datetime64[ns]").astype("int64")
    # Latest release among the earlier spells of the same person: cumulative max within person
    # (persons are contiguous after the sort), shifted by one spell.
    first = np.r_[True, person[1:] != person[:-1]]
    start = np.maximum.accumulate(np.where(first, np.arange(len(person)), 0))
    cummax = pd.Series(release).groupby(person).cummax().to_numpy()
    prev_max = np.r_[np.iinfo("int64").min, cummax[:-1]]
    prev_max[first] = np.iinfo("int64").min
    bad = admission < prev_max
    # The source row of the earlier spell that holds that latest release (for the message).
    holder = np.where(release == cummax, np.arange(len(person)), -1)
    holder = np.maximum.accumulate(np.where(first, np.maximum(holder, start), holder))
    prev_holder = np.r_[0, holder[:-1]]
    rows = s.index.to_numpy()
    with_row = rows[prev_holder]
    if not bad.any():
        return []
    flagged = s.index[bad]
    with_row = with_row[bad]
    return [problems_frame(
        file=file, table=TABLE_CUSTODY_SPELLS, column="admission_date", source_rows=flagged,
        values=spells.loc[flagged, "admission_date"], check="overlapping_spell",
        message=[f"custody spell overlaps an earlier spell of the same person (source row {r})" for r in with_row],
        hint="a person can be in one custody spell at a time: merge the spells or correct the dates",
    )]
