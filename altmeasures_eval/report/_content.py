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

import re

import numpy as np

from altmeasures_eval._i18n import N_, _, current_language, fmt_date, fmt_int
from altmeasures_eval._vocabulary import display_level
from altmeasures_eval.privacy import DisclosurePolicy
from altmeasures_eval.report._summary import headline_sentence
from altmeasures_eval.report._tables import PublishedTable, publish_notes
from altmeasures_eval.report._missing import missing_blocks

__all__ = ["build_content", "gate_table", "headline_sentence", "number_blocks", "report_meta"]

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
    # worded by the consistency check itself, in the report's language, counts through the policy
    return [_p(_("The tables do not fully agree with each other:")),
            {"kind": "list", "items": cons.report_lines(DisclosurePolicy.from_settings(ev.spec.disclosure))}]


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


def _threshold_number(text: str) -> float | None:
    """The number in a gate row's threshold ("at most 0.05" -> 0.05), or None."""
    m = re.search(r"\d+(?:\.\d+)?", str(text))
    return float(m.group(0)) if m else None


def _gate_value(check: str, value: Any, policy: DisclosurePolicy, settings: Any = None, threshold: str = "") -> str:
    from altmeasures_eval.design import COUNT_CHECKS, shown_beside

    if isinstance(value, str):
        return value
    if check in COUNT_CHECKS:  # a count of people: the one disclosure rule (threshold, rounding)
        from altmeasures_eval.report._summary import people

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
    from altmeasures_eval.report._summary import people

    aliased = re.fullmatch(r"aliased and left out: (.+)", detail.strip())
    if aliased:  # the design's column names, as the propensity model reported them
        from altmeasures_eval._vocabulary import display_term
        from altmeasures_eval.report._summary import join_words

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
    from altmeasures_eval.report._summary import join_words, people

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


#: Why a stage is described and not compared (:func:`altmeasures_eval.design.decision_points`).
_STAGE_REASONS = {"no custody decision at this stage": N_("no custody decision at this stage"),
                  "no alternative given at this stage": N_("no alternative measure given at this stage")}


def country_words(ev: Any) -> str:
    """The country as the report prints it: ``[report] country_name`` where set, else the ISO short
    name of the code ("Kenya" for KEN), else the code itself (a user-assigned code such as XSY)."""
    from altmeasures_eval._country import country_of
    from altmeasures_eval._errors import ConfigError

    name = str(getattr(ev.spec.report, "country_name", "") or "").strip()
    if name:
        return name
    if not ev.country:
        return _("not stated")
    try:
        c = country_of(ev.country)
    except ConfigError:  # a code read from the extract that is not ISO: print it as given
        return ev.country
    return ev.country if c.user_assigned else c.name


def build_content(ev: Any, tables: dict[str, PublishedTable], figures: dict[str, Any],
                  disclosure_notes: tuple[str, ...], input_files: dict[str, str] | None = None) -> dict[str, Any]:
    """Assemble the report content in the report's language (``[report] language``).

    Parameters
    ----------
    ev : Evaluation
    tables : dict of str to PublishedTable
        From :func:`published_tables` (already disclosure-controlled).
    figures : dict of str to Figure
    disclosure_notes : tuple of str
    input_files : dict of str to str, optional
        SHA-256 of each input file (name relative to the config -> hex digest).

    Returns
    -------
    dict
        ``meta``, ``summary`` (blocks), ``headline`` (key sentences), ``sections``, ``disclosure``;
        see the module docstring.
    """
    from altmeasures_eval._i18n import current_language, language

    if current_language() != ev.spec.report.language and current_language() == "en":
        with language(ev.spec.report.language):
            return build_content(ev, tables, figures, disclosure_notes, input_files)
    return _build(ev, tables, figures, disclosure_notes, input_files)


def report_meta(ev: Any) -> dict[str, Any]:
    """The title-page facts: ``title``, ``country``, ``organisation``, ``period``, ``extract_date``,
    ``publication_date``, ``contact``, ``licence``, ``status`` (in words), ``status_note``,
    ``version`` (of the publication), ``toolkit_version``, ``language``, and the estimand."""
    import datetime

    from altmeasures_eval import __version__ as toolkit_version
    from altmeasures_eval._i18n import current_language
    from altmeasures_eval.report._sections import status_words
    from altmeasures_eval.report._summary import _period, whom

    rs = ev.spec.report
    status, status_note = status_words(rs.status)
    pub = rs.publication_date or datetime.date.today().isoformat()
    return {"title": rs.title, "country": country_words(ev), "organisation": rs.organisation,
            "period": _period(ev), "extract_date": fmt_date(ev.extract_date), "publication_date": fmt_date(pub),
            "publication_date_iso": pub, "contact": rs.contact, "licence": rs.licence, "status": status,
            "status_note": status_note, "version": rs.version, "toolkit_version": toolkit_version,
            "language": current_language(), "estimand": ev.design.estimand, "estimand_label": whom(ev),
            "design_passed": ev.design.gate.passed}


