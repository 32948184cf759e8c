"""Survival analysis of time to reoffence: Kaplan-Meier, log-rank, Cox, RMST, competing risks.

Every function takes a DataFrame and column names (``duration``, ``event``, ``group``/``treatment``,
``weights``, ``cluster``, ``strata``), so it works on the cohort table (``time_reoffend``,
``event_reoffend``, ``event_type``, ``treatment``) and on any other data. Results are immutable
objects with a tidy ``summary`` (estimate, se, ci_low, ci_high, p_value, n), a ``variance`` string
naming the variance estimator and ``notes``. Plots are in :mod:`altmeasures_eval.plotting`.
"""

from altmeasures_eval.survival._bootstrap import BootstrapResult, bootstrap
from altmeasures_eval.survival._cif_contrast import cumulative_incidence_difference
from altmeasures_eval.survival._competing import CumulativeIncidenceResult, cause_specific_cox, cumulative_incidence
from altmeasures_eval.survival._contrast import ContrastResult, risk_difference, rmst
from altmeasures_eval.survival._cox import CoxResult, PHTestResult, cox_ph, hazard_ratio
from altmeasures_eval.survival._effects import TimeToEventEffects, time_to_event_effects
from altmeasures_eval.survival._km import KaplanMeierResult, kaplan_meier
from altmeasures_eval.survival._logrank import LogRankResult, logrank_test
from altmeasures_eval.survival._results import SUMMARY_COLUMNS, SurvivalResult
from altmeasures_eval.survival._validate import DEFAULT_HORIZONS

__all__ = [
    "DEFAULT_HORIZONS",
    "SUMMARY_COLUMNS",
    "BootstrapResult",
    "ContrastResult",
    "CoxResult",
    "CumulativeIncidenceResult",
    "KaplanMeierResult",
    "LogRankResult",
    "PHTestResult",
    "SurvivalResult",
    "TimeToEventEffects",
    "bootstrap",
    "cause_specific_cox",
    "cox_ph",
    "cumulative_incidence",
    "cumulative_incidence_difference",
    "hazard_ratio",
    "kaplan_meier",
    "logrank_test",
    "risk_difference",
    "rmst",
    "time_to_event_effects",
]
