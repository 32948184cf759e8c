"""Run every configured design on every outcome of a panel: the ``policy`` command's computation."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from altmeasures_eval._errors import DataContractError, NotEstimable
from altmeasures_eval.reform._data import Panel, month_to_period, period_to_month, prepare_panel
from altmeasures_eval.reform._did import bacon_decomposition, staggered_did, two_way_fe
from altmeasures_eval.reform._gate import ReformGate, gate_did, gate_its, gate_synth
from altmeasures_eval.reform._its import interrupted_time_series
from altmeasures_eval.reform._spec import PolicySpec
from altmeasures_eval.reform._synth import synthetic_control

__all__ = ["DesignResult", "ReformEvaluation", "adoption_periods", "run_reform"]

ESTIMANDS = {
    "did": "the average effect of the reform on the adopting jurisdictions over the months after each adopted it "
           "(difference from the change seen in {control} jurisdictions), weighted by the number of jurisdictions "
           "in each adoption cohort",
    "its": "the average difference, over the months after the reform, between {unit}'s observed outcome and its "
           "pre-reform level, trend and seasonal pattern projected forward",
    "synth": "the average difference, over the months after the reform, between {unit} and a weighted average of "
             "jurisdictions that did not adopt it, chosen to match {unit} before the reform",
}
ASSUMPTIONS = {
    "did": "Without the reform, the outcome in adopting jurisdictions would have changed as it did in the comparison "
           "jurisdictions (parallel trends); jurisdictions did not change behaviour in anticipation of the reform; "
           "no other change hit the adopting jurisdictions at the same time.",
    "its": "Without the reform, the outcome would have kept its pre-reform level, trend and seasonal pattern; "
           "nothing else changed at the reform date (no other law, recording change or shock).",
    "synth": "Without the reform, the jurisdiction would have followed the same weighted combination of non-adopting "
             "jurisdictions that matched it before the reform; the reform did not affect those jurisdictions.",
}


@dataclass(frozen=True)
class DesignResult:
    """One design on one outcome.

    Attributes
    ----------
    outcome, design : str
    estimand : str
        In plain words.
    assumptions : str
    effect : dict
        ``estimate``, ``ci_low``, ``ci_high``, ``p_value``; all ``None`` when the gate withholds it.
    estimated : dict
        The same numbers whether or not withheld (for diagnostics and tests, never the headline).
    gate : ReformGate or None
    result : object
        The estimator's result (:class:`StaggeredDiD`, :class:`InterruptedTimeSeries`,
        :class:`SyntheticControl`), ``None`` when not estimable.
    diagnostics : dict
    extra : dict
        Design-specific companions (the two-way fixed-effects estimate and its Bacon decomposition).
    notes : tuple of str
    """

    outcome: str
    design: str
    estimand: str
    assumptions: str
    effect: dict[str, float | None]
    estimated: dict[str, float | None]
    gate: ReformGate | None
    result: Any
    diagnostics: dict[str, Any] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class ReformEvaluation:
    """Every design on every outcome, with the inputs' description.

    Attributes
    ----------
    spec : PolicySpec
    results : tuple of DesignResult
    summary : pandas.DataFrame
        One row per outcome and design: ``estimate``, ``ci_low``, ``ci_high``, ``p_value`` (empty when
        withheld), ``passed``.
    panel_info : dict
        Jurisdictions, months, cohorts.
    notes : tuple of str
    """

    spec: PolicySpec
    results: tuple[DesignResult, ...]
    summary: pd.DataFrame
    panel_info: dict[str, Any]
    notes: tuple[str, ...] = ()


def adoption_periods(policy: pd.DataFrame) -> pd.Series:
    """``policy`` table -> first treated period by jurisdiction (NaN for never-adopters)."""
    months = policy["adoption_month"]
    has = months.notna()
    out = pd.Series(np.nan, index=policy["jurisdiction"].astype(str).to_numpy())
    out[has.to_numpy()] = month_to_period(months[has])
    return out


def _clean(v: Any) -> float | None:
    return None if v is None or not np.isfinite(float(v)) else float(v)


def _effect(est: float, lo: float, hi: float, p: float) -> dict[str, float | None]:
    return {"estimate": _clean(est), "ci_low": _clean(lo), "ci_high": _clean(hi), "p_value": _clean(p)}


def _finish(outcome: str, design: str, estimated: dict[str, float | None], gate: ReformGate, result: Any,
            unit: str, control: str, diagnostics: dict[str, Any], extra: dict[str, Any] | None = None) -> DesignResult:
    shown = estimated if gate.passed else {k: None for k in estimated}
    return DesignResult(outcome=outcome, design=design,
                        estimand=ESTIMANDS[design].format(unit=unit, control=control),
                        assumptions=ASSUMPTIONS[design], effect=shown, estimated=estimated, gate=gate,
                        result=result, diagnostics=diagnostics, extra=extra or {},
                        notes=tuple(getattr(result, "notes", ())))


def _not_estimable(outcome: str, design: str, exc: NotEstimable) -> DesignResult:
    return DesignResult(outcome=outcome, design=design, estimand=ESTIMANDS[design].format(unit="the jurisdiction", control="comparison"),
                        assumptions=ASSUMPTIONS[design], effect=_effect(np.nan, np.nan, np.nan, np.nan),
                        estimated=_effect(np.nan, np.nan, np.nan, np.nan), gate=None, result=None,
                        diagnostics={"not_estimable": exc.reason}, notes=(str(exc),))


def _did(panel: Panel, spec: PolicySpec) -> DesignResult:
    r = staggered_did(panel, control=spec.did.control, alpha=spec.policy.alpha, n_boot=spec.did.n_boot,
                      pretrend_periods=spec.gate.pretrend_periods,
                      pretrend_bin=6 if panel.periods[0] > 5000 else 1, random_state=spec.policy.random_state)
    tw = two_way_fe(panel, alpha=spec.policy.alpha)
    bacon = bacon_decomposition(panel)
    o = r.overall
    gate = gate_did(r, spec.gate)
    misleads = (bacon.forbidden_weight > 0.01 and not (o["ci_low"] <= tw.estimate <= o["ci_high"]))
    warn = (f"The two-way fixed-effects estimate ({tw.estimate:.3g}) lies outside the interval of the group-time "
            f"estimate: {bacon.forbidden_weight:.0%} of its weight comes from comparisons that use already-treated "
            "jurisdictions as controls, which biases it when effects change over time (Goodman-Bacon, 2021)."
            if misleads else
            f"The two-way fixed-effects estimate ({tw.estimate:.3g}) is shown for comparison only; "
            f"{bacon.forbidden_weight:.0%} of its weight comes from comparisons with already-treated jurisdictions.")
    diag = {"pretrend": {k: _clean(v) for k, v in r.pretrend.items()},
            "twfe": {"estimate": tw.estimate, "se": tw.se, "ci_low": tw.ci_low, "ci_high": tw.ci_high,
                     "forbidden_weight": bacon.forbidden_weight, "misleading": bool(misleads), "warning": warn},
            "n_units": r.n_units, "cohorts": [period_to_month(g) if g > 5000 else int(g) for g in r.by_cohort["cohort"]]}
    control = "never-treated" if spec.did.control == "never" else "never- and not-yet-treated"
    return _finish(panel.outcome, "did", _effect(o["estimate"], o["ci_low"], o["ci_high"], o["p_value"]), gate, r,
                   "", control, diag, {"twfe": tw, "bacon": bacon})


def _its(panel: Panel, spec: PolicySpec) -> DesignResult:
    s = spec.its
    if s.jurisdiction == "all":
        y, unit = panel.y.sum(axis=0), "the whole country"
        adopt = month_to_period([s.adoption_month])[0] if s.adoption_month else np.nanmin(np.where(np.isfinite(panel.adoption), panel.adoption, np.nan))
    else:
        if s.jurisdiction not in panel.units:
            raise DataContractError(f"[its] jurisdiction {s.jurisdiction!r} is not in the panel (jurisdictions: {', '.join(panel.units[:10])} ...)")
        i = panel.units.index(s.jurisdiction)
        y, unit = panel.y[i], s.jurisdiction
        adopt = month_to_period([s.adoption_month])[0] if s.adoption_month else panel.adoption[i]
    if not np.isfinite(adopt):
        raise NotEstimable("the interrupted time series", f"{unit} has no adoption month; set [its] adoption_month")
    r = interrupted_time_series(y, panel.periods, int(adopt), errors=s.errors, lags=s.lags or None,
                                seasonal=12 if s.seasonal else None, alpha=spec.policy.alpha)
    gate = gate_its(r, spec.gate)
    e = r.effect
    diag = {"placebo_in_time": {k: _clean(v) for k, v in r.placebo.items()},
            "level_change": r.coefficients.set_index("term").loc["level_change", "estimate"],
            "slope_change": r.coefficients.set_index("term").loc["slope_change", "estimate"],
            "errors": r.errors, "lags": r.lags, "adoption": period_to_month(int(adopt))}
    return _finish(panel.outcome, "its", _effect(e["estimate"], e["ci_low"], e["ci_high"], e["p_value"]), gate, r,
                   unit, "", diag)


def _synth(panel: Panel, spec: PolicySpec) -> DesignResult:
    treated = spec.synth.treated
    if not treated:
        finite = np.isfinite(panel.adoption)
        if not finite.any():
            raise NotEstimable("the synthetic control", "no jurisdiction adopts the reform")
        treated = panel.units[int(np.argmin(np.where(finite, panel.adoption, np.inf)))]
    r = synthetic_control(panel, treated, v_method=spec.synth.v_method, outcome_lags=spec.synth.outcome_lags,  # type: ignore[arg-type]
                          alpha=spec.policy.alpha, fit_block=12 if panel.periods[0] > 5000 else 1)
    gate = gate_synth(r, spec.gate)
    e = r.effect
    diag = {"pre_rmspe": r.pre_rmspe, "pre_rmspe_relative": r.pre_rmspe_relative, "in_hull": r.in_hull,
            "placebo_p_value": _clean(e["placebo_p_value"]),
            "weights": {k: round(float(v), 4) for k, v in r.weights[r.weights > 0.001].items()}}
    return _finish(panel.outcome, "synth", _effect(e["estimate"], e["ci_low"], e["ci_high"], e["p_value"]), gate, r,
                   treated, "", diag)


def run_reform(panel: pd.DataFrame, policy: pd.DataFrame, spec: PolicySpec | None = None) -> ReformEvaluation:
    """Run the configured designs on every outcome.

    Parameters
    ----------
    panel : pandas.DataFrame
        Validated ``panel`` table: ``jurisdiction``, ``month`` (``YYYY-MM``), outcome columns,
        optional ``population``.
    policy : pandas.DataFrame
        Validated ``policy`` table: ``jurisdiction``, ``adoption_month`` (empty = never).
    spec : PolicySpec, optional

    Returns
    -------
    ReformEvaluation
    """
    spec = spec or PolicySpec()
    frame = panel.assign(period=month_to_period(panel["month"]), jurisdiction=panel["jurisdiction"].astype(str))
    missing = sorted(set(frame["jurisdiction"]) - set(policy["jurisdiction"].astype(str)))
    if missing:
        raise DataContractError(f"policy: jurisdiction(s) {', '.join(missing[:5])} of the panel have no row in the policy "
                                "table; add them (adoption_month empty for jurisdictions that never adopted)")
    adoption = adoption_periods(policy)
    outcomes = spec.policy.outcomes or tuple(c for c in panel.columns if c not in ("jurisdiction", "month", "population"))
    for o in outcomes:
        if o not in panel.columns:
            raise DataContractError(f"panel: outcome column {o!r} named in [policy] outcomes is not in the panel "
                                    f"(columns: {', '.join(panel.columns)})")
    if spec.policy.per_population and "population" not in panel.columns:
        raise DataContractError("panel: [policy] per_population needs a population column")
    results = []
    notes: list[str] = []
    for o in outcomes:
        f = frame
        if spec.policy.per_population:
            f = frame.assign(**{o: frame[o] / frame["population"] * spec.policy.per_population})
        p = prepare_panel(f, o, adoption=adoption)
        notes += list(p.notes)
        for d in spec.policy.designs:
            try:
                results.append({"did": _did, "its": _its, "synth": _synth}[d](p, spec))
            except NotEstimable as exc:
                results.append(_not_estimable(o, d, exc))
    rows = [{"outcome": r.outcome, "design": r.design, **r.effect,
             "passed": None if r.gate is None else r.gate.passed} for r in results]
    periods = month_to_period(panel["month"])
    info = {"jurisdictions": int(frame["jurisdiction"].nunique()), "first_month": period_to_month(int(periods.min())),
            "last_month": period_to_month(int(periods.max())),
            "adopters": int(np.isfinite(adoption.reindex(frame["jurisdiction"].unique())).sum()),
            "cohorts": sorted(set(policy["adoption_month"].dropna().astype(str)))}
    return ReformEvaluation(spec=spec, results=tuple(results), summary=pd.DataFrame(rows), panel_info=info,
                            notes=tuple(dict.fromkeys(notes)))