def _build(ev: Any, tables: dict[str, PublishedTable], figures: dict[str, Any],
           disclosure_notes: tuple[str, ...], input_files: dict[str, str] | None) -> dict[str, Any]:
    from altmeasures_eval._i18n import _, ngettext
    from altmeasures_eval.report import _sections as s
    from altmeasures_eval.report._results import technical_notes
    from altmeasures_eval.report._summary import summary_blocks

    spec = ev.spec
    meta = report_meta(ev)
    policy = DisclosurePolicy.from_settings(spec.disclosure)
    summary, headline = summary_blocks(ev, policy)
    sections: list[dict[str, Any]] = []
    sections.append({"id": "methods", "title": _("Data and methods"), "blocks": [
        *s.methods_blocks(ev),
        *missing_blocks(ev, tables),  # report/_missing.py (M, #17)
    ]})
    n_prob = len(getattr(ev.quality, "problems", [])) if ev.quality is not None else 0
    # the count of problems is said once: here when there are some, else in the note of the table below
    quality = _("The data were extracted on {date}.").format(date=meta["extract_date"]) + (
        " " + ngettext("The data-quality check found {n} problem, listed below with its fix.",
                       "The data-quality check found {n} problems, listed below with their fixes.", n_prob).format(
            n=s.people(policy, n_prob)) if n_prob else "")
    sections.append({"id": "quality", "title": _("Data quality"), "blocks": [
        _p(quality), _table_block(tables["data_quality"]),
        *([_table_block(tables["data_problems"])] if "data_problems" in tables else []),
        *_consistency_blocks(ev)]})
    st = stages_table(ev)
    sections.append({"id": "cohort", "title": _("The evaluation cohort"), "blocks": [
        s.flow_block(ev, tables),
        *([_p(_("An alternative measure is compared with custody decided at the same point of the process. At the "
                "stages below only one of the two occurs, so they are described here and left out of the "
                "comparison.")), _table_block(st)] if st is not None else []),
        *([_table_block(tables["cohort_description"])] if "cohort_description" in tables else []),
        *_fig(figures, "love_plot"), *_fig(figures, "propensity_overlap"),
    ]})
    sections.append({"id": "design", "title": _("Is the comparison reliable?"),
                     "blocks": s.design_blocks(ev, gate_table(ev), _table_block)})
    sections.append({"id": "rules", "title": _("Decision rules"), "blocks": s.rules_blocks(ev, tables, _table_block)})
    if ev.recidivism:
        sections.append({"id": "reoffending", "title": _("Reoffending"),
                         "blocks": s.reoffending_blocks(ev, tables, figures, _table_block, _fig)})
    if "health" in tables:
        sections.append({"id": "health", "title": _("Health and treatment outcomes"),
                         "blocks": s.health_blocks(ev, tables, _table_block)})
    if "subgroups" in tables:
        sections.append({"id": "subgroups", "title": _("Subgroups"),
                         "blocks": s.subgroup_blocks(ev, tables, _table_block)})
    if ev.prison is not None:
        sections.append({"id": "prison", "title": _("Prison population"), "blocks": [
            _table_block(tables["bed_days"]), *_fig(figures, "bed_days"), _table_block(tables["steady_state"]),
            *_fig(figures, "population_projection"), _table_block(tables["population_projection"])]})
    if ev.costs is not None:
        from altmeasures_eval.report._costs import costs_section  # P3's section (#15)

        sections.append(costs_section(ev, tables, figures))
    if "evalues" in tables:
        sections.append({"id": "sensitivity", "title": _("Sensitivity to unmeasured confounding"),
                         "blocks": s.sensitivity_blocks(tables, _table_block)})
    sections.append({"id": "limitations", "title": _("Limitations"), "blocks": [
        {"kind": "list", "items": s.limitation_items(ev, policy)}]})
    sections.append({"id": "appendix", "title": _("Appendix: how this report was produced"),
                     "blocks": s.appendix_blocks(ev, meta, disclosure_notes, input_files,
                                                 _config_text(_shown_paths(spec.config)),
                                                 technical_notes(ev, tables))})
    content = {"meta": meta, "summary": summary, "headline": headline, "sections": sections,
               "disclosure": list(disclosure_notes)}
    return number_blocks(content, source_line(ev))


def source_line(ev: Any) -> str:
    """The source of every table and figure of the report (the renderer adds "Source:"): the
    publishing organisation, or the country, and the date the records were extracted."""
    date = fmt_date(ev.extract_date)
    organisation = getattr(ev.spec.report, "organisation", "")
    if organisation:
        return _("{organisation}, administrative records extracted on {date}").format(organisation=organisation,
                                                                                      date=date)
    return _("Administrative records of {country}, extracted on {date}").format(country=country_words(ev), date=date)


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
