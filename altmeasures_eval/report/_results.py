"""``results.json``: the machine-readable results of an evaluation (versioned schema).

The schema is ``docs/results-schema.md`` and ``altmeasures_eval/report/results.schema.json``
(JSON Schema draft 2020-12, shipped in the package). Counts pass through the same disclosure
control as the tables: every number that a published table prints is taken *from that table*
(after disclosure control), so ``results.json`` cannot publish what the CSV hides; a suppressed
value is ``null`` and its path is named in ``suppressed``.
"""

from __future__ import annotations

import json
import math
from importlib import resources
from typing import Any

import numpy as np

from altmeasures_eval._errors import AltMeasuresError
from altmeasures_eval.privacy import DisclosurePolicy
from altmeasures_eval.report._tables import hidden_labels, publish_notes, publishable_frame

__all__ = ["RESULTS_SCHEMA_VERSION", "build_results", "load_results_schema", "validate_results"]

#: Version of the results.json schema; bump the major part on a breaking change.
RESULTS_SCHEMA_VERSION = "1.2.0"


def _num(v: Any, digits: int = 6) -> float | None:
    if v is None:
        return None
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(f) or math.isinf(f) else round(f, digits)


def _four(est: Any, lo: Any, hi: Any, p: Any) -> dict[str, float | None]:
    return {"estimate": _num(est), "ci_low": _num(lo), "ci_high": _num(hi), "p_value": _num(p)}


def _count(v: Any, policy: DisclosurePolicy, suppressed: list[str], name: str) -> int | None:
    shown = policy.count(v)
    if shown is None:
        suppressed.append(name)
    return shown


class _Cells:
    """Reads published values out of a disclosure-controlled table: the marker becomes ``None``
    and its path is recorded in ``suppressed``."""

    def __init__(self, marker: str, suppressed: list[str]) -> None:
        self.marker, self.suppressed = marker, suppressed

    def get(self, value: Any, path: str, scale: float = 1.0) -> float | None:
        if isinstance(value, str) and value == self.marker:
            self.suppressed.append(path)
            return None
        f = _num(value)
        return None if f is None else _num(f * scale)

    def four(self, row: Any, cols: tuple[str, str, str, str], path: str, scale: float = 1.0,
             p_allowed: bool = True) -> dict[str, float | None]:
        keys = ("estimate", "ci_low", "ci_high", "p_value")
        out = {k: self.get(row[c], f"{path}.{k}", scale if k != "p_value" else 1.0) if c else None
               for k, c in zip(keys, cols)}
        if not p_allowed:
            out["p_value"] = None
        return out


def _design_gate(ev: Any, policy: Any, sup: list[str]) -> dict[str, Any]:
    """The design gate (B1, #12): ``passed``, the population described, each check with its value
    beside its threshold, reasons and advice, and the stages left out of the comparison."""
    from altmeasures_eval.design import COUNT_CHECKS

    gate = ev.design.gate
    checks = []
    for i, r in gate.checks.reset_index(drop=True).iterrows():
        v = r["value"]
        if isinstance(v, str):
            value: Any = v
        elif r["check"] in COUNT_CHECKS:
            value = _count(v, policy, sup, f"design.checks.{i}.value")
        elif isinstance(v, (int, np.integer)):
            value = int(v)
        else:
            value = _num(v)
        checks.append({"check": str(r["check"]), "value": value, "threshold": str(r["threshold"]),
                       "passed": bool(r["passed"]), "detail": str(r["detail"])})
    stages = []
    points = ev.design.decision_points
    if points is not None and len(points.left_out):
        for i, r in points.left_out.reset_index(drop=True).iterrows():
            stages.append({"stage": str(r["stage"]), "reason": str(r["reason"]),
                           "persons": _count(r["persons"], policy, sup, f"design.stages_left_out.{i}.persons")})
    return {"estimand_label": ev.design.estimand_label, "passed": bool(gate.passed),
            "checks": checks, "reasons": publish_notes(gate.reasons, ev.spec.disclosure),
            "advice": publish_notes(gate.advice, ev.spec.disclosure), "stages_left_out": stages}


