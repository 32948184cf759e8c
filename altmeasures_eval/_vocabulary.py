"""Display names: the one vocabulary in which the published outputs name variables and their levels.

Tables (``report/_tables.py``), figures (``plotting/``, ``report/_figures.py``) and the report's text
(``report/_content.py``) show a covariate, a level, a stage of the justice process, a disposition,
an outcome or a cost item by asking this module, so that "prior_bed_days" is "Days in custody
before the decision" in every table, axis and sentence, and in the report's language. The coded
values themselves are spelt in :mod:`altmeasures_eval.schema` (the data contract); this module only
says how to print them.

Every English name is marked with :func:`~altmeasures_eval._i18n.N_` and translated where it is
used, so :func:`display_name` and :func:`display_level` return text in the active language
(:func:`altmeasures_eval._i18n.language`). The translations are in
``altmeasures_eval/locale/{fr,es}/LC_MESSAGES/tables.po``.

Terms used across the catalogues (one term per concept):

========================  ==========================================  ==========================================
English                   French                                      Spanish
========================  ==========================================  ==========================================
alternative (group)       mesure alternative                          medida alternativa
custody (group)           incarcération                               encarcelamiento
proven reoffending        récidive établie                            reincidencia comprobada
proven reoffence          nouvelle infraction établie                 nueva infracción comprobada
disposition               mesure prononcée                            medida impuesta
stage of the process      stade de la procédure                       etapa del proceso
custody spell             période de détention                        período de reclusión
drug treatment            traitement de la toxicomanie                tratamiento por drogas
bed-days                  journées de détention                       días de reclusión
========================  ==========================================  ==========================================

Names of things the user chose (jurisdictions, covariates added in the config, config text) are the
user's text: they are printed as given, with underscores as spaces for column names.
"""

from __future__ import annotations

import re
from typing import Any

from altmeasures_eval._i18n import N_, _

__all__ = ["display_cost_item", "display_level", "display_name", "display_term", "display_unit", "known_variables"]

#: Display names of variables: covariates of the cohort, outcomes, and the coded columns of the
#: data contract. Keys are cohort / contract column names.
_NAMES: dict[str, str] = {
    # covariates of the cohort (altmeasures_eval.cohort COVARIATES)
    "age": N_("Age at the decision"),
    "sex": N_("Sex"),
    "jurisdiction": N_("Jurisdiction"),
    "index_year": N_("Year of the decision"),
    "substance": N_("Substance"),
    "stage": N_("Stage of the justice process"),
    "prior_proven": N_("Previous proven offences"),
    "prior_drug": N_("Previous proven drug offences"),
    "prior_violent": N_("Previous proven violent offences"),
    "prior_proven_2y": N_("Proven offences in the previous 2 years"),
    "prior_proven_5y": N_("Proven offences in the previous 5 years"),
    "prior_custody_spells": N_("Previous custody spells"),
    "prior_bed_days": N_("Days in custody before the decision"),
    "prior_treatment_episodes": N_("Previous drug treatment episodes"),
    "days_since_last_proven": N_("Days since the last proven offence"),
    "has_prior": N_("Any previous proven offence"),
    # group and decision
    "treatment": N_("Group"),
    "group": N_("Group"),
    "disposition": N_("Measure imposed"),
    "outcome": N_("Outcome of the case"),
    "custody_type": N_("Type of custody"),
    "referral_source": N_("Referral to treatment by"),
    "modality": N_("Type of drug treatment"),
    "death_cause": N_("Cause of death"),
    "severity_first": N_("Most serious offence at the first reoffence"),
    "event_type": N_("First event"),
    "cause": N_("Event"),
    "perspective": N_("Perspective"),
    "component": N_("Component"),
    "rule": N_("Rule"),
    "table": N_("Input table"),
    # outcomes without a horizon
    "time_reoffend": N_("Days to the first proven reoffence"),
    "event_reoffend": N_("Proven reoffence during follow-up"),
    "custody_on_reoffence": N_("Custody for the first reoffence"),
    "time_custody": N_("Days to a new custody spell"),
    "event_custody": N_("New custody spell during follow-up"),
    "treatment_completed": N_("Completed drug treatment (of those who entered)"),
    "measure_days": N_("Length of the measure"),
}

