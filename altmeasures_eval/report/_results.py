"""``results.json``: the machine-readable results of an evaluation (versioned schema).

The schema is ``docs/results-schema.md`` and ``altmeasures_eval/report/results.schema.json``
(JSON Schema draft 2020-12, shipped in the package). Counts pass through the same disclosure
control as the tables: a suppressed count is ``null`` and named in ``suppressed``.
"""

from __future__ import annotations

import json
import math
from importlib import resources
from typing import Any

from altmeasures_eval._errors import AltMeasuresError
from altmeasures_eval.report._tables import publish_notes

__all__ = ["RESULTS_SCHEMA_VERSION", "build_results", "load_results_schema", "validate_results"]

#: Version of the results.json schema; bump the major part on a breaking change.
RESULTS_SCHEMA_VERSION = "1.0.0"


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


def _count(v: Any, threshold: int, base: int, suppressed: list[str], name: str) -> int | None:
    n = int(v)
    if 0 < n < threshold:
        suppressed.append(name)
        return None
    return int(base * round(n / base)) if base else n


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

    dc = ev.spec.disclosure
    sup: list[str] = []
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
        "cohort": {"n_treated": _count(ev.n_treated, dc.threshold, dc.rounding_base, sup, "cohort.n_treated"),
                   "n_control": _count(ev.n_control, dc.threshold, dc.rounding_base, sup, "cohort.n_control"),
                   "attrition": attrition},
        "design": {"method": ev.spec.design.method, "estimand": ev.spec.design.estimand,
                   "covariates": list(ev.covariates),
                   "max_abs_smd_before": _num(bal["smd_before"].abs().max()) if bal is not None else None,
                   "max_abs_smd_after": _num(bal["smd_after"].abs().max()) if bal is not None else None},
        "decision_rules": {"effects_reported": ev.rules.effects_allowed,
                           "time_to_event_reported": ev.rules.time_to_event_allowed,
                           "significance_by_horizon": {str(h): ok for h, ok in ev.rules.significance.items()},
                           "reasons": list(ev.rules.reasons)},
        "recidivism": {},
        "hazard_ratio": None,
        "rmst_difference": None,
        "prison": None,
        "costs": None,
    }
    for h, e in ev.recidivism.items():
        rd = e.summary.loc["risk_difference"]
        nv = ev.naive[h].summary.loc["risk_difference"]
        sig = ev.rules.significance.get(h, False)
        doc["recidivism"][str(h)] = {
            "rate_treated": _num(e.means.loc["treated", "mean"]), "rate_control": _num(e.means.loc["control", "mean"]),
            "risk_difference": _four(rd["estimate"], rd["ci_low"], rd["ci_high"], rd["p_value"] if sig else None),
            "naive_risk_difference": _four(nv["estimate"], nv["ci_low"], nv["ci_high"], nv["p_value"] if sig else None),
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
        doc["prison"] = {"horizon_days": ev.headline_horizon,
                         "bed_days_averted_per_person": _num(row["averted"]),
                         "bed_days_averted_ci": [_num(row["averted_ci_low"]), _num(row["averted_ci_high"])],
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
    doc["suppressed"] = sup
    doc["notes"] = [*publish_notes(ev.limitations, ev.spec.disclosure), *notes]
    return doc


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
