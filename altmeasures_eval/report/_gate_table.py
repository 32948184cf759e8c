"""The design checks as the report prints them: each check of the design gate in words, with its
measured value beside its threshold and its detail (separation, imbalanced characteristics, people
outside common support) by display names, counts through disclosure control; and the stages
described but not compared.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np

from altmeasures_eval._i18n import N_, _, current_language, fmt_int
from altmeasures_eval._vocabulary import display_level
from altmeasures_eval.privacy import DisclosurePolicy
from altmeasures_eval.report._tables import PublishedTable, publish_notes
from altmeasures_eval.report._words import join_words, people

__all__ = ["gate_table", "separation_words", "stages_table"]


def _threshold_number(text: str) -> float | None:
    """The number in a gate row's threshold ("at most 0.05" -> 0.05), or None."""
    m = re.search(r"\d+(?:\.\d+)?", str(text))
    return float(m.group(0)) if m else None


def _gate_value(check: str, value: Any, policy: DisclosurePolicy, settings: Any = None, threshold: str = "") -> str:
    from altmeasures_eval.design import COUNT_CHECKS, shown_beside

    if isinstance(value, str):
        return value
    if check in COUNT_CHECKS:  # a count of people: the one disclosure rule (threshold, rounding)
        return people(policy, int(value))
    if isinstance(value, (int, np.integer)):
        return f"{int(value):,}"
    # enough decimals that a value never reads as its threshold (0.1004 beside "at most 0.1")
    limits = {"max |SMD| after adjustment": "balance_threshold", "effective sample size": "min_ess",
              "largest weight share": "max_weight_share"}
    th: Any = [getattr(settings, limits[check])] if settings is not None and check in limits else []
    if check == "score balance of a match without replacement" and _threshold_number(threshold) is not None:
        th = [_threshold_number(threshold)]  # the gate's constant, as its row states it ("at most 0.05")
    if check == "variance ratios after adjustment" and settings is not None:
        th = [1 / settings.max_variance_ratio, settings.max_variance_ratio]
    if check == "largest weight share":
        return f"{shown_beside(value, th, 1, percent=True)}%"
    if abs(value) < 10:  # SMDs and variance ratios from 3 decimals
        return shown_beside(value, th, 3)
    return shown_beside(value, th, 1)


#: The design checks by name (as :mod:`altmeasures_eval.design` names them), in words for the report.
_CHECKS = {"propensity model converged": N_("Propensity model converged"),
           "separation": N_("Characteristics that predict the group perfectly (separation)"),
           "scores at 0 or 1": N_("Propensity scores of 0 or 1"),
           "people outside common support": N_("People with no comparable person in the other group"),
           "max |SMD| after adjustment": N_("Largest standardised difference after adjustment"),
           "variance ratios after adjustment": N_("Variance ratio furthest from 1 after adjustment"),
           "effective sample size": N_("Effective sample size"),
           "largest weight share": N_("Largest share of a group's weight held by one person"),
           "both groups in the comparison": N_("People in each group"),
           "weights or matches found": N_("Weights or matches found"),
           "the other checks in every imputation": N_("The other checks, in every imputed data set"),
           "score balance of a match without replacement": N_("Difference on the propensity score after matching "
                                                              "without replacement"),
           # named in the detail of the pooled gate's row (design/_imputed.py pooled_design)
           "no comparison could be built": N_("No comparison could be built")}


def _local_number(text: str) -> str:
    """A number printed in English form ("4,266.0", "1.1%") in the active language's form."""
    from altmeasures_eval._i18n import fmt_num, fmt_pct

    m = re.fullmatch(r"(-?[\d,]+)(?:\.(\d+))?(%?)", text.strip())
    if not m:
        return text
    value = float((m.group(1) + "." + (m.group(2) or "0")).replace(",", ""))
    decimals = len(m.group(2) or "")
    return fmt_pct(value / 100, decimals) if m.group(3) else fmt_num(value, decimals)


def _gate_threshold(check: str, original: str, settings: Any) -> str:
    from altmeasures_eval._i18n import fmt_int, fmt_num, fmt_pct

    s = settings
    if check in ("propensity model converged", "weights or matches found"):
        return _("yes")
    if check in ("separation", "scores at 0 or 1", "the other checks in every imputation"):
        return fmt_int(0)
    if check == "people outside common support":
        return _("left out of the comparison") if "restrict" in original else _("none")
    if check == "score balance of a match without replacement" and _threshold_number(original) is not None:
        return _("at most {t}").format(t=fmt_num(_threshold_number(original), 2))
    if s is None:
        return original
    if check == "max |SMD| after adjustment":
        return _("at most {t}").format(t=fmt_num(s.balance_threshold, 2))
    if check == "variance ratios after adjustment":
        return _("{lo} to {hi}").format(lo=fmt_num(1 / s.max_variance_ratio, 2), hi=fmt_num(s.max_variance_ratio, 2))
    if check == "effective sample size":
        return _("at least {n} in each group").format(n=fmt_num(s.min_ess, 0))
    if check == "largest weight share":
        return _("at most {p} of a group's weight").format(p=fmt_pct(s.max_weight_share, 0))
    if check == "both groups in the comparison":
        return _("at least {n} in each group").format(n=fmt_int(2))
    return original