#: Outcomes measured at a horizon: ``<stem>_<days>`` columns of the cohort.
_HORIZON_NAMES: dict[str, str] = {
    "reoffend": N_("Proven reoffending within {days} days"),
    "reoffences": N_("Proven reoffences per person within {days} days"),
    "bed_days": N_("Days in custody within {days} days"),
    "death": N_("Died within {days} days"),
    "overdose_death": N_("Died of an overdose within {days} days"),
    "treatment_entry": N_("Entered drug treatment within {days} days"),
}
_HORIZON = re.compile(r"^(?P<stem>[a-z_]+?)_(?P<days>\d+)$")

#: Units of variables (what one unit of a mean is), for table headers and axis labels.
_UNITS: dict[str, str] = {
    "age": N_("years"),
    "index_year": N_("year"),
    "prior_proven": N_("offences"),
    "prior_drug": N_("offences"),
    "prior_violent": N_("offences"),
    "prior_proven_2y": N_("offences"),
    "prior_proven_5y": N_("offences"),
    "prior_custody_spells": N_("spells"),
    "prior_bed_days": N_("days"),
    "prior_treatment_episodes": N_("episodes"),
    "days_since_last_proven": N_("days"),
    "time_reoffend": N_("days"),
    "time_custody": N_("days"),
    "measure_days": N_("days"),
    "reoffences": N_("offences"),
    "bed_days": N_("days"),
}

_YES, _NO = N_("yes"), N_("no")

#: Display names of coded levels, by variable (the values spelt in altmeasures_eval.schema).
_LEVELS: dict[str, dict[Any, str]] = {
    "sex": {"male": N_("male"), "female": N_("female"), "other": N_("other"), "unknown": N_("unknown")},
    "substance": {
        "cannabis": N_("cannabis"),
        "opioids": N_("opioids"),
        "cocaine": N_("cocaine"),
        "amphetamine_type_stimulants": N_("amphetamine-type stimulants"),
        "new_psychoactive_substances": N_("new psychoactive substances"),
        "sedatives": N_("sedatives"),
        "other": N_("other"),
        "unknown": N_("unknown"),
    },
    "stage": {
        "police": N_("police (at or before arrest)"),
        "pre_trial": N_("pre-trial"),
        "trial": N_("trial"),
        "sentencing": N_("sentencing"),
        "post_sentencing": N_("after sentencing"),
    },
    "outcome": {"proven": N_("proven"), "not_proven": N_("not proven"), "pending": N_("pending")},
    "disposition": {
        "custody": N_("custody"),
        "diversion": N_("diversion"),
        "conditional_discharge": N_("conditional discharge"),
        "suspended_sentence": N_("suspended sentence"),
        "community_service": N_("community service"),
        "probation": N_("probation"),
        "treatment_order": N_("drug treatment order"),
        "fine": N_("fine"),
        "home_detention": N_("home detention"),
        "electronic_monitoring": N_("electronic monitoring"),
        "restitution": N_("restitution"),
        "drug_testing": N_("drug testing"),
        "other_non_custodial": N_("other non-custodial measure"),
        "dismissed": N_("dismissed"),
    },
    "custody_type": {"pre_trial": N_("pre-trial detention"), "sentenced": N_("sentenced"),
                     "recall_or_breach": N_("recall or breach")},
    "referral_source": {"justice": N_("justice system"), "health": N_("health services"),
                        "self": N_("self-referral"), "other": N_("other")},
    "modality": {
        "opioid_agonist": N_("opioid agonist treatment"),
        "psychosocial_outpatient": N_("psychosocial outpatient treatment"),
        "residential": N_("residential treatment"),
        "detoxification": N_("detoxification"),
        "recovery_support": N_("recovery support"),
        "other": N_("other"),
    },
    "death_cause": {"overdose": N_("overdose"), "other": N_("other"), "unknown": N_("unknown")},
    "severity_first": {
        "drug_personal_use": N_("drug possession for personal use"),
        "drug_supply": N_("drug supply"),
        "violent": N_("violent or sexual offence"),
        "other": N_("other offence"),
    },
    "treatment": {1: N_("alternative"), 0: N_("custody")},
    "group": {"alternative": N_("alternative"), "custody": N_("custody"), 1: N_("alternative"), 0: N_("custody")},
    "cause": {1: N_("proven reoffence"), 2: N_("death"), "proven reoffence": N_("proven reoffence"),
              "death": N_("death")},
    "event_type": {0: N_("none (censored)"), 1: N_("proven reoffence"), 2: N_("death")},
    "perspective": {"justice": N_("justice system"), "health": N_("health services"), "victims": N_("victims"),
                    "all": N_("all perspectives"), "taxpayer": N_("taxpayers"), "participant": N_("participants"),
                    "society": N_("society")},
    "component": {"programme": N_("programme"), "outcome": N_("outcomes"), "total": N_("total"),
                  "index": N_("index custody spell"), "later": N_("later custody")},
    # steps of the attrition flow (altmeasures_eval.cohort and altmeasures_eval.design)
    "rule": {
        "data": N_("all records"),
        "proven": N_("proven case"),
        "eligible_offence": N_("eligible offence"),
        "stage": N_("stage of the process"),
        "period": N_("period"),
        "exclusion": N_("excluded offences"),
        "birth_year_known": N_("birth year recorded"),
        "min_age": N_("minimum age"),
        "index_event": N_("index event"),
        "treatment_group": N_("group"),
        "release_known": N_("release date known"),
        "alive_at_start": N_("alive at the start"),
        "not_in_custody": N_("released by the extract date"),
        "decision_point": N_("stage compared"),
        "missing_covariate": N_("missing characteristic"),
        "common_support": N_("common support"),
    },
    # input tables of the data contract
    "table": {"persons": N_("people"), "cases": N_("cases"), "custody_spells": N_("custody spells"),
              "treatment_episodes": N_("drug treatment episodes"), "prison_capacity": N_("prison capacity")},
    # unit costs
    "distribution": {"fixed": N_("fixed"), "triangular": N_("triangular"), "lognormal": N_("log-normal"),
                     "uniform": N_("uniform")},
    "basis": {"marginal": N_("marginal cost"), "average": N_("average cost")},
}
_LEVELS["severity"] = _LEVELS["severity_first"]

