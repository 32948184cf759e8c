"""The immutable result of one evaluation run."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from altmeasures_eval.evaluation._spec import EvaluationSpec

__all__ = ["CostAnalysis", "Evaluation", "PrisonAnalysis", "RuleOutcome"]


@dataclass(frozen=True)
class RuleOutcome:
    """What the decision rules allow the report to say.

    Attributes
    ----------
    effects_allowed : bool
        False when the treated or comparison group is below its minimum: no effect estimates.
    reasons : tuple of str
        Plain-language reasons for every withheld result (printed in the report).
    n_treated, n_control : int
        Cohort sizes the rules were applied to.
    significance : dict of int to bool
        Per horizon (days): whether n*p and n*(1-p) reach the minimum in both groups, so that a
        significance statement may be made.
    treated_reoffenders : int
        Treated people who reoffended within the headline horizon.
    time_to_event_allowed : bool
        Whether time to reoffence (curves, hazard ratio, RMST) is reported.
    """

    effects_allowed: bool
    reasons: tuple[str, ...]
    n_treated: int
    n_control: int
    significance: dict[int, bool]
    treated_reoffenders: int
    time_to_event_allowed: bool


@dataclass(frozen=True)
class PrisonAnalysis:
    """Prison-population results: bed-days by group, steady states per share, projection."""

    bed_days: Any
    steady_states: tuple[Any, ...]
    shares: tuple[float, ...]
    headline_share: float
    diversions_per_year: tuple[float, ...]
    mean_stay_days: float
    projection: Any
    notes: tuple[str, ...] = ()

    @property
    def headline_steady_state(self) -> Any:
        """The steady state of the headline share."""
        return self.steady_states[self.shares.index(self.headline_share)]


@dataclass(frozen=True)
class CostAnalysis:
    """Cost results: the unit-cost table, the comparison, Monte Carlo and one-way sensitivity."""

    unit_costs: Any
    comparison: Any
    monte_carlo: Any
    sensitivity: Any
    horizon: int
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Evaluation:
    """Everything one evaluation computed, ready for the report layer (no file was written).

    Attributes
    ----------
    spec : EvaluationSpec
    country : str
    extract_date : pandas.Timestamp
    period : tuple of (Timestamp or None, Timestamp or None)
        Decision dates of the cohort (as configured; ``None`` = open).
    quality : altmeasures_eval.io.QualityReport
    cohort : altmeasures_eval.cohort.Cohort
        Holds person ids in memory; the report layer never writes them.
    covariates : tuple of str
        Covariates of the propensity model actually used.
    propensity : PropensityScore or None
    design : WeightResult or MatchResult or None
    weights : numpy.ndarray or None
        Design weights aligned with ``cohort.data``.
    balance : BalanceResult or None
        SMDs before and after adjustment.
    rules : RuleOutcome
    recidivism, naive, frequency : dict of int to EffectResult
        Per horizon: adjusted proven reoffending, the unadjusted comparison, and the number of
        proven reoffences per person.
    time_to_event : TimeToEventEffects or None
    survival_curves : KaplanMeierResult or None
        Weighted (adjusted) Kaplan-Meier curves by group.
    competing : CumulativeIncidenceResult or None
        Weighted cumulative incidence of reoffence (cause 1) with death as competing event (2).
    health : dict of str to EffectResult
    subgroups : pandas.DataFrame or None
        ``variable, level, estimate, se, ci_low, ci_high, p_value, p_holm, n_treated, n_control``.
    evalues : pandas.DataFrame or None
        E-values for the headline risk ratio and the hazard ratio.
    prison : PrisonAnalysis or None
    costs : CostAnalysis or None
    limitations : tuple of str
        Caveats written from the diagnostics (printed in the report and in results.json).
    notes : tuple of str
        Every technical note of every layer.
    table_hashes : dict of str to str
        SHA-256 of each canonical input table's content.
    versions : dict of str to str
    timings : dict of str to float
        Seconds per stage.
    days_to_reoffence : dict or None
        Justice Data Lab measure: mean days from the start of follow-up to the first proven
        reoffence among those who reoffended within the headline horizon, by group (custody
        weighted), the difference with its CI (``weighted_mean_difference``), and the numbers of
        reoffenders. Conditional on reoffending, so descriptive, not causal.
    """

    spec: EvaluationSpec
    country: str
    extract_date: pd.Timestamp
    period: tuple[pd.Timestamp | None, pd.Timestamp | None]
    quality: Any
    cohort: Any
    covariates: tuple[str, ...]
    propensity: Any
    design: Any
    weights: np.ndarray | None = field(repr=False)
    balance: Any
    rules: RuleOutcome
    recidivism: dict[int, Any]
    naive: dict[int, Any]
    frequency: dict[int, Any]
    time_to_event: Any
    survival_curves: Any
    competing: Any
    health: dict[str, Any]
    subgroups: pd.DataFrame | None
    evalues: pd.DataFrame | None
    prison: PrisonAnalysis | None
    costs: CostAnalysis | None
    limitations: tuple[str, ...]
    notes: tuple[str, ...]
    table_hashes: dict[str, str]
    versions: dict[str, str]
    timings: dict[str, float]
    days_to_reoffence: dict[str, float] | None = None

    @property
    def headline_horizon(self) -> int:
        return self.spec.report.headline_horizon

    @property
    def n_treated(self) -> int:
        return self.rules.n_treated

    @property
    def n_control(self) -> int:
        return self.rules.n_control
