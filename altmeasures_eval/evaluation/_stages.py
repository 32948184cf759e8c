"""The prison and cost stages of an evaluation, shared by ``report``, ``project`` and ``costs``.

One implementation per stage: the commands and :func:`~altmeasures_eval.evaluation.run_evaluation`
call these functions.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from altmeasures_eval.evaluation._result import CostAnalysis, PrisonAnalysis
from altmeasures_eval.evaluation._spec import EvaluationSpec
from altmeasures_eval.schema import Dataset

__all__ = ["costs_stage", "prison_stage"]


def prison_stage(dataset: Dataset, data: pd.DataFrame, weights: np.ndarray, spec: EvaluationSpec,
                 cluster: np.ndarray | None) -> PrisonAnalysis:
    """Bed-days by group, re-admission rates and the prison-population scenarios.

    Parameters
    ----------
    dataset : Dataset
        The validated tables (custody spells, cases, persons, prison capacity).
    data : DataFrame
        The prepared cohort (``data.attrs["covariates"]`` set).
    weights : ndarray
        Design weights aligned with ``data``.
    spec : EvaluationSpec
        The run's settings.
    cluster : ndarray or None
        Cluster labels (person) when a person may enter the cohort more than once.

    Returns
    -------
    PrisonAnalysis
    """
    from altmeasures_eval import population as P

    s = spec.population
    ext = dataset.extract.extract_date
    beds = P.count_bed_days(data, dataset.custody_spells, ext, horizons=spec.cohort.horizons)
    bd = P.bed_days_by_group(beds, data["treatment"], weights, estimand=spec.design.estimand, cluster=cluster,
                             alpha=spec.outcomes.alpha)
    spells = P.prepare_spells(dataset.custody_spells, dataset.cases, dataset.persons, ext,
                              eligible_prefixes=spec.cohort.eligible_prefixes)
    adm = P.monthly_admissions(spells)
    los = P.length_of_stay(spells)
    obs = P.observed_population(spells, pd.PeriodIndex(adm["month"].unique(), freq="M"))
    # the scenarios divert people now sent to custody: their re-admission rates under each arm are
    # the ATC's (as the `project` command); overlap weights have no ATC version
    rate_w = weights
    if spec.design.estimand != "ATC" and spec.design.method != "overlap":
        from dataclasses import replace

        from altmeasures_eval.evaluation._run import _design

        rate_w = _design(data, replace(spec, design=replace(spec.design, estimand="ATC")))[2]
    rates = P.readmission_rates(data, beds, horizon=s.horizon, weights=rate_w, n_boot=s.n_boot,
                                random_state=spec.run.seed, cluster=cluster)
    proj = P.project_population(adm, los, ext, years=s.years, trend=s.trend, fit_months=s.fit_months,
                                shares=s.shares, rates=rates, capacity=dataset.prison_capacity, observed=obs)
    q_alt, q_cus = rates.arms()
    stay = float(los.mean_days("all", "eligible"))
    last12 = float(adm[pd.PeriodIndex(adm["month"], freq="M") > pd.Period(ext, "M") - 12]["eligible"].sum())
    per_year = tuple(s.diversions_per_year if s.diversions_per_year > 0 else sh * last12 for sh in s.shares)
    change = float(np.mean(np.asarray(q_alt) - np.asarray(q_cus)))
    steady = tuple(P.steady_state(n, stay, change) for n in per_year)
    return PrisonAnalysis(bed_days=bd, steady_states=steady, shares=s.shares, headline_share=s.headline_share,
                          diversions_per_year=per_year, mean_stay_days=stay, projection=proj,
                          notes=(*bd.notes, *proj.notes,
                                 "prison scenarios: re-admission rates under both arms weighted to the people now "
                                 "sent to custody (ATC), since those are the people a diversion policy diverts"))


def costs_stage(dataset: Dataset, data: pd.DataFrame, weights: np.ndarray, spec: EvaluationSpec,
                cluster: np.ndarray | None) -> CostAnalysis:
    """Costs per person by group, their uncertainty and one-way sensitivity.

    Parameters
    ----------
    dataset : Dataset
        The validated tables (custody spells, treatment episodes).
    data : DataFrame
        The prepared cohort.
    weights : ndarray
        Design weights aligned with ``data``.
    spec : EvaluationSpec
        The run's settings (unit costs, ``[costs.analysis]``).
    cluster : ndarray or None
        Cluster labels (person) when a person may enter the cohort more than once.

    Returns
    -------
    CostAnalysis
    """
    from altmeasures_eval import costs as C
    from altmeasures_eval._errors import ConfigError
    from altmeasures_eval.population import count_bed_days

    a = spec.costs_analysis
    table = C.unit_costs_from_config(spec.unit_costs) if spec.unit_costs else C.default_unit_costs()
    limit = a.horizon or max(spec.cohort.horizons)
    horizons = [h for h in spec.cohort.horizons if h <= limit]
    if not horizons:
        raise ConfigError(f"[costs.analysis] horizon {a.horizon} is shorter than every cohort horizon")
    ext = dataset.extract.extract_date
    beds = count_bed_days(data, dataset.custody_spells, ext, horizons=horizons)
    tdays = C.count_treatment_days(data, dataset.treatment_episodes, ext, horizons=horizons)
    q = C.cost_quantities(data, beds, tdays, horizons=horizons)
    res = C.compare_costs(q, table, weights=weights, estimand=spec.design.estimand, cluster=cluster,
                          alpha=spec.outcomes.alpha)
    draws = C.cost_effect_draws(q, table, weights, n_boot=a.n_boot, random_state=spec.run.seed, cluster=cluster)
    mc = C.monte_carlo(res, table, effect_draws=draws, n_draws=a.n_draws, random_state=spec.run.seed + 1)
    sens = C.one_way_sensitivity(res, table, quantities=q, weights=weights, effect_draws=draws)
    return CostAnalysis(unit_costs=table, comparison=res, monte_carlo=mc, sensitivity=sens, horizon=horizons[-1],
                        notes=(*res.notes, *mc.notes, *sens.notes))
