"""Input checks shared by the survival estimators.

Every estimator takes a generic DataFrame and column names. These helpers turn the named columns into
clean numpy arrays or raise :class:`~altmeasures_eval.DataContractError` naming the table, column,
first offending rows and values, and what to do about it.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from altmeasures_eval._errors import ConfigError, DataContractError

#: Default follow-up horizons in days (1, 2 and 3 years), as in the cohort contract.
DEFAULT_HORIZONS: tuple[int, ...] = (365, 730, 1095)

_MAX_SHOWN = 5


def plain(value: object) -> object:
    """numpy scalars as Python scalars, so that messages read ``row 12: 2.0``, not ``np.int64(12)``."""
    return value.item() if isinstance(value, np.generic) else value


def _fail(table: str, column: str, mask: np.ndarray, values: pd.Series, what: str, fix: str) -> None:
    rows = np.flatnonzero(mask)
    shown = ", ".join(f"row {plain(values.index[r])!r}: {plain(values.iloc[r])!r}" for r in rows[:_MAX_SHOWN])
    more = f" (and {rows.size - _MAX_SHOWN} more)" if rows.size > _MAX_SHOWN else ""
    problems = pd.DataFrame(
        {"table": table, "column": column, "row": values.index[rows[:1000]], "value": values.iloc[rows[:1000]].array}
    )
    raise DataContractError(
        f"table {table!r}, column {column!r}: {rows.size} row(s) {what} — {shown}{more}. {fix}", problems
    )


def require_columns(data: pd.DataFrame, columns: Sequence[str | None], table: str) -> None:
    """Raise if ``data`` is not a DataFrame or lacks any of the named (non-None) columns."""
    if not isinstance(data, pd.DataFrame):
        raise DataContractError(f"table {table!r}: expected a pandas DataFrame, got {type(data).__name__}.")
    missing = [c for c in columns if c is not None and c not in data.columns]
    if missing:
        raise DataContractError(
            f"table {table!r}: column(s) {missing} not found; available columns are {list(data.columns)}. "
            "Pass the right column names (duration=, event=, ...)."
        )
    if len(data) == 0:
        raise DataContractError(f"table {table!r} has no rows: nothing to estimate.")


def duration_array(data: pd.DataFrame, column: str, table: str) -> np.ndarray:
    """Follow-up times as float64: finite and >= 0."""
    s = data[column]
    if not (pd.api.types.is_numeric_dtype(s) or pd.api.types.is_timedelta64_dtype(s)) or pd.api.types.is_bool_dtype(s):
        raise DataContractError(
            f"table {table!r}, column {column!r}: durations must be numeric (days), got dtype {s.dtype}. "
            "Convert dates to days from the start of time at risk first."
        )
    if pd.api.types.is_timedelta64_dtype(s):
        s = s.dt.total_seconds() / 86400.0
    x = s.to_numpy(dtype="float64", na_value=np.nan)
    bad = ~np.isfinite(x) | (x < 0)
    if bad.any():
        _fail(table, column, bad, s, "are missing, infinite or negative",
              "Durations must be finite days >= 0; drop or fix those rows (NaN means not observable).")
    return x


def event_array(data: pd.DataFrame, column: str, table: str, allowed: Sequence[int] = (0, 1)) -> np.ndarray:
    """Event indicators (or event types) as int64 restricted to ``allowed``."""
    s = data[column]
    if not (pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s)):
        raise DataContractError(
            f"table {table!r}, column {column!r}: event must be coded as integers {tuple(allowed)}, got dtype {s.dtype}."
        )
    x = s.to_numpy(dtype="float64", na_value=np.nan)
    bad = ~np.isin(x, np.asarray(allowed, dtype="float64"))
    if bad.any():
        _fail(table, column, bad, s, f"are not one of {tuple(allowed)}",
              "Code events as 0 = censored, 1 = event (competing risks: 0 censored, 1, 2, ... causes).")
    return x.astype(np.int64)


def weight_array(data: pd.DataFrame, column: str | None, table: str) -> np.ndarray | None:
    """Case weights as float64, finite and >= 0 with a positive total; None if no column."""
    if column is None:
        return None
    s = data[column]
    if not pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s):
        raise DataContractError(f"table {table!r}, column {column!r}: weights must be numeric, got dtype {s.dtype}.")
    x = s.to_numpy(dtype="float64", na_value=np.nan)
    bad = ~np.isfinite(x) | (x < 0)
    if bad.any():
        _fail(table, column, bad, s, "are missing, infinite or negative",
              "Weights must be finite and >= 0 (unmatched units get weight 0 or are dropped).")
    if not x.sum() > 0:
        raise DataContractError(f"table {table!r}, column {column!r}: all weights are zero.")
    return x


def code_array(data: pd.DataFrame, column: str | None, table: str) -> tuple[np.ndarray, np.ndarray] | None:
    """Integer codes and labels of a grouping, cluster or strata column (no missing values)."""
    if column is None:
        return None
    s = data[column]
    bad = s.isna().to_numpy()
    if bad.any():
        _fail(table, column, bad, s, "are missing",
              "Every row needs a value here (e.g. give unmatched units their own cluster id, or drop them).")
    codes, labels = pd.factorize(s, sort=True)
    out = np.empty(len(labels), dtype=object)
    out[:] = [plain(x) for x in labels]
    return codes.astype(np.int64), out


def check_alpha(alpha: float) -> float:
    """``alpha`` must lie in (0, 1)."""
    if not 0 < alpha < 1:
        raise ConfigError(f"alpha must lie strictly between 0 and 1 (e.g. 0.05 for 95% intervals), got {alpha!r}.")
    return float(alpha)


def check_times(times: Sequence[float] | float, name: str = "times") -> np.ndarray:
    """Horizons: a non-empty, finite, positive sequence."""
    arr = np.atleast_1d(np.asarray(times, dtype="float64"))
    if arr.size == 0 or not np.all(np.isfinite(arr)) or np.any(arr <= 0):
        raise ConfigError(f"{name} must be positive, finite days (e.g. (365, 730, 1095)); got {times!r}.")
    return arr