#: Cost items (``altmeasures_eval.costs`` GROUPS) and the variable that names their keys.
_COST_ITEMS: dict[str, tuple[str, str | None]] = {
    "custody_day": (N_("Day in custody"), None),
    "alternative_day": (N_("Day of an alternative measure"), "disposition"),
    "treatment_day": (N_("Day of drug treatment"), "modality"),
    "treatment_episode": (N_("Drug treatment episode"), "modality"),
    "reoffence": (N_("Proven reoffence (justice cost)"), "severity_first"),
    "victim": (N_("Cost to victims of a reoffence"), "severity_first"),
    "discount_rate": (N_("Discount rate"), None),
}
_DEFAULT_ITEM = N_("{item}, other types")
_ITEM_LEVEL = N_("{item}: {level}")
_MISSING_INDICATOR = N_("{name}: missing")


def known_variables() -> tuple[str, ...]:
    """Every variable this vocabulary names (cohort and contract columns; outcome stems with a horizon
    are listed as ``<stem>_<days>``)."""
    return (*_NAMES, *(f"{stem}_<days>" for stem in _HORIZON_NAMES))


def display_term(term: str) -> str:
    """A column of the propensity model's design (a row of the balance table) in words:
    ``"sex=female"`` -> "Sex: female", ``"prior_bed_days"`` -> its display name, ``"distance"`` -> the
    propensity score."""
    if term == "distance":
        return _("Propensity score")
    var, sep, level = str(term).partition("=")
    if not sep:
        return display_name(var)
    return _("{variable}: {level}").format(variable=display_name(var), level=display_level(var, level))


