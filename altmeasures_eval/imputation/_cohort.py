"""The imputation of an evaluation cohort: which columns enter the imputation model.

The design is then built in each completed data set and every effect pooled by Rubin's rules
(:func:`altmeasures_eval.design.imputed_designs`, :func:`altmeasures_eval.design.imputed_effects`).
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from altmeasures_eval.imputation._mice import ImputedData, impute_chained

__all__ = ["impute_cohort"]


def impute_cohort(data: pd.DataFrame, covariates: Sequence[str], *, m: int = 20,
                  horizons: Sequence[int] | None = None, random_state: int | None = None) -> ImputedData | None:
    """Impute the design covariates of a cohort, or ``None`` when none is missing.

    The imputation model holds every design covariate, the treatment, the proven-reoffending
    indicators at each horizon, and the event indicator and Nelson-Aalen cumulative hazard of the
    time to first reoffence (``time_reoffend``, ``event_reoffend``) when the cohort has them.
    ``horizons`` default: every ``reoffend_<h>`` column. ``build_design`` calls it under
    ``[design] missing = "impute"``.
    """
    covs = [c for c in covariates if c in data.columns]
    if not any(data[c].isna().any() for c in covs):
        return None
    if horizons is None:  # every reoffend_<h> column of the cohort
        horizons = sorted(int(c.rsplit("_", 1)[1]) for c in data.columns
                          if str(c).startswith("reoffend_") and str(c).rsplit("_", 1)[1].isdigit())
    aux = ["treatment", *(f"reoffend_{h}" for h in horizons if f"reoffend_{h}" in data.columns)]
    tte = "time_reoffend" in data.columns and "event_reoffend" in data.columns
    return impute_chained(data, covs, auxiliary=aux, duration="time_reoffend" if tte else None,
                          event="event_reoffend" if tte else None, m=m, random_state=random_state)