def _missing_data(ev: Any, policy: Any, sup: list[str]) -> dict[str, Any] | None:
    """``[design] missing``: missingness per covariate (counts through disclosure control), the
    method, m, the fraction of missing information of the headline estimate and the complete-case
    sensitivity result (issue #17; added by H)."""
    md = getattr(ev, "missing_data", None)
    if md is None:
        return None
    covs = []
    for r in md.missing.itertuples():
        n = _count(int(r.n_missing), policy, sup, f"missing_data.covariates.{r.column}.n_missing")
        covs.append({"covariate": str(r.column), "n_missing": n,
                     "share_missing": _num(r.share_missing, 3) if n is not None else None})
    cc = None
    if md.complete_case is not None:
        row = md.complete_case.summary.loc["risk_difference"]
        sig = ev.rules.significance.get(ev.headline_horizon, False)  # p-values only where the rules allow
        cc = {**_four(row["estimate"], row["ci_low"], row["ci_high"], row["p_value"] if sig else None),
              "n": _count(int(row["n"]), policy, sup, "missing_data.complete_case.n")}
    out = {"method": md.method, "m": int(md.m), "covariates": covs,
           "headline_fmi": _num(md.fmi, 3) if md.m else None, "complete_case_risk_difference": cc}
    if md.method == "impute" and md.m:  # every stage pooled over the m imputations (M, #17)
        per = getattr(md, "balance_by_imputation", None)
        bal = getattr(getattr(ev, "design", None), "balance", None)
        tab = bal.table.drop(index="distance", errors="ignore") if bal is not None else None
        out["pooled_stages"] = [s for s in POOLED_STAGES if _present(getattr(ev, s, None))]
        out["balance_pooled_max_abs_smd"] = (_num(float(tab["smd_after"].abs().max()), 3)
                                             if tab is not None and len(tab) else None)
        out["imputations_own_gate_failed"] = int((~per["gate_passed"].astype(bool)).sum()) if per is not None else None
    return out


def _present(value: Any) -> bool:
    """A stage result that was estimated (not None, not an empty dict or table)."""
    if value is None:
        return False
    if isinstance(value, dict) or hasattr(value, "columns"):  # a dict of results or a table
        return len(value) > 0
    return True


#: Evaluation fields whose results are pooled over the imputations under [design] missing = "impute".
POOLED_STAGES = ("recidivism", "naive", "frequency", "time_to_event", "survival_curves", "competing", "health",
                 "subgroups", "days_to_reoffence", "prison", "costs")


