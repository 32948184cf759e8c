"""The content model of the evaluation report: one structure feeds the HTML, PDF and Word renderers.

:func:`build_content` returns ``meta`` (title, country, organisation, period, extract date,
publication date, contact, licence, statistical status, version of the publication,
``toolkit_version``, language), ``summary`` (a list of blocks), ``headline`` (key sentences) and
``sections`` (each ``{"id", "title", "blocks"}``). Blocks:

- ``{"kind": "p", "text"}``, ``{"kind": "list", "items"}``, ``{"kind": "code", "text"}``;
- ``{"kind": "box", "style", "title", "items"}``: ``style`` is ``can`` (What you can say),
  ``cannot`` (What you cannot say), ``verdict`` (the design checks' verdict) or ``warning``;
- ``{"kind": "table", "name", "number", "title", "head", "rows", "align", "unit", "source", "note"}``;
- ``{"kind": "figure", "name", "number", "title", "caption", "alt", "source"}`` (``alt``: what the
  figure shows, with its key numbers);
- ``{"kind": "flow", "steps", "final"}`` (the attrition diagram; each step's ``label`` says why
  people were removed).

Tables and figures are numbered in reading order by one pass at the end (:func:`number_blocks`).
Every number comes from the disclosure-controlled tables or from estimates (never from a raw count
below the threshold); every sentence is marked for translation and written in the active language.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from altmeasures_eval.privacy import DisclosurePolicy, redact_secrets
from altmeasures_eval.report._tables import PublishedTable, hidden_labels, publish_notes

__all__ = ["build_content", "gate_table", "headline_sentence"]

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
    estimand = ev.design.estimand
    if estimand == "ATO":
        return (f"Among the people who could have received either sentence, {x:.1f} of every 100 would reoffend "
                f"{_within(h)} if given an alternative measure, compared with {y:.1f} of every 100 if sent to "
                f"custody {diff}.")
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
    """A numbered table block (``number`` is set by :func:`number_blocks` in reading order); ``unit``
    and ``source`` come from the table where it states them, else the report's source line."""
    head, rows = t.display()
    return {"kind": "table", "name": t.name, "number": None, "title": t.title, "head": head, "rows": rows,
            "note": t.note, "align": t.alignment(), "unit": getattr(t, "unit", "") or "",
            "source": getattr(t, "source", "") or ""}


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
    """A numbered figure block: title, caption, ``alt`` (what the figure shows, with its key
    numbers: the text alternative of the picture) and source, as the Figure object carries them."""
    f = figures.get(name)
    if f is None:
        return []
    return [{"kind": "figure", "name": name, "number": None, "title": getattr(f, "title", "") or f.caption,
             "caption": f.caption, "alt": getattr(f, "alt", "") or f.caption, "source": getattr(f, "source", "") or ""}]


def _box(style: str, title: str, items: list[str] | tuple[str, ...]) -> dict[str, Any]:
    """A box of the summary: ``can`` (What you can say), ``cannot`` (What you cannot say),
    ``verdict`` (the design gate's verdict) or ``warning``."""
    assert style in ("can", "cannot", "verdict", "warning"), style
    return {"kind": "box", "style": style, "title": title, "items": list(items)}


def number_blocks(content: dict[str, Any], source: str = "") -> dict[str, Any]:
    """Number the tables and the figures of ``content`` in reading order (summary, then the
    sections), each series from 1, and give every one without a source the report's ``source``.

    The one numbering pass of the report: renderers print "Table 3", "Figure 2" from ``number``
    and never count for themselves. Returns ``content`` (changed in place).
    """
    counters = {"table": 0, "figure": 0}
    blocks = [b for b in content.get("summary", []) if isinstance(b, dict)]
    for sec in content.get("sections", []):
        blocks.extend(sec.get("blocks", []))
    for b in blocks:
        kind = b.get("kind")
        if kind in counters:
            counters[kind] += 1
            b["number"] = counters[kind]
            if not b.get("source"):
                b["source"] = source
    return content


def _years(days: int) -> str:
    words = {365: "one year", 730: "two years", 1095: "three years"}
    return f"{words[days]} ({days:,} days)" if days in words else f"{days:,} days"


def _money(v: float, cur: str) -> str:
    return f"{cur} {v:,.0f}"


