"""One evaluation run, from validated data and settings to every result the report needs.

``EvaluationSpec.from_config(config)`` validates the config; ``run_evaluation(dataset, spec)``
builds the cohort, the design, every outcome analysis, the prison and cost models, applies the
Justice Data Lab decision rules and writes the limitations from the diagnostics. Computation only:
files are written by :mod:`altmeasures_eval.report`.
"""

from altmeasures_eval.evaluation._result import CostAnalysis, Evaluation, PrisonAnalysis, RuleOutcome
from altmeasures_eval.evaluation._rules import apply_rules, limitations_from, required_group_size
from altmeasures_eval.evaluation._run import (
    STAGES,
    EvaluationError,
    package_versions,
    prepare_covariates,
    run_evaluation,
    table_hashes,
)
from altmeasures_eval.evaluation._stages import DesignStage, costs_stage, design_stage, prison_stage
from altmeasures_eval.design import DEFAULT_COVARIATES as DEFAULT_COVARIATES  # the [design] section's home
from altmeasures_eval.design import DesignSettings as DesignSettings
from altmeasures_eval.evaluation._spec import (
    CostSettings,
    DecisionRules,
    DisclosureSettings,
    EvaluationSpec,
    OutcomeSettings,
    PopulationSettings,
    ReportSettings,
    RunSettings,
)

__all__ = [
    "STAGES",
    "CostAnalysis",
    "CostSettings",
    "DecisionRules",
    "DesignStage",
    "DisclosureSettings",
    "Evaluation",
    "EvaluationError",
    "EvaluationSpec",
    "OutcomeSettings",
    "PopulationSettings",
    "PrisonAnalysis",
    "ReportSettings",
    "RuleOutcome",
    "RunSettings",
    "apply_rules",
    "costs_stage",
    "design_stage",
    "limitations_from",
    "package_versions",
    "prepare_covariates",
    "prison_stage",
    "required_group_size",
    "run_evaluation",
    "table_hashes",
]
