"""Missing covariates: multiple imputation by chained equations, analysis within each imputation,
Rubin's rules with Barnard-Rubin degrees of freedom.

:func:`impute_chained` imputes the covariates m times with the treatment and outcomes in the
imputation model; :func:`analyse_imputed` runs any analysis in each completed data set and pools
by Rubin's rules (:func:`pool_results`, :func:`pool_scalar`); the design and effects of an
evaluation across imputations are :func:`altmeasures_eval.design.imputed_effects` (above this layer);
:func:`pool_balance` summarises balance across imputations; :func:`pool_frame`,
:func:`pool_survival`, :func:`pool_kaplan_meier` and :func:`pool_cumulative_incidence` pool the
results of every other stage (time to event, bed-days, costs, subgroups). :func:`apply_missing_rule` is the one
rule for ``[design] missing`` (``impute``, ``indicator``, ``complete_case``, ``stop``).
"""

from altmeasures_eval.imputation._combine import (
    pool_cumulative_incidence,
    pool_curves,
    pool_frame,
    pool_kaplan_meier,
    pool_survival,
)
from altmeasures_eval.imputation._mice import ImputedData, impute_chained, missing_summary, nelson_aalen
from altmeasures_eval.imputation._cohort import impute_cohort
from altmeasures_eval.imputation._rule import MISSING_RULES, apply_missing_rule
from altmeasures_eval.imputation._pool import PooledScalar, barnard_rubin_df, pool_scalar, pool_table
from altmeasures_eval.imputation._within import (
    PooledResult,
    analyse_imputed,
    pool_balance,
    pool_results,
    tidy_estimates,
)

__all__ = [
    "MISSING_RULES",
    "ImputedData",
    "PooledResult",
    "PooledScalar",
    "analyse_imputed",
    "apply_missing_rule",
    "barnard_rubin_df",
    "impute_chained",
    "impute_cohort",
    "missing_summary",
    "nelson_aalen",
    "pool_balance",
    "pool_cumulative_incidence",
    "pool_curves",
    "pool_frame",
    "pool_kaplan_meier",
    "pool_results",
    "pool_scalar",
    "pool_survival",
    "pool_table",
    "tidy_estimates",
]
