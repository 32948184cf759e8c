"""The summary page of the evaluation report, in the Justice Data Lab manner.

Every rate and frequency is put "for every 100 people" (proven reoffending, proven reoffences),
with its confidence interval in words; the design checks give a verdict; "What you can say" and
"What you cannot say" boxes follow from the results (a fall, a rise, no significant difference,
groups too small to say, or results withheld). Horizons, the waiting period and outcomes come from
the config. Every sentence is marked for translation (:mod:`altmeasures_eval._i18n`) and every
count of people goes through the run's :class:`~altmeasures_eval.privacy.DisclosurePolicy`.

References
----------
Ministry of Justice (2016), *Justice Data Lab: methodology paper*, and the Justice Data Lab
reports' summary layout ("For every 100 people ... compared with ... for every 100 similar
people"; "What you can say / What you cannot say").
"""

from __future__ import annotations

from typing import Any

from altmeasures_eval._i18n import _, current_language, fmt_int, fmt_money, fmt_num, fmt_pct, ngettext
from altmeasures_eval.privacy import DisclosurePolicy
from altmeasures_eval.report._blocks import box
from altmeasures_eval.report._words import (
    after,
    confidence_level,
    country_words,
    join_words,
    over,
    people,
    period_words,
    within,
)

__all__ = ["frequency_sentence", "headline_sentence", "summary_blocks"]


# -- horizons in words (from the config, never fixed) ------------------------------------------


# -- the Justice Data Lab sentences ------------------------------------------------------------

def headline_sentence(ev: Any, horizon: int | None = None) -> str | None:
    """The Justice Data Lab sentence for proven reoffending at ``horizon`` (default: the headline).

    "For every 100 people given an alternative measure, 32.9 reoffended within one year, compared
    with 39.4 of every 100 similar people sent to custody." followed by the confidence interval of
    the difference in words ("between 1.9 and 11.0 fewer people in every 100"). The order and the
    words follow the estimand the design estimated (ATT, ATC, ATE, ATO). Rates to one decimal.
    Returns None when the decision rules withhold effect estimates.
    """
    h = horizon or ev.headline_horizon
    e = ev.recidivism.get(h)
    if e is None:
        return None
    x = fmt_num(100 * e.means.loc["treated", "mean"], 1)
    y = fmt_num(100 * e.means.loc["control", "mean"], 1)
    w = within(h)
    est = ev.design.estimand
    if est == "ATO":
        first = _("Among the people who could have received either sentence, {x} of every 100 would reoffend "
                  "{within} if given an alternative measure, compared with {y} of every 100 if sent to "
                  "custody.").format(x=x, y=y, within=w)
    elif est == "ATC":  # the rates describe the people sent to custody
        first = _("For every 100 people sent to custody, {y} reoffended {within}, compared with {x} of every 100 "
                  "similar people given an alternative measure.").format(x=x, y=y, within=w)
    elif est == "ATE":
        first = _("Across everyone in the cohort, {x} of every 100 people would reoffend {within} if given an "
                  "alternative measure, compared with {y} of every 100 if sent to custody.").format(x=x, y=y, within=w)
    else:
        first = _("For every 100 people given an alternative measure, {x} reoffended {within}, compared with {y} "
                  "of every 100 similar people sent to custody.").format(x=x, y=y, within=w)
    rd = e.summary.loc["risk_difference"]
    return f"{first} {_difference(100 * rd['ci_low'], 100 * rd['ci_high'], confidence_level(ev), 'rate')}"


