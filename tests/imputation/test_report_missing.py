"""What the report and results.json say about missing covariates (issue #17), on a hand-made record."""

from __future__ import annotations

from types import SimpleNamespace

import jsonschema
import numpy as np
import pandas as pd

from altmeasures_eval.evaluation import DisclosureSettings
from altmeasures_eval.design import MissingDataAnalysis
from altmeasures_eval.report._missing import missing_paragraph
from altmeasures_eval.report._results import _missing_data, load_results_schema


def _ev(method="impute", m=20, n_missing=(439, 3), complete_case=True, sig=True):
    missing = pd.DataFrame({"column": ["substance", "age", "sex"], "n_missing": [n_missing[0], n_missing[1], 0],
                            "share_missing": [n_missing[0] / 5462, n_missing[1] / 5462, 0.0], "n": 5462})
    pooled = SimpleNamespace(summary=pd.DataFrame({"fmi": [0.0249]}, index=["risk_difference"]))
    cc = SimpleNamespace(alpha=0.05, summary=pd.DataFrame(
        {"estimate": [-0.0681], "ci_low": [-0.1177], "ci_high": [-0.0184], "p_value": [0.0067], "n": [4996]},
        index=["risk_difference"])) if complete_case else None
    md = MissingDataAnalysis(method=method, missing=missing, m=m if method == "impute" else 0,
                             effects={"reoffend_365": pooled} if method == "impute" else {}, complete_case=cc,
                             headline="reoffend_365")
    spec = SimpleNamespace(disclosure=DisclosureSettings(threshold=10))
    return SimpleNamespace(missing_data=md, spec=spec, headline_horizon=365,
                           rules=SimpleNamespace(significance={365: sig}))


def test_results_json_section_valid_and_protected():
    sup: list[str] = []
    from altmeasures_eval.privacy import DisclosurePolicy

    ev = _ev()
    doc = _missing_data(ev, DisclosurePolicy.from_settings(ev.spec.disclosure), sup)
    schema = load_results_schema()
    sub = {"$defs": schema["$defs"], **schema["properties"]["missing_data"]}
    jsonschema.validate(doc, sub)
    assert doc["method"] == "impute" and doc["m"] == 20 and doc["headline_fmi"] == 0.025
    by = {c["covariate"]: c for c in doc["covariates"]}
    assert by["substance"] == {"covariate": "substance", "n_missing": 439, "share_missing": 0.08}
    # 3 people: below the threshold, so neither the count nor the share (which would give it back)
    assert by["age"]["n_missing"] is None and by["age"]["share_missing"] is None
    assert "missing_data.covariates.age.n_missing" in sup
    assert doc["complete_case_risk_difference"]["estimate"] == -0.0681
    assert doc["complete_case_risk_difference"]["n"] == 4996
    # no p-value where the decision rules withhold significance statements
    ev = _ev(sig=False)
    doc = _missing_data(ev, DisclosurePolicy.from_settings(ev.spec.disclosure), [])
    assert doc["complete_case_risk_difference"]["p_value"] is None
    assert _missing_data(SimpleNamespace(missing_data=None), None, []) is None


def test_report_paragraph():
    text = missing_paragraph(_ev())
    # names from the vocabulary; 3 people is below the threshold of 10, so only "fewer than 10"
    assert "Substance (8.0% missing)" in text and "Age at the decision (fewer than 10 people)" in text
    assert "Sex" not in text
    assert "20 imputations" in text and "Rubin's rules" in text and "first completed" not in text
    assert "Fraction of missing information of the headline estimate: 0.02." in text
    assert "\u22126.8 percentage points (95% confidence interval \u221211.8 to \u22121.8)" in text  # CLDR minus sign
    cc = missing_paragraph(_ev(method="complete_case", complete_case=False))
    assert "left out (complete cases" in cc and "imputation" not in cc
    assert missing_paragraph(_ev(n_missing=(0, 0))) == "No design covariate had missing values."
    assert missing_paragraph(SimpleNamespace(missing_data=None)) is None
    assert np.isnan(MissingDataAnalysis(method="stop", missing=pd.DataFrame()).fmi)


def test_report_paragraph_in_french_and_spanish():
    from altmeasures_eval._i18n import language

    with language("fr"):
        fr = missing_paragraph(_ev())
    with language("es"):
        es = missing_paragraph(_ev())
    assert "imputation multiple" in fr and "règles de Rubin" in fr and "8,0" in fr
    assert "imputación múltiple" in es and "reglas de Rubin" in es
    for text in (fr, es):
        assert "were" not in text and "missing information" not in text


def test_sample_tables_and_pooled_balance(sample_evaluation):
    """On the session's sample evaluation (substance missing for 915 people, m = 20): the three
    tables, the pooled balance of the design equal to pool_balance's mean over the imputations (two
    computations), every stage pooled, no group size per imputation."""
    from altmeasures_eval.report import published_tables

    ev = sample_evaluation
    md = ev.missing_data
    assert md.method == "impute" and md.m == 20 and len(md.balance_by_imputation) == 20
    tables, notes = published_tables(ev)
    assert list(tables)[-3:] == ["balance_imputations", "imputations", "missing_sensitivity"]
    # their suppressed cells are counted in the disclosure note with every other table's (the note
    # said 26 for the sample while balance_imputations held 8 more)
    hidden = sum(int((t.frame.astype(object) == "[c]").to_numpy().sum()) for t in tables.values())
    assert (tables["balance_imputations"].frame.astype(object) == "[c]").to_numpy().sum() > 0
    assert f"{hidden} cells were suppressed in the tables" in notes[0]
    pooled = ev.design.balance.table.drop(index="distance")
    np.testing.assert_allclose(pooled["smd_after"], md.balance.loc[pooled.index, "smd_after_mean"], atol=1e-12)
    assert ev.design.gate.passed and (pooled["smd_after"].abs() <= 0.1).all()
    per = tables["imputations"].frame
    assert len(per) == 20 and not {"n_treated", "n_control"} & set(per.columns)
    sens = tables["missing_sensitivity"].frame
    assert len(sens) == 2 and sens["estimate"].iloc[0] == round(100 * md.effects[md.headline].estimate, 1)
    # every stage is a pooled result: its analyses are the m imputations
    assert ev.recidivism[365].m == ev.frequency[365].m == ev.naive[365].m == 20
    assert "fmi" in ev.time_to_event.summary.columns and "fmi" in ev.survival_curves.summary.columns