def _gate_value(check: str, value: Any, policy: DisclosurePolicy, settings: Any = None) -> str:
    from altmeasures_eval.design import COUNT_CHECKS, shown_beside

    if isinstance(value, str):
        return value
    if check in COUNT_CHECKS:  # a count of people: the one disclosure rule (threshold, rounding)
        shown = policy.count(int(value))
        return f"fewer than {policy.threshold}" if shown is None else f"{shown:,}"
    if isinstance(value, (int, np.integer)):
        return f"{int(value):,}"
    # enough decimals that a value never reads as its threshold (0.1004 beside "at most 0.1")
    limits = {"max |SMD| after adjustment": "balance_threshold", "effective sample size": "min_ess",
              "largest weight share": "max_weight_share"}
    th: Any = [getattr(settings, limits[check])] if settings is not None and check in limits else []
    if check == "variance ratios after adjustment" and settings is not None:
        th = [1 / settings.max_variance_ratio, settings.max_variance_ratio]
    if check == "largest weight share":
        return f"{shown_beside(value, th, 1, percent=True)}%"
    if abs(value) < 10:  # SMDs and variance ratios from 3 decimals
        return shown_beside(value, th, 3)
    return shown_beside(value, th, 1)


def gate_table(ev: Any) -> PublishedTable:
    """The design gate as a report table: each check with its measured value beside its threshold.

    Parameters
    ----------
    ev : Evaluation
        Or any object with ``design`` (a :class:`~altmeasures_eval.design.Design`) and ``spec``
        (an :class:`~altmeasures_eval.evaluation.EvaluationSpec`), as the ``project`` and ``costs``
        commands pass when the gate fails.

    Returns
    -------
    PublishedTable
        Counts of people through disclosure control; values printed with enough decimals that
        none reads as its threshold.
    """
    import pandas as pd

    g = ev.design.gate.checks
    policy = DisclosurePolicy.from_settings(ev.spec.disclosure)
    frame = pd.DataFrame({
        "check": g["check"].to_numpy(),
        "value": [_gate_value(c, v, policy, ev.spec.design) for c, v in zip(g["check"], g["value"])],
        "threshold": g["threshold"].to_numpy(),
        "result": np.where(g["passed"].to_numpy(bool), "passed", "FAILED"),
        "detail": publish_notes(tuple(str(d) for d in g["detail"]), ev.spec.disclosure),
    })
    return PublishedTable("design_gate", "Is the comparison reliable? Design checks", frame,
                          labels={"check": "Check", "value": "Measured", "threshold": "Accepted",
                                  "result": "Result", "detail": "Detail"},
                          note="Effects are published only when every check passes (in the spirit of the Justice "
                               "Data Lab rule that results appear only where matching quality is high enough). "
                               "Thresholds: [design] in the config.")


def stages_table(ev: Any) -> PublishedTable | None:
    """Stages described but not compared (one group only), under disclosure control."""
    from altmeasures_eval.report._tables import publish_counts

    points = ev.design.decision_points
    if points is None or not len(points.left_out):
        return None
    h = ev.headline_horizon
    lo = points.left_out
    import pandas as pd

    n_col, r_col = f"reoffend_{h}_n", f"reoffend_{h}_rate"
    frame = pd.DataFrame({"stage": lo["stage"].str.replace("_", "-"), "reason": lo["reason"],
                          "alternative": lo["alternative"].astype(int), "custody": lo["custody"].astype(int)})
    if n_col in lo.columns:
        frame["observed"] = lo[n_col].astype(int)
        frame["reoffenders"] = np.rint(lo[n_col] * lo[r_col].fillna(0)).astype(int)
        frame["non_reoffenders"] = frame["observed"] - frame["reoffenders"]
        frame["rate"] = 100 * lo[r_col].to_numpy(float)
        out = publish_counts(frame, ["alternative", "custody", "reoffenders", "non_reoffenders"], ev.spec.disclosure,
                             name="stages_described", derived={"rate": ["reoffenders", "non_reoffenders"]})
        out = out.drop(columns=["reoffenders", "non_reoffenders"])
    else:
        out = publish_counts(frame, ["alternative", "custody"], ev.spec.disclosure, name="stages_described")
    return PublishedTable("stages_described", "Stages described, not compared", out,
                          labels={"stage": "Stage", "reason": "Why not compared", "alternative": "Alternative",
                                  "custody": "Custody", "observed": f"Followed {h} days",
                                  "rate": f"Reoffended within {h} days (%)"},
                          formats={"rate": "{:.1f}"},
                          note="At these stages only one group occurs, so there is no one to compare with; they "
                               "are left out of the effect ([design] decision_points) and counted in the "
                               "attrition flow. Rates are unadjusted.")