def frequency_sentence(ev: Any, horizon: int | None = None) -> str | None:
    """The frequency of proven reoffences "for every 100 people" (Justice Data Lab), with the
    confidence interval of the difference in words; None when there is no frequency estimate."""
    h = horizon or ev.headline_horizon
    e = getattr(ev, "frequency", {}).get(h)
    if e is None:
        return None
    x = fmt_num(100 * e.means.loc["treated", "mean"], 1)
    y = fmt_num(100 * e.means.loc["control", "mean"], 1)
    w = within(h)
    if ev.design.estimand == "ATC":
        first = _("For every 100 people sent to custody, {y} proven reoffences were committed {within}, compared "
                  "with {x} for every 100 similar people given an alternative measure.").format(x=x, y=y, within=w)
    elif ev.design.estimand in ("ATE", "ATO"):
        first = _("For every 100 people in the comparison, {x} proven reoffences would be committed {within} if "
                  "they were given an alternative measure, compared with {y} if they were sent to "
                  "custody.").format(x=x, y=y, within=w)
    else:
        first = _("For every 100 people given an alternative measure, {x} proven reoffences were committed "
                  "{within}, compared with {y} for every 100 similar people sent to custody.").format(x=x, y=y, within=w)
    md = difference_row(e)
    return f"{first} {_difference(100 * md['ci_low'], 100 * md['ci_high'], confidence_level(ev), 'frequency')}"


def difference_row(e: Any) -> Any:
    """The difference of an effect: ``mean_difference`` of a count, or ``risk_difference`` when the
    counts were all 0 or 1 and the estimator treated them as a binary outcome."""
    idx = e.summary.index
    return e.summary.loc["mean_difference" if "mean_difference" in idx else "risk_difference"]


def _difference(lo: float, hi: float, level: int, kind: str) -> str:
    """The confidence interval of a difference per 100 people, in words and the right direction."""
    a, b = fmt_num(abs(hi), 1), fmt_num(abs(lo), 1)
    if kind == "rate":
        if hi < 0:
            return _("With an alternative measure, between {a} and {b} fewer people in every 100 reoffend "
                     "({level}% confidence interval of the difference).").format(a=a, b=b, level=level)
        if lo > 0:
            return _("With an alternative measure, between {a} and {b} more people in every 100 reoffend "
                     "({level}% confidence interval of the difference).").format(
                a=fmt_num(lo, 1), b=fmt_num(hi, 1), level=level)
        return _("With an alternative measure, the difference lies between {a} fewer and {b} more people in "
                 "every 100 reoffending ({level}% confidence interval).").format(
            a=fmt_num(-lo, 1), b=fmt_num(hi, 1), level=level)
    if hi < 0:
        return _("With an alternative measure, between {a} and {b} fewer proven reoffences are committed for "
                 "every 100 people ({level}% confidence interval of the difference).").format(a=a, b=b, level=level)
    if lo > 0:
        return _("With an alternative measure, between {a} and {b} more proven reoffences are committed for "
                 "every 100 people ({level}% confidence interval of the difference).").format(
            a=fmt_num(lo, 1), b=fmt_num(hi, 1), level=level)
    return _("With an alternative measure, the difference lies between {a} fewer and {b} more proven reoffences "
             "for every 100 people ({level}% confidence interval).").format(
        a=fmt_num(-lo, 1), b=fmt_num(hi, 1), level=level)


def p_words(p: float) -> str:
    """ "p < 0.01" or "p = 0.23" with the locale's decimal mark."""
    return _("p < {v}").format(v=fmt_num(0.01, 2)) if p < 0.01 else _("p = {v}").format(v=fmt_num(p, 2))


def finding(ev: Any, h: int, measure: str = "rate") -> str:
    """What the result at ``h`` shows: ``"lower"``, ``"higher"``, ``"not significant"`` or
    ``"too small"`` (the decision rule n*p >= 10 withholds significance statements)."""
    if not ev.rules.significance.get(h, False):
        return "too small"
    e = ev.recidivism[h] if measure == "rate" else ev.frequency[h]
    row = difference_row(e)
    if row["p_value"] > ev.spec.decision_rules.significance_level:
        return "not significant"
    return "lower" if row["estimate"] < 0 else "higher"


