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

__all__ = ["admissions_per_year", "costs_stage", "linkage_notes", "prison_stage"]


def prison_stage(dataset: Dataset, data: pd.DataFrame, weights: np.ndarray, spec: EvaluationSpec,
                 cluster: np.ndarray | None, *, estimand: str | None = None,
                 rate_weights: np.ndarray | None = None) -> PrisonAnalysis:
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
    estimand : str, optional
        The estimand the weights target (``Design.estimand``: ATT, ATC, ATE or ATO); default
        ``[design] estimand``.
    rate_weights : ndarray, optional
        Weights for the re-admission rates of the scenarios (``Design.weights_for("ATC")``);
        default: the design rebuilt for the ATC.

    Returns
    -------
    PrisonAnalysis
    """
    from altmeasures_eval import population as P
    from altmeasures_eval.io import check_consistency

    s = spec.population
    ext = pd.Timestamp(dataset.extract.extract_date)
    cons = check_consistency(dataset)
    until = cons.observed_until("custody_spells")  # the extract date unless the register stops early
    beds = P.count_bed_days(data, dataset.custody_spells, until, horizons=spec.cohort.horizons)
    est = estimand or spec.design.estimand
    bd = P.bed_days_by_group(beds, data["treatment"], weights, estimand=est, cluster=cluster,
                             alpha=spec.outcomes.alpha)
    covered = (dataset.custody_spells["admission_date"] <= until).to_numpy()
    spells = P.prepare_spells(dataset.custody_spells[covered], dataset.cases, dataset.persons, until,
                              eligible_prefixes=spec.cohort.eligible_prefixes)
    adm = P.monthly_admissions(spells)
    los = P.length_of_stay(spells)
    obs = P.observed_population(spells, pd.PeriodIndex(adm["month"].unique(), freq="M"))
    # the scenarios divert people now sent to custody: their re-admission rates under each arm are
    # the ATC's (as the `project` command); overlap weights have no ATC version
    rate_w = weights if rate_weights is None else rate_weights
    if rate_weights is None and est != "ATC" and spec.design.method != "overlap":
        from dataclasses import replace

        from altmeasures_eval.design import build_design

        # the same design for the ATC on these data; people it leaves out get weight 0
        d = build_design(data, replace(spec.design, estimand="ATC"), random_state=spec.run.seed,
                         disclosure_threshold=spec.disclosure.threshold)
        rate_w = pd.Series(d.weights, index=d.data.index).reindex(data.index, fill_value=0.0).to_numpy(float)
    rates = P.readmission_rates(data, beds, horizon=s.horizon, weights=rate_w, n_boot=s.n_boot,
                                random_state=spec.run.seed, cluster=cluster)
    proj = P.project_population(adm, los, ext, years=s.years, trend=s.trend, fit_months=s.fit_months,
                                shares=s.shares, rates=rates, capacity=dataset.prison_capacity, observed=obs,
                                observed_until=until)
    q_alt, q_cus = rates.arms()
    stay = float(los.mean_days("all", "eligible"))
    yearly, basis = admissions_per_year(adm, until, (spec.cohort.period_start, spec.cohort.period_end))
    per_year = tuple(s.diversions_per_year if s.diversions_per_year > 0 else sh * yearly for sh in s.shares)
    change = float(np.mean(np.asarray(q_alt) - np.asarray(q_cus)))
    steady = tuple(P.steady_state(n, stay, change) for n in per_year)
    left_out = int((~covered).sum())
    coverage_notes = [basis] if s.diversions_per_year <= 0 else []
    if left_out:
        coverage_notes.append(f"{left_out:,} custody spells admitted after {until.date()} (the incomplete last month "
                              "of the custody register) are left out of the population model")
    return PrisonAnalysis(bed_days=bd, steady_states=steady, shares=s.shares, headline_share=s.headline_share,
                          diversions_per_year=per_year, mean_stay_days=stay, projection=proj,
                          notes=(*bd.notes, *proj.notes, *coverage_notes, *linkage_notes(cons, "bed-days"),
                                 "prison scenarios: re-admission rates under both arms weighted to the people now "
                                 "sent to custody (ATC), since those are the people a diversion policy diverts"))


def admissions_per_year(admissions: pd.DataFrame, until: pd.Timestamp,
                        period: tuple[pd.Timestamp | None, pd.Timestamp | None]) -> tuple[float, str]:
    """Eligible custody admissions a year, over the last 12 complete months the register covers.

    The projection holds future admissions at the level of the last observed months, so the
    scenarios' "people diverted a year" come from the same months: the last 12 complete months up
    to ``until`` (the extract date, or the end of a custody register that stops early), never
    months the register does not cover. The yearly rate over the evaluation period is given beside
    it for reconciliation.

    Returns
    -------
    per_year : float
    basis : str
        A note naming the months counted and, when they differ, the evaluation period's rate.
    """
    months = pd.PeriodIndex(admissions["month"], freq="M")
    monthly = admissions.assign(month=months)[months.end_time.normalize() <= until].groupby("month")["eligible"].sum()
    if monthly.empty:
        return 0.0, f"no complete month of eligible custody admissions up to {until.date()}"
    last = monthly.iloc[-12:]
    per_year = float(last.sum()) * 12 / len(last)
    basis = (f"diversions a year are shares of {per_year:,.0f} eligible custody admissions a year, counted over "
             f"{last.index[0]} to {last.index[-1]} (the last {len(last)} complete months the custody register covers)")
    start, end = period
    if start is not None and end is not None:
        in_period = monthly[(monthly.index >= pd.Period(start, "M")) & (monthly.index <= pd.Period(end, "M"))]
        if len(in_period):
            rate = float(in_period.sum()) * 12 / len(in_period)
            basis += (f"; over the evaluation period ({in_period.index[0]} to {in_period.index[-1]}) "
                      f"{rate:,.0f} a year")
    return per_year, basis


def linkage_notes(consistency: object, what: str) -> list[str]:
    """How missing custody spells bias ``what`` (bed-days, prison costs), from the consistency report."""
    notes = []
    w = consistency.warnings  # type: ignore[attr-defined]
    gaps = w[w["check"] == "custody decision without spell"]
    if len(gaps):
        n, of = int(gaps["n"].sum()), int(gaps["of"].sum())
        years = ", ".join(m[:4] for m in gaps["message"])
        notes.append(f"linkage gap: {n:,} of {of:,} custody decisions in {years} have no custody spell; {what} and "
                     "later custody are undercounted there (towards zero in both groups, so the difference between "
                     "groups is biased towards zero, more where the gap differs between groups)")
    early = w[(w["check"] == "table stops early") & (w["table"] == "custody_spells")]
    if len(early):
        until = consistency.observed_until("custody_spells")  # type: ignore[attr-defined]
        notes.append(f"the custody register is complete only to {until.date()}: {what} are counted where the "
                     "follow-up ends by then and are not observable (left out, not zero) after it")
    return notes


def costs_stage(dataset: Dataset, data: pd.DataFrame, weights: np.ndarray, spec: EvaluationSpec,
                cluster: np.ndarray | None, *, estimand: str | None = None) -> CostAnalysis:
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
    estimand : str, optional
        The estimand the weights target (``Design.estimand``); default ``[design] estimand``.

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
    from altmeasures_eval.io import check_consistency

    cons = check_consistency(dataset)
    beds = count_bed_days(data, dataset.custody_spells, cons.observed_until("custody_spells"), horizons=horizons)
    tdays = C.count_treatment_days(data, dataset.treatment_episodes, cons.observed_until("treatment_episodes"),
                                   horizons=horizons)
    q = C.cost_quantities(data, beds, tdays, horizons=horizons)
    res = C.compare_costs(q, table, weights=weights, estimand=estimand or spec.design.estimand, cluster=cluster,
                          alpha=spec.outcomes.alpha)
    draws = C.cost_effect_draws(q, table, weights, n_boot=a.n_boot, random_state=spec.run.seed, cluster=cluster)
    mc = C.monte_carlo(res, table, effect_draws=draws, n_draws=a.n_draws, random_state=spec.run.seed + 1)
    sens = C.one_way_sensitivity(res, table, quantities=q, weights=weights, effect_draws=draws)
    return CostAnalysis(unit_costs=table, comparison=res, monte_carlo=mc, sensitivity=sens, horizon=horizons[-1],
                        notes=(*res.notes, *mc.notes, *sens.notes, *linkage_notes(cons, "prison bed-days and their costs")))
