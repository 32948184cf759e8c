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
    expected : dict of int to float
        Per horizon: the smallest of n*p and n*(1-p) over both groups (the value the n*p rule
        compares with ``min_expected``).
    """

    effects_allowed: bool
    reasons: tuple[str, ...]
    n_treated: int
    n_control: int
    significance: dict[int, bool]
    treated_reoffenders: int
    time_to_event_allowed: bool
    expected: dict[int, float] = field(default_factory=dict)


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
        Every eligible person (ids in memory; the report layer never writes them).
    design : altmeasures_eval.design.Design
        The comparison: the population the estimates describe (``design.data``), its weights,
        the estimand actually estimated and the design gate. Every later stage reads them here.
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
    skipped : tuple of str
        Secondary analyses that could not be estimated, each with its reason (also in the
        limitations and in results.json notes).
    missing_data : MissingDataAnalysis or None
        How missing design covariates were handled (``[design] missing``): share missing per
        covariate, the method, m, the pooled effects with their fraction of missing information,
        balance across imputations and the complete-case sensitivity result
        (:class:`altmeasures_eval.design.MissingDataAnalysis`). Under ``impute`` every
        result of the evaluation (effects, survival curves and contrasts, health, subgroups,
        prison, costs) is pooled over the m imputations by Rubin's rules, and ``design`` holds
        the balance pooled over them; ``recidivism``, ``naive``, ``frequency`` and ``health``
        then hold :class:`~altmeasures_eval.imputation.PooledResult` objects (``results``: the
        m analyses).
    headline_not_estimable : str or None
        Why the primary outcome's headline effect could not be estimated (the reason of
        :class:`~altmeasures_eval.NotEstimable`, e.g. nobody in one group reoffended), or None.
        When set, every effect estimate, significance statement, E-value and the prison and cost
        conclusions are withheld; the report is still written and ``report`` exits with status 3.
    """

    spec: EvaluationSpec
    country: str
    extract_date: pd.Timestamp
    period: tuple[pd.Timestamp | None, pd.Timestamp | None]
    quality: Any
    cohort: Any
    design: Any
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
    skipped: tuple[str, ...] = ()
    missing_data: Any = None
    headline_not_estimable: str | None = None

    @property
    def propensity(self) -> Any:
        """The propensity model of the design (None when no comparison could be made)."""
        return self.design.propensity

    @property
    def weights(self) -> np.ndarray | None:
        """Design weights aligned with ``design.data`` (None when no comparison could be made)."""
        return self.design.weights if self.design.result is not None else None

    @property
    def balance(self) -> Any:
        """Balance before and after adjustment on the population compared."""
        return self.design.balance

    @property
    def covariates(self) -> tuple[str, ...]:
        """Covariates of the propensity model actually used."""
        return self.design.covariates

    @property
    def data(self) -> pd.DataFrame:
        """The population the estimates describe (``design.data``)."""
        return self.design.data

    @property
    def published(self) -> bool:
        """Whether the design passed its gate (effects may be published)."""
        return bool(self.design.gate.passed)

    @property
    def headline_estimable(self) -> bool:
        """False when the design passed but the primary outcome's headline effect is not estimable."""
        return self.headline_not_estimable is None

    @property
    def attrition(self) -> pd.DataFrame:
        """The attrition flow from the data to the population compared: the cohort's steps, then the
        design's (stages left out, people outside common support), numbered on."""
        a = self.cohort.attrition
        d = self.design.attrition
        if d is None or not len(d):
            return a
        d = d.copy()
        d["step"] = d["step"] + int(a["step"].max())
        out = pd.concat([a, d.astype({c: a[c].dtype for c in d.columns if c in a.columns and c != "description"},
                                     errors="ignore")], ignore_index=True)
        return out

    @property
    def headline_horizon(self) -> int:
        return self.spec.report.headline_horizon

    @property
    def n_treated(self) -> int:
        return self.rules.n_treated

    @property
    def n_control(self) -> int:
        return self.rules.n_control