def significance_sentence(ev: Any, h: int) -> str:
    """Whether the difference in proven reoffending at ``h`` is statistically significant, in words."""
    e = ev.recidivism[h]
    rd = e.summary.loc["risk_difference"]
    f = finding(ev, h)
    when = after(h)
    if f == "too small":
        return _("{when}, the groups are too small for a statement of statistical significance (the decision rule "
                 "asks that the expected number of reoffenders in each group be at least {n}).").format(
            when=when, n=fmt_num(ev.spec.decision_rules.min_expected, 0))
    if f == "lower":
        return _("{when}, the proven reoffending rate of people given an alternative measure is lower than that of "
                 "similar people sent to custody, and the difference is statistically significant ({p}).").format(
            when=when, p=p_words(rd["p_value"]))
    if f == "higher":
        return _("{when}, the proven reoffending rate of people given an alternative measure is higher than that of "
                 "similar people sent to custody, and the difference is statistically significant ({p}).").format(
            when=when, p=p_words(rd["p_value"]))
    from altmeasures_eval.evaluation import required_group_size

    level = ev.spec.decision_rules.significance_level
    n = required_group_size(e.means.loc["treated", "mean"], e.means.loc["control", "mean"], level)
    text = _("{when}, the difference is not statistically significant ({p}): the data do not show whether "
             "alternatives change proven reoffending.").format(when=when, p=p_words(rd["p_value"]))
    if n is not None:
        text += " " + _("To detect a difference of this size reliably (80% power), about {n} people would be needed "
                        "in each group.").format(n=fmt_int(n))
    return text


# -- whom the comparison describes -------------------------------------------------------------

def whom(ev: Any) -> str:
    """Whom the estimates describe, in plain words (the estimand the design estimated)."""
    est = ev.design.estimand
    support = getattr(ev.design, "support", None)
    restricted = bool(int(getattr(support, "n_dropped", 0) or 0) > 0)
    if est == "ATO":
        return _("the people who could have received either sentence (the overlap population)")
    if est == "ATC":
        return (_("people sent to custody who have a comparable case given an alternative measure") if restricted
                else _("people sent to custody"))
    if est == "ATE":
        return (_("everyone in the cohort who has a comparable case in the other group") if restricted
                else _("everyone in the cohort"))
    return (_("people given an alternative measure who have a comparable custody case") if restricted
            else _("people given an alternative measure"))


# -- the boxes ---------------------------------------------------------------------------------


def can_cannot(ev: Any) -> list[dict[str, Any]]:
    """The "What you can say" and "What you cannot say" boxes of the Justice Data Lab.

    One statement per measure (proven reoffending rate and frequency at the headline horizon),
    following its result: a significant fall or rise, no significant difference, or groups too
    small to say; then what no result of this design supports.
    """
    h = ev.headline_horizon
    w = within(h)
    level = confidence_level(ev)
    can: list[str] = []
    cannot: list[str] = []
    e = ev.recidivism[h]
    rd = e.summary.loc["risk_difference"]
    lo, hi = fmt_num(abs(100 * rd["ci_high"]), 1), fmt_num(abs(100 * rd["ci_low"]), 1)
    f = finding(ev, h)
    if f == "lower":
        can.append(_("This analysis shows that an alternative measure, rather than custody, reduced the proven "
                     "reoffending rate {within} by between {a} and {b} percentage points for {whom} ({level}% "
                     "confidence interval).").format(within=w, a=lo, b=hi, whom=whom(ev), level=level))
        cannot.append(_("This analysis shows that an alternative measure increased proven reoffending."))
    elif f == "higher":
        can.append(_("This analysis shows that an alternative measure, rather than custody, increased the proven "
                     "reoffending rate {within} by between {a} and {b} percentage points for {whom} ({level}% "
                     "confidence interval).").format(within=w, a=hi, b=lo, whom=whom(ev), level=level))
        cannot.append(_("This analysis shows that an alternative measure reduced proven reoffending."))
    elif f == "not significant":
        can.append(_("This analysis does not show whether an alternative measure, rather than custody, changes "
                     "the proven reoffending rate {within}: the difference is not statistically "
                     "significant.").format(within=w))
        cannot.append(_("This analysis shows that an alternative measure reduced or increased proven reoffending."))
        cannot.append(_("This analysis shows that an alternative measure makes no difference to proven "
                        "reoffending: a difference too small to detect with these numbers of people may exist."))
    else:
        can.append(_("The groups are too small to say whether an alternative measure, rather than custody, changes "
                     "the proven reoffending rate {within}.").format(within=w))
        cannot.append(_("This analysis shows that an alternative measure reduced or increased proven reoffending."))
    fe = getattr(ev, "frequency", {}).get(h)
    if fe is not None and ev.rules.significance.get(h, False):
        md = difference_row(fe)
        ff = finding(ev, h, "frequency")
        a, b = fmt_num(abs(100 * md["ci_high"]), 1), fmt_num(abs(100 * md["ci_low"]), 1)
        if ff == "lower":
            can.append(_("It shows that an alternative measure reduced the number of proven reoffences committed "
                         "{within} by between {a} and {b} for every 100 people ({level}% confidence "
                         "interval).").format(within=w, a=a, b=b, level=level))
        elif ff == "higher":
            can.append(_("It shows that an alternative measure increased the number of proven reoffences committed "
                         "{within} by between {a} and {b} for every 100 people ({level}% confidence "
                         "interval).").format(within=w, a=b, b=a, level=level))
        else:
            can.append(_("It does not show whether an alternative measure changes the number of proven reoffences "
                         "committed {within}.").format(within=w))
    cannot.append(_("The results apply to everyone given an alternative measure, everywhere: they describe {whom} "
                    "in {country}, for decisions from {period}.").format(
        whom=whom(ev), country=country_words(ev), period=period_words(ev)))
    cannot.append(_("The results rule out differences between the groups that the data do not record: the comparison "
                    "adjusts only for the characteristics listed in the methods (see the E-values for how strong such "
                    "a difference would have to be)."))
    return [box("can", _("What you can say"), can), box("cannot", _("What you cannot say"), cannot)]


