"""One evaluation run: data quality -> cohort -> design -> outcomes -> prison -> costs -> rules.

Computation only: nothing here writes a file or imports matplotlib. Each stage is named; a failure
raises :class:`EvaluationError` naming the stage and what to do.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from importlib import metadata
from typing import Any

import numpy as np
import pandas as pd

from altmeasures_eval._errors import AltMeasuresError
from altmeasures_eval.evaluation._result import Evaluation, RuleOutcome
from altmeasures_eval.evaluation._rules import apply_rules, limitations_from
from altmeasures_eval.evaluation._spec import EvaluationSpec
from altmeasures_eval.evaluation._stages import costs_stage, prison_stage
from altmeasures_eval.schema import Dataset

__all__ = ["STAGES", "EvaluationError", "build_design", "prepare_covariates", "run_evaluation"]

#: The named stages, in order, with the fix suggested when one fails.
STAGES: dict[str, str] = {
    "quality": "check the input tables with `altmeasures-eval validate DATA`",
    "cohort": "check [cohort] in the config (period, offence codes, stages) against the data",
    "design": "check [design] covariates (cohort column names) and method; a covariate with one value "
              "or a group with no overlap cannot be modelled",
    "rules": "check [decision_rules]",
    "recidivism": "check that the cohort has observable follow-up (extract date after period_end + horizon + 182 days)",
    "time_to_event": "check time_reoffend/event_reoffend in the cohort; set [decision_rules] to withhold it",
    "health": "remove unavailable outcomes from [outcomes] health",
    "subgroups": "remove the failing variable from [outcomes] subgroups or raise min_subgroup",
    "prison": "check the custody_spells table and [population]",
    "costs": "check [costs] unit costs and [costs.analysis]",
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


def _prepare(data: pd.DataFrame, covariates: tuple[str, ...]) -> tuple[pd.DataFrame, tuple[str, ...], list[str]]:
    """Covariates with an explicit ``unknown`` level for missing categories; constant ones dropped."""
    from altmeasures_eval._errors import ConfigError

    missing = [c for c in covariates if c not in data.columns]
    if missing:
        raise ConfigError(f"[design] covariates {missing} are not cohort columns")
    notes, keep = [], []
    fill = {}
    for c in covariates:
        col = data[c]
        if col.dtype == object or isinstance(col.dtype, pd.CategoricalDtype):
            if col.isna().any():
                fill[c] = col.astype(object).where(col.notna(), "unknown")
        elif col.isna().any():
            raise ConfigError(f"[design] covariate {c!r} has {int(col.isna().sum())} missing values; "
                              "drop it from [design] covariates")
        if col.nunique(dropna=False) <= 1:
            notes.append(f"covariate {c} takes one value in the cohort and was left out of the propensity model")
        else:
            keep.append(c)
    return data.assign(**fill), tuple(keep), notes


def _design(data: pd.DataFrame, spec: EvaluationSpec) -> tuple[Any, Any, np.ndarray, list[str]]:
    from altmeasures_eval.matching import entropy_balance, estimate_propensity, match_nearest, weight_ipw, weight_overlap

    d = spec.design
    covs = list(data.attrs["covariates"])
    ps = estimate_propensity(data, "treatment", covs)
    if d.method == "ipw":
        bounds = (d.trim, 1 - d.trim) if d.trim > 0 else None
        res = weight_ipw(data, "treatment", ps, estimand=d.estimand, ps_bounds=bounds)
    elif d.method == "overlap":
        res = weight_overlap(data, "treatment", ps)
    elif d.method == "entropy":
        res = entropy_balance(data, "treatment", covs, estimand=d.estimand)
    else:
        res = match_nearest(data, "treatment", ps, estimand=d.estimand, ratio=d.ratio, replace=d.replace,
                            caliper=d.caliper or None, random_state=spec.run.seed)
    weights = res.weights.to_numpy(float)
    label = {"ipw": "inverse-probability weighting", "overlap": "overlap weighting",
             "entropy": "entropy balancing", "matching": "nearest-neighbour matching"}[d.method]
    notes = [f"design: {label} on a logistic propensity score of {', '.join(covs)}; estimand {d.estimand}",
             *ps.notes, *res.notes]
    return ps, res, weights, notes


def _effect(data: pd.DataFrame, outcome: str, design: Any, spec: EvaluationSpec, cluster: str | None) -> Any:
    from altmeasures_eval.effects import estimate_effect

    return estimate_effect(data, outcome, "treatment", design, cluster=cluster, alpha=spec.outcomes.alpha,
                           random_state=spec.run.seed)


def _subgroups(data: pd.DataFrame, design: Any, spec: EvaluationSpec, cluster: str | None) -> pd.DataFrame | None:
    """Alternative types (each against all custody, design re-estimated) and other variables."""
    from statsmodels.stats.multitest import multipletests

    from altmeasures_eval._parallel import compute_backend, parallel_map

    from altmeasures_eval.effects import estimate_effect, subgroup_effects
    from altmeasures_eval.schema import ALTERNATIVE_DISPOSITIONS

    outcome = f"reoffend_{spec.report.headline_horizon}"
    m = spec.outcomes.min_subgroup
    rows = []
    for var in spec.outcomes.subgroups:
        if var == "disposition":
            n_control = int((data["treatment"] == 0).sum())
            alts = [a for a in ALTERNATIVE_DISPOSITIONS
                    if int((data["disposition"] == a).sum()) >= m and n_control >= m]

            def one(i: int, _rng: Any, alts: list[str] = alts) -> dict[str, Any]:
                # each alternative type against all custody cases, with its own design
                sub = data[(data["disposition"] == alts[i]) | (data["treatment"] == 0)].copy()
                sub.attrs["covariates"] = data.attrs["covariates"]
                _, des, _, _ = _design(sub, spec)
                r = estimate_effect(sub, outcome, "treatment", des, cluster=cluster,
                                    alpha=spec.outcomes.alpha).summary.iloc[0]
                return {"variable": "disposition", "level": alts[i], "estimate": r["estimate"], "se": r["se"],
                        "ci_low": r["ci_low"], "ci_high": r["ci_high"], "p_value": r["p_value"],
                        "n_treated": int((sub["treatment"] == 1).sum()), "n_control": n_control}

            with compute_backend(spec.compute):
                rows.extend(parallel_map(one, len(alts), random_state=spec.run.seed, n_jobs=spec.run.n_jobs))
        else:
            if var not in data.columns:
                from altmeasures_eval._errors import ConfigError

                raise ConfigError(f"[outcomes] subgroups: {var!r} is not a cohort column")
            try:
                sg = subgroup_effects(data, outcome, "treatment", [var], design, min_per_group=m,
                                      alpha=spec.outcomes.alpha)
            except AltMeasuresError:
                continue  # no level large enough in both groups
            t = sg.table.reset_index()
            for _, r in t.iterrows():
                rows.append({"variable": var, "level": str(r.get("level", "")), "estimate": r["estimate"],
                             "se": r["se"], "ci_low": r["ci_low"], "ci_high": r["ci_high"],
                             "p_value": r["p_value"], "n_treated": int(r["n_treated"]),
                             "n_control": int(r["n_control"])})
    if not rows:
        return None
    out = pd.DataFrame(rows)
    ok = out["p_value"].notna()
    out["p_holm"] = np.nan
    if ok.any():
        out.loc[ok, "p_holm"] = multipletests(out.loc[ok, "p_value"], method="holm")[1]
    return out


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
            "estimate": float(r["estimate"]), "ci_low": float(r["ci_low"]), "ci_high": float(r["ci_high"]),
            "p_value": float(r["p_value"]), "n_treated": int((t == 1).sum()), "n_control": int((t == 0).sum()),
            "horizon": h}


def prepare_covariates(data: pd.DataFrame, covariates: Sequence[str]) -> tuple[pd.DataFrame, tuple[str, ...], list[str]]:
    """The cohort ready for the propensity model, as every evaluation builds it.

    Missing categories become an explicit ``unknown`` level; a covariate with one value is left out
    (with a note); a numeric covariate with missing values is an error.

    Returns
    -------
    data : DataFrame
        With ``data.attrs["covariates"]`` set to the covariates kept.
    covariates : tuple of str
    notes : list of str

    Raises
    ------
    ConfigError
        A covariate that is not a cohort column, or a numeric one with missing values.
    """
    data, covs, notes = _prepare(data, tuple(covariates))
    data.attrs["covariates"] = covs
    return data, covs, notes


def build_design(data: pd.DataFrame, spec: EvaluationSpec) -> tuple[Any, Any, np.ndarray, list[str]]:
    """The ``[design]`` of ``spec`` on prepared data (:func:`prepare_covariates`).

    Returns
    -------
    propensity : PropensityScore
    design : WeightResult or MatchResult
    weights : ndarray
        Design weights aligned with ``data``.
    notes : list of str
    """
    return _design(data, spec)


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
    from altmeasures_eval.io import quality_report
    from altmeasures_eval.matching import balance_table

    spec = spec or EvaluationSpec()
    timings: dict[str, float] = {}
    notes: list[str] = []
    h0 = spec.report.headline_horizon
    cluster_col = "person_id" if spec.cohort.index_event == "every" else None
    empty: dict[Any, Any] = {}
    recid, naive, freq, health = dict(empty), dict(empty), dict(empty), dict(empty)
    ps = design = weights = balance = tte = km = cif = subgroups = evs = prison = costs = days = None
    bar = tqdm(total=len(STAGES), desc="evaluation", disable=not progress, unit="stage")

    def start(name: str) -> Any:
        if on_stage is not None:
            on_stage(name)
        return _stage(name, timings, bar)

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
            data, covs, cov_notes = _prepare(cohort.data, spec.design.covariates)
            data.attrs["covariates"] = covs
            notes.extend(cov_notes)
            n_t, n_c = int((data["treatment"] == 1).sum()), int((data["treatment"] == 0).sum())
            if n_t >= 2 and n_c >= 2:
                ps, design, weights, dnotes = _design(data, spec)
                notes.extend(dnotes)
                balance = balance_table(data, "treatment", list(covs), design, distance=ps,
                                        threshold=spec.design.balance_threshold)
                notes.extend(balance.notes)
        with start("rules"):
            rules = apply_rules(data, weights, spec)
        allowed = rules.effects_allowed and design is not None
        with start("recidivism"):
            for h in spec.cohort.horizons:
                naive[h] = _effect(data, f"reoffend_{h}", None, spec, cluster_col) if n_t and n_c else None
                if allowed:
                    recid[h] = _effect(data, f"reoffend_{h}", design, spec, cluster_col)
                    freq[h] = _effect(data, f"reoffences_{h}", design, spec, cluster_col)
                    notes.extend(recid[h].notes)
        with start("time_to_event"):
            if allowed and rules.time_to_event_allowed:
                wdata = data.assign(design_weight=weights)
                kw = dict(weights="design_weight", cluster=cluster_col, times=spec.cohort.horizons, alpha=spec.outcomes.alpha)
                tte = survival.time_to_event_effects(wdata, "time_reoffend", "event_reoffend", "treatment", **kw)
                km = survival.kaplan_meier(wdata, "time_reoffend", "event_reoffend", "treatment", **kw)
                cif = survival.cumulative_incidence(wdata, "time_reoffend", "event_type", "treatment", **kw)
                notes.extend(tte.notes)
                days = _days_to_reoffence(data, weights, h0, spec.outcomes.alpha)
        with start("health"):
            if allowed:
                for name in spec.outcomes.health:
                    col = name.replace("{h}", str(h0))
                    if col not in data.columns:
                        from altmeasures_eval._errors import ConfigError

                        raise ConfigError(f"[outcomes] health outcome {col!r} is not a cohort column")
                    y = data[col]
                    if y.notna().sum() == 0 or y.dropna().nunique() < 2:
                        notes.append(f"health outcome {col} not estimated: no variation or not observable")
                        continue
                    health[col] = _effect(data, col, design, spec, cluster_col)
        with start("subgroups"):
            if allowed and spec.outcomes.subgroups:
                subgroups = _subgroups(data, design, spec, cluster_col)
            if allowed and h0 in recid:
                evs = _evalues(recid[h0], tte)
        cl = data["person_id"].to_numpy() if cluster_col else None
        with start("prison"):
            if allowed:
                prison = prison_stage(dataset, data, weights, spec, cl)
                notes.extend(prison.notes)
        with start("costs"):
            if allowed:
                costs = costs_stage(dataset, data, weights, spec, cl)
                notes.extend(costs.notes)
    finally:
        bar.close()

    ext = pd.Timestamp(dataset.extract.extract_date)
    country = spec.report.country or str(getattr(dataset.extract, "country", "") or "")
    ev = Evaluation(
        spec=spec, country=country, extract_date=ext, period=(spec.cohort.period_start, spec.cohort.period_end),
        quality=quality, cohort=cohort, covariates=covs, propensity=ps, design=design, weights=weights,
        balance=balance, rules=rules, recidivism=recid, naive=naive, frequency=freq, time_to_event=tte,
        survival_curves=km, competing=cif, health=health, subgroups=subgroups, evalues=evs, prison=prison,
        costs=costs, limitations=(), notes=tuple(dict.fromkeys(notes)), table_hashes=hashes,
        versions=package_versions(), timings=timings, days_to_reoffence=days,
    )
    return _with_limitations(ev)


def _with_limitations(ev: Evaluation) -> Evaluation:
    from dataclasses import replace

    return replace(ev, limitations=tuple(limitations_from(ev)))
