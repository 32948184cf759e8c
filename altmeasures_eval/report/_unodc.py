"""UNODC progress reporting (CND resolution 58/5, para. 11): the country indicator file.

One file per country and reporting period, long format in the SDMX style UNODC's data portal uses:
one record per indicator and combination of the dimensions ``year``, ``stage``, ``disposition``,
``sex``, ``age_group`` and ``citizenship`` (``"_T"`` = total over that dimension), with ``value``,
``unit``, ``kind``, ``se``, ``ci_low``, ``ci_high``, ``n``, ``estimand``, ``suppressed`` and quality
``flags``. The header says who the country is (ISO 3166-1 alpha-3), the period, the design gate and
decision rules, the unit costs and the disclosure policy, and labels every indicator. JSON and CSV
carry the same records. Schema: ``docs/unodc-schema.md`` and ``unodc.schema.json`` in this package.

Every count goes through :class:`altmeasures_eval.privacy.DisclosurePolicy` (primary and
secondary suppression with every published total, rounding); rates and effects are hidden with the
counts they use.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterable
from importlib import resources
from pathlib import Path
from typing import Any, Final

import numpy as np
import pandas as pd

from altmeasures_eval._country import country_of
from altmeasures_eval._errors import AltMeasuresError
from altmeasures_eval.privacy import FLAG_DERIVED, DisclosurePolicy, neutralise_formulas
from altmeasures_eval.schema import ALTERNATIVE_DISPOSITIONS, DISPOSITION_CUSTODY, SEXES, STAGES

__all__ = ["UNODC_INDICATORS", "UNODC_SCHEMA_VERSION", "read_unodc_file", "unodc_indicators", "validate_unodc",
           "write_unodc_files"]

#: Version of the UNODC indicator file schema (2.0.0: dimensions, ISO codes, quality flags).
UNODC_SCHEMA_VERSION: Final = "2.0.0"
TOTAL: Final = "_T"
DIMENSIONS: Final = ("year", "stage", "disposition", "sex", "age_group", "citizenship")
RECORD_FIELDS: Final = ("indicator", *DIMENSIONS, "kind", "value", "unit", "se", "ci_low", "ci_high", "n",
                        "estimand", "suppressed", "flags")
#: Age at the index decision below which a person is a juvenile (UN-CTS; most national laws).
JUVENILE_BELOW: Final = 18
#: Arms of the comparison in the ``disposition`` dimension.
ARM_ALTERNATIVE, ARM_CUSTODY, ARM_CONTRAST = "alternative", DISPOSITION_CUSTODY, "alternative_vs_custody"

_DRUG = "ICCS 0601 (acts involving controlled drugs for personal consumption, 06011)"
_CTS_PERSONS = "UN-CTS persons brought into formal contact / prosecuted / convicted, by sex, age (juvenile/adult)"
_CTS_PRISON = "UN-CTS persons held in prisons; Tokyo Rules non-custodial measures"
_SDG = "SDG 16.3.2 context (unsentenced detainees) not covered"

#: Every indicator: label (plain words), unit, kind, adjustment and the UNODC concepts it serves.
UNODC_INDICATORS: Final[dict[str, dict[str, Any]]] = {
    "eligible_persons": {
        "label": "Persons with an eligible decision for a minor drug offence (all stages, whatever the comparison)",
        "unit": "persons", "kind": "count", "adjustment": "none",
        "concepts": [_DRUG, _CTS_PERSONS, "CND res. 58/5 para. 4-5: use of alternatives by stage"]},
    "share_by_disposition": {
        "label": "Share of eligible persons given each disposition (of the year's or the stage's total)",
        "unit": "proportion", "kind": "share", "adjustment": "none",
        "concepts": [_DRUG, "Tokyo Rules 2.3 and 8.2: non-custodial measures by stage", _CTS_PRISON]},
    "persons_in_comparison": {
        "label": "Persons in the effect comparison (decision points where both alternatives and custody occur)",
        "unit": "persons", "kind": "count", "adjustment": "none",
        "concepts": ["Study population of the effect indicators (JDL-style matched comparison)"]},
}


def _effect_indicators(h: int) -> dict[str, dict[str, Any]]:
    tag = "1y" if h == 365 else f"{h}d"
    when = "one year" if h == 365 else f"{h} days"
    reo = "UN-CTS recidivism concepts (proven reoffending); ICCS any offence"
    tx = "UNODC/WHO (2019) treatment as an alternative to conviction or punishment; ARQ drug treatment"
    return {
        f"reoffending_{tag}_rate_unadjusted": {
            "label": f"Proven reoffending within {when}, observed share by group (unadjusted; complete follow-up only)",
            "unit": "proportion", "kind": "rate", "adjustment": "unadjusted", "concepts": [reo]},
        f"reoffending_{tag}_rate_adjusted": {
            "label": f"Proven reoffending within {when} by group, adjusted for the comparison (the custody figure "
                     "is what the estimand population would have had in custody)",
            "unit": "proportion", "kind": "rate", "adjustment": "adjusted", "concepts": [reo]},
        f"reoffending_{tag}_difference_adjusted": {
            "label": f"Effect of an alternative instead of custody on proven reoffending within {when} "
                     "(adjusted risk difference, alternative minus custody)",
            "unit": "proportion_difference", "kind": "effect", "adjustment": "adjusted",
            "concepts": [reo, "CND res. 58/5 para. 4-5: results of alternatives"]},
        f"reoffending_{tag}_difference_unadjusted": {
            "label": f"Difference in proven reoffending within {when} between the groups as observed "
                     "(unadjusted: not an effect estimate)",
            "unit": "proportion_difference", "kind": "difference", "adjustment": "unadjusted", "concepts": [reo]},
        "treatment_entry_90_rate_unadjusted": {
            "label": "Entry into drug treatment within 90 days, observed share by group (treatment uptake; unadjusted)",
            "unit": "proportion", "kind": "rate", "adjustment": "unadjusted", "concepts": [tx]},
        "treatment_entry_90_rate_adjusted": {
            "label": "Entry into drug treatment within 90 days by group, adjusted for the comparison",
            "unit": "proportion", "kind": "rate", "adjustment": "adjusted", "concepts": [tx]},
        "treatment_entry_90_difference_adjusted": {
            "label": "Effect of an alternative instead of custody on entry into treatment within 90 days "
                     "(adjusted risk difference)",
            "unit": "proportion_difference", "kind": "effect", "adjustment": "adjusted", "concepts": [tx]},
        "treatment_completed_rate_unadjusted": {
            "label": "Treatment completed among those who entered, observed share by group (unadjusted)",
            "unit": "proportion", "kind": "rate", "adjustment": "unadjusted", "concepts": [tx]},
        "treatment_completed_rate_adjusted": {
            "label": "Treatment completed among those who entered, by group, adjusted for the comparison",
            "unit": "proportion", "kind": "rate", "adjustment": "adjusted", "concepts": [tx]},
        "treatment_completed_difference_adjusted": {
            "label": "Effect of an alternative instead of custody on completing treatment among those who entered "
                     "(adjusted risk difference)",
            "unit": "proportion_difference", "kind": "effect", "adjustment": "adjusted", "concepts": [tx]},
        f"bed_days_averted_per_person_{tag}_adjusted": {
            "label": f"Custody bed-days averted per person given an alternative, within {when} (adjusted)",
            "unit": "days", "kind": "effect", "adjustment": "adjusted", "concepts": [_CTS_PRISON]},
        f"cost_per_person_{tag}_adjusted": {
            "label": f"Present-value cost per person by group within {when}, all perspectives (adjusted; the "
                     "country's currency and price year)",
            "unit": "currency", "kind": "mean", "adjustment": "adjusted",
            "concepts": ["Cost of alternatives and of custody (no UNODC data-collection counterpart)"]},
        f"net_saving_per_person_{tag}_adjusted": {
            "label": f"Net saving per person given an alternative instead of custody within {when} "
                     "(adjusted; custody cost minus alternative cost)",
            "unit": "currency", "kind": "effect", "adjustment": "adjusted",
            "concepts": ["Cost of alternatives and of custody (no UNODC data-collection counterpart)"]},
    }


_ESTIMAND_LABELS: Final = {
    "ATT": "people given an alternative (what custody would have meant for them)",
    "ATC": "people sent to custody (what an alternative would have meant for them)",
    "ATE": "everyone in the comparison",
    "ATO": "people for whom either decision was plausible (overlap population)",
}

_PRIVACY_FLAGS: Final = {"primary": "disclosure_primary", "secondary": "disclosure_secondary",
                         FLAG_DERIVED: "disclosure_derived"}


def _clean(v: Any) -> Any:
    if v is None or isinstance(v, str):
        return v
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    if isinstance(v, (int, np.integer)):
        return int(v)
    f = float(v)
    return None if not math.isfinite(f) else round(f, 8)


def _rec(indicator: str, kind: str, unit: str, value: Any, *, flags: Iterable[str] = (), se: Any = None,
         ci: tuple[Any, Any] = (None, None), n: Any = None, estimand: str | None = None,
         suppressed: bool = False, **dims: str) -> dict[str, Any]:
    unknown = set(dims) - set(DIMENSIONS)
    if unknown:  # pragma: no cover - programming error
        raise KeyError(unknown)
    d = {k: str(dims.get(k, TOTAL)) for k in DIMENSIONS}
    hide = bool(suppressed)
    return {"indicator": indicator, **d, "kind": kind, "value": None if hide else _clean(value), "unit": unit,
            "se": None if hide else _clean(se), "ci_low": None if hide else _clean(ci[0]),
            "ci_high": None if hide else _clean(ci[1]), "n": None if hide or n is None else int(n),
            "estimand": estimand, "suppressed": hide, "flags": sorted(set(flags))}


# --- counts -----------------------------------------------------------------------------------------

def _count_table(frame: pd.DataFrame, row_dim: str, col_dim: str, policy: DisclosurePolicy,
                 name: str) -> tuple[list[dict[str, Any]], dict[tuple[str, ...], bool]]:
    """Records of one rows x columns count table with every margin, under disclosure control.

    Returns the records and, for each total (keyed by its dimensions), whether it was suppressed,
    so that a total shared with another table can be checked for consistency.
    """
    frame = frame.astype("int64")
    frame.index = frame.index.map(str)
    frame.columns = [str(c) for c in frame.columns]
    res = policy.suppress(frame, list(frame.columns), name=name, margins="both")
    implied = res.implied_totals
    flag_of = {(str(m), str(lbl)): str(f) for m, lbl, f in
               zip(implied.get("margin", []), implied.get("label", []), implied.get("flag", []))}
    out: list[dict[str, Any]] = []
    totals: dict[tuple[str, ...], bool] = {}
    fixed = {"age_group": TOTAL}

    def add(dims: dict[str, str], count: int, flag: str, is_total: bool) -> None:
        sup = flag != "" or bool(policy.is_small(count))
        flags = [_PRIVACY_FLAGS.get(flag, "disclosure_primary")] if sup else []
        if not sup and policy.base:
            flags.append("rounded")
        out.append(_rec("eligible_persons", "count", "persons", policy.round(count), flags=flags,
                        suppressed=sup, **{**fixed, **dims}))
        if is_total:
            totals[tuple(out[-1][k] for k in DIMENSIONS)] = sup

    for r in frame.index:
        for c in frame.columns:
            add({row_dim: r, col_dim: c}, int(frame.loc[r, c]), str(res.flags.loc[r, c]), False)
        add({row_dim: r}, int(frame.loc[r].sum()), flag_of.get(("row", r), ""), True)
    for c in frame.columns:
        add({col_dim: c}, int(frame[c].sum()), flag_of.get(("column", c), ""), True)
    grand = [f for (m, _), f in flag_of.items() if m == "grand"]
    add({}, int(frame.to_numpy().sum()), grand[0] if grand else "", True)
    return out, totals


def _shares(records: list[dict[str, Any]], by: str, policy: DisclosurePolicy) -> list[dict[str, Any]]:
    """Share of each disposition in its ``by`` line (year or stage), from the published counts."""
    cells = [r for r in records if r["disposition"] != TOTAL and r[by] != TOTAL
             and all(r[d] == TOTAL for d in DIMENSIONS if d not in (by, "disposition"))]
    line_total = {r[by]: r for r in records if r["disposition"] == TOTAL and r[by] != TOTAL
                  and all(r[d] == TOTAL for d in DIMENSIONS if d != by)}
    out = []
    for r in cells:
        tot = line_total[r[by]]
        hide = r["suppressed"] or tot["suppressed"]
        share = None if hide else policy.rate(r["value"], tot["value"])
        out.append(_rec("share_by_disposition", "share", "proportion", share, n=None if hide else tot["value"],
                        flags=["disclosure_derived"] if hide else [], suppressed=hide,
                        **{by: r[by], "disposition": r["disposition"]}))
    return out


def _eligible_records(data: pd.DataFrame, policy: DisclosurePolicy, min_age: int
                      ) -> tuple[list[dict[str, Any]], list[str]]:
    """Eligible persons by year x stage, year x disposition, stage x disposition, year x sex (and
    year x age group when juveniles can be in the cohort), with the shares by disposition.

    Tables share their one-way totals (years, stages, dispositions); each is protected with every
    total published, which is safe when a shared total is published (or hidden) in all of them. A
    table whose totals would disagree with an earlier one is withheld, with a note.
    """
    year = data["index_year"].astype(int).astype(str).rename("year")
    disp_order = [DISPOSITION_CUSTODY, *ALTERNATIVE_DISPOSITIONS]
    age = pd.Series(np.where(data["age"].isna(), "unknown",
                             np.where(data["age"] < JUVENILE_BELOW, "juvenile", "adult")), index=data.index)

    def xtab(rows: pd.Series, cols: pd.Series, col_order: Iterable[str] | None = None) -> pd.DataFrame:
        t = pd.crosstab(rows, cols).rename_axis(index=None, columns=None)
        if col_order is not None:
            t = t[[c for c in col_order if c in t.columns]]
        return t

    stage = data["stage"].astype(str)
    disp = data["disposition"].astype(str)
    tables = [("year", "stage", xtab(year, stage, STAGES)),
              ("year", "disposition", xtab(year, disp, disp_order)),
              ("stage", "disposition", xtab(stage, disp, disp_order).reindex([s for s in STAGES
                                                                             if s in set(stage)])),
              ("year", "sex", xtab(year, data["sex"].astype(str), SEXES))]
    if min_age < JUVENILE_BELOW:
        tables.append(("year", "age_group", xtab(year, age, ("juvenile", "adult", "unknown"))))
    records: list[dict[str, Any]] = []
    seen: dict[tuple[str, ...], bool] = {}
    notes: list[str] = []
    for row_dim, col_dim, frame in tables:
        recs, totals = _count_table(frame, row_dim, col_dim, policy, f"eligible persons by {row_dim} x {col_dim}")
        clash = [k for k, sup in totals.items() if k in seen and seen[k] != sup]
        if clash:
            notes.append(f"eligible_persons by {row_dim} x {col_dim} is withheld: a total it shares with another "
                         "breakdown is suppressed there, so publishing it could reveal small counts.")
            continue
        for r in recs:
            key = tuple(r[k] for k in DIMENSIONS)
            if key in seen:  # a total already published by an earlier table
                continue
            records.append(r)
        seen.update(totals)
    shares = _shares(records, "year", policy) + _shares(records, "stage", policy)
    return records + shares, notes


# --- rates and effects ---------------------------------------------------------------------------

def _binary_small(policy: DisclosurePolicy, n: int, events: int) -> bool:
    return bool(policy.is_small(n) or policy.is_small(events) or policy.is_small(n - events))


def _withheld_flags(ev: Any, gate_passed: bool | None) -> list[str]:
    flags = []
    if gate_passed is False:
        flags.append("design_gate_failed")
    if not ev.rules.effects_allowed:
        flags.append("decision_rules_not_met")
    return flags


def _effect_record(indicator: str, unit: str, row: pd.Series | None, *, estimand: str, withheld: list[str],
                   extra_flags: Iterable[str] = (), bounds: tuple[float, float] | None = None, sign: float = 1.0,
                   ci_cols: tuple[str, str] = ("ci_low", "ci_high"), value_col: str = "estimate",
                   kind: str = "effect", n: Any = None) -> dict[str, Any]:
    """One effect or difference record: withheld (with the reasons), not estimable, or published."""
    flags = list(extra_flags)
    if withheld:
        return _rec(indicator, kind, unit, None, estimand=estimand, suppressed=True, flags=flags + withheld,
                    disposition=ARM_CONTRAST)
    if row is None:
        return _rec(indicator, kind, unit, None, estimand=estimand, suppressed=True, flags=flags + ["not_estimable"],
                    disposition=ARM_CONTRAST)
    est, se = sign * float(row[value_col]), float(row["se"])
    lo, hi = sorted((sign * float(row[ci_cols[0]]), sign * float(row[ci_cols[1]])))
    finite = all(math.isfinite(x) for x in (est, se, lo, hi))
    if not finite or hi <= lo or (bounds is not None and (lo < bounds[0] or hi > bounds[1])):
        return _rec(indicator, kind, unit, None, estimand=estimand, suppressed=True,
                    flags=flags + ["interval_not_estimable"], disposition=ARM_CONTRAST)
    return _rec(indicator, kind, unit, est, se=se, ci=(lo, hi), n=n, estimand=estimand, flags=flags,
                disposition=ARM_CONTRAST)


def _rates_and_effects(ev: Any, data: pd.DataFrame, policy: DisclosurePolicy, estimand: str,
                       gate_passed: bool | None) -> tuple[list[dict[str, Any]], dict[str, dict[str, Any]]]:
    h0 = ev.headline_horizon
    defs = _effect_indicators(h0)
    tag = "1y" if h0 == 365 else f"{h0}d"
    withheld = _withheld_flags(ev, gate_passed)
    gate_flag = ["design_gate_not_assessed"] if gate_passed is None else []
    recs: list[dict[str, Any]] = []
    arms = {ARM_ALTERNATIVE: data["treatment"] == 1, ARM_CUSTODY: data["treatment"] == 0}
    outcomes = ((f"reoffend_{h0}", f"reoffending_{tag}", ev.recidivism.get(h0), ev.naive.get(h0)),
                ("treatment_entry_90", "treatment_entry_90", ev.health.get("treatment_entry_90"), None),
                ("treatment_completed", "treatment_completed", ev.health.get("treatment_completed"), None))
    for col, stem, adjusted, naive in outcomes:
        if col not in data.columns:
            continue
        small_any = False
        for arm, mask in arms.items():
            y = data.loc[mask, col].dropna()
            n, events = len(y), int(y.sum())
            small = _binary_small(policy, n, events)
            small_any |= small
            recs.append(_rec(f"{stem}_rate_unadjusted", "rate", "proportion", policy.rate(events, n) if n else None,
                             n=policy.round(n) if n else None, suppressed=small or n == 0,
                             flags=["disclosure_primary"] if small else ["not_estimable"] if n == 0 else [],
                             disposition=arm))
        derived = ["disclosure_derived"] if small_any else []
        sig = [] if ev.rules.significance.get(h0, True) else ["significance_not_assessable"]
        if adjusted is not None:
            means = adjusted.means
            for arm, grp in ((ARM_ALTERNATIVE, "treated"), (ARM_CUSTODY, "control")):
                hide = withheld + derived
                recs.append(_rec(f"{stem}_rate_adjusted", "rate", "proportion",
                                 None if hide else means.loc[grp, "mean"], estimand=estimand, suppressed=bool(hide),
                                 flags=hide + gate_flag, disposition=arm))
            row = adjusted.summary.loc["risk_difference"] if "risk_difference" in adjusted.summary.index else None
            recs.append(_effect_record(f"{stem}_difference_adjusted", "proportion_difference", row, estimand=estimand,
                                       withheld=withheld + derived, extra_flags=gate_flag + (sig if col.startswith(
                                           "reoffend") else []), bounds=(-1.0, 1.0),
                                       n=policy.round(int(row["n"])) if row is not None else None))
        elif f"{stem}_difference_adjusted" in defs:
            recs.append(_rec(f"{stem}_difference_adjusted", "effect", "proportion_difference", None, estimand=estimand,
                             suppressed=True, flags=withheld or ["not_estimable"], disposition=ARM_CONTRAST))
        if naive is not None:
            row = naive.summary.loc["risk_difference"]
            recs.append(_effect_record(f"{stem}_difference_unadjusted", "proportion_difference", row, estimand=None,
                                       withheld=derived, bounds=(-1.0, 1.0), kind="difference",
                                       n=policy.round(int(row["n"]))))
    cost_flags = ["placeholder_unit_costs"] if ev.costs is not None and ev.costs.unit_costs.placeholders else []
    if ev.prison is None and withheld:  # the stage was not run because the effect is withheld: say so
        recs.append(_effect_record(f"bed_days_averted_per_person_{tag}_adjusted", "days", None, estimand=estimand,
                                   withheld=list(withheld)))
    if ev.costs is None and withheld:
        recs.append(_effect_record(f"net_saving_per_person_{tag}_adjusted", "currency", None, estimand=estimand,
                                   withheld=list(withheld)))
    if ev.prison is not None:
        rows = ev.prison.bed_days.summary.query("component == 'total' and horizon == @h0")
        row = rows.iloc[0] if len(rows) else None
        recs.append(_effect_record(f"bed_days_averted_per_person_{tag}_adjusted", "days", row, estimand=estimand,
                                   withheld=list(withheld), extra_flags=gate_flag, value_col="averted",
                                   ci_cols=("averted_ci_low", "averted_ci_high")))
    if ev.costs is not None:
        c = ev.costs.comparison
        tot = c.summary.query("perspective == 'all' and component == 'total'")
        row = tot.iloc[0] if len(tot) else None
        unit = f"{ev.costs.unit_costs.currency} {ev.costs.unit_costs.price_year}"
        for arm, colname in ((ARM_ALTERNATIVE, "mean_alternative"), (ARM_CUSTODY, "mean_custody")):
            recs.append(_rec(f"cost_per_person_{tag}_adjusted", "mean", unit,
                             None if withheld or row is None else row[colname], estimand=estimand,
                             suppressed=bool(withheld) or row is None,
                             flags=cost_flags + withheld + gate_flag + ([] if row is not None else ["not_estimable"]),
                             disposition=arm))
        # net saving = custody cost - alternative cost = -difference (alternative - custody)
        recs.append(_effect_record(f"net_saving_per_person_{tag}_adjusted", unit, row, estimand=estimand,
                                   withheld=list(withheld), extra_flags=cost_flags + gate_flag, sign=-1.0,
                                   value_col="difference"))
    used = {r["indicator"] for r in recs}
    return recs, {k: v for k, v in defs.items() if k in used}


# --- the document -------------------------------------------------------------------------------

def _design_status(ev: Any) -> tuple[bool | None, list[str], str, str]:
    """Gate passed (None when the toolkit's design object has no gate), reasons, estimand, label."""
    design = ev.design
    gate = getattr(design, "gate", None)
    estimand = str(getattr(design, "estimand", None) or ev.spec.design.estimand)
    label = str(getattr(design, "estimand_label", None) or _ESTIMAND_LABELS.get(estimand, estimand))
    if gate is None:
        return None, [], estimand, label
    return bool(gate.passed), [str(r) for r in gate.reasons], estimand, label


def _comparison_data(ev: Any) -> pd.DataFrame:
    """The population the effects describe: the design's retained population, else the cohort."""
    data = getattr(ev.design, "data", None)
    if data is None or "treatment" not in getattr(data, "columns", ()):
        return ev.cohort.data
    return data


def _comparison_records(ev: Any, policy: DisclosurePolicy) -> list[dict[str, Any]]:
    data = _comparison_data(ev)
    out = []
    counts = {ARM_ALTERNATIVE: int((data["treatment"] == 1).sum()), ARM_CUSTODY: int((data["treatment"] == 0).sum())}
    frame = pd.DataFrame({"n": counts})
    res = policy.suppress(frame, ["n"], name="persons in the comparison", margins="columns")
    for arm, n in counts.items():
        flag = str(res.flags.loc[arm, "n"])
        out.append(_rec("persons_in_comparison", "count", "persons", policy.round(n), suppressed=flag != "",
                        flags=[_PRIVACY_FLAGS.get(flag, "disclosure_primary")] if flag else [], disposition=arm))
    total = sum(counts.values())
    out.append(_rec("persons_in_comparison", "count", "persons", policy.round(total),
                    suppressed=bool(policy.is_small(total)),
                    flags=["disclosure_primary"] if policy.is_small(total) else []))
    return out


def _eligible_cohort(ev: Any, dataset: Any) -> tuple[pd.DataFrame, tuple[str, ...], list[str]]:
    """Every eligible person, at every stage: the evaluation cohort when it already covers every
    stage, else the same cohort definition rebuilt from ``dataset`` with ``stages = "all"``."""
    import dataclasses

    stages = tuple(ev.spec.cohort.stages)
    if set(stages) >= set(STAGES):
        return ev.cohort.data, tuple(STAGES), []
    if dataset is None:
        return ev.cohort.data, stages, [
            f"eligible_persons covers the stages of the evaluation cohort only ({', '.join(stages)}): the export was "
            "made without the data set, so persons decided at other stages are not counted."]
    from altmeasures_eval.cohort import build_cohort

    full = build_cohort(dataset, dataclasses.replace(ev.spec.cohort, stages=tuple(STAGES)))
    return full.data, tuple(STAGES), []


def unodc_indicators(ev: Any, dataset: Any = None) -> dict[str, Any]:
    """The country indicator file of an evaluation (JSON-ready, schema :data:`UNODC_SCHEMA_VERSION`).

    Eligible persons are everyone in the evaluation cohort (every stage, whatever the effect
    comparison uses), by year, stage, disposition, sex and age group; the effect indicators come
    from the comparison and carry the estimand, their adjustment in the name, the interval, and the
    flags that say why a value is withheld (design gate, decision rules, disclosure, not estimable)
    or how to read it (placeholder unit costs, significance not assessable).

    Parameters
    ----------
    ev : Evaluation
    dataset : Dataset, optional
        The evaluation's data set. Needed when ``[cohort] stages`` leaves stages out (the
        comparison restricted to decision points where custody occurs): eligible persons are then
        counted from the same cohort definition at every stage.

    Returns
    -------
    dict
        Header (``schema_version``, ``country``, ``country_name``, ``reporting_year``, ``period``,
        ``extract_date``, ``estimand``, ``design``, ``decision_rules``, ``unit_costs``,
        ``disclosure``, ``dimensions``, ``indicators``, ``notes``) and ``records``.

    Raises
    ------
    ConfigError
        When the country is not an ISO 3166-1 alpha-3 code.
    """
    policy = DisclosurePolicy.from_settings(ev.spec.disclosure)
    where = ("[report] country" if ev.spec.report.country else
             "the extract's country (extract.toml; or set [report] country)")
    country = country_of(ev.country, getattr(ev.spec.report, "country_name", ""), where)
    everyone, eligible_stages, notes = _eligible_cohort(ev, dataset)
    eligible, table_notes = _eligible_records(everyone, policy, int(ev.spec.cohort.min_age))
    notes += table_notes
    gate_passed, gate_reasons, estimand, estimand_label = _design_status(ev)
    effects, effect_defs = _rates_and_effects(ev, _comparison_data(ev), policy, estimand, gate_passed)
    records = eligible + _comparison_records(ev, policy) + effects
    start, end = ev.period
    years = sorted(everyone["index_year"].dropna().astype(int).unique().tolist())
    reporting_year = int(end.year) if end is not None else (years[-1] if years else int(ev.extract_date.year))
    placeholders = list(ev.costs.unit_costs.placeholders) if ev.costs is not None else []
    notes = [*policy.notes(list(ev.limitations)), *notes]
    if gate_passed is None:
        notes.append("The design gate was not assessed by this version of the toolkit: effect indicators carry the "
                     "flag design_gate_not_assessed.")
    indicators = {**UNODC_INDICATORS, **effect_defs}
    return {
        "schema_version": UNODC_SCHEMA_VERSION,
        "country": country.code, "country_name": country.name, "country_code_user_assigned": country.user_assigned,
        "reporting_year": reporting_year,
        "period": {"start": str(start.date()) if start is not None else None,
                   "end": str(end.date()) if end is not None else None, "years": [str(y) for y in years]},
        "extract_date": str(ev.extract_date.date()),
        "estimand": {"code": estimand, "label": estimand_label},
        "design": {"method": str(ev.spec.design.method), "gate_passed": gate_passed, "reasons": gate_reasons},
        "decision_rules": {"effects_allowed": bool(ev.rules.effects_allowed), "reasons": list(ev.rules.reasons),
                           "significance_assessable": bool(ev.rules.significance.get(ev.headline_horizon, True))},
        "unit_costs": None if ev.costs is None else {
            "currency": str(ev.costs.unit_costs.currency), "price_year": int(ev.costs.unit_costs.price_year),
            "placeholder": bool(placeholders), "placeholder_items": placeholders},
        "disclosure": {"threshold": int(policy.threshold), "rounding_base": int(policy.rounding_base),
                       "policy": policy.describe()},
        "dimensions": {
            "year": "calendar year of the index decision; _T = the whole period",
            "stage": list(eligible_stages), "disposition": [DISPOSITION_CUSTODY, *ALTERNATIVE_DISPOSITIONS],
            "sex": list(SEXES),
            "age_group": (f"juvenile (under {JUVENILE_BELOW} at the decision), adult, unknown"
                          if ev.spec.cohort.min_age < JUVENILE_BELOW else
                          f"not broken down: the cohort includes persons aged {ev.spec.cohort.min_age} or over "
                          "only (all adults), so every record is age_group _T"),
            "citizenship": "not collected: the data contract has no citizenship column; every record is _T",
        },
        "indicators": indicators,
        "records": records,
        "notes": notes,
    }


# --- files ---------------------------------------------------------------------------------------

def _schema() -> dict[str, Any]:
    text = resources.files("altmeasures_eval.report").joinpath("unodc.schema.json").read_text(encoding="utf-8")
    return json.loads(text)


def validate_unodc(doc: dict[str, Any], source: str = "document") -> None:
    """Validate an indicator document against ``unodc.schema.json`` (raises listing every problem).

    Parameters
    ----------
    doc : dict
        A parsed indicator file.
    source : str
        Name of the file for the message.

    Raises
    ------
    AltMeasuresError
        Listing up to 20 problems with their JSON path.
    """
    import jsonschema

    version = str(doc.get("schema_version", "")) if isinstance(doc, dict) else ""
    if version and not version.startswith(UNODC_SCHEMA_VERSION.split(".")[0] + "."):
        raise AltMeasuresError(f"{source}: indicator file schema {version}, but this toolkit reads schema "
                               f"{UNODC_SCHEMA_VERSION}; export it again with altmeasures-eval unodc-export.")
    errors = sorted(jsonschema.Draft202012Validator(_schema()).iter_errors(doc), key=lambda e: list(e.path))
    if errors:
        lines = [f"  {'/'.join(map(str, e.path)) or '(root)'}: {e.message}" for e in errors[:20]]
        raise AltMeasuresError(f"{source}: not a valid UNODC indicator file (schema {UNODC_SCHEMA_VERSION}):\n"
                               + "\n".join(lines))


def records_frame(doc: dict[str, Any]) -> pd.DataFrame:
    """The records of an indicator document as a table (the CSV layout, ``flags`` joined by ``;``)."""
    # object columns keep counts as whole numbers ("90", not "90.0") beside rates in the same column
    frame = pd.DataFrame(doc["records"], columns=list(RECORD_FIELDS), dtype=object)
    frame["flags"] = frame["flags"].map(lambda f: ";".join(f))
    frame.insert(0, "reporting_year", doc["reporting_year"])
    frame.insert(0, "country", doc["country"])
    return frame


def write_unodc_files(doc: dict[str, Any], out: str | Path) -> dict[str, Path]:
    """Write ``unodc_indicators.json`` and ``unodc_indicators.csv`` (same records) into ``out``.

    Parameters
    ----------
    doc : dict
        From :func:`unodc_indicators`; validated before anything is written.
    out : path
        Folder (created).

    Returns
    -------
    dict of str to Path
        ``json`` and ``csv``.
    """
    validate_unodc(doc)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    j, c = out / "unodc_indicators.json", out / "unodc_indicators.csv"
    j.write_text(json.dumps(doc, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    frame = records_frame(doc)
    text = ["country", "indicator", *DIMENSIONS, "kind", "unit", "estimand", "flags"]
    frame[text] = neutralise_formulas(frame[text])  # numbers stay as they are (counts as whole numbers)
    frame.to_csv(c, index=False)
    return {"json": j, "csv": c}


def read_unodc_file(path: str | Path) -> dict[str, Any]:
    """Read and validate one country's ``unodc_indicators.json``.

    Parameters
    ----------
    path : path

    Returns
    -------
    dict

    Raises
    ------
    AltMeasuresError
        When the file cannot be read or does not follow the schema (naming the file and the field).
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
        doc = json.loads(text)
    except (OSError, json.JSONDecodeError) as exc:
        raise AltMeasuresError(f"{path}: cannot read a UNODC indicator file: {exc}") from exc
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    if digest not in _VALID_TEXTS:
        validate_unodc(doc, str(path))
        if len(_VALID_TEXTS) >= _VALID_TEXTS_KEPT:
            _VALID_TEXTS.clear()
        _VALID_TEXTS.add(digest)
    return doc


# SHA-256 of the indicator file texts read and found valid in this process: the same file is often
# read several times (a summary, then the pooling of its files, ...) and jsonschema walks every
# record in pure Python (~0.06 s for the sample's 276 records). The same text parses to the same
# document, so it is valid again; a file changed in any byte is validated again, and an invalid
# one is never kept.
_VALID_TEXTS: set[str] = set()
_VALID_TEXTS_KEPT: Final = 256