def withheld_boxes(ev: Any) -> list[dict[str, Any]]:
    """The boxes when effect estimates are withheld (design checks failed, decision rules, or the
    headline not estimable)."""
    can = [_("This report describes the people in the cohort and why no reliable comparison could be made.")]
    cannot = [_("An alternative measure reduced, increased or did not change proven reoffending: this report "
                "gives no estimate of the effect."),
              _("Any difference between the raw reoffending rates of the two groups is an effect of the sentence: "
                "the groups differ in ways that also affect reoffending.")]
    return [box("can", _("What you can say"), can), box("cannot", _("What you cannot say"), cannot)]


def gate_reasons(ev: Any) -> list[str]:
    """Why the design checks failed. In English the gate's own reasons; in another language each
    failed check with its measured value and threshold, as in the design checks table."""
    from altmeasures_eval.report._tables import publish_notes

    gate = ev.design.gate
    if current_language() == "en":
        return publish_notes(gate.reasons, ev.spec.disclosure)
    from altmeasures_eval.report._gate_table import gate_table

    frame = gate_table(ev).frame
    failed = frame[frame["result"] == _("FAILED")]
    return [_("{check}: {value} (accepted: {threshold}).").format(check=r.check, value=r.value, threshold=r.threshold)
            for r in failed.itertuples()]