def _gate_detail(check: str, detail: str, ev: Any, policy: DisclosurePolicy) -> str:
    """The detail of a check in words; details other stages write in English pass unchanged."""
    aliased = re.fullmatch(r"aliased and left out: (.+)", detail.strip())
    if aliased:  # the design's column names, as the propensity model reported them
        from altmeasures_eval._vocabulary import display_term
        return _("left out of the model because other characteristics determine it fully: {names}").format(
            names=join_words([display_term(t) for t in aliased.group(1).split(", ")]))
    m = re.fullmatch(r"alternative (.+?), custody (.+)", detail.strip())
    if m:
        return _("alternative measure {a}, custody {c}").format(a=_shown_count(m.group(1)), c=_shown_count(m.group(2)))
    if check == "separation" and detail.strip():
        return separation_words(detail, policy)
    failed = re.findall(r"(?:^|; )(.+?) \(imputation ([\d, ]+)\)", detail)
    if check == "the other checks in every imputation" and failed and all(c in _CHECKS for c, _n in failed):
        return "; ".join(_("{check} (imputed data sets {numbers})").format(check=_(_CHECKS[c]), numbers=n)
                         for c, n in failed)
    support = getattr(ev.design, "support", None)
    if check == "people outside common support" and support is not None and len(getattr(support, "dropped", ())):
        by = support.dropped.groupby("group")["n"].sum()
        return _("{a} given an alternative measure and {c} sent to custody have no comparable person in the other "
                 "group").format(a=people(policy, int(by.get("alternative", 0))),
                                 c=people(policy, int(by.get("custody", 0))))
    # imbalanced characteristics ("sex = unknown (0.1001), prior_bed_days (0.12)"): by their display names
    terms = [t.strip() for t in detail.split(", ")] if detail.strip() else []
    shown = [re.fullmatch(r"(\w+)(?: = (.+?))? \((-?[\d.]+)\)", t) for t in terms]
    if terms and all(shown):
        from altmeasures_eval._vocabulary import display_name

        return ", ".join(
            _("{variable}: {level}").format(variable=display_name(m.group(1)), level=display_level(m.group(1), m.group(2)))
            + f" ({_local_number(m.group(3))})" if m.group(2) is not None else
            f"{display_name(m.group(1))} ({_local_number(m.group(3))})" for m in shown if m is not None)
    if detail.strip() and current_language() != "en":
        # a detail worded by another stage that this report does not know (an error message of a fit
        # that failed): never English in a French or Spanish report; results.json keeps it as written
        return _("details in English in results.json (design, checks)")
    return detail


def _shown_count(text: str) -> str:
    """A count as the gate printed it ("1,521", or "fewer than 10") in the active language."""
    m = re.fullmatch(r"fewer than ([\d,]+)", text.strip())
    return _("fewer than {n}").format(n=_local_number(m.group(1))) if m else _local_number(text)


#: The two groups, as the propensity model's separation sentences name them.
_HELD = {"alternative": N_("{levels}, held only by people given an alternative measure ({n})"),
         "custody": N_("{levels}, held only by people sent to custody ({n})")}


