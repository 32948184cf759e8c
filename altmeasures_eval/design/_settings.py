"""``[design]``: the settings of the design (propensity model, common support, weighting or matching,
the gate's thresholds, missing covariates).

They live with the design that reads them; :class:`altmeasures_eval.evaluation.EvaluationSpec` holds
them as its ``design`` section, and every key is checked with the one config checker
(:mod:`altmeasures_eval._checker`).
"""

from __future__ import annotations

from dataclasses import dataclass

from altmeasures_eval._checker import check_choice, check_number, check_strings
from altmeasures_eval._errors import ConfigError

__all__ = ["DEFAULT_COVARIATES", "ESTIMANDS", "METHODS", "DesignSettings"]

#: Covariates of the default propensity model (cohort interface names; measured before the index).
DEFAULT_COVARIATES: tuple[str, ...] = (
    "age", "sex", "jurisdiction", "substance", "stage", "prior_proven", "prior_drug",
    "prior_violent", "prior_custody_spells", "prior_bed_days", "prior_treatment_episodes", "has_prior",
)

METHODS = ("ipw", "overlap", "entropy", "matching")
ESTIMANDS = ("ATT", "ATC", "ATE")


@dataclass(frozen=True)
class DesignSettings:
    """``[design]``: how the comparison group is made comparable.

    Attributes
    ----------
    method : {"ipw", "overlap", "entropy", "matching"}
        Inverse-probability weighting on a logistic propensity score, overlap weights, entropy
        balancing, or nearest-neighbour matching on the logit of the score.
    estimand : {"ATT", "ATC", "ATE"}
        ATT: effect for those given an alternative; ATC: for those sent to custody; ATE: for all.
    covariates : tuple of str
        Cohort covariates of the propensity model (pre-index only).
    caliper, ratio, replace
        Matching only: caliper in SD of the logit score (0 = none), controls per treated unit, and
        matching with replacement.
    trim : float
        IPW only: propensity scores are bounded to ``[trim, 1 - trim]`` (0 = no trimming).
    balance_threshold : float
        Largest ``|SMD|`` after adjustment the design gate accepts (above it, a covariate counts
        as imbalanced and no effect is published).
    decision_points : {"comparable", "all"}
        ``comparable`` (default): stages of the process at which only one group occurs (police or
        pre-trial diversion, where custody is never decided) are described but left out of the
        effect, with their count in the attrition flow; ``all`` keeps them.
    common_support : {"restrict", "stop"}
        People outside common support (no comparable person in the other group): ``restrict``
        (default) leaves them out of the population the estimate describes, counted in the
        attrition flow; ``stop`` fails the design gate instead.
    support_rule : {"range", "crump", "none"}
        How common support is found: ``range`` (MatchIt's ``discard``: scores outside the other
        group's range, and covariate levels the other group does not hold), ``crump`` (Crump et al.
        2009: scores outside [0.1, 0.9]) or ``none``.
    penalty : {"none", "firth", "ridge"}
        Penalised propensity fit for sparse data (Firth bias reduction or ridge); ``none`` is
        maximum likelihood.
    min_ess : float
        Smallest effective sample size (Kish) of each group after adjustment the gate accepts.
    max_weight_share : float
        Largest share of a group's total weight one person may carry (gate).
    max_variance_ratio : float
        Variance ratios of continuous covariates after adjustment must lie within
        ``[1 / max_variance_ratio, max_variance_ratio]`` (gate; Rubin 2001: 0.5 to 2).
    moments : int
        Entropy balancing only: balance the means (1) or the means and variances (2).
    missing : {"impute", "indicator", "complete_case", "stop"}
        Covariates with missing values (:func:`altmeasures_eval.imputation.apply_missing_rule`):
        ``impute`` (default) multiple imputation by chained equations, design and effect in each
        completed data set, Rubin's rules; ``indicator`` an ``unknown`` level or the mean plus a
        missing-value indicator; ``complete_case`` people with a missing covariate left out (counted
        in the attrition flow); ``stop`` an error naming each incomplete covariate.
    imputations : int
        Number of imputations m under ``missing = "impute"``.
    """

    method: str = "ipw"
    estimand: str = "ATT"
    covariates: tuple[str, ...] = DEFAULT_COVARIATES
    caliper: float = 0.2
    ratio: int = 1
    replace: bool = True
    trim: float = 0.0
    balance_threshold: float = 0.1
    decision_points: str = "comparable"
    common_support: str = "restrict"
    support_rule: str = "range"
    penalty: str = "none"
    min_ess: float = 50.0
    max_weight_share: float = 0.05
    max_variance_ratio: float = 2.0
    moments: int = 1
    missing: str = "impute"
    imputations: int = 20

    def __post_init__(self) -> None:
        check_choice("[design] method", self.method, METHODS)
        check_choice("[design] estimand", self.estimand, ESTIMANDS)
        object.__setattr__(self, "covariates", check_strings("[design] covariates", self.covariates))
        if not self.covariates:
            raise ConfigError("[design] covariates must name at least one cohort column")
        check_number("[design] caliper", self.caliper, 0, None)
        check_number("[design] ratio", self.ratio, 1, 20, integer=True)
        check_number("[design] trim", self.trim, 0, 0.2)
        check_number("[design] balance_threshold", self.balance_threshold, 0, 1)
        check_choice("[design] decision_points", self.decision_points, ("comparable", "all"))
        check_choice("[design] common_support", self.common_support, ("restrict", "stop"))
        check_choice("[design] support_rule", self.support_rule, ("range", "crump", "none"))
        check_choice("[design] penalty", self.penalty, ("none", "firth", "ridge"))
        check_number("[design] min_ess", self.min_ess, 1, None)
        check_number("[design] max_weight_share", self.max_weight_share, 0.0001, 1)
        check_number("[design] max_variance_ratio", self.max_variance_ratio, 1, None)
        check_number("[design] moments", self.moments, 1, 2, integer=True)
        check_choice("[design] missing", self.missing, ("impute", "indicator", "complete_case", "stop"))
        check_number("[design] imputations", self.imputations, 2, 200, integer=True)
        if not isinstance(self.replace, bool):
            raise ConfigError(f"[design] replace must be true or false, got {self.replace!r}")
        if self.method == "matching" and self.estimand == "ATE":
            raise ConfigError("[design] matching estimates ATT or ATC; for the ATE use method = \"ipw\"")
        if self.method == "overlap" and self.estimand != "ATE":
            raise ConfigError(
                "[design] overlap weights estimate the effect in the overlap population (ATO); "
                "set estimand = \"ATE\" with method = \"overlap\", or use method = \"ipw\"")