def missing_paragraph(ev: Any) -> str | None:
    """How missing design covariates were handled, in words (issue #17; added by H): share missing
    per covariate (counts through disclosure control), the method, m, the fraction of missing
    information of the headline estimate and the complete-case sensitivity result."""
    md = getattr(ev, "missing_data", None)
    if md is None:
        return None
    policy = DisclosurePolicy.from_settings(ev.spec.disclosure)
    gaps = []
    for r in md.missing.itertuples():
        if r.n_missing:
            shown = policy.count(int(r.n_missing))
            gaps.append(f"{r.column} ({100 * r.share_missing:.1f}%)" if shown is not None
                        else f"{r.column} (fewer than {policy.threshold} people)")
    if not gaps:
        return "No design covariate had missing values."
    text = f"Some covariates were not recorded: {', '.join(gaps)}. "
    if md.method == "impute" and md.m:
        text += (f"They were filled in by multiple imputation by chained equations ({md.m} imputations, with the "
                 "sentence and the reoffending outcomes in the imputation model); the comparison and the effects "
                 "were estimated in each completed data set and combined by Rubin's rules, so nobody was left out "
                 "because of a missing value. The proven-reoffending effects are pooled over the imputations; the "
                 "design diagnostics, time-to-event, prison and cost results are those of the first completed "
                 "data set. ")
        if np.isfinite(md.fmi):
            text += f"Fraction of missing information of the headline estimate: {md.fmi:.2f}. "
    else:
        text += {"indicator": "A missing category was treated as its own level ('unknown') and a missing number "
                              "as the mean with a missing-value indicator. ",
                 "complete_case": "People with a missing covariate were left out (complete cases; see the cohort "
                                  "flow), so the estimate describes people with complete records only. "}.get(md.method, "")
    cc = md.complete_case
    if cc is not None:
        r = cc.summary.loc["risk_difference"]
        text += (f"Sensitivity: among people with every covariate recorded the difference is "
                 f"{100 * r['estimate']:+.1f} percentage points ({100 * (1 - cc.alpha):.0f}% CI "
                 f"{100 * r['ci_low']:+.1f} to {100 * r['ci_high']:+.1f}).")
    return text.strip()


