"""Words the report's writers share: horizons ("within one year"), lists ("a, b and c"), counts of
people through disclosure control, the study period, the country, the source line of tables and
figures, and why people left the cohort at each attrition step. In the active language
(:mod:`altmeasures_eval._i18n`); nothing here builds a block or a table.
"""

from __future__ import annotations

import re
from typing import Any

from altmeasures_eval._i18n import _, current_language, fmt_date, fmt_int
from altmeasures_eval._vocabulary import display_level
from altmeasures_eval.privacy import DisclosurePolicy

__all__ = ["after", "confidence_level", "country_words", "duration", "join_words", "or_words", "over", "people",
           "period_words", "removal_reason", "source_line", "within"]


def _span(days: int, one: str, years: str, other: str) -> str:
    """``one`` for 365 days, ``years`` for whole years, else ``other`` (``{n}`` filled in): the one
    rule of every horizon in words."""
    if days == 365:
        return one
    if days % 365 == 0:
        return years.format(n=fmt_int(days // 365))
    return other.format(n=fmt_int(days))


def duration(days: int) -> str:
    """ "one year", "2 years", "500 days"."""
    return _span(days, _("one year"), _("{n} years"), _("{n} days"))


def within(days: int) -> str:
    """ "within one year", "within 2 years", "within 182 days" (for ``days`` of follow-up)."""
    return _span(days, _("within one year"), _("within {n} years"), _("within {n} days"))


def over(days: int) -> str:
    """ "over one year", "over 3 years", "over 500 days"."""
    return _span(days, _("over one year"), _("over {n} years"), _("over {n} days"))


def after(days: int) -> str:
    """ "After one year", "After 2 years", "After 500 days" (the start of a sentence)."""
    return _span(days, _("After one year"), _("After {n} years"), _("After {n} days"))


def confidence_level(ev: Any) -> int:
    """The confidence level of the report's intervals, in per cent (95 for ``alpha = 0.05``)."""
    spec = getattr(ev, "spec", None)
    alpha = getattr(getattr(spec, "outcomes", None), "alpha", 0.05)
    return round(100 * (1 - alpha))


def join_words(items: list[str], style: str = "standard") -> str:
    """ "a, b and c" (``style="or"``: "a, b or c") in the active language (CLDR list patterns;
    English as in the United Kingdom and the UN, without the serial comma)."""
    from babel.lists import format_list

    code = current_language()
    return format_list(list(items), style=style, locale="en_GB" if code == "en" else code) if items else ""


def people(policy: DisclosurePolicy, n: int) -> str:
    """A count of people as it may be printed: rounded like the tables, or "fewer than 10"."""
    shown = policy.count(int(n))
    if shown is None:
        return _("fewer than {n}").format(n=fmt_int(policy.threshold))
    return fmt_int(shown)


def period_words(ev: Any) -> str:
    from altmeasures_eval._i18n import fmt_date

    start, end = ev.period
    if start is not None and end is not None:
        return _("{start} to {end}").format(start=fmt_date(start), end=fmt_date(end))
    if start is not None:
        return _("{start} to the extract date").format(start=fmt_date(start))
    if end is not None:
        return _("the start of the data to {end}").format(end=fmt_date(end))
    return _("the start of the data to the extract date")


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


def source_line(ev: Any) -> str:
    """The source of every table and figure of the report (the renderer adds "Source:"): the
    publishing organisation, or the country, and the date the records were extracted."""
    date = fmt_date(ev.extract_date)
    organisation = getattr(ev.spec.report, "organisation", "")
    if organisation:
        return _("{organisation}, administrative records extracted on {date}").format(organisation=organisation,
                                                                                      date=date)
    return _("Administrative records of {country}, extracted on {date}").format(country=country_words(ev), date=date)


def or_words(items: list[str]) -> str:
    """ "a, b or c" in the active language."""
    return join_words(items, style="or")


def removal_reason(rule: str, description: str, cohort: Any) -> str:
    """Why people were removed at an attrition step, in words that read as the reason for removal
    ("index offence code does not start with 06011", "aged under 18 at the decision").

    Parameters
    ----------
    rule : str
        The step's ``rule`` (``eligible_offence``, ``min_age`` ...).
    description : str
        The step's description (what is kept), used for steps this function does not know.
    cohort : CohortSpec
        The cohort rules of the run (codes, stages, period, minimum age).
    """
    c = cohort
    if rule == "proven":
        return _("not proven (no conviction, caution or accepted diversion) or no decision date")
    if rule == "eligible_offence":
        return _("index offence code does not start with {codes}").format(codes=or_words(list(c.eligible_prefixes)))
    if rule == "stage":
        return _("decided at a stage other than {stages}").format(
            stages=or_words([display_level("stage", s) for s in c.stages]))
    if rule == "period":
        if c.period_start is not None and c.period_end is not None:
            return _("decided before {start} or after {end}").format(
                start=fmt_date(c.period_start), end=fmt_date(c.period_end))
        if c.period_start is not None:
            return _("decided before {start}").format(start=fmt_date(c.period_start))
        if c.period_end is not None:
            return _("decided after {end}").format(end=fmt_date(c.period_end))
        return _("no decision date")
    if rule == "exclusion":
        return _("a proven offence coded {codes} in the same case or on the same day (offences excluded from the "
                 "evaluation)").format(codes=or_words(list(c.excluded_prefixes)))
    if rule == "birth_year_known":
        return _("birth year not recorded (the age at the decision cannot be checked)")
    if rule == "min_age":
        return _("aged under {age} at the decision").format(age=fmt_int(c.min_age))
    if rule == "index_event":
        return _("a later eligible decision of the same person (only the first one counts)")
    if rule == "treatment_group":
        return _("the decision was neither an alternative measure nor custody")
    if rule == "release_known":
        return _("sent to custody, but no custody spell is linked to the decision (release date unknown)")
    if rule == "alive_at_start":
        return _("died before the start of follow-up")
    if rule == "not_in_custody":
        return _("still in custody from the decision at the extract date")
    if rule == "common_support":
        return _("no comparable person in the other group (outside common support)")
    if rule == "missing_covariate":
        return _("a characteristic used in the comparison is not recorded (complete cases only)")
    if rule == "decision_point":
        m = re.match(r"stage ([A-Za-z_\-]+):", description)
        if m:
            return _("decided at the {stage} stage, where only one of the two groups occurs").format(
                stage=display_level("stage", m.group(1).replace("-", "_")))
    return description