def build_results(ev: Any, tables: dict[str, Any], notes: tuple[str, ...] = ()) -> dict[str, Any]:
    """The results.json document of an evaluation.

    Parameters
    ----------
    ev : Evaluation
    tables : dict of str to PublishedTable
        The disclosure-controlled tables (the attrition list is taken from them).
    notes : tuple of str
        Extra notes (disclosure control) appended to the evaluation's limitations.

    Returns
    -------
    dict
        JSON-ready; see ``docs/results-schema.md``.
    """
    from altmeasures_eval import __version__

    policy = DisclosurePolicy.from_settings(ev.spec.disclosure)
    sup: list[str] = []
    cells = _Cells(policy.marker, sup)
    start, end = ev.period
    att = tables["attrition"].frame
    attrition = [{"step": int(r["step"]), "rule": str(r["rule"]), "description": str(r["description"]),
                  "persons_removed": r["persons_removed"] if isinstance(r["persons_removed"], int) else None,
                  "persons_remaining": r["persons_remaining"] if isinstance(r["persons_remaining"], int) else None}
                 for _, r in att.iterrows()]
    bal = ev.balance.table.drop(index="distance", errors="ignore") if ev.balance is not None else None
    doc: dict[str, Any] = {
        "schema_version": RESULTS_SCHEMA_VERSION,
        "toolkit_version": __version__,
        "title": ev.spec.report.title,
        "country": ev.country,
        "period": {"start": str(start.date()) if start is not None else None,
                   "end": str(end.date()) if end is not None else None},
        "extract_date": str(ev.extract_date.date()),
        "cohort": {"n_treated": _count(ev.n_treated, policy, sup, "cohort.n_treated"),
                   "n_control": _count(ev.n_control, policy, sup, "cohort.n_control"),
                   "attrition": attrition},
        "design": {"method": ev.design.method, "estimand": ev.design.estimand,
                   "covariates": list(ev.covariates),
                   # at the precision the report prints SMDs: a maximum can be a hidden row's SMD
                   "max_abs_smd_before": _num(bal["smd_before"].abs().max(), 2) if bal is not None else None,
                   "max_abs_smd_after": _num(bal["smd_after"].abs().max(), 2) if bal is not None else None,
                   **_design_gate(ev, policy, sup)},
        "decision_rules": {"effects_reported": ev.rules.effects_allowed,
                           "time_to_event_reported": ev.rules.time_to_event_allowed,
                           "significance_by_horizon": {str(h): ok for h, ok in ev.rules.significance.items()},
                           "reasons": publish_notes(ev.rules.reasons, ev.spec.disclosure)},
        "recidivism": {},
        "hazard_ratio": None,
        "rmst_difference": None,
        "prison": None,
        "costs": None,
    }
    # with rounding, floats at the printed precision (as in the CSV): a model contrast at full
    # precision beside a rate recomputed from rounded counts would give the unrounded count back
    frame = (lambda t: publishable_frame(t) if policy.base else t.frame.reset_index(drop=True))
    rec = frame(tables["recidivism"]).set_index("horizon_days") if "recidivism" in tables else None
    for h in ev.recidivism:
        # every number from the published table: what the CSV hides is null here too
        row = rec.loc[h]
        nv = ev.naive[h].summary.loc["risk_difference"]
        sig = ev.rules.significance.get(h, False)
        path = f"recidivism.{h}"
        naive = cells.get(row["unadjusted_difference"], f"{path}.naive_risk_difference.estimate", 0.01)
        exact_naive = naive is not None and not policy.base  # its CI is only as precise as the counts
        doc["recidivism"][str(h)] = {
            "rate_treated": cells.get(row["rate_alternative"], f"{path}.rate_treated", 0.01),
            "rate_control": cells.get(row["rate_custody_adjusted"], f"{path}.rate_control", 0.01),
            "risk_difference": cells.four(row, ("difference_points", "ci_low", "ci_high", "p_value"),
                                          f"{path}.risk_difference", 0.01, p_allowed=sig),
            "naive_risk_difference": {"estimate": naive,
                                      "ci_low": _num(nv["ci_low"]) if exact_naive else None,
                                      "ci_high": _num(nv["ci_high"]) if exact_naive else None,
                                      "p_value": _num(nv["p_value"]) if exact_naive and sig else None},
            "significance_statement_allowed": sig,
        }
    if ev.time_to_event is not None:
        s = ev.time_to_event.summary
        hr = s[s["measure"] == "hazard_ratio"].iloc[0]
        doc["hazard_ratio"] = _four(hr["estimate"], hr["ci_low"], hr["ci_high"], hr["p_value"])
        rm = s[(s["measure"] == "rmst_difference") & (s["time"] == ev.headline_horizon)].iloc[0]
        doc["rmst_difference"] = {**_four(rm["estimate"], rm["ci_low"], rm["ci_high"], rm["p_value"]),
                                  "horizon_days": ev.headline_horizon}
        doc["time_to_event_lead"] = ev.time_to_event.lead
    if ev.prison is not None:
        tot = ev.prison.bed_days.summary.query("component == 'total'")
        row = tot[tot["horizon"] == ev.headline_horizon].iloc[0]
        st = ev.prison.headline_steady_state
        if "bed_days" in tables:  # the published row (null where the table hides it)
            pub = frame(tables["bed_days"])
            row = pub.loc[(pub["component"] == "total") & (pub["horizon"] == ev.headline_horizon)].iloc[0]
        doc["prison"] = {"horizon_days": ev.headline_horizon,
                         "bed_days_averted_per_person": cells.get(row["averted"], "prison.bed_days_averted_per_person"),
                         "bed_days_averted_ci": [cells.get(row["averted_ci_low"], "prison.bed_days_averted_ci.low"),
                                                 cells.get(row["averted_ci_high"], "prison.bed_days_averted_ci.high")],
                         "share_diverted": ev.prison.headline_share,
                         "diversions_per_year": _num(st.diversions_per_year, 1),
                         "average_daily_population_reduction": _num(-st.net_change)}
    if ev.costs is not None:
        c = ev.costs.comparison
        doc["costs"] = {"currency": ev.costs.unit_costs.currency, "price_year": ev.costs.unit_costs.price_year,
                        "horizon_days": ev.costs.horizon, "net_saving_per_person": _num(c.npv, 2),
                        "benefit_cost_ratio": _num(c.ratio) if c.verdict == "ratio" else None,
                        "dominant": c.verdict == "dominant", "verdict": c.verdict,
                        "probability_net_benefit": _num(ev.costs.monte_carlo.chance_positive),
                        "placeholder_unit_costs": list(ev.costs.unit_costs.placeholders)}
    # the primary outcome: estimable, or why not (B3 for #12, small additive edit in C's file)
    why = getattr(ev, "headline_not_estimable", None)
    doc["headline"] = {"estimable": why is None,
                       "reason": publish_notes((why,), ev.spec.disclosure)[0] if why else None}
    doc["missing_data"] = _missing_data(ev, policy, sup)
    doc["suppressed"] = sup
    doc["notes"] = [*publish_notes(ev.limitations, ev.spec.disclosure, hidden_labels(tables, policy.marker)), *notes]
    doc["technical_notes"] = technical_notes(ev, tables)
    return doc


