"""One evaluation run: data quality -> cohort -> design -> outcomes -> prison -> costs -> rules.

Computation only: nothing here writes a file or imports matplotlib. Each stage is named; a failure
raises :class:`EvaluationError` naming the stage and what to do.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import replace
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from importlib import metadata
from typing import Any

import numpy as np
import pandas as pd

from altmeasures_eval._errors import AltMeasuresError, NotEstimable
from altmeasures_eval.design import prepare_covariates
from altmeasures_eval.evaluation._result import Evaluation
from altmeasures_eval.evaluation._rules import apply_rules, limitations_from
from altmeasures_eval.evaluation._spec import EvaluationSpec
from altmeasures_eval.evaluation._stages import costs_stage, design_stage, prison_stage
from altmeasures_eval.schema import Dataset

__all__ = ["STAGES", "EvaluationError", "prepare_covariates", "run_evaluation"]

#: The named stages, in order, with the fix suggested when one fails.
STAGES: dict[str, str] = {
    "quality": "check the input tables with `altmeasures-eval validate DATA`",
    "cohort": "check [cohort] in the config (period, offence codes, stages) against the data",
    "design": "check [design] covariates (cohort column names) and method; a covariate with one value "
              "or a group with no overlap cannot be modelled",
    "rules": "check [decision_rules]",
    "recidivism": "check that the cohort has observable follow-up (extract date after period_end + horizon + 182 days)",
    "frequency": "check reoffences_{h} in the cohort",
    "time_to_event": "check time_reoffend/event_reoffend in the cohort; set [decision_rules] to withhold it",
    "health": "remove unavailable outcomes from [outcomes] health",
    "subgroups": "remove the failing variable from [outcomes] subgroups or raise min_subgroup",
    "sensitivity": "the E-values need the headline risk ratio and its interval",
    "prison": "check the custody_spells table and [population]",
    "costs": "check [costs] unit costs and [costs.analysis]",
}

#: Secondary analyses, in words: when one cannot be estimated it is skipped with a limitation.
SECONDARY: dict[str, str] = {
    "time_to_event": "time-to-reoffence results (survival curves, hazard ratio, restricted mean time)",
    "frequency": "numbers of proven reoffences per person",
    "health": "health and treatment outcomes",
    "subgroups": "subgroup results",
    "sensitivity": "sensitivity results (E-values)",
    "prison": "prison-population results",
    "costs": "cost results",
}

PACKAGES = ("altmeasures_eval", "numpy", "pandas", "scipy", "statsmodels", "scikit-learn", "lifelines",
            "matplotlib", "jinja2", "typst")


class EvaluationError(AltMeasuresError):
    """A stage of the evaluation failed; the message names the stage and the fix."""

    def __init__(self, stage: str, message: str) -> None:
        super().__init__(f"evaluation stage '{stage}' failed: {message}\n  fix: {STAGES.get(stage, '')}")
        self.stage = stage


@contextmanager
def _stage(name: str, timings: dict[str, float], bar: Any) -> Iterator[None]:
    bar.set_postfix_str(name)
    t0 = time.perf_counter()
    try:
        yield
    except EvaluationError:
        raise
    except (AltMeasuresError, ValueError, KeyError, np.linalg.LinAlgError) as exc:
        raise EvaluationError(name, f"{type(exc).__name__}: {exc}") from exc
    timings[name] = round(time.perf_counter() - t0, 3)
    bar.update(1)


def table_hashes(dataset: Dataset) -> dict[str, str]:
    """SHA-256 of the content of every canonical table (row order and values; index ignored)."""
    out = {}
    for name in ("persons", "cases", "custody_spells", "treatment_episodes", "prison_capacity"):
        frame = getattr(dataset, name, None)
        if frame is None:
            continue
        h = hashlib.sha256(",".join(map(str, frame.columns)).encode())
        h.update(np.ascontiguousarray(pd.util.hash_pandas_object(frame, index=False).to_numpy()).tobytes())
        out[name] = h.hexdigest()
    return out


def package_versions() -> dict[str, str]:
    out = {}
    for pkg in PACKAGES:
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            out[pkg] = "not installed"
    return out


def _effect(data: pd.DataFrame, outcome: str, design: Any, spec: EvaluationSpec, cluster: str | None,
            propensity: Any = None) -> Any:
    """The effect on ``outcome`` with ``design`` (a WeightResult or MatchResult; None: unadjusted).

    ``propensity`` is the design's score (``Design.propensity``): after matching with replacement on
    its logit, the Abadie-Imbens variance of a non-binary outcome then includes the Abadie-Imbens
    (2016) adjustment for the estimated score.
    """
    from altmeasures_eval.effects import estimate_effect

    return estimate_effect(data, outcome, "treatment", design, cluster=cluster, alpha=spec.outcomes.alpha,
                           random_state=spec.run.seed, propensity=propensity)


def _subgroups(data: pd.DataFrame, design: Any, spec: EvaluationSpec, cluster: str | None,
               covariates: tuple[str, ...] | None = None) -> tuple[pd.DataFrame | None, list[str]]:
    """Alternative types (each against all custody, with its own design and gate) and other variables.

    Returns the subgroup table (None when no subgroup could be estimated) and one line per subgroup
    skipped, with its reason.
    """
    from dataclasses import replace

    from altmeasures_eval._parallel import compute_backend, parallel_map
    from altmeasures_eval.design import build_design as _build
    from altmeasures_eval.effects import estimate_effect, holm, subgroup_effects
    from altmeasures_eval.schema import ALTERNATIVE_DISPOSITIONS

    outcome = f"reoffend_{spec.report.headline_horizon}"
    m = spec.outcomes.min_subgroup
    covs = tuple(covariates if covariates is not None else data.attrs.get("covariates", spec.design.covariates))
    settings = replace(spec.design, covariates=covs or spec.design.covariates)
    rows: list[dict[str, Any]] = []
    skipped: list[str] = []
    for var in spec.outcomes.subgroups:
        if var == "disposition":
            n_control = int((data["treatment"] == 0).sum())
            alts = [a for a in ALTERNATIVE_DISPOSITIONS
                    if int((data["disposition"] == a).sum()) >= m and n_control >= m]

            def one(i: int, _rng: Any, alts: list[str] = alts) -> dict[str, Any]:
                # each alternative type against all custody cases, with its own design and gate
                sub = data[(data["disposition"] == alts[i]) | (data["treatment"] == 0)]
                des = _build(sub, settings, random_state=spec.run.seed, disclosure_threshold=spec.disclosure.threshold)
                if not des.gate.passed:
                    return {"variable": "disposition", "level": alts[i],
                            "skipped": "its comparison failed the design gate: " + " ".join(des.gate.reasons)}
                r = estimate_effect(des.data, outcome, "treatment", des.result, cluster=cluster,
                                    alpha=spec.outcomes.alpha, propensity=des.propensity).summary.iloc[0]
                return {"variable": "disposition", "level": alts[i], "estimate": r["estimate"], "se": r["se"],
                        "ci_low": r["ci_low"], "ci_high": r["ci_high"], "p_value": r["p_value"],
                        "n_treated": des.n_treated, "n_control": des.n_control}

            with compute_backend(spec.compute):
                for r in parallel_map(one, len(alts), random_state=spec.run.seed, n_jobs=spec.run.n_jobs):
                    if "skipped" in r:
                        skipped.append(f"Subgroup {r['variable']} = {r['level']} not estimated: {r['skipped']}")
                    else:
                        rows.append(r)
        else:
            if var not in data.columns:
                skipped.append(f"Subgroup {var} not estimated: it is not a cohort column "
                               "(remove it from [outcomes] subgroups).")
                continue
            try:
                sg = subgroup_effects(data, outcome, "treatment", [var], design, min_per_group=m,
                                      alpha=spec.outcomes.alpha)
            except AltMeasuresError as exc:
                skipped.append(f"Subgroup {var} not estimated: {exc}")
                continue
            t = sg.table.reset_index()
            for _, r in t.iterrows():
                rows.append({"variable": var, "level": str(r.get("level", "")), "estimate": r["estimate"],
                             "se": r["se"], "ci_low": r["ci_low"], "ci_high": r["ci_high"],
                             "p_value": r["p_value"], "n_treated": int(r["n_treated"]),
                             "n_control": int(r["n_control"])})
    if not rows:
        return None, skipped
    out = pd.DataFrame(rows)
    ok = out["p_value"].notna()
    out["p_holm"] = np.nan
    if ok.any():
        out.loc[ok, "p_holm"] = holm(out.loc[ok, "p_value"].to_numpy(float))
    return out, skipped


def _days_words(h: int) -> str:
    return {365: "within a year", 730: "within two years", 1095: "within three years"}.get(h, f"within {h} days")


def headline_not_estimable(h: int, exc: NotEstimable) -> str:
    """The sentence that says why the headline effect (proven reoffending at ``h`` days) is not estimable."""
    return (f"The headline effect, on proven reoffending {_days_words(h)}, cannot be estimated from these data: "
            f"{exc.reason.rstrip('.')}.")


def _days_to_reoffence(data: pd.DataFrame, weights: np.ndarray, h: int, alpha: float) -> dict[str, float]:
    """Mean days to the first proven reoffence among those who reoffended within ``h`` days."""
    from altmeasures_eval.effects import weighted_mean_difference

    m = (data[f"reoffend_{h}"] == 1).to_numpy()
    y = data["time_reoffend"].to_numpy(float)[m]
    t = data["treatment"].to_numpy()[m]
    w = weights[m]
    r = weighted_mean_difference(y, t, w, alpha=alpha)
    return {"mean_treated": float(np.average(y[t == 1], weights=w[t == 1])),
            "mean_control": float(np.average(y[t == 0], weights=w[t == 0])),
            "estimate": float(r["estimate"]), "se": float(r["se"]), "ci_low": float(r["ci_low"]),
            "ci_high": float(r["ci_high"]),
            "p_value": float(r["p_value"]), "n_treated": int((t == 1).sum()), "n_control": int((t == 0).sum()),
            "horizon": h}


def _pool_days(per: list[dict[str, float]], alpha: float) -> dict[str, float]:
    """Days to the first proven reoffence, pooled over imputations (Rubin's rules; group means and
    counts averaged)."""
    from altmeasures_eval.imputation import pool_scalar

    out = {k: float(np.mean([p[k] for p in per])) for k in ("mean_treated", "mean_control")}
    r = pool_scalar([p["estimate"] for p in per], [p["se"] ** 2 for p in per], alpha=alpha)
    out.update({"estimate": r.estimate, "se": r.se, "ci_low": r.ci_low, "ci_high": r.ci_high, "p_value": r.p_value,
                "n_treated": int(round(np.mean([p["n_treated"] for p in per]))),
                "n_control": int(round(np.mean([p["n_control"] for p in per]))), "horizon": per[0]["horizon"]})
    return out


#: Subgroups by alternative type build a design per type and imputation: they are pooled over the
#: first imputations only (any subset of the m imputations is itself a proper multiple imputation,
#: with fewer degrees of freedom; Barnard-Rubin accounts for it), which keeps a run fast.
SUBGROUP_IMPUTATIONS = 5


def _pooled_subgroups(designs: list[Any], spec: EvaluationSpec, cluster: str | None
                      ) -> tuple[pd.DataFrame | None, list[str]]:
    """Subgroup effects in each completed data set (up to :data:`SUBGROUP_IMPUTATIONS`), pooled by
    Rubin's rules per subgroup; Holm's adjustment on the pooled p-values."""
    from altmeasures_eval.effects import holm
    from altmeasures_eval.imputation import pool_frame

    use = designs[:SUBGROUP_IMPUTATIONS] if len(designs) > 1 else designs
    per = [_subgroups(d.data, d.result, spec, cluster, d.covariates) for d in use]
    skipped = list(dict.fromkeys(s for _, sk in per for s in sk))
    tables = [t for t, _ in per]
    if len(use) == 1 or tables[0] is None:
        return tables[0], skipped
    if any(t is None for t in tables):
        return None, [*skipped, "Subgroup results not estimated: no subgroup could be estimated in every imputation."]
    keys = [t["variable"].astype(str) + "=" + t["level"].astype(str) for t in tables]
    common = set.intersection(*(set(k) for k in keys))
    left = [k for k in dict.fromkeys(keys[0]) if k not in common]
    for k in left:
        said = f"Subgroup {k.replace('=', ' = ', 1)} not estimated"
        if not any(s.startswith(said) for s in skipped):
            skipped.append(f"{said}: not estimable in every imputation.")
    out = pool_frame([t.drop(columns=["p_holm"]) for t in tables], ["variable", "level"], alpha=spec.outcomes.alpha,
                     counts=("n_treated", "n_control")).drop(columns=["df", "fmi"])
    for c in ("n_treated", "n_control"):
        out[c] = out[c].astype(int)
    ok = out["p_value"].notna()
    out["p_holm"] = np.nan
    if ok.any():
        out.loc[ok, "p_holm"] = holm(out.loc[ok, "p_value"].to_numpy(float))
    return out, skipped


def _evalues(recid: Any, tte: Any) -> pd.DataFrame:
    from altmeasures_eval.effects import evalue

    rows = []
    rr = recid.summary.loc["risk_ratio"]
    ev = evalue(float(rr["estimate"]), float(rr["ci_low"]), float(rr["ci_high"]), measure="rr", rare=False)
    rows.append({"measure": "risk ratio (headline)", "estimate": rr["estimate"], "ci_low": rr["ci_low"],
                 "ci_high": rr["ci_high"], "evalue_point": ev.point, "evalue_ci": ev.ci})
    if tte is not None:
        hr = tte.summary.set_index("measure").loc["hazard_ratio"]
        ev = evalue(float(hr["estimate"]), float(hr["ci_low"]), float(hr["ci_high"]), measure="hr", rare=False)
        rows.append({"measure": "hazard ratio", "estimate": hr["estimate"], "ci_low": hr["ci_low"],
                     "ci_high": hr["ci_high"], "evalue_point": ev.point, "evalue_ci": ev.ci})
    return pd.DataFrame(rows)


def run_evaluation(dataset: Dataset, spec: EvaluationSpec | None = None, *, progress: bool = True,
                   quality: Any = None, on_stage: Callable[[str], None] | None = None) -> Evaluation:
    """Run every analysis of an evaluation on a validated data set.

    Stages, in order: ``quality`` (data-quality summary), ``cohort`` (eligibility, outcomes,
    attrition), ``design`` (propensity score and matching or weighting, balance before/after),
    ``rules`` (Justice Data Lab decision rules), ``recidivism`` (proven reoffending at each horizon,
    adjusted and unadjusted, and frequency), ``time_to_event`` (weighted Kaplan-Meier, hazard ratio,
    RMST, competing-risk cumulative incidence), ``health``, ``subgroups``, ``prison`` and ``costs``.
    Effects are withheld when the decision rules say so.

    Parameters
    ----------
    dataset : Dataset
        Validated canonical tables (``altmeasures_eval.io.read_dataset``).
    spec : EvaluationSpec, optional
        Settings; default ``EvaluationSpec()``.
    progress : bool, default True
        Show a tqdm progress bar with the stage name.
    quality : QualityReport, optional
        A data-quality report already computed at ingestion (with its problems); default: computed
        from ``dataset``.
    on_stage : callable, optional
        Called with each stage name as it starts (for logging).

    Returns
    -------
    Evaluation

    Raises
    ------
    EvaluationError
        Naming the failing stage and the fix.

    Notes
    -----
    The effects are identified under no unmeasured confounding given the design covariates,
    positivity (overlap of propensity scores) and consistency; the E-values and the limitations
    say how far these can be trusted. Ids stay in memory in ``Evaluation.cohort``.
    """
    from tqdm.auto import tqdm

    from altmeasures_eval import survival
    from altmeasures_eval.cohort import build_cohort
    from altmeasures_eval.privacy import pool_rare_labels
    from altmeasures_eval.design import imputed_effects, no_imputation, pool_effects
    from altmeasures_eval.io import quality_report

    spec = spec or EvaluationSpec()
    timings: dict[str, float] = {}
    notes: list[str] = []
    skipped: list[str] = []
    h0 = spec.report.headline_horizon
    cluster_col = "person_id" if spec.cohort.index_event == "every" else None
    empty: dict[Any, Any] = {}
    recid, naive, freq, health = dict(empty), dict(empty), dict(empty), dict(empty)
    tte = km = cif = subgroups = evs = prison = costs = days = None
    not_estimable: str | None = None  # why the primary outcome could not be estimated (NotEstimable)
    bar = tqdm(total=len(STAGES), desc="evaluation", disable=not progress, unit="stage")

    def start(name: str) -> Any:
        if on_stage is not None:
            on_stage(name)
        return _stage(name, timings, bar)

    @contextmanager
    def secondary(name: str) -> Iterator[None]:
        # a secondary analysis that cannot be estimated is skipped with a line in the limitations;
        # only the primary outcome and the design can stop a run
        if on_stage is not None:
            on_stage(name)
        bar.set_postfix_str(name)
        t0 = time.perf_counter()
        try:
            yield
        except (AltMeasuresError, ValueError, KeyError, ZeroDivisionError, np.linalg.LinAlgError) as exc:
            skipped.append(f"The {SECONDARY[name]} could not be estimated and are left out ({type(exc).__name__}: "
                           f"{str(exc).splitlines()[0]}).")
        timings[name] = round(time.perf_counter() - t0, 3)
        bar.update(1)

    try:
        with start("quality"):
            quality = quality if quality is not None else quality_report(dataset)
            hashes = table_hashes(dataset)
        with start("cohort"):
            # rare free-text labels (jurisdiction) pooled into "other" before any analysis (issue #13)
            dataset, pooled = pool_rare_labels(dataset, spec.disclosure)
            notes.extend(pooled)
            cohort = build_cohort(dataset, spec.cohort)
            notes.extend(cohort.notes)
        with start("design"):
            # [design] missing = "impute" (#17): the design of each of the m completed data sets, balance
            # and the gate pooled over them; every stage below is run in each and pooled by Rubin's rules
            staged = design_stage(cohort.data, spec)
            design, designs = staged.design, list(staged.designs)
            imputed = design.imputed
            missing_data = no_imputation(cohort.data, spec.design.covariates, spec.design.missing)
            notes.extend(design.notes)
            data = design.data
            weights = design.weights if design.result is not None else None
        alpha = spec.outcomes.alpha

        def pooled(results: list[Any]) -> Any:
            return results[0] if len(results) == 1 else pool_effects(results, alpha=alpha)

        def each(outcome: str, adjusted: bool = True) -> Any:
            # the effect on `outcome` in each completed data set (one when not imputed), pooled
            return pooled([_effect(d.data, outcome, d.result if adjusted else None, spec, cluster_col,
                                   d.propensity if adjusted else None) for d in designs])

        with start("rules"):
            rules = apply_rules(data, weights, spec, estimand=design.estimand)
        allowed = rules.effects_allowed and design.gate.passed
        with start("recidivism"):
            # the primary outcome: when its headline effect is not estimable (no variation in a
            # group: nobody or everybody reoffends) the report is still written, saying why, and
            # every effect and conclusion that depends on it is withheld; another horizon that is
            # not estimable is skipped with its reason
            for h in spec.cohort.horizons:
                if allowed:
                    try:
                        pair = (each(f"reoffend_{h}", adjusted=False), each(f"reoffend_{h}"))
                    except NotEstimable as exc:
                        if h == h0:
                            not_estimable = headline_not_estimable(h, exc)
                            break
                        skipped.append(f"Proven reoffending {_days_words(h)} could not be estimated and is left out "
                                       f"({exc.reason}).")
                        continue
                    naive[h], recid[h] = pair
                    notes.extend(recid[h].notes)
            if imputed is not None and design.result is not None:
                md = imputed_effects(imputed, spec.design, [], headline=f"reoffend_{h0}", random_state=spec.run.seed,
                                     disclosure_threshold=spec.disclosure.threshold, cluster=cluster_col, alpha=alpha,
                                     complete_data=cohort.data, designs=designs)
                missing_data = replace(md, effects={f"reoffend_{h}": r for h, r in recid.items()
                                                    if allowed and not_estimable is None})
                notes.extend(missing_data.notes)
            if not_estimable is not None:
                recid.clear()
                naive.clear()
                allowed = False
        with secondary("frequency"):
            if allowed:
                for h in spec.cohort.horizons:
                    freq[h] = each(f"reoffences_{h}")
        with secondary("time_to_event"):
            if allowed and rules.time_to_event_allowed:
                per_tte, per_km, per_cif, per_days = [], [], [], []
                for d in designs:
                    wdata = d.data.assign(design_weight=d.weights)
                    kw = dict(weights="design_weight", cluster=cluster_col, times=spec.cohort.horizons, alpha=alpha)
                    per_tte.append(survival.time_to_event_effects(wdata, "time_reoffend", "event_reoffend", "treatment",
                                                                  **kw))
                    per_km.append(survival.kaplan_meier(wdata, "time_reoffend", "event_reoffend", "treatment", **kw))
                    per_cif.append(survival.cumulative_incidence(wdata, "time_reoffend", "event_type", "treatment", **kw))
                    per_days.append(_days_to_reoffence(d.data, d.weights, h0, alpha))
                if len(designs) == 1:
                    tte, km, cif, days = per_tte[0], per_km[0], per_cif[0], per_days[0]
                else:
                    from altmeasures_eval.imputation import pool_cumulative_incidence, pool_kaplan_meier, pool_survival

                    tte, km = pool_survival(per_tte, alpha), pool_kaplan_meier(per_km, alpha)
                    cif, days = pool_cumulative_incidence(per_cif, alpha), _pool_days(per_days, alpha)
                notes.extend(tte.notes)
        with secondary("health"):
            if allowed:
                for name in spec.outcomes.health:
                    col = name.replace("{h}", str(h0))
                    if col not in data.columns:
                        skipped.append(f"Health outcome {col} is not a cohort column and is left out "
                                       "(remove it from [outcomes] health).")
                        continue
                    y = data[col]
                    if y.notna().sum() == 0 or y.dropna().nunique() < 2:
                        skipped.append(f"Health outcome {col} not estimated: no variation or not observable.")
                        continue
                    try:
                        health[col] = each(col)
                    except (AltMeasuresError, ValueError, ZeroDivisionError, np.linalg.LinAlgError) as exc:
                        skipped.append(f"Health outcome {col} not estimated: {str(exc).splitlines()[0]}")
        with secondary("subgroups"):
            if allowed and spec.outcomes.subgroups:
                subgroups, sg_skipped = _pooled_subgroups(designs, spec, cluster_col)
                skipped.extend(sg_skipped)
        with secondary("sensitivity"):
            if allowed and h0 in recid:
                evs = _evalues(recid[h0], tte)

        def clusters(d: Any) -> np.ndarray | None:
            return d.data["person_id"].to_numpy() if cluster_col else None

        consistency = None  # one cross-table consistency report for the prison and cost stages

        def shared_consistency() -> Any:
            nonlocal consistency
            if consistency is None:
                from altmeasures_eval.io import check_consistency

                consistency = check_consistency(dataset)
            return consistency

        with secondary("prison"):
            if allowed:
                if len(designs) == 1:
                    prison = prison_stage(dataset, data, weights, spec, clusters(design), estimand=design.estimand,
                                          rate_weights=design.weights_for("ATC"), consistency=shared_consistency())
                else:
                    prison = prison_stage(dataset, [d.data for d in designs], [d.weights for d in designs], spec,
                                          [clusters(d) for d in designs], estimand=design.estimand,
                                          rate_weights=[d.weights_for("ATC") for d in designs],
                                          consistency=shared_consistency())
                notes.extend(prison.notes)
        with secondary("costs"):
            if allowed:
                if len(designs) == 1:
                    costs = costs_stage(dataset, data, weights, spec, clusters(design), estimand=design.estimand,
                                        consistency=shared_consistency())
                else:
                    costs = costs_stage(dataset, [d.data for d in designs], [d.weights for d in designs], spec,
                                        [clusters(d) for d in designs], estimand=design.estimand,
                                        consistency=shared_consistency())
                notes.extend(costs.notes)
    finally:
        bar.close()

    ext = pd.Timestamp(dataset.extract.extract_date)
    country = spec.report.country or str(getattr(dataset.extract, "country", "") or "")
    ev = Evaluation(
        spec=spec, country=country, extract_date=ext, period=(spec.cohort.period_start, spec.cohort.period_end),
        quality=quality, cohort=cohort, design=design, rules=rules, recidivism=recid, naive=naive, frequency=freq,
        time_to_event=tte, survival_curves=km, competing=cif, health=health, subgroups=subgroups, evalues=evs,
        prison=prison, costs=costs, limitations=(), notes=tuple(dict.fromkeys(notes)), table_hashes=hashes,
        versions=package_versions(), timings=timings, days_to_reoffence=days, skipped=tuple(skipped),
        missing_data=missing_data, headline_not_estimable=not_estimable,
    )
    return _with_limitations(ev)


def _with_limitations(ev: Evaluation) -> Evaluation:
    from dataclasses import replace

    return replace(ev, limitations=tuple(limitations_from(ev)))
