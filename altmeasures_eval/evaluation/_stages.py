"""The design, prison and cost stages of an evaluation, shared by ``report``, ``project`` and ``costs``.

One implementation per stage: the commands and :func:`~altmeasures_eval.evaluation.run_evaluation`
call these functions.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from altmeasures_eval.evaluation._result import CostAnalysis, PrisonAnalysis
from altmeasures_eval.evaluation._spec import EvaluationSpec
from altmeasures_eval.schema import Dataset

__all__ = ["DesignStage", "admissions_per_year", "costs_stage", "design_stage", "linkage_notes", "prison_stage"]


@dataclass(frozen=True)
class DesignStage:
    """The design stage of an evaluation (:func:`design_stage`).

    Attributes
    ----------
    design : Design
        The design the evaluation reports and gates on: under ``[design] missing = "impute"`` the
        first completed data set's design with balance and gate pooled over the imputations
        (:func:`altmeasures_eval.design.pooled_design`), else the one design.
    designs : tuple of Design
        The design of every completed data set, in order (``(design,)`` when nothing is imputed
        or no comparison could be built); the later stages are run in each and pooled.
    """

    design: Any
    designs: tuple[Any, ...]


#: The last design stage computed in this process, keyed by :func:`_design_key` (see :func:`design_stage`).
_LAST_DESIGN: dict[tuple[str, ...], DesignStage] = {}


def _plain(value: Any) -> bool:
    """Whether ``repr(value)`` is the whole value: None, numbers, text, and lists, tuples or dicts of them."""
    if value is None or isinstance(value, bool | int | float | str):
        return True
    if isinstance(value, list | tuple):
        return all(_plain(v) for v in value)
    if isinstance(value, dict):
        return all(_plain(k) and _plain(v) for k, v in value.items())
    return False


def _design_key(data: pd.DataFrame, spec: EvaluationSpec) -> tuple[str, ...] | None:
    """What the design stage depends on: the cohort's content (columns, index, values, attrs) and the
    settings it reads (``[design]``, the seed, the disclosure threshold). None when the cohort cannot
    be hashed (then nothing is reused)."""
    if not all(_plain(v) for v in data.attrs.values()):  # e.g. a frame in attrs: its repr is truncated
        return None
    try:
        h = hashlib.sha256(repr((list(map(str, data.columns)), list(map(str, data.dtypes)),
                                 sorted((str(k), repr(v)) for k, v in data.attrs.items()))).encode())
        h.update(np.ascontiguousarray(pd.util.hash_pandas_object(data, index=True).to_numpy()).tobytes())
    except (TypeError, ValueError):  # unhashable cells: compute as usual
        return None
    return (h.hexdigest(), repr(spec.design), str(spec.run.seed), str(spec.disclosure.threshold))


def design_stage(data: pd.DataFrame, spec: EvaluationSpec) -> DesignStage:
    """The design of an evaluation: propensity score, weights or matches, balance and the gate.

    :func:`altmeasures_eval.design.build_design` on the cohort with ``[design]``; under
    ``[design] missing = "impute"`` (when a comparison could be built) the design is built in each
    of the m completed data sets and balance and the gate are pooled over them
    (:func:`altmeasures_eval.design.imputed_designs`, :func:`altmeasures_eval.design.pooled_design`).
    :func:`~altmeasures_eval.evaluation.run_evaluation` and the ``project`` and ``costs`` commands
    call this one function.

    The last result is kept while the process runs: a second call on a cohort with the same content
    and the same settings (``[design]``, ``[run] seed``, ``[disclosure] threshold``) returns the
    same designs instead of fitting them again (e.g. ``report`` then ``project`` of the same config
    in one Python session: 20 imputed designs of the sample are about 3 s of CPU). The design is
    a deterministic function of these inputs, so the result is the same either way; do not modify
    the returned objects.

    Parameters
    ----------
    data : pandas.DataFrame
        The cohort (``Cohort.data``).
    spec : EvaluationSpec
        The run's settings.

    Returns
    -------
    DesignStage
    """
    from altmeasures_eval.design import build_design, imputed_designs, pooled_design

    key = _design_key(data, spec)
    if key is not None and key in _LAST_DESIGN:
        return _LAST_DESIGN[key]
    design = build_design(data, spec.design, random_state=spec.run.seed,
                          disclosure_threshold=spec.disclosure.threshold)
    designs = [design]
    if design.imputed is not None and design.result is not None:
        # [design] missing = "impute" (#17): the design is built in each of the m completed data sets;
        # balance and the gate are pooled over them, and every later stage is run in each and pooled
        designs = imputed_designs(design.imputed, spec.design, first=design, random_state=spec.run.seed,
                                  disclosure_threshold=spec.disclosure.threshold)
        design = pooled_design(designs, spec.design)
    stage = DesignStage(design=design, designs=tuple(designs))
    if key is not None:
        _LAST_DESIGN.clear()  # one entry: the cohorts of a session are not all kept alive
        _LAST_DESIGN[key] = stage
    return stage


def _per_imputation(data: Any, weights: Any, cluster: Any, extra: Any = None
                    ) -> tuple[list[pd.DataFrame], list[np.ndarray], list[Any], list[Any]]:
    """The stage inputs as lists, one item per completed data set (one item when not imputed)."""
    if isinstance(data, list | tuple):
        m = len(data)
        as_list = (lambda x: list(x) if isinstance(x, list | tuple) else [x] * m)  # noqa: E731
        return list(data), as_list(weights), as_list(cluster), as_list(extra)
    return [data], [weights], [cluster], [extra]


def _union(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Every cohort row that is in some completed data set (rows are people: outcomes, dates and
    custody do not depend on the imputed covariates, so bed-days and costs are counted once)."""
    if len(frames) == 1:
        return frames[0]
    cat = pd.concat(frames)
    return cat[~cat.index.duplicated(keep="first")]


