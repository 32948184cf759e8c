"""Translate a raw table into the contract: mapping, privacy guard, columns, canonical dtypes.

Every value that cannot be read as its contract type (a date that is not a date, a year that is not
a whole number, a local code the mapping does not list) becomes a problem row with the value as
written in the source; the parsed cell is left empty so that later checks still run on the rest.
"""

from __future__ import annotations

import datetime as _dt
from typing import Final

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from altmeasures_eval import privacy
from altmeasures_eval.io._mapping import TableMapping, apply_codes
from altmeasures_eval.io._problems import problems_frame
from altmeasures_eval.io._sources import RawTable
from altmeasures_eval.schema import DATE_COLUMNS, TABLE_COLUMNS, TABLE_PRISON_CAPACITY

#: Nullable integer columns by table.
INTEGER_COLUMNS: Final[dict[str, tuple[str, ...]]] = {
    "persons": ("birth_year",),
    "cases": ("measure_days",),
    TABLE_PRISON_CAPACITY: ("capacity", "population"),
}
#: Nullable boolean columns by table.
BOOLEAN_COLUMNS: Final[dict[str, tuple[str, ...]]] = {"treatment_episodes": ("completed",)}
_TRUE: Final = ("true", "1", "yes")
_FALSE: Final = ("false", "0", "no")
ISO_DATE: Final = "%Y-%m-%d"
#: Largest whole number read exactly (2**53: the last integer a float64 holds without rounding).
MAX_EXACT_INTEGER: Final = 2**53
#: (check, message, hint) of each parse failure.
_PARSE_PROBLEMS: Final = {
    "date": (
        "date_format",
        "not a valid date in the format {fmt}",
        "write dates as YYYY-MM-DD, or declare the source's format with date_format in [tables.{table}]",
    ),
    "integer": (
        "integer",
        "not a whole number (or beyond ±9,007,199,254,740,992, too large to be a count, a year or days)",
        "write whole numbers without decimals or thousands separators; leave empty if unknown",
    ),
    "boolean": (
        "boolean",
        "not true or false",
        "write true or false (or 1/0, yes/no); leave empty if unknown, or map local words in "
        "[tables.{table}.codes.{column}]",
    ),
}


class TableLevelProblems(Exception):
    """Problems that make a table unreadable as a whole (missing or unknown columns)."""

    def __init__(self, problems: pd.DataFrame) -> None:
        super().__init__("table-level problems")
        self.problems = problems


def apply_mapping(raw: RawTable, tm: TableMapping) -> pd.DataFrame:
    """Rename, call the privacy guard, drop; then check the column set.

    Returns the renamed frame (contract column names, source values; codes are translated later,
    by :func:`parse_table`). Raises :class:`TableLevelProblems` for missing required columns,
    unknown columns, names mapped twice and dropped columns the source lacks, all listed at once;
    the guard raises :class:`~altmeasures_eval.PrivacyError`.
    """
    frame = raw.frame
    drop_missing = [c for c in tm.drop if c not in frame.columns]
    # Rename without copying the data (millions of rows): a new frame over the same columns.
    renamed = frame.set_axis([tm.columns.get(c, c) for c in frame.columns], axis=1, copy=False)
    # The guard judges column names and every value (issue #13: a sample missed an e-mail address
    # held by two people); it checks each distinct value once, so it stays fast on millions of rows.
    privacy.guard_direct_identifiers(
        renamed, table=raw.table, source=raw.file, dropped=[tm.columns.get(c, c) for c in tm.drop]
    )
    if tm.drop:
        renamed = renamed.drop(columns=[tm.columns.get(c, c) for c in tm.drop if c in frame.columns])
    contract = TABLE_COLUMNS[raw.table]
    parts = []
    dupes = renamed.columns[renamed.columns.duplicated()].unique()
    for col in dupes:
        parts.append(problems_frame(
            file=raw.file, table=raw.table, column=col, source_rows=None, values=None,
            check="duplicate_column",
            message=f"two source columns become {raw.table}.{col}",
            hint="map exactly one source column to each contract column in [tables.%s.columns]" % raw.table,
        ))
    for col in drop_missing:
        parts.append(problems_frame(
            file=raw.file, table=raw.table, column=col, source_rows=None, values=None,
            check="drop_unknown_column",
            message=f"the mapping drops column {col!r}, which the source does not have",
            hint=f"remove {col!r} from [tables.{raw.table}] drop, or check the column name",
        ))
    for col, required in contract.items():
        if required and col not in renamed.columns:
            parts.append(problems_frame(
                file=raw.file, table=raw.table, column=col, source_rows=None, values=None,
                check="missing_column",
                message=f"required column {raw.table}.{col} is missing (source columns: {list(frame.columns)})",
                hint=f"add the column, or map the source's column to it in [tables.{raw.table}.columns]",
            ))
    for col in renamed.columns:
        if col not in contract:
            parts.append(problems_frame(
                file=raw.file, table=raw.table, column=col, source_rows=None, values=None,
                check="unknown_column",
                message=f"column {col!r} is not part of {raw.table} in the data contract",
                hint=(
                    f"map it to a contract column in [tables.{raw.table}.columns], or drop it "
                    f"explicitly with [tables.{raw.table}] drop = [\"{col}\"]"
                ),
            ))
    if parts:
        raise TableLevelProblems(pd.concat(parts, ignore_index=True))
    return renamed


