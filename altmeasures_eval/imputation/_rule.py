"""``[design] missing``: the one rule for covariates with missing values, used by the API and the pipeline."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from altmeasures_eval._errors import ConfigError

__all__ = ["MISSING_RULES", "apply_missing_rule"]

#: The choices of ``[design] missing``.
MISSING_RULES = ("impute", "indicator", "complete_case", "stop")


def _is_categorical(col: pd.Series) -> bool:
    return col.dtype == object or isinstance(col.dtype, pd.CategoricalDtype) or pd.api.types.is_bool_dtype(col)


def apply_missing_rule(data: pd.DataFrame, covariates: Sequence[str], rule: str = "impute"
                       ) -> tuple[pd.DataFrame, tuple[str, ...], list[str], int]:
    """Apply ``[design] missing`` to the covariates of one data set.

    Parameters
    ----------
    data : pandas.DataFrame
    covariates : sequence of str
    rule : {"impute", "indicator", "complete_case", "stop"}
        ``impute``: nothing is filled here; the data must already be a completed data set of a
        multiple imputation (:func:`impute_chained`), else a ``ConfigError`` says so.
        ``indicator``: a missing category becomes the level ``unknown``; a missing number takes the
        observed mean and a 0/1 column ``<covariate>_missing`` joins the covariates (biased for
        confounders in general; kept for comparison). ``complete_case``: people with any missing
        covariate are removed (count returned for the attrition table). ``stop``: an error naming
        every incomplete covariate.

    Returns
    -------
    data : pandas.DataFrame
    covariates : tuple of str
        Covariates after the rule (``indicator`` adds ``<covariate>_missing`` columns).
    notes : list of str
    removed : int
        Rows removed (``complete_case`` only).

    Raises
    ------
    ConfigError
        Under ``stop`` (or ``impute`` on incomplete data), naming each covariate and its count.
    """
    if rule not in MISSING_RULES:
        raise ConfigError(f"[design] missing = {rule!r}; use one of {list(MISSING_RULES)}")
    covs = [c for c in covariates if c in data.columns]
    counts = {c: int(data[c].isna().sum()) for c in covs}
    incomplete = {c: k for c, k in counts.items() if k}
    if not incomplete:
        return data, tuple(covariates), [], 0
    listing = ", ".join(f"{c} ({k:,} missing)" for c, k in incomplete.items())
    if rule == "stop":
        raise ConfigError(f"[design] covariates have missing values: {listing}. Set [design] missing = \"impute\" "
                          "(multiple imputation, the default), \"complete_case\" or \"indicator\", or remove them "
                          "from [design] covariates")
    if rule == "impute":
        raise ConfigError(f"[design] missing = \"impute\" but this data set still has missing values: {listing}. "
                          "Impute first (altmeasures_eval.imputation.impute_chained, or run_evaluation, which "
                          "imputes and pools) and build the design in each completed data set")
    if rule == "complete_case":
        keep = data[list(incomplete)].notna().all(axis=1)
        removed = int((~keep).sum())
        return (data[keep], tuple(covariates),
                [f"complete-case analysis: {removed:,} people with a missing covariate ({listing}) were left out; "
                 "the estimate describes people with complete records only"], removed)
    fill: dict[str, pd.Series] = {}
    extra: list[str] = []
    for c in incomplete:
        col = data[c]
        if _is_categorical(col):
            fill[c] = col.astype(object).where(col.notna(), "unknown")
        else:
            fill[c] = col.fillna(float(np.nanmean(col.to_numpy(float))))
            fill[f"{c}_missing"] = col.isna().astype("int8")
            extra.append(f"{c}_missing")
    out = data.assign(**fill)
    return (out, tuple([*covariates, *extra]),
            [f"missing-indicator method: {listing}; a missing category is the level 'unknown', a missing number "
             "its observed mean with a 0/1 indicator (biased when the covariate confounds; see "
             "docs/methods/imputation.md)"], 0)
