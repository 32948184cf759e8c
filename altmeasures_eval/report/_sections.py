"""The sections of the evaluation report written by P1 (#15): methods, cohort, design checks,
decision rules, reoffending, health, subgroups, prison, sensitivity, limitations and the appendix.

Text is generated from the config (cohort rules, horizons, waiting period, outcomes, design) and
the results, in the active language; variables and levels are named through
:mod:`altmeasures_eval._vocabulary`, never by their column names; every count of people passes
the run's :class:`~altmeasures_eval.privacy.DisclosurePolicy`.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np

from altmeasures_eval._i18n import N_, _, current_language, fmt_int, fmt_num, fmt_pct, fmt_signed, ngettext
from altmeasures_eval._vocabulary import display_level, display_name
from altmeasures_eval.privacy import DisclosurePolicy, redact_secrets
from altmeasures_eval.report._blocks import paragraph
from altmeasures_eval.report._summary import frequency_sentence, headline_sentence, significance_sentence, whom
from altmeasures_eval.report._words import (
    after,
    confidence_level,
    duration,
    join_words,
    or_words,
    over,
    people,
    removal_reason,
    within,
)


def _lower(name: str) -> str:
    """A display name inside a sentence: "Age at the decision" -> "age at the decision" (acronyms kept)."""
    return name[:1].lower() + name[1:] if len(name) > 1 and not name[1].isupper() else name


# -- the cohort flow ---------------------------------------------------------------------------


def flow_block(ev: Any, tables: dict[str, Any]) -> dict[str, Any]:
    """The attrition diagram: people in the data, then each step with how many were removed and why,
    and the groups compared. Counts are those of the published (disclosure-controlled) attrition
    table, row for row."""
    att = ev.attrition
    rows = tables["attrition"].display()[1]
    steps = att if len(rows) == len(att) else att[att["step"] > 0]  # the published table, row for row
    flow = []
    for i, (row, rule, desc) in enumerate(zip(rows, steps["rule"], steps["description"])):
        label = _("people in the data") if i == 0 else removal_reason(str(rule), str(desc), ev.spec.cohort)
        flow.append({"label": label, "removed": row[3], "remaining": row[4]})
    policy = DisclosurePolicy.from_settings(ev.spec.disclosure)
    final = _("{n_t} given an alternative measure, {n_c} sent to custody").format(
        n_t=people(policy, ev.rules.n_treated), n_c=people(policy, ev.rules.n_control))
    return {"kind": "flow", "steps": flow, "final": final}


# -- methods -----------------------------------------------------------------------------------

def _design_words(ev: Any) -> str:
    d = ev.spec.design
    method = ev.design.method
    if method == "ipw":
        return _("inverse-probability weighting on a propensity score")
    if method == "overlap":
        return _("overlap weighting on a propensity score")
    if method == "entropy":
        return _("entropy balancing")
    return _("nearest-neighbour matching on the propensity score (caliper of {c} standard deviations)").format(
        c=fmt_num(d.caliper, 2))


def _estimand_name(est: str) -> str:
    return {"ATT": _("average effect on the treated, ATT"), "ATC": _("average effect on the controls, ATC"),
            "ATE": _("average effect in the population, ATE"),
            "ATO": _("average effect in the overlap population, ATO")}.get(est, est)


def methods_blocks(ev: Any) -> list[dict[str, Any]]:
    """How the cohort, the outcome and the comparison were defined, from the config."""
    spec, c = ev.spec, ev.spec.cohort
    from altmeasures_eval.report._words import period_words

    stages = join_words([display_level("stage", s) for s in c.stages]) if c.stages else ""
    codes = or_words(list(c.eligible_prefixes))
    args = {"age": fmt_int(c.min_age or 0), "codes": codes, "period": period_words(ev), "stages": stages}
    if c.index_event == "first":
        text = (_("The cohort is every person aged {age} or over at the decision whose first proven minor drug "
                  "offence in the period (offence code starting with {codes} in the International Classification "
                  "of Crime for Statistical Purposes) was decided from {period}.").format(**args) if c.min_age else
                _("The cohort is every person whose first proven minor drug offence in the period (offence code "
                  "starting with {codes} in the International Classification of Crime for Statistical Purposes) "
                  "was decided from {period}.").format(**args))
    else:
        text = (_("The cohort is every decision on a proven minor drug offence (offence code starting with {codes} in "
                  "the International Classification of Crime for Statistical Purposes) taken from {period} for a "
                  "person aged {age} or over; a person can enter more than once.").format(**args))
    if stages:
        text += " " + ngettext("Only decisions taken at the {stages} stage are compared.",
                               "Only decisions taken at the {stages} stages are compared.", len(c.stages)).format(**args)
    alts = join_words([display_level("disposition", a) for a in c.alternatives])
    text += " " + _("People given an alternative measure ({alternatives}) are compared with people sent to "
                    "custody.").format(alternatives=alts)
    start = (_("release from custody for people sent to custody, and the decision for people given an alternative "
               "measure") if c.start == "release" else _("the decision"))
    outcome = _("A proven reoffence is a new offence committed after the start of follow-up ({start}) and proven by "
                "a conviction, caution or accepted diversion within the follow-up period or the waiting period of "
                "{wp} days after it, which leaves time for the case to be decided.").format(
        start=start, wp=fmt_int(c.waiting_period))
    horizons = [h for h in c.horizons]
    outcome += " " + _("Reoffending is measured over follow-up periods of {periods}; the headline measure is proven "
                       "reoffending {within}.").format(periods=join_words([duration(h) for h in horizons]),
                                                       within=within(ev.headline_horizon))
    covs = join_words([_lower(display_name(v)) for v in ev.covariates])
    design = _("To compare like with like, the custody group is adjusted by {method} on these characteristics, "
               "recorded before the decision: {covariates}.").format(method=_design_words(ev), covariates=covs)
    gate = ev.design.gate
    if gate.passed and getattr(ev, "headline_not_estimable", None):
        design += " " + _("The comparison describes {whom}, but the headline effect could not be estimated (see the "
                          "summary), so no estimate is given.").format(whom=whom(ev))
    elif gate.passed:
        design += " " + _("The estimates describe the effect for {whom} ({name}).").format(
            whom=whom(ev), name=_estimand_name(ev.design.estimand))
    else:
        design += " " + _("The design checks failed (section \u201cIs the comparison reliable?\u201d), so no "
                          "estimate is given.")
    if gate.passed and ev.rules.effects_allowed and not getattr(ev, "headline_not_estimable", None):
        design += " " + _("Differences are given with {level}% confidence intervals; a difference is called "
                          "statistically significant when its p-value is at most {alpha}.").format(
            level=confidence_level(ev), alpha=fmt_num(spec.decision_rules.significance_level, 2))
    return [paragraph(text), paragraph(outcome), paragraph(design)]


# -- design checks and decision rules ----------------------------------------------------------

def design_blocks(ev: Any, gate_table: Any, table_block: Any) -> list[dict[str, Any]]:
    gate = ev.design.gate
    intro = _("Before any effect is estimated, the comparison itself is checked: the groups must be alike after "
              "adjustment, the weights must not rest on a few people, and the propensity model must have fitted.")
    intro += " " + (_("Every check passed.") if gate.passed else
                    _("At least one check failed, so no effect estimates are published."))
    blocks = [paragraph(intro), table_block(gate_table)]
    if not gate.passed:
        from altmeasures_eval.report._summary import gate_advice, gate_reasons

        blocks += [paragraph(_("Why:")), {"kind": "list", "items": gate_reasons(ev)},
                   paragraph(_("What to try:")), {"kind": "list", "items": gate_advice(ev)}]
    return blocks


def rules_blocks(ev: Any, tables: dict[str, Any], table_block: Any) -> list[dict[str, Any]]:
    r = ev.spec.decision_rules
    text = _("The report follows the Justice Data Lab's rules: no effect estimates when fewer than {n} people were "
             "given an alternative measure; statements of statistical significance only where the expected number of "
             "reoffenders in each group is at least {e}; time to reoffence only where the number of reoffenders among "
             "people given an alternative measure is at least {r}.").format(n=fmt_int(r.min_treated), e=fmt_num(r.min_expected, 0),
                                            r=fmt_int(r.min_treated_reoffenders))
    blocks = [paragraph(text), table_block(tables["decision_rules"])]
    reasons = rule_reasons(ev, DisclosurePolicy.from_settings(ev.spec.disclosure))
    if reasons:
        blocks.append({"kind": "list", "items": reasons})
    return blocks


def rule_reasons(ev: Any, policy: DisclosurePolicy) -> list[str]:
    """What the decision rules withheld and why, in the report's language, written from the rules'
    outcome (:class:`~altmeasures_eval.evaluation.RuleOutcome`) as ``apply_rules`` words it for
    results.json; group sizes through disclosure control."""
    rules, r = ev.rules, ev.spec.decision_rules
    out = []
    if rules.n_treated < r.min_treated:
        out.append(_("Only {n} people were given an alternative measure; at least {min} are needed for a reliable "
                     "estimate, so no effect estimates are reported.").format(
            n=people(policy, rules.n_treated), min=fmt_int(r.min_treated)))
    if rules.n_control < getattr(r, "min_control", 0):
        out.append(_("Only {n} people were sent to custody; at least {min} are needed to form a comparison group, so "
                     "no effect estimates are reported.").format(
            n=people(policy, rules.n_control), min=fmt_int(r.min_control)))
    if rules.effects_allowed:
        for h in ev.spec.cohort.horizons:
            if not rules.significance.get(h, False):
                out.append(_("{when}, too few people (or too few reoffenders) in one group for a test of statistical "
                             "significance (n\u00d7p and n\u00d7(1\u2212p) must both be at least {e}); no statement of "
                             "statistical significance is made for that follow-up.").format(
                    when=after(h), e=fmt_num(r.min_expected, 0)))
        if not rules.time_to_event_allowed:
            out.append(_("The number of people given an alternative measure who reoffended {within} is below {n}; "
                         "time to reoffence (survival curves, hazard ratio, restricted mean survival time) is not "
                         "reported.").format(
                n=fmt_int(r.min_treated_reoffenders), within=within(ev.headline_horizon)))
    known = len(out)
    if not known and rules.reasons:  # reasons of a kind this function does not word: as the rules wrote them
        from altmeasures_eval.report._tables import publish_notes

        out = (publish_notes(rules.reasons, ev.spec.disclosure) if current_language() == "en" else
               [_("A decision rule withheld some results (the reasons, in English, are in results.json under "
                  "decision_rules).")])
    return out


# -- reoffending -------------------------------------------------------------------------------

def reoffending_blocks(ev: Any, tables: dict[str, Any], figures: dict[str, Any], table_block: Any,
                       fig: Any) -> list[dict[str, Any]]:
    h0, level = ev.headline_horizon, confidence_level(ev)
    blocks: list[dict[str, Any]] = []
    for h in ev.recidivism:
        blocks.append(paragraph(headline_sentence(ev, h) or ""))
        if (f := frequency_sentence(ev, h)) is not None:
            blocks.append(paragraph(f))
        blocks.append(paragraph(significance_sentence(ev, h)))
    blocks.append(table_block(tables["recidivism"]))
    if "frequency" in tables:
        blocks.append(table_block(tables["frequency"]))
    if ev.time_to_event is None:
        return blocks
    s = ev.time_to_event.summary
    rm = s[(s["measure"] == "rmst_difference") & (s["time"] == float(h0))]
    hr = s[s["measure"] == "hazard_ratio"]
    texts = []
    if len(rm):
        r = rm.iloc[0]
        args = {"d": fmt_num(abs(r["estimate"]), 1), "over": over(h0), "level": level,
                "lo": fmt_signed(r["ci_low"], 1), "hi": fmt_signed(r["ci_high"], 1)}
        texts.append(_("People given an alternative measure spent on average {d} more days without a proven reoffence "
                       "{over} (difference in restricted mean survival time; {level}% confidence interval {lo} to "
                       "{hi} days).").format(**args) if r["estimate"] >= 0 else
                     _("People given an alternative measure spent on average {d} fewer days without a proven "
                       "reoffence {over} (difference in restricted mean survival time; {level}% confidence interval "
                       "{lo} to {hi} days).").format(**args))
    if len(hr) and np.isfinite(hr.iloc[0]["estimate"]):
        r = hr.iloc[0]
        hr_txt = _("The hazard ratio of reoffending (alternative measure against custody) is {hr} ({level}% "
                   "confidence interval {lo} to {hi}).").format(hr=fmt_num(r["estimate"], 2), level=level,
                                                             lo=fmt_num(r["ci_low"], 2), hi=fmt_num(r["ci_high"], 2))
        if ev.time_to_event.lead == "rmst":
            texts.append(hr_txt + " " + _("Hazards are not proportional, so this is an average over follow-up and "
                                          "the restricted mean survival time above leads."))
        else:
            texts.insert(0, hr_txt)
    blocks += [paragraph(t) for t in texts]
    if "days_to_reoffence" in tables and ev.days_to_reoffence:
        dd = ev.days_to_reoffence
        blocks.append(paragraph(_("Among those who reoffended {within}, the first proven reoffence came on average {t} days "
                           "after the start of follow-up for people given an alternative measure and {c} days for "
                           "similar people sent to custody.").format(
            within=within(int(dd["horizon"])), t=fmt_num(dd["mean_treated"], 0), c=fmt_num(dd["mean_control"], 0))))
        blocks.append(table_block(tables["days_to_reoffence"]))
    blocks.append(paragraph(_(
        "Two figures describe reoffending {within} and can differ. The proven reoffending rate above counts only "
        "people followed for the full {days} days plus the waiting period of {wp} days for a proven offence, and only "
        "offences proven within that window. The share reoffending read from the survival curves (Kaplan-Meier) also "
        "uses people followed for less time, until they leave observation, and counts offences proven later during "
        "follow-up. The first is the headline measure (as in the Justice Data Lab); the second describes the timing "
        "of reoffending.").format(within=within(h0), days=fmt_int(h0), wp=fmt_int(ev.spec.cohort.waiting_period))))
    blocks += [*fig(figures, "survival_curves"), table_block(tables["time_to_event"]) if "time_to_event" in tables
               else None, *fig(figures, "cumulative_incidence"),
               table_block(tables["cumulative_incidence"]) if "cumulative_incidence" in tables else None]
    return [b for b in blocks if b is not None]


def health_blocks(ev: Any, tables: dict[str, Any], table_block: Any) -> list[dict[str, Any]]:
    h0 = ev.headline_horizon
    names = [_lower(display_name(o.replace("{h}", str(h0)))) for o in ev.spec.outcomes.health]
    return [paragraph(_("Health and treatment outcomes compared: {outcomes}.").format(outcomes=join_words(names))),
            table_block(tables["health"])]


def subgroup_blocks(ev: Any, tables: dict[str, Any], table_block: Any) -> list[dict[str, Any]]:
    names = join_words([_lower(display_name(v)) for v in ev.spec.outcomes.subgroups])
    return [paragraph(_("Effects by {variables}. With many subgroups, some differences arise by chance: read them with the "
                 "Holm-adjusted p-values and as hypotheses for further study.").format(variables=names)),
            table_block(tables["subgroups"])]


def sensitivity_blocks(tables: dict[str, Any], table_block: Any) -> list[dict[str, Any]]:
    return [paragraph(_("The E-value is the minimum strength of association (on the risk ratio scale) that an unmeasured "
                 "factor would need with both the type of sentence and reoffending to explain away the estimate "
                 "(point) or to move its confidence interval to include no effect (confidence interval).")),
            table_block(tables["evalues"])]


# -- limitations -------------------------------------------------------------------------------

def limitation_items(ev: Any, policy: DisclosurePolicy) -> list[str]:
    """The limitations in the active language, written from the diagnostics (as
    :func:`altmeasures_eval.evaluation.limitations_from` does for results.json); reasons written by
    other stages (gate, decision rules, skipped analyses) are passed on as they are."""
    spec, dc = ev.spec, ev.spec.disclosure
    out: list[str] = []
    gate = ev.design.gate
    if not gate.passed:
        from altmeasures_eval.report._summary import gate_reasons

        out.append(_("No reliable comparison could be made, so no effects, statements of statistical significance, "
                     "prison or cost conclusions are reported."))
        out.extend(gate_reasons(ev))
    if getattr(ev, "headline_not_estimable", None):
        out.append(_("The headline effect could not be estimated, so no effects, statements of statistical "
                     "significance, prison or cost conclusions are reported."))
    out.extend(rule_reasons(ev, policy))
    out.extend(skipped_items(ev.skipped, dc))
    thr = spec.design.balance_threshold
    if ev.balance is not None:
        tab = ev.balance.table.drop(index="distance", errors="ignore")
        bad = tab["smd_after"].abs()
        bad = bad[bad > thr]
        if len(bad):
            out.append(ngettext(
                "After adjustment, {n} characteristic still differs between the groups by more than {thr} "
                "standardised mean difference: the comparison group is not fully like the other group on it, and the "
                "effects may be biased.",
                "After adjustment, {n} characteristics still differ between the groups by more than {thr} "
                "standardised mean difference: the comparison group is not fully like the other group on them, and "
                "the effects may be biased.", len(bad)).format(n=fmt_int(len(bad)), thr=fmt_num(thr, 2)))
        out.extend(_no_overlap_items(ev, tab, policy))
        ess = ev.balance.ess
        if "after" in ess.index:
            ctrl, n_c = float(ess.loc["after", "control"]), float(ess.loc["before", "control"])
            if ctrl < 0.5 * n_c:
                out.append(_("The weighting rests on fewer comparison people than the group holds: the effective "
                             "sample size of the custody group is {ess} of {n}, so the estimates are less precise than "
                             "the group size suggests.").format(ess=fmt_num(ctrl, 0), n=people(policy, int(n_c))))
    design = ev.design.result
    counts = getattr(design, "counts", None) if design is not None else None
    if counts is not None and "unmatched" in counts.index and counts.loc["unmatched", "treated"] > 0:
        out.append(_("{n} people given an alternative measure found no comparable custody case within the caliper; the "
                     "effect applies to the matched people only.").format(
            n=people(policy, int(counts.loc["unmatched", "treated"]))))
    tte = ev.time_to_event
    if tte is not None and tte.lead == "rmst":
        out.append(_("Hazards are not proportional (the effect changes over follow-up): the restricted mean time "
                     "without reoffending and the risk differences lead; the hazard ratio is an average over time."))
    h0 = ev.headline_horizon
    if h0 in ev.recidivism:
        lost = int(ev.design.data[f"reoffend_{h0}"].isna().sum())
        if lost:
            out.append(_("{n} people could not be followed for {days} days plus the waiting period of {wp} days "
                         "before the extract date; they are left out of the reoffending rates {within}.").format(
                n=people(policy, lost), days=fmt_int(h0), wp=fmt_int(spec.cohort.waiting_period), within=within(h0)))
    if ev.costs is not None and ev.costs.unit_costs.placeholders:
        out.append(_("Some unit costs are placeholders shipped with the toolkit, not estimates for this country (see "
                     "the costs section): the cost results illustrate the method only."))
    if ev.subgroups is not None and len(ev.subgroups) > 1:
        out.append(_("The subgroup results are {n} separate tests; their p-values are adjusted with Holm's method, and "
                     "a difference in one subgroup should be read as a hypothesis, not a finding.").format(
            n=fmt_int(len(ev.subgroups))))
    out.append(_("Effects are estimated under the assumption that, given the characteristics recorded in the data, "
                 "whether a person received an alternative measure or custody is unrelated to their risk of "
                 "reoffending (no unmeasured confounding). The E-values show how strong an unmeasured factor would "
                 "have to be to explain the result away."))
    n_prob = len(getattr(ev.quality, "problems", [])) if ev.quality is not None else 0
    if n_prob:
        out.append(ngettext("The data-quality check found {n} problem; see the data quality section.",
                            "The data-quality check found {n} problems; see the data quality section.",
                            n_prob).format(n=people(policy, n_prob)))
    return list(dict.fromkeys(out))


#: The secondary analyses of :data:`altmeasures_eval.evaluation._run.SECONDARY`, by their words there.
_SECONDARY = {"time-to-reoffence results": N_("The time-to-reoffence results (survival curves, hazard ratio, restricted "
                                              "mean time) could not be estimated and are left out."),
              "numbers of proven reoffences": N_("The numbers of proven reoffences could not be estimated and are left "
                                                 "out."),
              "health and treatment outcomes": N_("The health and treatment outcomes could not be estimated and are left "
                                                  "out."),
              "subgroup results": N_("The subgroup results could not be estimated and are left out."),
              "sensitivity results": N_("The sensitivity results (E-values) could not be estimated and are left out."),
              "prison-population results": N_("The prison-population results could not be estimated and are left out."),
              "cost results": N_("The cost results could not be estimated and are left out.")}


def skipped_items(skipped: tuple[str, ...] | list[str], disclosure: Any) -> list[str]:
    """Analyses the run skipped, in the report's language: each subgroup by its display name and
    level, each secondary analysis by name. The run's reasons (in English, with the design checks'
    details) stay in results.json; a reason of a form not known here passes as it is."""
    from altmeasures_eval.report._tables import publish_notes

    out: list[str] = []
    for text in skipped:
        m = re.match(r"Subgroup (\w+) = (.+?) not estimated: (.*)$", text)
        if m:
            var, level, why = m.groups()
            name = _("{variable}: {level}").format(variable=display_name(var), level=display_level(var, level))
            if why.startswith("its comparison failed the design gate"):
                out.append(_("The subgroup \u201c{subgroup}\u201d was not estimated: its comparison did not pass the "
                             "design checks.").format(subgroup=name))
            elif why.startswith("not estimable in every imputation"):
                out.append(_("The subgroup \u201c{subgroup}\u201d was not estimated: it could not be estimated in every "
                             "imputed data set.").format(subgroup=name))
            else:
                out.append(_("The subgroup \u201c{subgroup}\u201d could not be estimated.").format(subgroup=name))
            continue
        m = re.match(r"Subgroup (\w+) not estimated", text)
        if m:
            out.append(_("The subgroups by {variable} could not be estimated.").format(
                variable=_lower(display_name(m.group(1)))))
            continue
        if text.startswith("Subgroup results not estimated"):
            out.append(_(_SECONDARY["subgroup results"]))
            continue
        m = re.match(r"Health outcome (\w+) (is not a cohort column|not estimated: no variation|not estimated)", text)
        if m:
            name = display_name(m.group(1))
            out.append((_("The health outcome \u201c{outcome}\u201d is not in the cohort's data and is left out.")
                        if m.group(2).startswith("is not") else
                        _("The health outcome \u201c{outcome}\u201d was not estimated: it does not vary, or is not "
                          "observed, in these data.") if m.group(2).endswith("variation") else
                        _("The health outcome \u201c{outcome}\u201d could not be estimated.")).format(outcome=name))
            continue
        m = re.match(r"Proven reoffending within (?:a year|two years|three years|(\d+) days) could not be estimated",
                     text)
        if m:
            words = {"a year": 365, "two years": 730, "three years": 1095}
            h = int(m.group(1)) if m.group(1) else next(d for w, d in words.items() if f"within {w}" in text)
            out.append(_("Proven reoffending {within} could not be estimated and is left out.").format(within=within(h)))
            continue
        known = next((v for k, v in _SECONDARY.items() if text.startswith(f"The {k}")), None)
        if known:
            out.append(_(known))
        elif current_language() == "en":
            out.append(publish_notes((text,), disclosure)[0])
        else:  # a reason of a form this report does not know: in general words, never English
            out.append(_("An analysis could not be estimated and is left out (the reason, in English, is in "
                         "results.json under notes)."))
    return list(dict.fromkeys(out))


def _no_overlap_items(ev: Any, tab: Any, policy: DisclosurePolicy) -> list[str]:
    """Characteristics held by the group the estimate describes but by nobody in the other group (no
    overlap), when held by at least the disclosure threshold of people; the percentage no finer than
    disclosure control allows."""
    est = ev.design.estimand
    if est not in ("ATT", "ATC"):
        return []
    focal, other = (("mean_treated_before", "mean_control_before") if est == "ATT" else
                    ("mean_control_before", "mean_treated_before"))
    binary = tab[tab["type"] == "binary"]
    empty = binary[(binary[focal] > 0) & (binary[other] == 0)]
    n_focal = ev.rules.n_treated if est == "ATT" else ev.rules.n_control
    decimals = policy.percent_decimals(int(n_focal))
    decimals = 1 if decimals is None else min(1, decimals)
    out = []
    for term, row in empty.iterrows():
        if round(row[focal] * n_focal) < ev.spec.disclosure.threshold:
            continue  # a handful of people: never a small count in print
        var, _sep, level = str(term).partition("=")
        name = _("{variable}: {level}").format(variable=display_name(var), level=display_level(var, level))
        args = {"level": name, "share": fmt_pct(row[focal], decimals)}
        out.append(_("No one in the custody group has \u201c{level}\u201d, while {share} of the people given an "
                     "alternative measure do: they have no comparable case (no overlap), and the estimates for them "
                     "rest on the model, not on data. Set [design] support_rule = \"range\" to leave them out of the "
                     "comparison.").format(**args) if est == "ATT" else
                   _("No one given an alternative measure has \u201c{level}\u201d, while {share} of the people sent "
                     "to custody do: they have no comparable case (no overlap), and the estimates for them rest on "
                     "the model, not on data. Set [design] support_rule = \"range\" to leave them out of the "
                     "comparison.").format(**args))
    return out


# -- appendix ----------------------------------------------------------------------------------

def status_words(status: str) -> tuple[str, str]:
    """The statistical status in the active language and what it means for the reader."""
    names = {"official statistics": _("Official statistics"),
             "accredited official statistics": _("Accredited official statistics"),
             "official statistics in development": _("Official statistics in development"),
             "experimental statistics": _("Experimental statistics"),
             "management information": _("Management information"), "research": _("Research")}
    notes = {"official statistics": _("Official statistics are produced by a national statistical system to its code "
                                      "of practice: trustworthy, of good quality and of public value."),
             "accredited official statistics": _("Accredited official statistics have been independently reviewed "
                                                 "and found to meet the highest standards of trustworthiness, quality "
                                                 "and value."),
             "official statistics in development": _("Official statistics in development are new or changing "
                                                     "statistics, published while their methods are still being "
                                                     "developed and tested; read them with care."),
             "experimental statistics": _("Experimental statistics are new statistics still being developed and "
                                          "tested; read them with care."),
             "management information": _("Management information is published for transparency: it has not been "
                                         "through the checks of official statistics."),
             "research": _("Research findings: an analysis, not a regular statistical series.")}
    return names.get(status, status), notes.get(status, "")


def appendix_blocks(ev: Any, meta: dict[str, Any], disclosure_notes: tuple[str, ...],
                    input_files: dict[str, str] | None, config_text: str,
                    technical: list[str] | None = None) -> list[dict[str, Any]]:
    """An appendix for readers: status, how to reproduce the results, the files read (named relative
    to the config, with fingerprints), disclosure control, the settings as read, and where the run's
    technical notes are (``technical``: :func:`altmeasures_eval.report._results.technical_notes`,
    written by the steps in English with the data's column names, a log for analysts: results.json
    holds them, the text of the report names them and their number only)."""
    spec = ev.spec
    name, note = status_words(spec.report.status)
    blocks = [paragraph(_("Statistical status: {status}. {note}").format(status=name, note=note).strip()),
              paragraph(_("This report was produced with altmeasures_eval {version}, an open-source toolkit, from the files "
                   "and settings below. Running it again on the same files with the same settings (random seed "
                   "{seed}) gives the same results.").format(version=meta["toolkit_version"], seed=spec.run.seed))]
    software = [f"{k} {v}" for k, v in ev.versions.items()]
    if software:
        blocks += [paragraph(_("Software used:")), {"kind": "list", "items": software}]
    files = [f"{k}: SHA-256 {v}" for k, v in (input_files or {}).items()]
    if files:
        blocks += [paragraph(_("Files read, named relative to the configuration file, with their SHA-256 fingerprints (a "
                        "changed file has a different fingerprint):")),
                   {"kind": "list", "items": [redact_secrets(f) for f in files]}]
    hashes = [f"{k}: SHA-256 {v}" for k, v in ev.table_hashes.items()]
    if hashes:
        blocks += [paragraph(_("Fingerprints of the data tables after validation:")), {"kind": "list", "items": hashes}]
    if disclosure_notes:  # each note names itself ("Disclosure control: counts from 1 to 9 ...")
        blocks.append({"kind": "list", "items": list(disclosure_notes)})
    blocks += [paragraph(_("The settings of the run, as read from the configuration file:")),
               {"kind": "code", "text": redact_secrets(config_text)}]
    if technical:  # a developer's log, with the data's column names: in results.json, not in the text
        blocks.append(paragraph(ngettext(
            "The run also wrote {n} technical note (what a step of the analysis did and assumed, in English, with "
            "the data's column names); it is in results.json under technical_notes.",
            "The run also wrote {n} technical notes (what each step of the analysis did and assumed, in English, "
            "with the data's column names); they are in results.json under technical_notes.",
            len(technical)).format(n=fmt_int(len(technical)))))
    return blocks