def _text(col: pd.Series) -> pd.Series:
    """Canonical text: ``str`` or ``None``; numbers written without a spurious ``.0``."""
    if pd.api.types.is_float_dtype(col.dtype):
        ints = col.notna() & (col % 1 == 0)
        out = col.astype(object)
        out[ints] = col[ints].astype("int64").astype(str)
        out[col.notna() & ~ints] = col[col.notna() & ~ints].astype(str)
        return out.where(col.notna(), None)
    if pd.api.types.is_integer_dtype(col.dtype) or pd.api.types.is_bool_dtype(col.dtype):
        return col.astype(str).astype(object).where(col.notna(), None)
    if pd.api.types.is_datetime64_any_dtype(col.dtype):
        return col.dt.strftime(ISO_DATE).astype(object).where(col.notna(), None)
    if col.dtype == object and pd.api.types.infer_dtype(col, skipna=True) in ("string", "empty"):
        return _clean_strings(col)
    # Mixed cells (Excel, SQL): numbers become text, whole floats without their ".0".
    col = col.map(_cell_text, na_action="ignore").astype(object)
    return _clean_strings(col.where(col.notna(), None))


#: The characters ``str.strip()`` removes (those for which ``str.isspace()`` is true; pinned by
#: tests/io/test_readers.py), for Arrow's ``utf8_trim``.
_PY_WHITESPACE: Final = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006"
    "\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)


def _stripped(col: pd.Series, empty_missing: bool = False) -> pd.Series:
    """``str`` cells stripped as ``str.strip()`` does, other cells kept; missing cells ``None``
    (and cells left empty, with ``empty_missing``).

    In Arrow (C++) when every present cell is a ``str``; cell by cell otherwise (mixed cells from
    Excel or SQL, or text Arrow cannot hold).
    """
    arr = None
    if pd.api.types.infer_dtype(col, skipna=True) in ("string", "empty"):
        try:
            arr = pa.array(col.to_numpy(dtype=object), type=pa.string(), from_pandas=True)
        except (pa.ArrowException, UnicodeError):  # e.g. a lone surrogate
            pass
    if arr is None:
        out = col.map(lambda v: v.strip() if isinstance(v, str) else v, na_action="ignore")
        out = out.where(out.notna(), None)
        return out.where(out != "", None) if empty_missing else out
    trimmed = pc.utf8_trim(arr, characters=_PY_WHITESPACE)
    if empty_missing:
        trimmed = pc.if_else(pc.equal(trimmed, ""), pa.scalar(None, pa.string()), trimmed)
    return pd.Series(trimmed.to_numpy(zero_copy_only=False), index=col.index, dtype=object)


def _cell_text(v: object) -> object:
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return v if isinstance(v, str) else str(v)


def _clean_strings(col: pd.Series) -> pd.Series:
    """Strip surrounding whitespace; empty strings become missing. Column of ``str``/``None``.

    Done in Arrow (C++), and the input is returned untouched when already clean: on millions of
    rows from a Parquet file that is the common case and costs one pass.
    """
    if not len(col):
        return col.astype(object)
    arr = pa.array(col.to_numpy(dtype=object), type=pa.string(), from_pandas=True)
    trimmed = pc.utf8_trim_whitespace(arr)
    if not pc.any(pc.not_equal(arr, trimmed)).as_py() and not pc.any(pc.equal(trimmed, "")).as_py():
        return col.where(col.notna(), None) if arr.null_count else col  # NaN -> None
    cleaned = pc.if_else(pc.equal(trimmed, ""), pa.scalar(None, pa.string()), trimmed)
    return pd.Series(cleaned.to_numpy(zero_copy_only=False), index=col.index, dtype=object)