def _stack_rates(rates: list[Any]) -> Any:
    """Bootstrap draws of the re-admission rates of every imputation, stacked (the mixture over
    imputations: within- and between-imputation uncertainty together)."""
    from dataclasses import fields, replace

    if len(rates) == 1:
        return rates[0]
    out = {}
    for f in fields(rates[0]):
        vals = [getattr(r, f.name) for r in rates]
        if f.name == "horizon_days":
            continue
        n = [len(np.atleast_1d(getattr(r, "reoffend_custody"))) for r in rates]
        out[f.name] = np.concatenate([np.broadcast_to(np.atleast_1d(np.asarray(v, float)), (k,))
                                      for v, k in zip(vals, n)])
    return replace(rates[0], **out)


def _pooled_bed_days(results: list[Any], alpha: float) -> Any:
    from dataclasses import replace

    from altmeasures_eval.imputation import pool_frame

    if len(results) == 1:
        return results[0]
    tab = pool_frame([r.table for r in results], ["horizon", "component"], estimate="difference", p_value=None,
                     alpha=alpha, counts=("n_alternative", "n_custody"))
    tab["averted"] = -tab["difference"]
    if {"ci_low", "ci_high", "averted_ci_low", "averted_ci_high"} <= set(tab.columns):
        tab["averted_ci_low"], tab["averted_ci_high"] = -tab["ci_high"], -tab["ci_low"]
    tab = tab.drop(columns=["df", "fmi"])
    return replace(results[0], table=tab, notes=tuple(dict.fromkeys(
        [*results[0].notes, f"bed-days pooled over m = {len(results)} imputations by Rubin's rules"])))


