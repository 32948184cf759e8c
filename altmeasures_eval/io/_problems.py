"""The table of validation problems and its readable rendering.

Every check in :mod:`altmeasures_eval.io` reports into one long table, one row per failing cell
(or per table-level failure), with the columns of :data:`PROBLEM_COLUMNS`. Identifier values never
enter it: the ``value`` of an identifier column is replaced by :data:`WITHHELD`, and the source row
says where to look.
"""

from __future__ import annotations

from typing import Final, NamedTuple

import numpy as np
import pandas as pd

from altmeasures_eval.schema import IDENTIFIER_COLUMNS

class ValidationProblem(NamedTuple):
    """One row of a validation-problem table (``problems.itertuples(index=False)`` yields these).

    Attributes
    ----------
    file : str or None
        File, sheet (``book.xlsx!cases``) or SQL table the row was read from.
    table, column : str or None
        Contract table and column (``None`` for problems of a whole table or source).
    source_row : int or None
        Line number in a CSV file, sheet row, Parquet row (from 1) or SQLite rowid.
    value : str or None
        The value as written in the source; identifiers are replaced by :data:`WITHHELD`.
    check : str
        Name of the failed rule (see ``docs/data-contract.md``, "Validation").
    message, hint : str
        What is wrong, and what to do about it.
    """

    file: str | None
    table: str | None
    column: str | None
    source_row: int | None
    value: str | None
    check: str
    message: str
    hint: str


#: Columns of a validation-problem table.
PROBLEM_COLUMNS: Final = ValidationProblem._fields
#: What the ``value`` of an identifier column says instead of the identifier.
WITHHELD: Final = "value withheld (identifier)"


def empty_problems() -> pd.DataFrame:
    """An empty problem table with the right columns (``source_row`` as nullable ``Int64``)."""
    out = pd.DataFrame({c: pd.Series(dtype=object) for c in PROBLEM_COLUMNS})
    out["source_row"] = out["source_row"].astype("Int64")
    return out


def _show(values: pd.Series | np.ndarray | list, column: str | None) -> pd.Series:
    values = pd.Series(values, dtype=object).reset_index(drop=True)
    if column in IDENTIFIER_COLUMNS:
        return pd.Series(np.where(values.isna(), None, WITHHELD), dtype=object)
    out = values.map(lambda v: None if _is_missing(v) else _text(v))
    return out.astype(object)


def _is_missing(v: object) -> bool:
    try:
        return bool(pd.isna(v))
    except (TypeError, ValueError):
        return False


def _text(v: object) -> str:
    if isinstance(v, pd.Timestamp):
        return v.date().isoformat() if v == v.normalize() else v.isoformat()
    return str(v)


def problems_frame(
    *,
    file: str | None,
    table: str | None,
    column: str | None,
    source_rows: pd.Series | np.ndarray | list | None,
    values: pd.Series | np.ndarray | list | None,
    check: str,
    message: str | pd.Series | list,
    hint: str,
) -> pd.DataFrame:
    """Problems of one check: one row per source row (or one table-level row when ``source_rows``
    is ``None``). ``values`` are shown as text; identifier values are withheld."""
    if source_rows is None:
        n = 1
        rows = pd.array([pd.NA], dtype="Int64")
        shown = _show([values], column)
    else:
        rows = pd.array(np.asarray(source_rows, dtype="int64"), dtype="Int64")
        n = len(rows)
        shown = _show(values if values is not None else [None] * n, column)
    msg = list(message) if isinstance(message, (pd.Series, list)) else [message] * n
    return pd.DataFrame(
        {
            "file": [file] * n,
            "table": [table] * n,
            "column": [column] * n,
            "source_row": rows,
            "value": list(shown),
            "check": [check] * n,
            "message": msg,
            "hint": [hint] * n,
        }
    )


def concat_problems(parts: list[pd.DataFrame]) -> pd.DataFrame:
    """Concatenate problem tables, ordered by table, source row and column."""
    parts = [p for p in parts if len(p)]
    if not parts:
        return empty_problems()
    out = pd.concat(parts, ignore_index=True)
    out["source_row"] = out["source_row"].astype("Int64")
    return out.reset_index(drop=True)


def format_problems(problems: pd.DataFrame, max_rows_per_check: int = 5) -> str:
    """A readable report: problems grouped by file, table, column and check, with counts.

    Each group shows up to ``max_rows_per_check`` example rows and values, and the hint; unmapped
    codes and other value-level problems also list each distinct value with its count.
    """
    if problems.empty:
        return "No problems found."
    lines = [f"{len(problems):,} problem(s) found:"]
    keys = ["file", "table", "column", "check"]
    grouped = problems.fillna({"file": "", "table": "", "column": ""}).groupby(keys, sort=False)
    for (file, table, column, check), group in grouped:
        where = ".".join(x for x in (table, column) if x) or "data set"
        src = f" [{file}]" if file else ""
        lines.append(f"\n* {where}{src}: {check} — {len(group):,} row(s)")
        lines.append(f"  {group['message'].iloc[0]}")
        rows = group["source_row"].dropna()
        if len(rows):
            examples = ", ".join(str(int(r)) for r in rows.iloc[:max_rows_per_check])
            more = f" (and {len(rows) - max_rows_per_check:,} more)" if len(rows) > max_rows_per_check else ""
            lines.append(f"  source rows: {examples}{more}")
        values = group["value"].dropna()
        if len(values) and values.iloc[0] != WITHHELD:
            counts = values.value_counts()
            shown = ", ".join(f"{v!r} ×{c:,}" for v, c in counts.iloc[:10].items())
            more = f" (and {len(counts) - 10:,} more distinct)" if len(counts) > 10 else ""
            lines.append(f"  values: {shown}{more}")
        elif len(values):
            lines.append(f"  values: {WITHHELD}")
        if group["hint"].iloc[0]:
            lines.append(f"  what to do: {group['hint'].iloc[0]}")
    return "\n".join(lines)