def parse_table(
    frame: pd.DataFrame, table: str, file: str, tm: TableMapping, clean: frozenset[str] = frozenset()
) -> tuple[pd.DataFrame, list[pd.DataFrame]]:
    """Convert a renamed frame to canonical dtypes; problems for every value that does not parse.

    ``clean`` names (contract names) text columns the reader already made canonical. The result
    has every contract column in contract order (optional ones added empty) and keeps the
    source-row index.
    """
    out: dict[str, pd.Series] = {}
    problems: list[pd.DataFrame] = []
    dates = DATE_COLUMNS.get(table, ())
    ints = INTEGER_COLUMNS.get(table, ())
    bools = BOOLEAN_COLUMNS.get(table, ())
    for col in TABLE_COLUMNS[table]:
        if col not in frame.columns:
            out[col] = _empty(col, dates, ints, bools, frame.index)
            continue
        raw = frame[col]
        if col in tm.codes:
            mapped, unmapped = apply_codes(raw, tm.codes[col])
            if unmapped.any():
                bad = raw[unmapped]
                counts = bad.astype(str).str.strip().value_counts()
                problems.append(problems_frame(
                    file=file, table=table, column=col, source_rows=bad.index, values=bad,
                    check="unmapped_code",
                    message=bad.astype(str).str.strip().map(
                        lambda v: f"local code {v!r} ({counts[v]:,} row(s)) has no entry in the mapping"
                    ).tolist(),
                    hint=f"add the code under [tables.{table}.codes.{col}] with its contract code",
                ))
            raw = mapped
        kind = "date" if col in dates else "integer" if col in ints else "boolean" if col in bools else None
        if kind is not None:
            fmt = tm.date_format or ISO_DATE
            parsed, bad = _dates(raw, fmt) if kind == "date" else _integers(raw) if kind == "integer" else _booleans(raw)
            if bad.any():
                check, message, hint = _PARSE_PROBLEMS[kind]
                problems.append(problems_frame(
                    file=file, table=table, column=col, source_rows=raw.index[bad], values=raw[bad],
                    check=check, message=message.format(fmt=fmt), hint=hint.format(table=table, column=col),
                ))
            out[col] = parsed
        elif col == "month":
            # A spreadsheet may hold the month as a date: keep its year and month.
            as_month = raw.map(lambda v: v.strftime("%Y-%m") if isinstance(v, (pd.Timestamp, _dt.date)) else v)
            out[col] = _text(as_month.astype(object))
        elif col in clean and col not in tm.codes:
            out[col] = raw
        else:
            out[col] = _text(raw)
    return pd.DataFrame(out, index=frame.index), problems


def _empty(col: str, dates: tuple, ints: tuple, bools: tuple, index: pd.Index) -> pd.Series:
    if col in dates:
        return pd.Series(pd.NaT, index=index, dtype="datetime64[ns]")
    if col in ints:
        return pd.Series(pd.NA, index=index, dtype="Int64")
    if col in bools:
        return pd.Series(pd.NA, index=index, dtype="boolean")
    return pd.Series(None, index=index, dtype=object)


def _dates(raw: pd.Series, fmt: str) -> tuple[pd.Series, np.ndarray]:
    if pd.api.types.is_datetime64_any_dtype(raw.dtype):
        parsed = raw.dt.tz_localize(None) if getattr(raw.dt, "tz", None) is not None else raw
        return parsed.astype("datetime64[ns]"), np.zeros(len(raw), bool)
    text = raw if raw.dtype == object else _text(raw)
    if text.dtype == object:
        text = _stripped(text, empty_missing=True)
    parsed = pd.to_datetime(text, format=fmt, errors="coerce")
    if pd.api.types.is_datetime64_any_dtype(parsed.dtype) and getattr(parsed.dt, "tz", None) is not None:
        parsed = parsed.dt.tz_localize(None)
    parsed = parsed.astype("datetime64[ns]")
    bad = (text.notna() & parsed.isna()).to_numpy()
    return parsed, bad


def _integers(raw: pd.Series) -> tuple[pd.Series, np.ndarray]:
    if pd.api.types.is_integer_dtype(raw.dtype) and not (
            pd.api.types.is_unsigned_integer_dtype(raw.dtype) and len(raw) and raw.max() > MAX_EXACT_INTEGER):
        return raw.astype("Int64"), np.zeros(len(raw), bool)
    text = raw.astype(object).where(raw.notna(), None)
    num = pd.to_numeric(_stripped(text), errors="coerce").astype("float64").to_numpy()
    # beyond 2**53 a float no longer holds every whole number, and beyond 2**63 int64 wraps round
    # (2**64 + 100 became -9223372036854775808): such values are problems shown as written
    with np.errstate(invalid="ignore"):
        whole = ~np.isnan(num) & (num % 1 == 0) & (np.abs(num) <= MAX_EXACT_INTEGER)
    bad = text.notna().to_numpy() & ~whole
    # built from its data and mask (as pd.NA then whole values assigned: 1 under the mask)
    out = pd.arrays.IntegerArray(np.where(whole, num, 1.0).astype(np.int64), ~whole)
    return pd.Series(out, index=raw.index), bad


def _booleans(raw: pd.Series) -> tuple[pd.Series, np.ndarray]:
    if pd.api.types.is_bool_dtype(raw.dtype):
        return raw.astype("boolean"), np.zeros(len(raw), bool)
    text = _text(raw)
    low = text.str.lower() if len(text) else text
    true, false = low.isin(_TRUE).to_numpy(), low.isin(_FALSE).to_numpy()
    out = pd.Series(pd.arrays.BooleanArray(true, ~(true | false)), index=raw.index)  # missing unless a word
    bad = text.notna().to_numpy() & ~(true | false)
    return out, bad