def display_name(variable: str) -> str:
    """The display name of a variable in the active language.

    Parameters
    ----------
    variable : str
        A cohort or data-contract column (``"prior_bed_days"``, ``"stage"``), an outcome at a
        horizon (``"reoffend_365"``, ``"treatment_entry_90"``), or a missing-value indicator
        (``"age_missing"``). A name this vocabulary does not know (a covariate the user added) is
        printed as given, underscores as spaces.

    Returns
    -------
    str

    Examples
    --------
    >>> display_name("prior_bed_days")
    'Days in custody before the decision'
    >>> display_name("reoffend_730")
    'Proven reoffending within 730 days'
    >>> display_name("my_covariate")
    'my covariate'
    """
    v = str(variable)
    if v in _NAMES:
        return _(_NAMES[v])
    m = _HORIZON.match(v)
    if m and m["stem"] in _HORIZON_NAMES:
        from altmeasures_eval._i18n import fmt_int

        return _(_HORIZON_NAMES[m["stem"]]).format(days=fmt_int(int(m["days"])))
    if v.endswith("_missing") and len(v) > len("_missing"):
        return _(_MISSING_INDICATOR).format(name=display_name(v[: -len("_missing")]))
    return v.replace("_", " ")


def display_unit(variable: str) -> str:
    """The unit of a variable's values in the active language (``"days"``, ``"years"``), or ``""``
    for a category, a share or a variable without a unit."""
    v = str(variable)
    if v in _UNITS:
        return _(_UNITS[v])
    m = _HORIZON.match(v)
    if m and m["stem"] in _UNITS:
        return _(_UNITS[m["stem"]])
    return ""


def display_level(variable: str, level: Any) -> str:
    """The display name of a level of a variable in the active language.

    Parameters
    ----------
    variable : str
        The variable (``"disposition"``, ``"stage"``, ``"sex"``, ``"treatment"`` ...).
    level : object
        The coded value (``"suspended_sentence"``, ``1``); booleans (and ``""`` / ``"__without__"``,
        the two levels of a 0/1 characteristic) print as yes / no. ``"other"`` (also the label
        that pools rare levels) and ``"unknown"`` are known for every variable. A level of a
        variable whose values are the user's (jurisdictions) is printed as given.

    Returns
    -------
    str

    Examples
    --------
    >>> display_level("disposition", "suspended_sentence")
    'suspended sentence'
    >>> display_level("stage", "pre_trial")
    'pre-trial'
    >>> display_level("jurisdiction", "North_East")
    'North_East'
    """
    if isinstance(level, bool) or (hasattr(level, "dtype") and getattr(level, "dtype", None) == bool):
        return _(_YES) if bool(level) else _(_NO)
    levels = _LEVELS.get(str(variable), {})
    key: Any = level
    if hasattr(level, "item") and not isinstance(level, str):
        key = level.item()  # numpy scalars
    if key in levels:
        return _(levels[key])
    if isinstance(key, float) and key.is_integer() and int(key) in levels:
        return _(levels[int(key)])
    s = str(key)
    if s in levels:
        return _(levels[s])
    if s in ("", "__without__", "True", "False"):
        return _(_YES) if s in ("", "True") else _(_NO)
    if s == "other":
        return _(N_("other"))
    if s == "unknown":
        return _(N_("unknown"))
    if levels:  # a coded variable with a value the vocabulary does not know: printable at least
        return s.replace("_", " ")
    return s


def display_cost_item(item: str) -> str:
    """The display name of a unit-cost item (``"custody_day"``, ``"alternative_day.probation"``,
    ``"victim.violent"``, ``"treatment_day.default"``) in the active language.

    Examples
    --------
    >>> display_cost_item("alternative_day.suspended_sentence")
    'Day of an alternative measure: suspended sentence'
    >>> display_cost_item("treatment_day.default")
    'Day of drug treatment, other types'
    """
    group, _sep, key = str(item).partition(".")
    if group not in _COST_ITEMS:
        return str(item).replace("_", " ")
    name, variable = _COST_ITEMS[group]
    text = _(name)
    if not key:
        return text
    if key == "default":
        return _(_DEFAULT_ITEM).format(item=text)
    return _(_ITEM_LEVEL).format(item=text, level=display_level(variable or "", key))
