"""The covariates of the propensity model, prepared once for every design."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from altmeasures_eval._errors import ConfigError

__all__ = ["prepare_covariates"]


def prepare_covariates(data: pd.DataFrame, covariates: Sequence[str],
                       missing: str = "indicator") -> tuple[pd.DataFrame, tuple[str, ...], list[str]]:
    """The cohort ready for the propensity model, as every evaluation builds it.

    Missing values are handled by ``[design] missing``
    (:func:`altmeasures_eval.imputation.apply_missing_rule`, the one rule); a covariate with one
    value is left out (with a note).

    Parameters
    ----------
    data : pandas.DataFrame
        The cohort table.
    covariates : sequence of str
        Cohort columns of the propensity model.
    missing : {"indicator", "impute", "complete_case", "stop"}, default "indicator"
        The rule for missing values; under ``impute`` the data must be a completed data set.

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
        A covariate that is not a cohort column, or missing values the rule does not accept.
    """
    from altmeasures_eval.imputation import apply_missing_rule

    absent = [c for c in covariates if c not in data.columns]
    if absent:
        raise ConfigError(f"[design] covariates {absent} are not cohort columns")
    out, covariates, notes, _ = apply_missing_rule(data, covariates, missing)
    keep = []
    for c in covariates:
        if out[c].nunique(dropna=False) <= 1:
            notes.append(f"covariate {c} takes one value in the cohort and was left out of the propensity model")
        else:
            keep.append(c)
    out = out.copy() if out is data else out
    out.attrs["covariates"] = tuple(keep)
    return out, tuple(keep), notes
