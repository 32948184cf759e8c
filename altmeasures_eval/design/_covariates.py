"""The covariates of the propensity model, prepared once for every design."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from altmeasures_eval._errors import ConfigError

__all__ = ["prepare_covariates"]


def prepare_covariates(data: pd.DataFrame, covariates: Sequence[str]) -> tuple[pd.DataFrame, tuple[str, ...], list[str]]:
    """The cohort ready for the propensity model, as every evaluation builds it.

    Missing categories become an explicit ``unknown`` level; a covariate with one value is left out
    (with a note); a numeric covariate with missing values is an error.

    Parameters
    ----------
    data : pandas.DataFrame
        The cohort table.
    covariates : sequence of str
        Cohort columns of the propensity model.

    Returns
    -------
    data : pandas.DataFrame
        With ``data.attrs["covariates"]`` set to the covariates kept.
    covariates : tuple of str
        The covariates kept.
    notes : list of str
        One note per covariate left out.

    Raises
    ------
    ConfigError
        A covariate that is not a cohort column, or a numeric one with missing values.
    """
    missing = [c for c in covariates if c not in data.columns]
    if missing:
        raise ConfigError(f"[design] covariates {missing} are not cohort columns")
    notes, keep = [], []
    fill = {}
    for c in covariates:
        col = data[c]
        if col.dtype == object or isinstance(col.dtype, pd.CategoricalDtype):
            if col.isna().any():
                fill[c] = col.astype(object).where(col.notna(), "unknown")
        elif col.isna().any():
            raise ConfigError(f"[design] covariate {c!r} has {int(col.isna().sum())} missing values; "
                              "drop it from [design] covariates")
        if col.nunique(dropna=False) <= 1:
            notes.append(f"covariate {c} takes one value in the cohort and was left out of the propensity model")
        else:
            keep.append(c)
    out = data.assign(**fill)
    out.attrs["covariates"] = tuple(keep)
    return out, tuple(keep), notes
