"""The design of an evaluation: one object that holds whom the estimate compares and whether it holds.

:func:`build_design` goes from the cohort to a :class:`Design`: comparisons by decision point
(stages where both sentences are decided), the propensity model, common support, weighting or
matching on the retained population, balance, and the :class:`DesignGate` that decides whether
effects may be published. Every later stage (effects, survival, prison, costs, report) reads the
population, the weights and the estimand from the :class:`Design`. With missing covariates imputed,
:func:`imputed_designs` builds it in each completed data set, :func:`pooled_design` pools its balance
and gate, and :func:`imputed_effects` pools the effects by Rubin's rules.
"""

from altmeasures_eval.design._build import Design, build_design, estimand_label
from altmeasures_eval.design._covariates import prepare_covariates
from altmeasures_eval.design._gate import COUNT_CHECKS, DesignGate, check_design, shown_beside
from altmeasures_eval.design._imputed import (
    MissingDataAnalysis,
    balance_by_imputation,
    imputed_designs,
    imputed_effects,
    no_imputation,
    pool_effects,
    pooled_design,
)
from altmeasures_eval.design._points import DecisionPoints, decision_points
from altmeasures_eval.design._settings import DEFAULT_COVARIATES, ESTIMANDS, METHODS, DesignSettings

__all__ = ["COUNT_CHECKS", "DEFAULT_COVARIATES", "ESTIMANDS", "METHODS", "DecisionPoints", "Design", "DesignGate",
           "DesignSettings", "MissingDataAnalysis", "balance_by_imputation", "build_design", "check_design",
           "decision_points", "estimand_label", "imputed_designs", "imputed_effects", "no_imputation", "pool_effects",
           "pooled_design", "prepare_covariates", "shown_beside"]
