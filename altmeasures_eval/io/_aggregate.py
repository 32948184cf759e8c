"""Read the optional aggregate tables ``panel`` and ``policy`` (reform evaluation) from the same
kinds of source as the person-level tables: a folder of CSV/Parquet files or workbooks, an .xlsx
workbook, a SQLite file or a SQLAlchemy URL. Every problem is listed at once, with file, column,
source row, value and fix, as for the contract tables.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pandera.pandas as pa

from altmeasures_eval._errors import DataContractError
from altmeasures_eval.io._csv import read_csv_table
from altmeasures_eval.io._problems import concat_problems, format_problems, problems_frame
from altmeasures_eval.io._sources import (
    EXCEL_SUFFIXES,
    SQLITE_SUFFIXES,
    _excel_table,
    _read_parquet,
    _read_workbook,
    is_url,
)
from altmeasures_eval.schema import AGGREGATE_COLUMNS, AGGREGATE_MODELS, AGGREGATE_TABLES, TABLE_PANEL

__all__ = ["read_aggregate"]


def _raw_folder(folder: Path, table: str, encoding: str | None, delimiter: str | None) -> tuple[pd.DataFrame, str] | None:
    for suffix in (".csv", ".parquet"):
        path = folder / f"{table}{suffix}"
        if path.is_file():
            if suffix == ".parquet":
                return _read_parquet(path, set())[0], path.name
            frame, _, _ = read_csv_table(path, encoding=encoding, delimiter=delimiter)
            return frame, path.name
    for book in sorted(p for p in folder.iterdir() if p.suffix.lower() in EXCEL_SUFFIXES and not p.name.startswith("~$")):
        sheets = _read_workbook(book)
        if table in sheets:
            rt = _excel_table(sheets, table, table, book.name)
            return rt.frame, rt.file
    return None


def _raw_sql(url: str, table: str) -> tuple[pd.DataFrame, str] | None:
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    try:
        if table not in set(sa.inspect(engine).get_table_names()):
            return None
        with engine.connect() as conn:
            quoted = engine.dialect.identifier_preparer.quote(table)
            frame = pd.read_sql_query(sa.text(f"SELECT * FROM {quoted}"), conn)
    finally:
        engine.dispose()
    frame.index = pd.RangeIndex(1, len(frame) + 1)
    return frame, table


def _raw(source: str | Path, table: str, encoding: str | None, delimiter: str | None) -> tuple[pd.DataFrame, str] | None:
    if is_url(source):
        return _raw_sql(str(source), table)
    path = Path(source).expanduser()
    if path.is_dir():
        return _raw_folder(path, table, encoding, delimiter)
    if not path.exists():
        raise DataContractError(f"data source {path} not found: pass a folder, an .xlsx workbook, a SQLite file or a SQLAlchemy URL")
    suffix = path.suffix.lower()
    if suffix in EXCEL_SUFFIXES:
        sheets = _read_workbook(path)
        if table not in sheets:
            return None
        rt = _excel_table(sheets, table, table, path.name)
        return rt.frame, rt.file
    if suffix in SQLITE_SUFFIXES:
        return _raw_sql(f"sqlite:///{path.resolve()}", table)
    raise DataContractError(f"{path.name}: unsupported source for the {table} table; use a folder, an .xlsx workbook or a SQLite file")


def _text(col: pd.Series) -> pd.Series:
    s = col.astype(object).where(col.notna(), None)
    s = s.map(lambda v: None if v is None else (str(v).strip() or None))
    return s


def _month_text(col: pd.Series) -> pd.Series:
    """Months as ``YYYY-MM``: text as written, or a spreadsheet date turned into its month."""
    return col.map(lambda v: v.strftime("%Y-%m") if isinstance(v, pd.Timestamp) else v)


def _parse(frame: pd.DataFrame, table: str, file: str) -> tuple[pd.DataFrame, list[pd.DataFrame]]:
    problems: list[pd.DataFrame] = []
    frame = frame.rename(columns=lambda c: str(c).strip())
    fixed = AGGREGATE_COLUMNS[table]
    missing = [c for c, req in fixed.items() if req and c not in frame.columns]
    if missing:
        raise DataContractError(
            f"{file}: table {table} lacks the column(s) {', '.join(missing)} (found: {', '.join(frame.columns)}). "
            "See docs/data-contract.md, the panel and policy tables.",
            problems_frame(file=file, table=table, column=missing[0], source_rows=None, values=None,
                           check="missing_column", message=f"required column(s) {', '.join(missing)} missing",
                           hint="rename the columns to the contract names"))
    out = pd.DataFrame(index=frame.index)
    out["jurisdiction"] = _text(frame["jurisdiction"])
    months = [c for c in ("month", "adoption_month") if c in fixed]
    for c in months:
        out[c] = _month_text(_text(frame[c].astype(object)) if frame[c].dtype == object else frame[c].map(
            lambda v: v if isinstance(v, pd.Timestamp) or pd.isna(v) else str(v).strip()))
        out[c] = out[c].where(out[c].notna(), None)
    if table == TABLE_PANEL:
        outcomes = [c for c in frame.columns if c not in fixed]
        if not outcomes:
            raise DataContractError(f"{file}: the panel has no outcome column (besides jurisdiction, month, population); "
                                    "add at least one, e.g. drug_possession_admissions")
        for c in [*outcomes, *(["population"] if "population" in frame.columns else [])]:
            raw = frame[c]
            num = pd.to_numeric(raw.map(lambda v: str(v).strip().replace(",", ".") if isinstance(v, str) else v), errors="coerce")
            bad = (raw.notna() & num.isna()) | (num < 0)
            if bad.any():
                problems.append(problems_frame(file=file, table=table, column=c, source_rows=frame.index[bad.to_numpy()],
                                               values=raw[bad], check="number",
                                               message=f"{c} must be a number >= 0",
                                               hint="write counts or rates as plain numbers, empty if unknown"))
            if c == "population":
                whole = num.isna() | (num == np.round(num))
                out[c] = pd.array(np.where(whole & ~bad, num, np.nan), dtype="Float64").round().astype("Int64")
            else:
                out[c] = num.where(~bad)
    return out, problems


def read_aggregate(
    source: str | Path,
    tables: tuple[str, ...] = AGGREGATE_TABLES,
    *,
    encoding: str | None = None,
    delimiter: str | None = None,
) -> dict[str, pd.DataFrame]:
    """Read and validate the aggregate tables ``panel`` and ``policy``.

    Parameters
    ----------
    source : str or Path
        A folder (``panel.csv``/``.parquet`` or a sheet ``panel`` in a workbook there), an .xlsx
        workbook, a SQLite file or a SQLAlchemy URL.
    tables : tuple of str
        Which tables to read (each is required once asked for).
    encoding, delimiter : str, optional
        CSV options, overriding detection.

    Returns
    -------
    dict of str to pandas.DataFrame
        ``panel``: ``jurisdiction``, ``month`` (``YYYY-MM``), outcome columns (float), optional
        ``population`` (Int64); ``policy``: ``jurisdiction``, ``adoption_month`` (``YYYY-MM`` or
        ``None``). Index: the source row.

    Raises
    ------
    DataContractError
        A table is missing, a column is missing, or any cell breaks the contract (``.problems``
        lists every one: file, column, source row, value, check, message, hint).
    """
    out: dict[str, pd.DataFrame] = {}
    problems: list[pd.DataFrame] = []
    for table in tables:
        if table not in AGGREGATE_TABLES:
            raise ValueError(f"unknown aggregate table {table!r}; tables are {AGGREGATE_TABLES}")
        got = _raw(source, table, encoding, delimiter)
        if got is None:
            raise DataContractError(f"table {table} not found in {source} (looked for {table}.csv, {table}.parquet, a "
                                    f"workbook sheet or SQL table {table}); see docs/data-contract.md")
        frame, file = got
        parsed, found = _parse(frame, table, file)
        problems += found
        try:
            AGGREGATE_MODELS[table].validate(parsed, lazy=True)
        except pa.errors.SchemaErrors as exc:
            for (column, check), g in exc.failure_cases.groupby(["column", "check"], sort=False, dropna=False):
                rows = pd.to_numeric(g["index"], errors="coerce")
                problems.append(problems_frame(
                    file=file, table=table, column=str(column),
                    source_rows=rows.dropna().astype("int64") if rows.notna().any() else None,
                    values=g["failure_case"][rows.notna()] if rows.notna().any() else str(g["failure_case"].iloc[0]),
                    check=str(check), message=f"{column} fails {check}",
                    hint="months are written YYYY-MM; a jurisdiction appears once in policy; required cells are filled"))
        key = ["jurisdiction", "month"] if table == TABLE_PANEL else ["jurisdiction"]
        dup = parsed.duplicated(key, keep=False) & parsed[key].notna().all(axis=1)
        if dup.any() and table == TABLE_PANEL:
            problems.append(problems_frame(file=file, table=table, column="month", source_rows=parsed.index[dup.to_numpy()],
                                           values=parsed.loc[dup, "month"], check="unique_key",
                                           message="jurisdiction and month repeat another row",
                                           hint="keep one row per jurisdiction and month"))
        out[table] = parsed
    if problems:
        table = concat_problems(problems)
        raise DataContractError(f"{source}: the aggregate tables break the contract.\n{format_problems(table)}", table)
    return {t: f.sort_values([c for c in ("jurisdiction", "month") if c in f.columns], kind="stable")
            for t, f in out.items()}
