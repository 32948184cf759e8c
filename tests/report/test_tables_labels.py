"""Human labels of the published tables and the one vocabulary of display names (issue #15).

The vocabulary (``altmeasures_eval._vocabulary``) names every covariate, level, stage, disposition,
outcome and cost item; tables, figures and text ask it. These tests pin the names against the data
contract (every coded value of ``altmeasures_eval.schema`` has a display name in every language) and
the rules of the tables: units in the headers, values as displayed, no "inf", no raw column name.
"""

from __future__ import annotations

import re

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


# --- the published tables of the sample ------------------------------------------------------------


@pytest.fixture(scope="module")
def sample_tables(sample_evaluation):
    from tests.report._shared import sample_tables

    return {code: sample_tables(sample_evaluation, code)[0] for code in ("en", "fr")}


def test_tables_show_human_headers_and_codes(sample_tables):
    for name, t in sample_tables["en"].items():
        head, rows = t.display()
        for h in head:  # no raw column name: no underscore, starts with a capital or a digit
            assert "_" not in h and (h[0].isupper() or h[0].isdigit() or h.startswith("p-value")), (name, h)
        for col, align in zip(t.frame.columns, t.alignment()):
            if col in t.values:  # a column of codes: printed with display names
                shown = [r[list(t.frame.columns).index(col)] for r in rows]
                assert not any("_" in s for s in shown if col != "description"), (name, col, shown)
        assert t.title and t.title[0].isupper() and "_" not in t.title, name


def test_tables_never_show_inf_or_nan_and_round_as_displayed(sample_tables):
    number = re.compile(r"^[+\u2212-]?[\d,]+(\.(\d+))?%?$")
    for name, t in sample_tables["en"].items():
        head, rows = t.display()
        for r in rows:
            for cell in r:
                assert cell.lower() not in ("inf", "-inf", "nan", "none"), (name, cell)
        # a column with a format "{:...1f}" prints exactly one decimal in every numeric cell
        for j, col in enumerate(t.frame.columns):
            spec = t.formats.get(col)
            m = re.search(r"\.(\d)f\}", spec) if isinstance(spec, str) else None
            if not m:
                continue
            for r in rows:
                hit = number.match(r[j])
                if hit:
                    assert len(hit.group(2) or "") == int(m.group(1)), (name, col, r[j])


def test_units_are_in_the_headers(sample_tables):
    en = sample_tables["en"]
    head = en["recidivism"].display()[0]
    assert "Follow-up (days)" in head and "Reoffended, alternative (%)" in head
    # a confidence limit is in the unit of the estimate beside it (said once, in that header)
    assert "Difference (percentage points)" in head and "95% CI, lower" in head
    assert "Bed-days averted per person (days)" in en["bed_days"].display()[0]
    assert any(h.endswith("(USD, 2024 prices)") for h in en["costs_per_person"].display()[0])
    assert "Alternative (per 100 people)" in en["frequency"].display()[0]
    assert "Alternative (%)" in en["health"].display()[0]


def test_french_tables_are_in_french(sample_tables):
    fr = sample_tables["fr"]
    head, rows = fr["recidivism"].display()  # displayed outside the language block: still French
    assert head[0] == "Suivi (jours)" and fr["recidivism"].title == "Récidive établie selon la durée du suivi"
    # numbers in the French form: decimal comma, true minus sign
    assert all("," in r[5] for r in rows if r[5] not in ("-", "[c]"))
    desc = [r[0] for r in fr["cohort_description"].display()[1]]
    assert "Sexe : femme" in desc and "Âge à la décision, moyenne (ans)" in desc
    sub = fr["subgroups"].display()[1]
    assert ["Mesure prononcée", "Injonction thérapeutique"] in [r[:2] for r in sub]
    # every title and header differs from the English (no English left in a French table)
    en = sample_tables["en"]
    for name, t in fr.items():
        assert t.title != en[name].title, name
        for h_fr, h_en in zip(t.display()[0], en[name].display()[0]):
            assert h_fr != h_en or h_en in ("Substance", "Total", "Version", "Notes", "Imputation")  # same word in French, (name, h_en)


def test_an_infinite_value_is_not_defined_and_never_inf():
    import pandas as pd

    from altmeasures_eval.report._tables import PublishedTable, publishable_frame

    t = PublishedTable("x", "X", pd.DataFrame({"ratio": [np.inf, 1.234, -np.inf], "v": [np.inf, "[c]", 2.0]}),
                       formats={"ratio": "{:.2f}"})
    assert [r for r in t.display()[1]] == [["not defined", "not defined"], ["1.23", "[c]"], ["not defined", "2.00"]]  # no format: three significant digits
    csv = publishable_frame(t).to_csv(index=False)
    assert "inf" not in csv.lower()