def separation_words(detail: str, policy: DisclosurePolicy) -> str:
    """The separation the propensity model found, in the active language: each level (or
    combination of levels) held by one group only, by its display names, and coefficients that run
    away, by the design terms' display names; counts of people through disclosure control.

    ``detail`` is the gate's detail (:attr:`altmeasures_eval.matching.PropensityScore.separation`,
    joined by "; "); a sentence of a form not known here is left out of a non-English report with a
    pointer to results.json.
    """
    from altmeasures_eval._vocabulary import display_name, display_term
    def levels(where: str) -> str:
        pairs = [p.split(" = ", 1) for p in where.split(" and ")]
        return join_words([_("{variable}: {level}").format(variable=display_name(v), level=display_level(v, lv))
                           for v, lv in pairs if lv is not None] if all(len(p) == 2 for p in pairs) else [where])

    def count(text: str) -> str:  # "379", or "fewer than 10" where the gate's notes hid a small count
        return _shown_count(text) if text.startswith("fewer") else people(policy, int(text.replace(",", "")))

    out = []
    gap = r"(?P<where>[^;]+?): all (?P<n>[\d,]+|fewer than [\d,]+) people are in the (?P<held>alternative|custody) group and nobody in the " \
          r"(?:alternative|custody) group \(no comparable (?:alternative|custody) case\)"
    lp = r"(?P<kind>complete|quasi-complete) separation: the coefficients of (?P<terms>.+?) run away; (?P<who>.+?) " \
         r"\(nobody comparable in the other group\)"
    for m in re.finditer(f"{gap}|{lp}", detail):
        if m.group("where"):
            out.append(_(_HELD[m.group("held")]).format(levels=levels(m.group("where").strip()),
                                                        n=count(m.group("n"))))
            continue
        counts = dict((g, n) for n, g in
                      re.findall(r"([\d,]+|fewer than [\d,]+) people in the (alternative|custody) group", m.group("who")))
        who = join_words([(_("{n} people given an alternative measure") if g == "alternative" else
                           _("{n} people sent to custody")).format(n=count(n)) for g, n in counts.items()])
        terms = join_words([_("the intercept") if t == "the intercept" else display_term(t)
                            for t in m.group("terms").split(", ")])
        out.append((_("Complete separation: the model's coefficients for {terms} run away, so {who} have no "
                      "comparable person in the other group") if m.group("kind") == "complete" else
                    _("Quasi-complete separation: the model's coefficients for {terms} run away, so {who} have no "
                      "comparable person in the other group")).format(terms=terms, who=who))
    if not out or len(out) < len(re.findall(r"\((?:no|nobody) comparable", detail)):  # a sentence not understood
        return detail if current_language() == "en" else _("details in English in results.json (design, checks)")
    return "; ".join(out)


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
        In the active language. Counts of people through disclosure control; values printed with
        enough decimals that none reads as its threshold.
    """
    import pandas as pd

    g = ev.design.gate.checks
    policy = DisclosurePolicy.from_settings(ev.spec.disclosure)
    settings = ev.spec.design
    values = [_gate_value(c, v, policy, settings, str(t)) for c, v, t in zip(g["check"], g["value"], g["threshold"])]
    values = [_("yes") if v == "yes" else _("no") if v == "no" else _local_number(v) for v in values]
    details = publish_notes(tuple(str(d) for d in g["detail"]), ev.spec.disclosure)
    frame = pd.DataFrame({
        "check": [_(_CHECKS[c]) if c in _CHECKS else c for c in g["check"]],
        "value": values,
        "threshold": [_gate_threshold(c, str(t), settings) for c, t in zip(g["check"], g["threshold"])],
        "result": np.where(g["passed"].to_numpy(bool), _("passed"), _("FAILED")),
        "detail": [_gate_detail(c, d, ev, policy) for c, d in zip(g["check"], details)],
    })
    return PublishedTable("design_gate", _("Is the comparison reliable? Design checks"), frame,
                          labels={"check": _("Check"), "value": _("Measured"), "threshold": _("Accepted"),
                                  "result": _("Result"), "detail": _("Detail")},
                          note=_("Effects are published only when every check passes (in the spirit of the Justice "
                                 "Data Lab rule that results appear only where matching quality is high enough). The "
                                 "thresholds are set in the [design] section of the configuration file."))


#: Why a stage is described and not compared (:func:`altmeasures_eval.design.decision_points`).
_STAGE_REASONS = {"no custody decision at this stage": N_("no custody decision at this stage"),
                  "no alternative given at this stage": N_("no alternative measure given at this stage")}


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
    frame = pd.DataFrame({"stage": lo["stage"].str.replace("_", "-"),
                          "reason": [_(_STAGE_REASONS[r]) if r in _STAGE_REASONS else r for r in lo["reason"]],
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
    out["stage"] = [display_level("stage", str(v).replace("-", "_")) for v in out["stage"]]
    return PublishedTable("stages_described", _("Stages described, not compared"), out,
                          labels={"stage": _("Stage"), "reason": _("Why not compared"),
                                  "alternative": _("Alternative measure"), "custody": _("Custody"),
                                  "observed": _("Followed for {days} days").format(days=fmt_int(h)),
                                  "rate": _("Reoffended within {days} days (%)").format(days=fmt_int(h))},
                          formats={"rate": "{:.1f}"},
                          note=_("At these stages only one group occurs, so there is no one to compare with; they "
                                 "are left out of the effect ([design] decision_points) and counted in the "
                                 "attrition flow. Rates are unadjusted."))
