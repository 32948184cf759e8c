"""Input checks and design matrices shared by the propensity, weighting and balance code."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from altmeasures_eval._errors import DataContractError

__all__: list[str] = []


def _first_bad_row(mask: np.ndarray, index: pd.Index) -> object:
    return index[int(np.flatnonzero(mask)[0])]


def check_columns(data: pd.DataFrame, columns: Sequence[str], what: str = "data") -> None:
    """Raise :class:`DataContractError` naming every column of ``columns`` missing from ``data``."""
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"{what} must be a pandas DataFrame, got {type(data).__name__}")
    missing = [c for c in columns if c not in data.columns]
    if missing:
        raise DataContractError(
            f"{what}: column(s) {missing} not found; available columns: {list(data.columns)[:30]}. "
            "Pass the names of existing columns.",
            problems=missing,
        )


def treatment_array(data: pd.DataFrame, treatment: str, what: str = "data") -> np.ndarray:
    """The treatment column as int8 0/1, with a clear error on anything else.

    Raises
    ------
    DataContractError
        When the column holds missing values or values other than 0 and 1, or one group is empty.
    """
    check_columns(data, [treatment], what)
    col = data[treatment]
    values = pd.to_numeric(col, errors="coerce").to_numpy(dtype=float)
    bad = ~np.isin(values, (0.0, 1.0))
    if bad.any():
        row = _first_bad_row(bad, data.index)
        raise DataContractError(
            f"{what}: column {treatment!r} must be 0 (control, custody) or 1 (treated, alternative "
            f"measure); row {row!r} has {col.loc[row]!r} ({int(bad.sum())} bad rows). Recode it to 0/1 "
            "and drop rows with a missing treatment.",
            problems=[(what, treatment, row, col.loc[row])],
        )
    t = values.astype(np.int8)
    if t.min() == t.max():
        raise DataContractError(
            f"{what}: column {treatment!r} has only the value {int(t[0])}; both treated (1) and "
            "control (0) units are needed."
        )
    return t


def numeric_column(data: pd.DataFrame, column: str, what: str = "data", allow_nan: bool = False) -> np.ndarray:
    """One column as float64, with an error naming the first non-numeric or missing row."""
    check_columns(data, [column], what)
    col = data[column]
    if isinstance(col.dtype, pd.CategoricalDtype) or col.dtype == object or pd.api.types.is_string_dtype(col):
        raise DataContractError(
            f"{what}: column {column!r} must be numeric, found dtype {col.dtype}. Convert it to numbers."
        )
    values = col.to_numpy(dtype=float, na_value=np.nan)
    if not allow_nan:
        bad = ~np.isfinite(values)
        if bad.any():
            row = _first_bad_row(bad, data.index)
            raise DataContractError(
                f"{what}: column {column!r} has a missing or infinite value at row {row!r} "
                f"({int(bad.sum())} rows). Impute it, add a missing-indicator, or drop those rows first.",
                problems=[(what, column, row, col.loc[row])],
            )
    return values


def is_categorical(col: pd.Series) -> bool:
    return (
        isinstance(col.dtype, pd.CategoricalDtype)
        or col.dtype == object
        or pd.api.types.is_string_dtype(col)
    )


def covariate_frame(data: pd.DataFrame, covariates: Sequence[str], what: str = "data", drop_first: bool = True) -> pd.DataFrame:
    """Numeric covariate frame: numeric columns as float, categorical ones expanded to indicators.

    ``drop_first=True`` (for models) drops the first level of each categorical covariate;
    ``drop_first=False`` (for balance tables) keeps every level, as cobalt does.
    Missing values raise a :class:`DataContractError` naming column, row and what to do.
    """
    check_columns(data, covariates, what)
    if not len(covariates):
        raise DataContractError(f"{what}: no covariates given.")
    # columns gathered as arrays and framed once (as pandas.get_dummies names and orders them:
    # one indicator per category of the categorical dtype, used or not, "name=level")
    names: list[str] = []
    columns: list[np.ndarray] = []
    for name in covariates:
        col = data[name]
        if is_categorical(col):
            missing = col.isna().to_numpy()
            if missing.any():
                row = col.index[int(np.flatnonzero(missing)[0])]
                raise DataContractError(
                    f"{what}: categorical covariate {name!r} is missing at row {row!r} "
                    f"({int(missing.sum())} rows). Add an explicit 'unknown' level or drop those rows.",
                    problems=[(what, name, row, None)],
                )
            if isinstance(col.dtype, pd.CategoricalDtype):
                codes, levels = col.cat.codes.to_numpy(), col.cat.categories
            else:  # the categories astype("category") would give: sorted, else in order of appearance
                try:
                    codes, levels = pd.factorize(col, sort=True)
                except TypeError:
                    codes, levels = pd.factorize(col, sort=False)
            first = 1 if drop_first else 0
            for j, level in enumerate(levels[first:], start=first):
                names.append(f"{name}={level}")
                columns.append((codes == j).astype(float))
        else:
            names.append(name)
            columns.append(numeric_column(data, name, what))
    if not columns:  # categorical covariates of one level each
        return pd.DataFrame(index=data.index)
    return pd.DataFrame(np.column_stack(columns), index=data.index, columns=pd.Index(names, dtype=object))


def score_range_keep(score: np.ndarray, t: np.ndarray, discard: str) -> np.ndarray:
    """MatchIt's ``discard`` rule on a score (R/discard.R of MatchIt 4.x): True for units kept.

    The support of a group is the closed interval [min, max] of its scores. ``"both"`` keeps units
    inside the intersection of the two supports, ``"treated"`` drops treated units outside the control
    support, ``"control"`` drops control units outside the treated support, ``"none"`` keeps all.
    """
    from altmeasures_eval._errors import ConfigError

    if discard not in ("both", "treated", "control", "none"):
        raise ConfigError(f"discard must be 'both', 'treated', 'control' or 'none', got {discard!r}")
    s = np.asarray(score, dtype=float)
    keep = np.ones(len(s), dtype=bool)
    if discard == "none":
        return keep
    lo1, hi1 = s[t == 1].min(), s[t == 1].max()
    lo0, hi0 = s[t == 0].min(), s[t == 0].max()
    if discard == "both":
        return (s >= max(lo0, lo1)) & (s <= min(hi0, hi1))
    if discard == "treated":
        keep &= ~((t == 1) & ((s < lo0) | (s > hi0)))
    else:
        keep &= ~((t == 0) & ((s < lo1) | (s > hi1)))
    return keep


def aligned(values: pd.Series, index: pd.Index) -> np.ndarray:
    """``values`` in the order of ``index``: positional when the two indexes are equal (so duplicate
    labels work), else by label."""
    return values.to_numpy() if values.index.equals(index) else values.reindex(index).to_numpy()
