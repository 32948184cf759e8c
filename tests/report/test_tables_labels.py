"""Human labels of the published tables and the one vocabulary of display names (issue #15).

The vocabulary (``altmeasures_eval._vocabulary``) names every covariate, level, stage, disposition,
outcome and cost item; tables, figures and text ask it. These tests pin the names against the data
contract (every coded value of ``altmeasures_eval.schema`` has a display name in every language) and
the rules of the tables: units in the headers, values as displayed, no "inf", no raw column name.
"""

from __future__ import annotations

import numpy as np
import pytest

from altmeasures_eval._i18n import LANGUAGES, language
from altmeasures_eval._vocabulary import display_cost_item, display_level, display_name, display_unit
from altmeasures_eval.schema import (
    ALTERNATIVE_DISPOSITIONS,
    CUSTODY_TYPES,
    DEATH_CAUSES,
    DISPOSITIONS,
    MODALITIES,
    OUTCOMES,
    REFERRAL_SOURCES,
    SEVERITY_TIERS,
    SEXES,
    STAGES,
    SUBSTANCES,
)

CODED = {"sex": SEXES, "substance": SUBSTANCES, "stage": STAGES, "outcome": OUTCOMES, "disposition": DISPOSITIONS,
         "custody_type": CUSTODY_TYPES, "referral_source": REFERRAL_SOURCES, "modality": MODALITIES,
         "death_cause": DEATH_CAUSES, "severity_first": SEVERITY_TIERS}
COVARIATES = ("age", "sex", "jurisdiction", "index_year", "substance", "stage", "prior_proven", "prior_drug",
              "prior_violent", "prior_proven_2y", "prior_proven_5y", "prior_custody_spells", "prior_bed_days",
              "prior_treatment_episodes", "days_since_last_proven", "has_prior")


def test_every_cohort_covariate_has_a_display_name():
    from altmeasures_eval.cohort._build import COVARIATES as COHORT_COVARIATES
    from altmeasures_eval.evaluation import DEFAULT_COVARIATES

    for v in (*COHORT_COVARIATES, *DEFAULT_COVARIATES, *COVARIATES):
        name = display_name(v)
        assert "_" not in name and name[0].isupper(), (v, name)
        assert name != v.replace("_", " "), f"{v} has no display name of its own"


@pytest.mark.parametrize("code", list(LANGUAGES))
def test_every_coded_level_has_a_human_name_in_every_language(code):
    with language(code):
        for variable, levels in CODED.items():
            names = [display_level(variable, lv) for lv in levels]
            for lv, name in zip(levels, names):
                assert "_" not in name, (variable, lv, name)
                if code != "en" and lv not in ("fine", "cannabis", "total", "probation"):
                    with language("en"):
                        english = display_level(variable, lv)
                    # a translated level differs from the English (cognates named above excepted)
                    assert name != english or english in ("cannabis",), (code, variable, lv, name)
            # two coded values never print the same
            assert len(set(names)) == len(names), (code, variable, names)


def test_pinned_english_labels():
    # the wording the report's readers see; a change here is a change of the published vocabulary
    assert display_name("prior_bed_days") == "Days in custody before the decision"
    assert display_unit("prior_bed_days") == "days"
    assert display_unit("age") == "years"
    assert display_unit("sex") == ""
    assert display_name("stage") == "Stage of the justice process"
    assert display_name("disposition") == "Measure imposed"
    assert display_level("stage", "pre_trial") == "pre-trial"
    assert display_level("stage", "police") == "police (at or before arrest)"
    assert display_level("disposition", "other_non_custodial") == "other non-custodial measure"
    assert display_level("substance", "amphetamine_type_stimulants") == "amphetamine-type stimulants"
    assert display_name("reoffend_365") == "Proven reoffending within 365 days"
    assert display_name("treatment_entry_90") == "Entered drug treatment within 90 days"
    assert display_name("overdose_death_1095") == "Died of an overdose within 1,095 days"
    assert display_name("prior_bed_days_missing") == "Days in custody before the decision: missing"
    assert display_cost_item("alternative_day.suspended_sentence") == "Day of an alternative measure: suspended sentence"
    assert display_cost_item("treatment_day.default") == "Day of drug treatment, other types"
    assert display_cost_item("custody_day") == "Day in custody"


def test_pinned_french_and_spanish_labels():
    with language("fr"):
        assert display_level("treatment", 1) == "mesure alternative"
        assert display_level("treatment", 0) == "incarcération"
        assert display_name("reoffend_365") == "Récidive établie dans les 365 jours"
        assert display_level("disposition", "treatment_order") == "injonction thérapeutique"
    with language("es"):
        assert display_level("treatment", 1) == "medida alternativa"
        assert display_level("treatment", 0) == "encarcelamiento"
        assert display_name("reoffend_365") == "Reincidencia comprobada en un plazo de 365 días"
        assert display_level("stage", "sentencing") == "imposición de la pena"


def test_levels_from_data_are_recognised_in_every_form():
    # numpy scalars, floats holding whole numbers, booleans and the two levels of a 0/1 characteristic
    assert display_level("treatment", np.int64(0)) == "custody"
    assert display_level("treatment", 1.0) == "alternative"
    assert display_level("cause", 2) == "death"
    assert display_level("has_prior", True) == "yes"
    assert display_level("has_prior", np.bool_(False)) == "no"
    assert display_level("has_prior", "") == "yes" and display_level("has_prior", "__without__") == "no"
    # "other" (also the label that pools rare levels) and "unknown" are known for every variable
    with language("fr"):
        assert display_level("jurisdiction", "other") == "autre"
        assert display_level("jurisdiction", "unknown") == "inconnu"


def test_user_names_are_printed_as_given():
    # jurisdictions and covariates the user adds are the user's text: not translated, not invented
    with language("fr"):
        assert display_level("jurisdiction", "North_East") == "North_East"
        assert display_name("my_covariate") == "my covariate"
    # an unknown code of a coded variable is at least printable
    assert display_level("disposition", "house_arrest_2") == "house arrest 2"
    assert display_cost_item("new_item") == "new item"


def test_every_alternative_disposition_has_a_cost_item_name():
    for d in ALTERNATIVE_DISPOSITIONS:
        text = display_cost_item(f"alternative_day.{d}")
        assert text.startswith("Day of an alternative measure: ") and "_" not in text
    for m in MODALITIES:
        assert "_" not in display_cost_item(f"treatment_episode.{m}")
    for s in SEVERITY_TIERS:
        assert "_" not in display_cost_item(f"victim.{s}")
