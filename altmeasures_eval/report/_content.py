"""The content model of the evaluation report: one structure feeds the HTML and the PDF templates.

A report is a title block, an executive summary and sections; a section is a list of blocks:
``{"kind": "p", "text"}``, ``{"kind": "list", "items"}``, ``{"kind": "table", "name", "title",
"head", "rows", "note"}``, ``{"kind": "figure", "name", "caption"}`` and ``{"kind": "flow",
"steps"}`` (the attrition diagram). Every number in it comes from the disclosure-controlled tables
or from estimates (never from a raw count below the threshold).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from altmeasures_eval.privacy import DisclosurePolicy, redact_secrets
from altmeasures_eval.report._tables import PublishedTable, hidden_labels, publish_notes

__all__ = ["build_content", "headline_sentence"]

_WITHIN = {365: "within a year", 730: "within two years", 1095: "within three years"}


def _within(h: int) -> str:
    return _WITHIN.get(h, f"within {h} days")


def headline_sentence(ev: Any, horizon: int | None = None) -> str | None:
    """The Justice Data Lab sentence for proven reoffending at ``horizon`` (default: headline).

    "For every 100 people given an alternative measure, X reoffended within a year, compared with Y
    of every 100 similar people sent to custody (difference between A and B points)." Rates to one
    decimal; the interval is the confidence interval of the difference in percentage points.
    Returns None when the decision rules withhold effect estimates.
    """
    h = horizon or ev.headline_horizon
    e = ev.recidivism.get(h)
    if e is None:
        return None
    x, y = 100 * e.means.loc["treated", "mean"], 100 * e.means.loc["control", "mean"]
    rd = e.summary.loc["risk_difference"]
    lo, hi = 100 * rd["ci_low"], 100 * rd["ci_high"]
    diff = f"(difference between {lo:+.1f} and {hi:+.1f} points)"
    estimand = getattr(getattr(getattr(ev, "spec", None), "design", None), "estimand", "ATT")
    if estimand == "ATC":  # the rates describe the people sent to custody
        return (f"For every 100 people sent to custody, {y:.1f} reoffended {_within(h)}, compared with {x:.1f} of "
                f"every 100 similar people given an alternative measure {diff}.")
    if estimand == "ATE":
        return (f"Across everyone in the cohort, {x:.1f} of every 100 people would reoffend {_within(h)} if given an "
                f"alternative measure, compared with {y:.1f} of every 100 if sent to custody {diff}.")
    return (f"For every 100 people given an alternative measure, {x:.1f} reoffended {_within(h)}, compared with "
            f"{y:.1f} of every 100 similar people sent to custody {diff}.")


def _significance(ev: Any, h: int) -> str:
    e = ev.recidivism[h]
    rd = e.summary.loc["risk_difference"]
    when = {365: "At one year", 730: "At two years", 1095: "At three years"}.get(h, f"At {h} days")
    if not ev.rules.significance.get(h, False):
        return (f"{when}, the groups are too small for a statement of statistical significance "
                "(decision rule n*p >= 10).")
    level = ev.spec.decision_rules.significance_level
    if rd["p_value"] <= level:
        way = "lower" if rd["estimate"] < 0 else "higher"
        return (f"{when}, the reoffending rate of people given an alternative measure is {way} than that of the "
                f"comparison group, and the difference is statistically significant (p {_p_text(rd['p_value'])}).")
    from altmeasures_eval.evaluation import required_group_size

    n = required_group_size(e.means.loc["treated", "mean"], e.means.loc["control", "mean"], level)
    need = (f" To detect a difference of this size reliably (80% power), about {n:,} people would be needed in "
            "each group." if n is not None else "")
    return (f"{when}, the difference is not statistically significant (p {_p_text(rd['p_value'])}): the data do not "
            f"show whether alternatives change reoffending.{need}")


def _p_text(p: float) -> str:
    return "< 0.01" if p < 0.01 else f"= {p:.2f}"


def _table_block(t: PublishedTable) -> dict[str, Any]:
    head, rows = t.display()
    return {"kind": "table", "name": t.name, "title": t.title, "head": head, "rows": rows, "note": t.note,
            "align": t.alignment()}


def _consistency_blocks(ev: Any) -> list[dict[str, Any]]:
    """Warnings on the consistency between tables (linkage gaps, tables that stop early), with the fix;
    counts pass the disclosure policy. Added by B2 (#12 part 8)."""
    cons = getattr(ev.quality, "consistency", None)
    if cons is None or cons.warnings.empty:
        return []
    items = tuple(f"{w.message}. Fix: {w.fix}." for w in cons.warnings.itertuples())
    return [_p("The tables do not fully agree with each other:"),
            {"kind": "list", "items": publish_notes(items, ev.spec.disclosure)}]


def _p(text: str) -> dict[str, Any]:
    return {"kind": "p", "text": text}


def _fig(figures: dict[str, Any], name: str) -> list[dict[str, Any]]:
    f = figures.get(name)
    return [] if f is None else [{"kind": "figure", "name": name, "caption": f.caption}]


def _years(days: int) -> str:
    words = {365: "one year", 730: "two years", 1095: "three years"}
    return f"{words[days]} ({days:,} days)" if days in words else f"{days:,} days"


def _money(v: float, cur: str) -> str:
    return f"{cur} {v:,.0f}"


def build_content(ev: Any, tables: dict[str, PublishedTable], figures: dict[str, Any],
                  disclosure_notes: tuple[str, ...], input_files: dict[str, str] | None = None) -> dict[str, Any]:
    """Assemble the report content.

    Parameters
    ----------
    ev : Evaluation
    tables : dict of str to PublishedTable
        From :func:`published_tables` (already disclosure-controlled).
    figures : dict of str to Figure
    disclosure_notes : tuple of str
    input_files : dict of str to str, optional
        SHA-256 of each input file (name -> hex digest).

    Returns
    -------
    dict
        ``meta``, ``summary`` (list of paragraphs), ``headline`` (key numbers), ``sections``.
    """
    from altmeasures_eval import __version__ as version

    spec, rules = ev.spec, ev.rules
    h0 = ev.headline_horizon
    start, end = ev.period
    period = f"{start.date() if start is not None else 'start of data'} to {end.date() if end is not None else 'extract date'}"
    meta = {"title": spec.report.title, "country": ev.country or "not stated", "organisation": spec.report.organisation,
            "period": period, "extract_date": str(ev.extract_date.date()), "version": version,
            "estimand": spec.design.estimand}

    summary: list[str] = []
    headline: dict[str, str] = {}
    policy = DisclosurePolicy.from_settings(spec.disclosure)  # the one rule for counts in words too
    shown_t, shown_c = policy.count(rules.n_treated), policy.count(rules.n_control)
    n_t = f"{shown_t:,}" if shown_t is not None else f"fewer than {policy.threshold}"
    n_c = f"{shown_c:,}" if shown_c is not None else f"fewer than {policy.threshold}"
    summary.append(f"This report compares {n_t} people given an alternative to custody for a minor drug offence "
                   f"with {n_c} people sent to custody, for decisions from {period}, in {meta['country']}.")
    sentence = headline_sentence(ev)
    if sentence is None:
        summary.extend(rules.reasons)
    else:
        summary.append(sentence)
        summary.append(_significance(ev, h0))
        headline["reoffending"] = sentence
    if ev.prison is not None:
        tot = ev.prison.bed_days.summary.query("component == 'total' and horizon == @h0")
        if len(tot):
            r = tot.iloc[0]
            summary.append(f"Each person given an alternative instead of custody spent on average {r['averted']:,.0f} "
                           f"fewer days in prison in the first {h0} days (95% CI {r['averted_ci_low']:,.0f} to "
                           f"{r['averted_ci_high']:,.0f}).")
            headline["bed_days_averted_per_person"] = f"{r['averted']:,.0f}"
        st = ev.prison.headline_steady_state
        way = "reduce" if st.net_change < 0 else "increase"
        summary.append(f"Diverting {100 * ev.prison.headline_share:.0f}% of eligible custody admissions "
                       f"({st.diversions_per_year:,.0f} people a year) to alternatives would {way} the average "
                       f"daily prison population by about {abs(st.net_change):,.0f} people once the change has "
                       "worked through (steady state).")
    if ev.costs is not None:
        c, cur = ev.costs.comparison, f"{ev.costs.unit_costs.currency}"
        verdict = ("the alternative is cheaper and reduces costs of reoffending (dominant)" if c.verdict == "dominant"
                   else f"the benefit-cost ratio is {c.ratio:.2f}" if c.verdict == "ratio" else f"verdict: {c.verdict}")
        flag = " These cost figures use PLACEHOLDER unit costs and illustrate the method only." if ev.costs.unit_costs.placeholders else ""
        chance = ev.costs.monte_carlo.chance_positive
        chance_txt = ("more than 99%" if chance > 0.99 else "less than 1%" if chance < 0.01 else f"{100 * chance:.0f}%")
        tot = c.summary.query("perspective == 'all' and component == 'total'").iloc[0]
        summary.append(f"Per person, over {_years(ev.costs.horizon)}, an alternative cost {_money(tot['mean_alternative'], cur)} "
                       f"and custody {_money(tot['mean_custody'], cur)} (present values, all perspectives).")
        summary.append(f"Per person, the net saving (net present value) is "
                       f"{_money(c.npv, cur)}; {verdict}; the chance that benefits exceed costs is {chance_txt}.{flag}")

    sections: list[dict[str, Any]] = []
    # data and methods
    d = spec.design
    design_words = {"ipw": "inverse-probability weighting on a propensity score",
                    "overlap": "overlap weighting on a propensity score", "entropy": "entropy balancing",
                    "matching": f"nearest-neighbour matching on the propensity score (caliper {d.caliper:g} SD)"}[d.method]
    est_words = {"ATT": "people given an alternative (ATT)", "ATC": "people sent to custody (ATC)",
                 "ATE": "everyone in the cohort (ATE)"}[d.estimand]
    sections.append({"id": "methods", "title": "Data and methods", "blocks": [
        _p(f"The cohort is every adult whose first proven minor drug offence (ICCS {', '.join(spec.cohort.eligible_prefixes)}) "
           f"was decided from {period}. People given an alternative measure are compared with people sent to custody. "
           "A proven reoffence is a new offence committed after the start of follow-up (release from custody, or "
           "the decision for alternatives) that was proven within the follow-up period plus a 182-day waiting period."),
        _p(f"To compare like with like, the custody group is adjusted by {design_words} on: "
           f"{', '.join(ev.covariates)}. The estimates describe the effect for {est_words}. "
           f"Confidence intervals are {100 * (1 - spec.outcomes.alpha):.0f}% intervals."),
    ]})
    q = tables["data_quality"]
    sections.append({"id": "quality", "title": "Data quality", "blocks": [
        _p(f"Extract date {meta['extract_date']}. {q.note}"), _table_block(q),
        *([_table_block(tables["data_problems"])] if "data_problems" in tables else []),
        *_consistency_blocks(ev)]})
    att = tables["attrition"]
    flow = [{"label": row[2], "removed": row[3], "remaining": row[4]} for row in att.display()[1]]
    sections.append({"id": "cohort", "title": "The evaluation cohort", "blocks": [
        {"kind": "flow", "steps": flow, "final": f"{n_t} alternative, {n_c} custody"},
        *([_table_block(tables["cohort_description"])] if "cohort_description" in tables else []),
        *_fig(figures, "love_plot"), *_fig(figures, "propensity_overlap"),
    ]})
    sections.append({"id": "rules", "title": "Decision rules", "blocks": [
        _p("The report follows the Justice Data Lab's rules: no effect estimates for fewer than "
           f"{spec.decision_rules.min_treated} treated people; significance statements only where n*p >= "
           f"{spec.decision_rules.min_expected:g} in both groups; time to reoffence only with at least "
           f"{spec.decision_rules.min_treated_reoffenders} treated reoffenders."),
        _table_block(tables["decision_rules"]),
        *([{"kind": "list", "items": list(rules.reasons)}] if rules.reasons else []),
    ]})
    if ev.recidivism:
        blocks = [_p(headline_sentence(ev, h) or "") for h in ev.recidivism]
        blocks.append(_p(_significance(ev, h0)))
        blocks.append(_table_block(tables["recidivism"]))
        blocks.append(_table_block(tables["frequency"]))
        if ev.time_to_event is not None:
            tte = ev.time_to_event.summary.set_index(["measure", "time"])
            rm = tte.loc[("rmst_difference", float(h0))]
            hr = tte.loc[("hazard_ratio", np.nan)] if ("hazard_ratio", np.nan) in tte.index else \
                ev.time_to_event.summary.query("measure == 'hazard_ratio'").iloc[0]
            rmst_txt = (f"Over the first {h0} days, people given an alternative spent on average {rm['estimate']:+.1f} "
                        f"days more without reoffending (restricted mean survival time difference, 95% CI "
                        f"{rm['ci_low']:+.1f} to {rm['ci_high']:+.1f}).")
            hr_txt = (f"The hazard ratio of reoffending is {hr['estimate']:.2f} (95% CI {hr['ci_low']:.2f} to "
                      f"{hr['ci_high']:.2f}).")
            if ev.time_to_event.lead == "rmst":
                blocks += [_p(rmst_txt), _p(hr_txt + " Hazards are not proportional, so this is an average "
                                            "over follow-up and the RMST above leads.")]
            else:
                blocks += [_p(hr_txt), _p(rmst_txt)]
            if "days_to_reoffence" in tables:
                dd = ev.days_to_reoffence
                blocks.append(_p(f"Among those who reoffended within {_within(dd['horizon'])[7:]}, the first proven "
                                 f"reoffence came on average {dd['mean_treated']:.0f} days after the start of follow-up "
                                 f"for people given an alternative and {dd['mean_control']:.0f} days for the "
                                 "comparison group."))
                blocks.append(_table_block(tables["days_to_reoffence"]))
            blocks += [*_fig(figures, "survival_curves"), _table_block(tables["time_to_event"]),
                       *_fig(figures, "cumulative_incidence"), _table_block(tables["cumulative_incidence"])]
        sections.append({"id": "reoffending", "title": "Reoffending", "blocks": blocks})
    if "health" in tables:
        sections.append({"id": "health", "title": "Health and treatment outcomes", "blocks": [
            _p("Entry to drug treatment within 90 days, completion of treatment among those who entered, "
               f"and deaths (all causes and overdose) within {h0} days."), _table_block(tables["health"])]})
    if "subgroups" in tables:
        sections.append({"id": "subgroups", "title": "Subgroups", "blocks": [
            _p("Effects by type of alternative and by substance. With many subgroups, some differences arise by "
               "chance: read them with the Holm-adjusted p-values and as hypotheses for further study."),
            _table_block(tables["subgroups"])]})
    if ev.prison is not None:
        sections.append({"id": "prison", "title": "Prison population", "blocks": [
            _table_block(tables["bed_days"]), *_fig(figures, "bed_days"), _table_block(tables["steady_state"]),
            *_fig(figures, "population_projection"), _table_block(tables["population_projection"])]})
    if ev.costs is not None:
        sections.append({"id": "costs", "title": "Costs", "blocks": [
            *([_p("Every unit cost below is a PLACEHOLDER shipped with the toolkit, not an estimate for this "
                  "country: replace them in [costs] before publishing.")] if ev.costs.unit_costs.placeholders else []),
            _table_block(tables["cost_summary"]), _table_block(tables["costs_per_person"]),
            *_fig(figures, "cost_waterfall"), *_fig(figures, "monte_carlo"), *_fig(figures, "tornado"),
            _table_block(tables["unit_costs"])]})
    if "evalues" in tables:
        sections.append({"id": "sensitivity", "title": "Sensitivity to unmeasured confounding", "blocks": [
            _p("The E-value is the minimum strength of association (risk ratio scale) that an unmeasured factor "
               "would need with both the type of sentence and reoffending to explain away the estimate (point) "
               "or to move its confidence interval to include no effect (CI)."), _table_block(tables["evalues"])]})
    sections.append({"id": "limitations", "title": "Limitations", "blocks": [
        {"kind": "list", "items": publish_notes(ev.limitations, spec.disclosure,
                                                hidden_labels(tables, spec.disclosure.marker))}]})
    repro = [f"toolkit version {version}; seed {spec.run.seed}; estimand {d.estimand}; design {d.method}",
             *[f"{k} {v}" for k, v in ev.versions.items()],
             *[f"table {k}: SHA-256 {v}" for k, v in ev.table_hashes.items()],
             *[f"file {k}: SHA-256 {v}" for k, v in (input_files or {}).items()],
             *disclosure_notes]
    sections.append({"id": "appendix", "title": "Appendix: reproducibility", "blocks": [
        {"kind": "list", "items": [redact_secrets(r) for r in repro]},
        {"kind": "code", "text": redact_secrets(_config_text(spec.config))},
        {"kind": "list", "items": [redact_secrets(n) for n in publish_notes(
            ev.notes, spec.disclosure, hidden_labels(tables, spec.disclosure.marker))]}]})
    return {"meta": meta, "summary": summary, "headline": headline, "sections": sections,
            "disclosure": list(disclosure_notes)}


def _toml_value(v: Any) -> str:
    import datetime
    import json

    if isinstance(v, (datetime.date, datetime.datetime)):
        return v.isoformat()
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    return str(v)


def _config_text(cfg: dict[str, Any], prefix: str = "") -> str:
    """The config as read, in TOML form (nested tables as [a.b])."""
    lines: list[str] = []
    for section, values in cfg.items():
        name = f"{prefix}{section}"
        plain = {k: v for k, v in values.items() if not isinstance(v, dict)}
        lines.append(f"[{name}]")
        lines.extend(f"{k} = {_toml_value(v)}" for k, v in plain.items())
        nested = {k: v for k, v in values.items() if isinstance(v, dict)}
        if nested:
            lines.append(_config_text(nested, prefix=f"{name}."))
    return "\n".join(lines)