def country_words(ev: Any) -> str:
    """The country as the report prints it: ``[report] country_name`` where set, else the ISO short
    name of the code ("Kenya" for KEN), else the code itself (a user-assigned code such as XSY)."""
    from altmeasures_eval._country import country_of
    from altmeasures_eval._errors import ConfigError

    name = str(getattr(ev.spec.report, "country_name", "") or "").strip()
    if name:
        return name
    if not ev.country:
        return "not stated"
    try:
        c = country_of(ev.country)
    except ConfigError:  # a code read from the extract that is not ISO: print it as given
        return ev.country
    return ev.country if c.user_assigned else c.name


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
    design, gate = ev.design, ev.design.gate
    rs = spec.report
    import datetime

    meta = {"title": rs.title, "country": country_words(ev), "organisation": rs.organisation,
            "period": period, "extract_date": str(ev.extract_date.date()),
            "publication_date": rs.publication_date or datetime.date.today().isoformat(),
            "contact": rs.contact, "licence": rs.licence, "status": rs.status, "version": rs.version,
            "toolkit_version": version, "language": rs.language,
            "estimand": design.estimand, "estimand_label": design.estimand_label, "design_passed": gate.passed}

    summary: list[str] = []
    headline: dict[str, str] = {}
    policy = DisclosurePolicy.from_settings(spec.disclosure)  # the one rule for counts in words too
    shown_t, shown_c = policy.count(rules.n_treated), policy.count(rules.n_control)
    n_t = f"{shown_t:,}" if shown_t is not None else f"fewer than {policy.threshold}"
    n_c = f"{shown_c:,}" if shown_c is not None else f"fewer than {policy.threshold}"
    if gate.passed:
        summary.append(f"This report compares {n_t} people given an alternative to custody for a minor drug offence "
                       f"with {n_c} people sent to custody, for decisions from {period}, in {meta['country']}. "
                       f"The comparison describes {design.estimand_label}.")
    else:  # no comparison was made: describe the cohort as built
        cd = ev.cohort.data["treatment"]
        ct, cc = policy.count(int((cd == 1).sum())), policy.count(int((cd == 0).sum()))
        summary.append(f"This report was to compare "
                       f"{f'{ct:,}' if ct is not None else f'fewer than {policy.threshold}'} people given an "
                       f"alternative to custody for a minor drug offence with "
                       f"{f'{cc:,}' if cc is not None else f'fewer than {policy.threshold}'} people sent to custody, "
                       f"for decisions from {period}, in {meta['country']}.")
    sentence = headline_sentence(ev)
    dc = spec.disclosure
    if not gate.passed:
        verdict = ("A reliable comparison could not be made with these data, so this report gives no estimate of "
                   "the effect of alternatives on reoffending, no statement of statistical significance and no "
                   "prison-population or cost conclusions.")
        summary.append(verdict)
        headline["verdict"] = verdict
        summary.extend(publish_notes(gate.reasons, dc))
        summary.extend(f"What to try: {a[0].upper() + a[1:]}." if not a.endswith(".") else f"What to try: {a}"
                       for a in publish_notes(gate.advice, dc))
        summary.append("The design checks, with each measured value beside its threshold, are in the section "
                       "\"Is the comparison reliable?\".")
    elif getattr(ev, "headline_not_estimable", None):  # the primary outcome: written, withheld, exit 3
        verdict = (f"The effect of alternatives on proven reoffending {_within(h0)} could not be estimated from "
                   "these data, so this report gives no estimate of the effect, no statement of statistical "
                   "significance and no prison-population or cost conclusions.")
        summary.append(verdict)
        headline["verdict"] = verdict
        summary.extend(publish_notes((ev.headline_not_estimable,), dc))
    elif sentence is None:
        summary.extend(publish_notes(rules.reasons, dc))
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
                    "matching": f"nearest-neighbour matching on the propensity score (caliper {d.caliper:g} SD)"}[design.method]
    est_words = (design.estimand_label if design.estimand_label.endswith(")")
                 else f"{design.estimand_label} ({design.estimand})")
    sections.append({"id": "methods", "title": "Data and methods", "blocks": [
        _p(f"The cohort is every adult whose first proven minor drug offence (ICCS {', '.join(spec.cohort.eligible_prefixes)}) "
           f"was decided from {period}. People given an alternative measure are compared with people sent to custody. "
           "A proven reoffence is a new offence committed after the start of follow-up (release from custody, or "
           "the decision for alternatives) that was proven within the follow-up period plus a 182-day waiting period."),
        _p(f"To compare like with like, the custody group is adjusted by {design_words} on: "
           f"{', '.join(ev.covariates)}. "
           + (f"The comparison describes {est_words}, but the headline effect could not be estimated (see the "
              "summary), so no estimate is given. " if gate.passed and getattr(ev, "headline_not_estimable", None) else
              f"The estimates describe the effect for {est_words}. " if gate.passed else
              "The design checks failed (section \"Is the comparison reliable?\"), so no estimate is given. ")
           + f"Confidence intervals are {100 * (1 - spec.outcomes.alpha):.0f}% intervals."),
        *([_p(mp)] if (mp := missing_paragraph(ev)) else []),
    ]})
    q = tables["data_quality"]
    sections.append({"id": "quality", "title": "Data quality", "blocks": [
        _p(f"Extract date {meta['extract_date']}. {q.note}"), _table_block(q),
        *([_table_block(tables["data_problems"])] if "data_problems" in tables else []),
        *_consistency_blocks(ev)]})
    att = tables["attrition"]
    flow = [{"label": row[2], "removed": row[3], "remaining": row[4]} for row in att.display()[1]]
    st = stages_table(ev)
    sections.append({"id": "cohort", "title": "The evaluation cohort", "blocks": [
        {"kind": "flow", "steps": flow, "final": f"{n_t} alternative, {n_c} custody"},
        *([_p("An alternative is compared with custody decided at the same point of the process. At the stages "
              "below only one of the two occurs, so they are described here and left out of the comparison."),
           _table_block(st)] if st is not None else []),
        *([_table_block(tables["cohort_description"])] if "cohort_description" in tables else []),
        *_fig(figures, "love_plot"), *_fig(figures, "propensity_overlap"),
    ]})
    gate_blocks: list[dict[str, Any]] = [
        _p("Before any effect is estimated, the comparison itself is checked: the groups must be alike after "
           "adjustment, the weights must not rest on a few people, and the propensity model must have fitted. "
           + ("Every check passed." if gate.passed else
              "At least one check failed, so no effect estimates are published.")),
        _table_block(gate_table(ev))]
    if not gate.passed:
        gate_blocks += [_p("Why:"), {"kind": "list", "items": publish_notes(gate.reasons, dc)},
                        _p("What to try:"), {"kind": "list", "items": publish_notes(gate.advice, dc)}]
    sections.append({"id": "design", "title": "Is the comparison reliable?", "blocks": gate_blocks})
    sections.append({"id": "rules", "title": "Decision rules", "blocks": [
        _p("The report follows the Justice Data Lab's rules: no effect estimates for fewer than "
           f"{spec.decision_rules.min_treated} treated people; significance statements only where n*p >= "
           f"{spec.decision_rules.min_expected:g} in both groups; time to reoffence only with at least "
           f"{spec.decision_rules.min_treated_reoffenders} treated reoffenders."),
        _table_block(tables["decision_rules"]),
        *([{"kind": "list", "items": publish_notes(rules.reasons, spec.disclosure)}] if rules.reasons else []),
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
            blocks.append(_p(
                f"Two figures describe reoffending at {h0} days and can differ. The proven reoffending rate above "
                f"counts only people followed for the full {h0} days plus the six-month waiting period for a "
                "conviction, and only offences proven within that window. The share reoffending from the survival "
                "curves (Kaplan-Meier) also uses people followed for less time, until they leave observation, and "
                "counts offences proven later during follow-up. The first is the headline (Justice Data Lab "
                "measure); the second describes the timing of reoffending."))
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
        from altmeasures_eval.report._costs import costs_section  # P3's section (#15)

        sections.append(costs_section(ev, tables, figures))
    if "evalues" in tables:
        sections.append({"id": "sensitivity", "title": "Sensitivity to unmeasured confounding", "blocks": [
            _p("The E-value is the minimum strength of association (risk ratio scale) that an unmeasured factor "
               "would need with both the type of sentence and reoffending to explain away the estimate (point) "
               "or to move its confidence interval to include no effect (CI)."), _table_block(tables["evalues"])]})
    sections.append({"id": "limitations", "title": "Limitations", "blocks": [
        {"kind": "list", "items": publish_notes(ev.limitations, spec.disclosure,
                                                hidden_labels(tables, spec.disclosure.marker))}]})
    repro = [f"toolkit version {version}; seed {spec.run.seed}; estimand {design.estimand}; design {design.method}",
             *[f"{k} {v}" for k, v in ev.versions.items()],
             *[f"table {k}: SHA-256 {v}" for k, v in ev.table_hashes.items()],
             *[f"file {k}: SHA-256 {v}" for k, v in (input_files or {}).items()],
             *disclosure_notes]
    sections.append({"id": "appendix", "title": "Appendix: reproducibility", "blocks": [
        {"kind": "list", "items": [redact_secrets(r) for r in repro]},
        {"kind": "code", "text": redact_secrets(_config_text(_shown_paths(spec.config)))},
        {"kind": "list", "items": [redact_secrets(n) for n in publish_notes(
            ev.notes, spec.disclosure, hidden_labels(tables, spec.disclosure.marker))]}]})
    blocks: list[dict[str, Any]] = [_p(t) for t in summary]
    if not gate.passed or getattr(ev, "headline_not_estimable", None):
        blocks.insert(1, _box("verdict", "Verdict of the design checks", [headline["verdict"]]))
    content = {"meta": meta, "summary": blocks, "headline": headline, "sections": sections,
               "disclosure": list(disclosure_notes)}
    source = f"{rs.organisation or meta['country']}, administrative data extracted on {meta['extract_date']}"
    return number_blocks(content, source)


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


def _shown_paths(cfg: dict[str, Any]) -> dict[str, Any]:
    """The config with ``[data] path`` and ``mapping`` as they may be printed (resolved to absolute
    paths when the config was read; shown by name, never absolute: :func:`altmeasures_eval.privacy.display_path`)."""
    from altmeasures_eval.privacy import display_path

    data = cfg.get("data")
    if not isinstance(data, dict):
        return cfg
    shown = {k: (display_path(v) if k in ("path", "mapping") and isinstance(v, str) and v else v)
             for k, v in data.items()}
    return {**cfg, "data": shown}


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