def not_estimable_reason(ev: Any, policy: DisclosurePolicy) -> str:
    """Why the headline effect could not be estimated, in the active language. The run words it in
    English (:func:`altmeasures_eval.evaluation._run.headline_not_estimable`), which an English
    report prints as written (small counts hidden); in another language the reasons the data give
    (no variation in one group or in both) are worded with their counts through disclosure
    control, and another reason in general words that point to results.json."""
    import re

    from altmeasures_eval.report._tables import publish_notes

    text, h = str(ev.headline_not_estimable), ev.headline_horizon
    if current_language() == "en":  # as the run wrote it (results.json has the same words)
        return publish_notes((text,), ev.spec.disclosure)[0]
    both = re.search(r"every person in both groups has reoffend_\d+ = (\d+) \(([\d,]+) people\)", text)
    one = re.search(r"no variation in reoffend_\d+ in the (alternative|custody)(?: \(\w+\))? group \(all ([\d,]+) people "
                    r"have (\d+)\)", text)
    if both:
        n = people(policy, int(both.group(2).replace(",", "")))
        return (_("Every one of the {n} people in the two groups reoffended {within}: there is no variation to "
                  "compare.") if both.group(1) == "1" else
                _("None of the {n} people in the two groups reoffended {within}: there is no variation to "
                  "compare.")).format(n=n, within=within(h))
    if one:
        n = people(policy, int(one.group(2).replace(",", "")))
        key = (one.group(1), one.group(3) == "1")
        return {("alternative", True): _("Every one of the {n} people given an alternative measure reoffended "
                                         "{within}: an adjusted comparison would treat that group's rate as known "
                                         "exactly (false certainty), so only the group counts are given."),
                ("alternative", False): _("None of the {n} people given an alternative measure reoffended {within}: "
                                          "an adjusted comparison would treat that group's rate as known exactly "
                                          "(false certainty), so only the group counts are given."),
                ("custody", True): _("Every one of the {n} people sent to custody reoffended {within}: an adjusted "
                                     "comparison would treat that group's rate as known exactly (false certainty), so "
                                     "only the group counts are given."),
                ("custody", False): _("None of the {n} people sent to custody reoffended {within}: an adjusted "
                                      "comparison would treat that group's rate as known exactly (false certainty), so "
                                      "only the group counts are given.")}[key].format(n=n, within=within(h))
    return _("The data hold too little variation to measure this effect and its uncertainty honestly (the technical "
             "reason, in English, is in results.json under headline).")


def gate_advice(ev: Any) -> list[str]:
    """What to try when the design checks failed, as sentences. In another language than English the
    settings to change are given (the keys and values of the config are the same in every language)."""
    import re

    from altmeasures_eval.report._tables import publish_notes

    advice = publish_notes(ev.design.gate.advice, ev.spec.disclosure)
    if current_language() == "en":
        return [_sentence(a) for a in advice]
    out = []
    value = r'(?:"[^"]*"|\[[^\]]*\]|[\w.]+)'
    for a in advice:
        settings = re.findall(rf"set (\[\w+\] \w+ = {value}(?: (?:and|with) \w+ = {value})?)", a)
        # "set [design] caliper = 0.1 (...), or replace = true (...)": the second key of the same section
        settings += [f"{settings[0].split()[0]} {k}" for k in re.findall(rf"\), or (\w+ = {value})", a)][:len(settings)]
        if settings:
            out.append(_("Change the configuration file: {settings}.").format(settings=join_words(settings, "or")))
        elif a.startswith("compare more people"):
            out.append(_("Compare more people: widen the cohort's period ([cohort] period_start and period_end) or "
                         "use more data."))
        elif a.startswith("With so few people"):
            out.append(_("Widen the cohort ([cohort] period_start and period_end) or use fewer characteristics in "
                         "[design] covariates."))
        elif a.startswith(("The two groups do not overlap", "The sentence is decided by")):
            out.append(_("No setting of [design] can make the groups comparable: a comparison needs places, stages "
                         "or periods where both sentences are given."))
        else:
            out.append(_sentence(a))
    return out


def verdict_items(ev: Any) -> list[str]:
    """The design checks' verdict in words: passed (with the largest imbalance left and its
    threshold) or failed (with the reasons)."""
    gate = ev.design.gate
    if not gate.passed:
        return [_("No: at least one design check failed, so a reliable comparison could not be made with these "
                  "data and no effect is estimated.")]
    checks = gate.checks.set_index("check")
    thr = ev.spec.design.balance_threshold
    row = checks.loc["max |SMD| after adjustment"] if "max |SMD| after adjustment" in checks.index else None
    if row is None or isinstance(row["value"], str):
        return [_("Yes: every design check passed; the groups compared are alike on the characteristics recorded.")]
    from altmeasures_eval.design import shown_beside

    smd = shown_beside(float(row["value"]), [thr], 3)
    smd = fmt_num(float(smd), len(smd.split(".")[1]) if "." in smd else 0)
    return [_("Yes: every design check passed. After adjustment the groups are alike on every characteristic "
              "recorded (largest standardised difference {smd}; accepted up to {thr}), and the estimate does not "
              "rest on a few people.").format(smd=smd, thr=fmt_num(thr, 2 if round(thr, 1) != thr else 1))]