def technical_notes(ev: Any, tables: dict[str, Any]) -> list[str]:
    """The run's technical notes (``ev.notes``: what each step did and assumed, in English, as the
    steps wrote them), as they may be published: small counts and statistics of hidden categories
    replaced (:func:`publish_notes`), secrets redacted. ``results.json`` holds them under
    ``technical_notes``; the English report lists them in its appendix."""
    from altmeasures_eval.privacy import redact_secrets

    policy = DisclosurePolicy.from_settings(ev.spec.disclosure)
    return [redact_secrets(n) for n in publish_notes(tuple(getattr(ev, "notes", ()) or ()), ev.spec.disclosure,
                                                      hidden_labels(tables, policy.marker))]


def load_results_schema() -> dict[str, Any]:
    """The JSON Schema of results.json shipped with the package."""
    text = resources.files("altmeasures_eval.report").joinpath("results.schema.json").read_text(encoding="utf-8")
    return json.loads(text)


def validate_results(doc: dict[str, Any]) -> None:
    """Validate a results.json document against the shipped schema.

    Raises
    ------
    AltMeasuresError
        Listing every violation (path and message). Requires the ``jsonschema`` package.
    """
    try:
        import jsonschema
    except ImportError as exc:  # pragma: no cover - jsonschema is a test dependency
        raise AltMeasuresError("validating results.json needs the jsonschema package: pip install jsonschema") from exc
    validator = jsonschema.Draft202012Validator(load_results_schema())
    errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.path))
    if errors:
        lines = [f"  {'/'.join(map(str, e.path)) or '(root)'}: {e.message}" for e in errors[:20]]
        raise AltMeasuresError("results.json does not follow its schema:\n" + "\n".join(lines))