def prison_stage(dataset: Dataset, data: pd.DataFrame | list[pd.DataFrame], weights: np.ndarray | list[np.ndarray],
                 spec: EvaluationSpec, cluster: np.ndarray | None | list[np.ndarray | None], *,
                 estimand: str | None = None, rate_weights: np.ndarray | list[np.ndarray] | None = None,
                 consistency: Any = None) -> PrisonAnalysis:
    """Bed-days by group, re-admission rates and the prison-population scenarios.

    Parameters
    ----------
    dataset : Dataset
        The validated tables (custody spells, cases, persons, prison capacity).
    data : DataFrame or list of DataFrame
        The prepared cohort (``data.attrs["covariates"]`` set); under multiple imputation, one
        completed data set's retained population per imputation, with ``weights``, ``cluster``
        and ``rate_weights`` as lists of the same length.
    weights : ndarray or list of ndarray
        Design weights aligned with ``data``.
    spec : EvaluationSpec
        The run's settings.
    cluster : ndarray or None, or a list of them
        Cluster labels (person) when a person may enter the cohort more than once.
    estimand : str, optional
        The estimand the weights target (``Design.estimand``: ATT, ATC, ATE or ATO); default
        ``[design] estimand``.
    rate_weights : ndarray or list of ndarray, optional
        Weights for the re-admission rates of the scenarios (``Design.weights_for("ATC")``);
        default: the design rebuilt for the ATC.
    consistency : ConsistencyReport, optional
        :func:`altmeasures_eval.io.check_consistency` of ``dataset`` when the caller has it (the
        evaluation shares one between this stage and the costs); default: computed here.

    Returns
    -------
    PrisonAnalysis
        Under multiple imputation: bed-day differences pooled by Rubin's rules; the re-admission
        rates' bootstrap draws (``[population] n_boot`` in all, shared out over the imputations)
        stacked, so that the scenarios' intervals carry the uncertainty of the imputation too.
    """
    from altmeasures_eval import population as P
    from altmeasures_eval.io import check_consistency

    datas, ws, cls, rws = _per_imputation(data, weights, cluster, rate_weights)
    m = len(datas)
    s = spec.population
    ext = pd.Timestamp(dataset.extract.extract_date)
    cons = consistency if consistency is not None else check_consistency(dataset)
    until = cons.observed_until("custody_spells")  # the extract date unless the register stops early
    union = _union(datas)
    beds_all = P.count_bed_days(union, dataset.custody_spells, until, horizons=spec.cohort.horizons)
    est = estimand or spec.design.estimand
    n_boot = max(2, -(-s.n_boot // m)) if m > 1 else s.n_boot  # the total kept: n_boot / m per imputation
    bds, rates = [], []
    for i, (d, w, cl, rw) in enumerate(zip(datas, ws, cls, rws)):
        beds = beds_all.loc[d.index] if m > 1 else beds_all
        bds.append(P.bed_days_by_group(beds, d["treatment"], w, estimand=est, cluster=cl, alpha=spec.outcomes.alpha))
        # the scenarios divert people now sent to custody: their re-admission rates under each arm are
        # the ATC's (as the `project` command); overlap weights have no ATC version
        rate_w = w if rw is None else rw
        if rw is None and est != "ATC" and spec.design.method != "overlap":
            from dataclasses import replace

            from altmeasures_eval.design import build_design

            # the same design for the ATC on these data; people it leaves out get weight 0
            dd = build_design(d, replace(spec.design, estimand="ATC"), random_state=spec.run.seed,
                              disclosure_threshold=spec.disclosure.threshold)
            rate_w = pd.Series(dd.weights, index=dd.data.index).reindex(d.index, fill_value=0.0).to_numpy(float)
        rates.append(P.readmission_rates(d, beds, horizon=s.horizon, weights=rate_w, n_boot=n_boot,
                                         random_state=spec.run.seed + i, cluster=cl))
    bd = _pooled_bed_days(bds, spec.outcomes.alpha)
    rates_all = _stack_rates(rates)
    covered = (dataset.custody_spells["admission_date"] <= until).to_numpy()
    spells = P.prepare_spells(dataset.custody_spells[covered], dataset.cases, dataset.persons, until,
                              eligible_prefixes=spec.cohort.eligible_prefixes)
    adm = P.monthly_admissions(spells)
    los = P.length_of_stay(spells)
    obs = P.observed_population(spells, pd.PeriodIndex(adm["month"].unique(), freq="M"))
    proj = P.project_population(adm, los, ext, years=s.years, trend=s.trend, fit_months=s.fit_months,
                                shares=s.shares, rates=rates_all, capacity=dataset.prison_capacity, observed=obs,
                                observed_until=until)
    q_alt, q_cus = rates_all.arms()
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
    if m > 1:
        coverage_notes.append(f"re-admission rates: {n_boot} bootstrap draws in each of the {m} imputations, stacked")
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


def _take(q: Any, pos: np.ndarray) -> Any:
    """The cost quantities of the rows at ``pos`` (one completed data set's people)."""
    from dataclasses import replace

    return replace(q, per_period=tuple(f.iloc[pos] for f in q.per_period), treatment=np.asarray(q.treatment)[pos],
                   observable=np.asarray(q.observable)[pos])


def _mean_frame(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Numeric columns averaged over imputations, rows matched on the other columns."""
    if len(frames) == 1 or frames[0].empty:
        return frames[0]
    f0 = frames[0]
    num = [c for c in f0.columns if pd.api.types.is_numeric_dtype(f0[c]) and not pd.api.types.is_bool_dtype(f0[c])]
    keys = [c for c in f0.columns if c not in num] + [c for c in ("period", "start_day", "end_day") if c in num]
    num = [c for c in num if c not in keys]
    mean = pd.concat(frames).groupby(keys, sort=False, dropna=False)[num].mean().reset_index()
    return f0[keys].merge(mean, on=keys, how="left")[list(f0.columns)]


def _pooled_costs(results: list[Any], alpha: float) -> Any:
    from dataclasses import replace

    from altmeasures_eval import costs as C
    from altmeasures_eval.imputation import pool_frame

    r0 = results[0]
    if len(results) == 1:
        return r0
    table = r0.table
    if "se" in table.columns:
        table = pool_frame([r.table for r in results], ["perspective", "component"], estimate="difference",
                           p_value=None, alpha=alpha).drop(columns=["df", "fmi"])
    else:
        table = _mean_frame([r.table for r in results])
    dq = pd.concat([r.delta_quantities for r in results], axis=1).mean(axis=1).reindex(r0.delta_quantities.index)
    net_cost = float(np.mean([r.net_cost for r in results]))
    benefits = float(np.mean([r.benefits for r in results]))
    ratio, verdict = C.benefit_cost(benefits, net_cost)
    return replace(r0, table=table, delta_quantities=dq, net_cost=net_cost, benefits=benefits, npv=benefits - net_cost,
                   ratio=ratio, verdict=verdict, by_period=_mean_frame([r.by_period for r in results]),
                   notes=tuple(dict.fromkeys([*r0.notes, f"cost differences pooled over m = {len(results)} "
                                                         "imputations by Rubin's rules"])))


def costs_stage(dataset: Dataset, data: pd.DataFrame | list[pd.DataFrame], weights: np.ndarray | list[np.ndarray],
                spec: EvaluationSpec, cluster: np.ndarray | None | list[np.ndarray | None], *,
                estimand: str | None = None, consistency: Any = None) -> CostAnalysis:
    """Costs per person by group, their uncertainty and one-way sensitivity.

    Parameters
    ----------
    dataset : Dataset
        The validated tables (custody spells, treatment episodes).
    data : DataFrame or list of DataFrame
        The prepared cohort; under multiple imputation one completed data set's retained
        population per imputation, with ``weights`` and ``cluster`` as lists of the same length.
    weights : ndarray or list of ndarray
        Design weights aligned with ``data``.
    spec : EvaluationSpec
        The run's settings (unit costs, ``[costs.analysis]``).
    cluster : ndarray or None, or a list of them
        Cluster labels (person) when a person may enter the cohort more than once.
    estimand : str, optional
        The estimand the weights target (``Design.estimand``); default ``[design] estimand``.
    consistency : ConsistencyReport, optional
        :func:`altmeasures_eval.io.check_consistency` of ``dataset`` when the caller has it;
        default: computed here.

    Returns
    -------
    CostAnalysis
        Under multiple imputation: cost differences pooled by Rubin's rules (net cost, benefits
        and net present value are the means over imputations, Rubin's point estimates); the
        Monte Carlo draws on the bootstrap replicates of every imputation stacked
        (``[costs.analysis] n_boot`` in all, shared out over the imputations), so that its
        interval carries the uncertainty of the imputation; the one-way sensitivity averaged over
        the imputations.
    """
    from altmeasures_eval import costs as C
    from altmeasures_eval._errors import ConfigError
    from altmeasures_eval.population import count_bed_days

    datas, ws, cls, _ = _per_imputation(data, weights, cluster)
    m = len(datas)
    a = spec.costs_analysis
    table = C.unit_costs_from_config(spec.unit_costs) if spec.unit_costs else C.default_unit_costs()
    limit = a.horizon or max(spec.cohort.horizons)
    horizons = [h for h in spec.cohort.horizons if h <= limit]
    if not horizons:
        raise ConfigError(f"[costs.analysis] horizon {a.horizon} is shorter than every cohort horizon")
    from altmeasures_eval.io import check_consistency

    cons = consistency if consistency is not None else check_consistency(dataset)
    union = _union(datas)
    beds = count_bed_days(union, dataset.custody_spells, cons.observed_until("custody_spells"), horizons=horizons)
    tdays = C.count_treatment_days(union, dataset.treatment_episodes, cons.observed_until("treatment_episodes"),
                                   horizons=horizons)
    q_all = C.cost_quantities(union, beds, tdays, horizons=horizons)
    n_boot = max(2, -(-a.n_boot // m)) if m > 1 else a.n_boot  # the total kept: n_boot / m per imputation
    qs, results, draws = [], [], []
    for i, (d, w, cl) in enumerate(zip(datas, ws, cls)):
        q = q_all if m == 1 else _take(q_all, union.index.get_indexer(d.index))
        qs.append(q)
        results.append(C.compare_costs(q, table, weights=w, estimand=estimand or spec.design.estimand, cluster=cl,
                                       alpha=spec.outcomes.alpha))
        draws.append(C.cost_effect_draws(q, table, w, n_boot=n_boot, random_state=spec.run.seed + i, cluster=cl))
    res = _pooled_costs(results, spec.outcomes.alpha)
    effect_draws = draws[0] if m == 1 else pd.concat(draws, ignore_index=True)
    mc = C.monte_carlo(res, table, effect_draws=effect_draws, n_draws=a.n_draws, random_state=spec.run.seed + 1)
    if m == 1:
        sens = C.one_way_sensitivity(res, table, quantities=qs[0], weights=ws[0], effect_draws=effect_draws)
    else:  # each imputation's sensitivity on the stacked effect draws, averaged (Rubin's point estimates)
        from dataclasses import replace

        per = [C.one_way_sensitivity(r, table, quantities=q, weights=w, effect_draws=effect_draws)
               for r, q, w in zip(results, qs, ws)]
        tab = _mean_frame([x.table for x in per])
        if "swing" in tab.columns:
            tab = tab.sort_values("swing", ascending=False, kind="stable").reset_index(drop=True)
        sens = replace(per[0], table=tab, base_npv=float(np.mean([x.base_npv for x in per])))
    notes = [*res.notes, *mc.notes, *sens.notes, *linkage_notes(cons, "prison bed-days and their costs")]
    if m > 1:
        notes.append(f"cost uncertainty: {n_boot} bootstrap replicates in each of the {m} imputations, stacked")
    return CostAnalysis(unit_costs=table, comparison=res, monte_carlo=mc, sensitivity=sens, horizon=horizons[-1],
                        notes=tuple(dict.fromkeys(notes)))