def _sentence(text: str) -> str:
    """A clause as a sentence: capital first letter, full stop at the end."""
    text = text.strip()
    return (text[:1].upper() + text[1:] + ("" if text.endswith((".", "!", "?")) else ".")) if text else text


# -- the summary page --------------------------------------------------------------------------

def summary_blocks(ev: Any, policy: DisclosurePolicy) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """The summary page: who was compared, the verdict of the design checks, the headline in the
    Justice Data Lab manner, the boxes, then prison and costs. Returns ``(blocks, headline)``."""
    p = lambda text: {"kind": "p", "text": text}  # noqa: E731
    blocks: list[dict[str, Any]] = []
    headline: dict[str, str] = {}
    gate, rules = ev.design.gate, ev.rules
    h0 = ev.headline_horizon
    if gate.passed:
        blocks.append(p(_("This report compares {n_t} people given an alternative to custody for a minor drug offence "
                          "with {n_c} people sent to custody, for decisions from {period}, in {country}. The "
                          "comparison describes {whom}.").format(
            n_t=people(policy, rules.n_treated), n_c=people(policy, rules.n_control), period=period_words(ev),
            country=country_words(ev), whom=whom(ev))))
    else:  # no comparison was made: describe the cohort as built
        cd = ev.cohort.data["treatment"]
        blocks.append(p(_("This report was to compare {n_t} people given an alternative to custody for a minor drug "
                          "offence with {n_c} people sent to custody, for decisions from {period}, in "
                          "{country}.").format(
            n_t=people(policy, int((cd == 1).sum())), n_c=people(policy, int((cd == 0).sum())),
            period=period_words(ev), country=country_words(ev))))
    verdict_title = _("Is the comparison reliable?")
    if not gate.passed:
        verdict = _("A reliable comparison could not be made with these data, so this report gives no estimate of "
                    "the effect of alternatives on reoffending, no statement of statistical significance and no "
                    "prison-population or cost conclusions.")
        headline["verdict"] = verdict
        items = [*verdict_items(ev), *gate_reasons(ev),
                 *[_("What to try: {advice}").format(advice=a) for a in gate_advice(ev)]]
        blocks.append(box("verdict", verdict_title, items))
        blocks.append(p(verdict))
        blocks.extend(withheld_boxes(ev))
        blocks.append(p(_("The design checks, with each measured value beside its threshold, are in the section "
                          "\u201cIs the comparison reliable?\u201d.")))
        return blocks, headline
    blocks.append(box("verdict", verdict_title, verdict_items(ev)))
    if getattr(ev, "headline_not_estimable", None):
        verdict = _("The effect of alternatives on proven reoffending {within} could not be estimated from these "
                    "data, so this report gives no estimate of the effect, no statement of statistical significance "
                    "and no prison-population or cost conclusions.").format(within=within(h0))
        headline["verdict"] = verdict
        blocks.append(p(verdict))
        blocks.append(p(not_estimable_reason(ev, policy)))
        blocks.extend(withheld_boxes(ev))
        return blocks, headline
    sentence = headline_sentence(ev)
    if sentence is None:
        blocks.append(p(_("The groups are too small for effect estimates under the decision rules: at least {n} people "
                          "given an alternative measure are needed.").format(
            n=fmt_int(ev.spec.decision_rules.min_treated))))
        blocks.extend(withheld_boxes(ev))
        return blocks, headline
    blocks.append({"kind": "p", "text": sentence, "headline": True})
    headline["reoffending"] = sentence
    freq = frequency_sentence(ev)
    if freq is not None:
        blocks.append(p(freq))
        headline["frequency"] = freq
    blocks.append(p(significance_sentence(ev, h0)))
    blocks.extend(can_cannot(ev))
    if ev.prison is not None:
        tot = ev.prison.bed_days.summary.query("component == 'total' and horizon == @h0")
        if len(tot):
            r = tot.iloc[0]
            blocks.append(p(_("Each person given an alternative instead of custody spent on average {d} fewer days in "
                              "prison {over} ({level}% confidence interval {lo} to {hi}).").format(
                d=fmt_num(r["averted"], 0), over=over(h0), level=confidence_level(ev), lo=fmt_num(r["averted_ci_low"], 0),
                hi=fmt_num(r["averted_ci_high"], 0))))
            headline["bed_days_averted_per_person"] = fmt_num(r["averted"], 0)
        st = ev.prison.headline_steady_state
        args = {"share": fmt_pct(ev.prison.headline_share, 0), "n": fmt_num(st.diversions_per_year, 0),
                "change": fmt_num(abs(st.net_change), 0)}
        if st.net_change < 0:
            text = _("Diverting {share} of eligible custody admissions ({n} people a year) to alternatives would "
                     "reduce the average daily prison population by about {change} people once the change has "
                     "worked through (steady state).").format(**args)
        else:
            text = _("Diverting {share} of eligible custody admissions ({n} people a year) to alternatives would "
                     "increase the average daily prison population by about {change} people once the change has "
                     "worked through (steady state).").format(**args)
        blocks.append(p(text))
    if ev.costs is not None:
        blocks.extend(_cost_blocks(ev))
    return blocks, headline


