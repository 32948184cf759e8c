"""The design of an evaluation: one object that holds whom the estimate compares and whether it holds.

:func:`build_design` goes from the cohort to a :class:`Design`: comparisons by decision point
(stages where both sentences are decided), the propensity model, common support, weighting or
matching on the retained population, balance, and the :class:`DesignGate` that decides whether
effects may be published. Every later stage (effects, survival, prison, costs, report) reads the
population, the weights and the estimand from the :class:`Design`.
"""

from altmeasures_eval.design._build import Design, build_design, estimand_label
from altmeasures_eval.design._covariates import prepare_covariates
from altmeasures_eval.design._gate import COUNT_CHECKS, DesignGate, check_design, shown_beside
from altmeasures_eval.design._points import DecisionPoints, decision_points
from altmeasures_eval.design._settings import DEFAULT_COVARIATES, ESTIMANDS, METHODS, DesignSettings

__all__ = ["COUNT_CHECKS", "DEFAULT_COVARIATES", "ESTIMANDS", "METHODS", "DecisionPoints", "Design", "DesignGate",
           "DesignSettings", "build_design", "check_design", "decision_points", "estimand_label", "prepare_covariates",
           "shown_beside"]