def _cost_blocks(ev: Any) -> list[dict[str, Any]]:
    from altmeasures_eval._vocabulary import display_cost_item

    uc = ev.costs.unit_costs
    c = ev.costs.comparison
    cur = uc.currency
    tot = c.summary.query("perspective == 'all' and component == 'total'").iloc[0]
    terms = {"year": uc.price_year, "rate": fmt_pct(uc.discount_rate, 1)}
    out = [{"kind": "p", "text": _(
        "Per person, {over}, an alternative cost {alt} and custody {custody} (present values in {year} prices, "
        "discounted at {rate} a year, all perspectives).").format(
        over=over(ev.costs.horizon), alt=fmt_money(tot["mean_alternative"], cur),
        custody=fmt_money(tot["mean_custody"], cur), **terms)}]
    chance = ev.costs.monte_carlo.chance_positive
    chance_txt = (_("more than 99%") if chance > 0.99 else _("less than 1%") if chance < 0.01
                  else fmt_pct(chance, 0))
    npv = fmt_money(c.npv, cur)
    if c.verdict == "dominant":
        text = _("Per person, the net saving (net present value) is {npv}: the alternative costs less and reduces the "
                 "costs of reoffending. The chance that the benefits exceed the costs is {chance}.")
    elif c.verdict == "ratio":
        text = _("Per person, the net saving (net present value) is {npv}; each unit spent returns {ratio} in "
                 "benefits (benefit-cost ratio). The chance that the benefits exceed the costs is {chance}.")
    else:
        text = _("Per person, the net saving (net present value) is {npv}. The chance that the benefits exceed the "
                 "costs is {chance}.")
    out.append({"kind": "p", "text": text.format(npv=npv, chance=chance_txt,
                                                 ratio=fmt_num(c.ratio, 2) if c.verdict == "ratio" else "")})
    if uc.placeholders:  # only the unit costs that really are the shipped defaults
        n = len(uc.placeholders)
        out.append(box("warning", _("Placeholder unit costs"), [ngettext(
            "{n} unit cost is a placeholder shipped with the toolkit, not an estimate for this country; the cost "
            "figures illustrate the method only until it is replaced in [costs]:",
            "These {n} unit costs are placeholders shipped with the toolkit, not estimates for this country; the cost "
            "figures illustrate the method only until they are replaced in [costs]:", n).format(n=fmt_int(n)),
            *[display_cost_item(i) for i in uc.placeholders]]))
    return out
