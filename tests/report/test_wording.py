"""Wording rules of the report (issue #15): the Justice Data Lab phrasing "for every 100 people" for
every rate and frequency, with the interval in words and its direction; What you can say / What you
cannot say for a fall, a rise, no significant difference and groups too small to say; withheld
results; cohort-flow labels that read as the reason for removal; text written from the config;
no raw variable names; numbered tables and figures with a text alternative.

The numbers in the hand-made results below are chosen so that every expected sentence can be
checked by hand (rates x 100, one decimal; the interval of the difference read off ci_low/ci_high).
"""

from __future__ import annotations

import re
from dataclasses import replace
from types import SimpleNamespace

import pandas as pd
import pytest

from altmeasures_eval._i18n import language
from altmeasures_eval.report._words import removal_reason
from altmeasures_eval.report._summary import (
    can_cannot,
    frequency_sentence,
    headline_sentence,
    significance_sentence,
    summary_blocks,
)
from altmeasures_eval.report._words import within


def _result(t: float, c: float, est: float, lo: float, hi: float, p: float, kind: str = "risk_difference"):
    return SimpleNamespace(means=pd.DataFrame({"mean": [t, c]}, index=["treated", "control"]),
                           summary=pd.DataFrame({"estimate": [est], "ci_low": [lo], "ci_high": [hi], "p_value": [p]},
                                                index=[kind]))


def _ev(rate, freq, significant: bool = True, estimand: str = "ATT"):
    """A hand-made evaluation: the headline at 365 days; ``significant`` is the n*p rule."""
    spec = SimpleNamespace(outcomes=SimpleNamespace(alpha=0.05),
                           decision_rules=SimpleNamespace(significance_level=0.05, min_expected=10),
                           report=SimpleNamespace(country_name="Testland"))
    return SimpleNamespace(recidivism={365: rate}, frequency={365: freq}, headline_horizon=365,
                           design=SimpleNamespace(estimand=estimand, support=SimpleNamespace(n_dropped=0)),
                           rules=SimpleNamespace(significance={365: significant}), spec=spec, country="XTE",
                           period=(pd.Timestamp("2018-01-01"), pd.Timestamp("2020-12-31")))


def _items(blocks, style):
    return [i for b in blocks if b.get("style") == style for i in b["items"]]


# a fall: 30.0 vs 36.0 per 100, difference -6.0 (-9.5 to -2.5), p = 0.001;
# frequency 45.0 vs 55.0 offences per 100, difference -10.0 (-16.0 to -4.0), p = 0.002
FALL = _ev(_result(0.30, 0.36, -0.06, -0.095, -0.025, 0.001),
           _result(0.45, 0.55, -0.10, -0.16, -0.04, 0.002, "mean_difference"))
# a rise: 42.0 vs 36.0, +6.0 (+2.5 to +9.5), p = 0.001; frequency 60.0 vs 55.0, +5.0 (+1.0 to +9.0)
RISE = _ev(_result(0.42, 0.36, 0.06, 0.025, 0.095, 0.001),
           _result(0.60, 0.55, 0.05, 0.01, 0.09, 0.01, "mean_difference"))
# no significant difference: 35.0 vs 36.0, -1.0 (-4.5 to +2.5), p = 0.57
NULL = _ev(_result(0.35, 0.36, -0.01, -0.045, 0.025, 0.57),
           _result(0.54, 0.55, -0.01, -0.07, 0.05, 0.74, "mean_difference"))


def test_jdl_rate_and_frequency_for_every_100_people():
    assert headline_sentence(FALL) == (
        "For every 100 people given an alternative measure, 30.0 reoffended within one year, compared with 36.0 of "
        "every 100 similar people sent to custody. With an alternative measure, between 2.5 and 9.5 fewer people in "
        "every 100 reoffend (95% confidence interval of the difference).")
    assert frequency_sentence(FALL) == (
        "For every 100 people given an alternative measure, 45.0 proven reoffences were committed within one year, "
        "compared with 55.0 for every 100 similar people sent to custody. With an alternative measure, between 4.0 "
        "and 16.0 fewer proven reoffences are committed for every 100 people (95% confidence interval of the "
        "difference).")
    # a rise says "more"; an interval across zero says "between ... fewer and ... more"
    assert "between 2.5 and 9.5 more people in every 100 reoffend" in headline_sentence(RISE)
    assert "between 1.0 and 9.0 more proven reoffences are committed for every 100 people" in frequency_sentence(RISE)
    assert "the difference lies between 4.5 fewer and 2.5 more people in every 100" in headline_sentence(NULL)
    assert "between 7.0 fewer and 5.0 more proven reoffences" in frequency_sentence(NULL)
    # never a rate per person: the frequency is put per 100 people, not 0.45 per person
    assert "0.45" not in frequency_sentence(FALL)


def test_what_you_can_say_follows_the_result():
    fall = can_cannot(FALL)
    assert [b["title"] for b in fall] == ["What you can say", "What you cannot say"]
    assert _items(fall, "can")[0] == (
        "This analysis shows that an alternative measure, rather than custody, reduced the proven reoffending rate "
        "within one year by between 2.5 and 9.5 percentage points for people given an alternative measure (95% "
        "confidence interval).")
    assert "reduced the number of proven reoffences committed within one year by between 4.0 and 16.0 for every 100 " \
           "people" in _items(fall, "can")[1]
    assert "This analysis shows that an alternative measure increased proven reoffending." in _items(fall, "cannot")
    rise = can_cannot(RISE)
    assert "increased the proven reoffending rate within one year by between 2.5 and 9.5 percentage points" in \
        _items(rise, "can")[0]
    assert "This analysis shows that an alternative measure reduced proven reoffending." in _items(rise, "cannot")
    null = can_cannot(NULL)
    assert _items(null, "can")[0].startswith("This analysis does not show whether an alternative measure, rather than "
                                             "custody, changes the proven reoffending rate within one year")
    assert any("makes no difference" in i for i in _items(null, "cannot"))  # absence of evidence is not evidence
    assert "not statistically significant (p = 0.57)" in significance_sentence(NULL, 365)
    assert "To detect a difference of this size reliably (80% power), about" in significance_sentence(NULL, 365)
    # groups too small for a significance statement (decision rule n*p >= 10): no claim either way
    small = _ev(FALL.recidivism[365], FALL.frequency[365], significant=False)
    assert _items(can_cannot(small), "can") == [
        "The groups are too small to say whether an alternative measure, rather than custody, changes the proven "
        "reoffending rate within one year."]
    assert "too small for a statement of statistical significance" in significance_sentence(small, 365)
    # every "cannot" box says the results do not generalise and do not rule out unrecorded differences
    for blocks in (fall, rise, null):
        assert any("Testland" in i and "1 January 2018 to 31 December 2020" in i for i in _items(blocks, "cannot"))


def test_atc_puts_custody_first():
    atc = _ev(FALL.recidivism[365], FALL.frequency[365], estimand="ATC")
    assert headline_sentence(atc).startswith("For every 100 people sent to custody, 36.0 reoffended within one year, "
                                             "compared with 30.0 of every 100 similar people given an alternative")
    assert frequency_sentence(atc).startswith("For every 100 people sent to custody, 55.0 proven reoffences")


def test_horizons_in_words_come_from_the_days():
    assert [within(d) for d in (365, 730, 1095, 182, 500)] == [
        "within one year", "within 2 years", "within 3 years", "within 182 days", "within 500 days"]
    with language("fr"):
        assert within(365) == "dans un délai d'un an" and within(730) == "dans un délai de 2 ans"
    with language("es"):
        assert within(1095) == "en un plazo de 3 años"


def test_cohort_flow_reads_as_the_reason_for_removal():
    from altmeasures_eval.cohort import CohortSpec

    c = CohortSpec.from_config({"eligible_prefixes": ["06011"], "min_age": 18, "stages": ["trial", "sentencing"],
                                "period_start": "2017-01-01", "period_end": "2022-12-31"})
    assert removal_reason("eligible_offence", "index offence code starts with 06011", c) == \
        "index offence code does not start with 06011"
    assert removal_reason("min_age", "aged 18 or over at the decision", c) == "aged under 18 at the decision"
    assert removal_reason("proven", "case proven", c).startswith("not proven")
    assert removal_reason("stage", "", c) == "decided at a stage other than trial or sentencing"
    assert removal_reason("period", "", c) == "decided before 1 January 2017 or after 31 December 2022"
    assert removal_reason("something_new", "a rule described by its owner", c) == "a rule described by its owner"
    with language("fr"):
        assert removal_reason("min_age", "", c) == "âgé de moins de 18 ans à la décision"


# -- on the sample evaluation (the session fixture) --------------------------------------------

@pytest.fixture(scope="module")
def content(sample_evaluation):
    from altmeasures_eval.report import build_content
    from tests.report._shared import sample_tables

    tables, notes = sample_tables(sample_evaluation)  # the session's, computed once per process
    return build_content(sample_evaluation, tables, {}, notes, {"sample/cases.csv": "0" * 64})


def _text(content) -> str:
    out = []
    for b in [*content["summary"], *[b for s in content["sections"] for b in s["blocks"]]]:
        out += [str(b.get(k, "")) for k in ("text", "title", "caption", "alt", "final", "note")]
        out += [str(i) for i in b.get("items", ())]
        out += [str(s.get("label", "")) for s in b.get("steps", ())]
    out += [s["title"] for s in content["sections"]]
    return "\n".join(out)


def test_sample_summary_order_and_boxes(content, sample_evaluation):
    kinds = [(b["kind"], b.get("style")) for b in content["summary"]]
    assert kinds[:2] == [("p", None), ("box", "verdict")]  # who was compared, then the design checks' verdict
    assert ("box", "can") in kinds and ("box", "cannot") in kinds
    headline = next(b for b in content["summary"] if b.get("headline"))
    assert headline["text"].startswith("For every 100 people given an alternative measure,")
    assert any(b["text"].startswith("For every 100 people given an alternative measure,")
               and "proven reoffences were committed" in b["text"] for b in content["summary"] if b["kind"] == "p")
    # the placeholder warning names the unit costs that really are placeholders, and only then
    warn = [b for b in content["summary"] if b.get("style") == "warning"]
    assert len(warn) == 1 and len(warn[0]["items"]) == 1 + len(sample_evaluation.costs.unit_costs.placeholders)
    assert "PLACEHOLDER" not in _text(content) and "PLACE-HOLDER" not in _text(content)
    uc = sample_evaluation.costs.unit_costs
    local = replace(uc, items={k: replace(u, placeholder=False) for k, u in uc.items.items()})  # all given locally
    ev = replace(sample_evaluation, costs=replace(sample_evaluation.costs, unit_costs=local))
    from altmeasures_eval.privacy import DisclosurePolicy

    blocks, _ = summary_blocks(ev, DisclosurePolicy.from_settings(ev.spec.disclosure))
    assert not [b for b in blocks if b.get("style") == "warning"]
    # price year and discount rate beside the money
    assert re.search(r"in 2024 prices, discounted at 3\.5% a year", _text(content))


def test_sample_text_from_the_config_and_no_raw_names(content, sample_evaluation):
    text = _text(content)
    for raw in ("design_weight", "1 - 0", "prior_bed_days", "prior_custody_spells", "reoffend_365", "has_prior",
                "problem(s)", "1, 2 and 3 years", "182-day"):
        assert raw not in text, raw
    flow = next(b for s in content["sections"] for b in s["blocks"] if b["kind"] == "flow")
    labels = [st["label"] for st in flow["steps"]]
    assert "index offence code does not start with 06011" in labels and "aged under 18 at the decision" in labels
    assert not [x for x in labels if "starts with" in x or "or over" in x]  # removal reasons, not the rules kept
    assert "waiting period of 182 days" in text  # from [cohort] waiting_period
    assert "follow-up periods of one year, 2 years and 3 years" in text  # from [cohort] horizons
    # another config gives other words: horizons and waiting period are read, never fixed
    from altmeasures_eval.report._sections import methods_blocks

    c = replace(sample_evaluation.spec.cohort, horizons=(180, 365), waiting_period=90)
    ev = replace(sample_evaluation, spec=replace(sample_evaluation.spec, cohort=c))
    methods = " ".join(b["text"] for b in methods_blocks(ev))
    assert "follow-up periods of 180 days and one year" in methods and "waiting period of 90 days" in methods


def test_sample_appendix_for_readers(content, repo_root):
    appendix = next(s for s in content["sections"] if s["id"] == "appendix")
    text = _text({"summary": [], "sections": [appendix]}) + "".join(b.get("text", "") for b in appendix["blocks"])
    assert str(repo_root) not in text and "/work/" not in text  # no local path
    assert "sample/cases.csv: SHA-256 " + "0" * 64 in text  # files named relative to the config
    assert text.startswith("Statistical status: Official statistics in development.")


def test_tables_and_figures_numbered_in_reading_order(content):
    blocks = [*content["summary"], *[b for s in content["sections"] for b in s["blocks"]]]
    for kind in ("table", "figure"):
        numbers = [b["number"] for b in blocks if b["kind"] == kind]
        assert numbers == list(range(1, len(numbers) + 1)), kind
    tables = [b for b in blocks if b["kind"] == "table"]
    assert len(tables) > 10 and all(b["title"] and b["source"] for b in tables)
    assert tables[0]["source"] == "Ministry of Justice, research unit (example), administrative records extracted on " \
                                  "31 December 2025"


def test_withheld_results(small_evaluation, sample_evaluation):
    from altmeasures_eval.design import DesignGate
    from altmeasures_eval.privacy import DisclosurePolicy

    policy = DisclosurePolicy.from_settings(small_evaluation.spec.disclosure)
    blocks, headline = summary_blocks(small_evaluation, policy)
    text = " ".join(b.get("text", "") + " ".join(b.get("items", ())) for b in blocks)
    assert "For every 100" not in text and "reoffending" not in headline
    assert "this report gives no estimate of the effect" in text  # the "cannot" box of withheld results
    # the decision rules' reasons: the words apply_rules gives results.json, and in Spanish
    from altmeasures_eval.report._sections import rule_reasons
    from altmeasures_eval.report._tables import publish_notes

    assert rule_reasons(small_evaluation, policy) == publish_notes(small_evaluation.rules.reasons,
                                                                   small_evaluation.spec.disclosure)
    with language("es"):
        reasons = rule_reasons(small_evaluation, policy)
    assert reasons and all(r.startswith("Solo ") and "no se presenta ninguna estimación de efectos" in r
                           for r in reasons)
    # a failed design gate: the verdict box says no, with the reasons and what to try
    ev = sample_evaluation
    gate = DesignGate(False, ev.design.gate.checks, reasons=("The groups differ on age.",),
                      advice=("set [design] balance_threshold = 0.2",))
    failed = replace(ev, design=replace(ev.design, gate=gate))
    blocks, headline = summary_blocks(failed, DisclosurePolicy.from_settings(ev.spec.disclosure))
    verdict = next(b for b in blocks if b.get("style") == "verdict")
    assert verdict["items"][0].startswith("No: at least one design check failed")
    assert "What to try: Set [design] balance_threshold = 0.2." in verdict["items"]
    assert headline["verdict"].startswith("A reliable comparison could not be made")
    assert not any("For every 100" in b.get("text", "") for b in blocks)
    # in French the advice names the setting to change, in French words (the gate writes it in English)
    with language("fr"):
        blocks, _ = summary_blocks(failed, DisclosurePolicy.from_settings(ev.spec.disclosure))
    verdict = next(b for b in blocks if b.get("style") == "verdict")
    assert verdict["items"][0].startswith("Non : au moins un contrôle du plan d'analyse a échoué")
    assert "Piste : Modifier le fichier de configuration : [design] balance_threshold = 0.2." in verdict["items"]
    assert not any("The groups differ" in i for i in verdict["items"])


def test_publication_metadata_from_the_config(sample_evaluation):
    from altmeasures_eval.report._content import report_meta

    meta = report_meta(sample_evaluation)  # data/sample/evaluation.toml [report]
    assert (meta["publication_date"], meta["licence"], meta["version"]) == ("6 December 2026", "CC BY 4.0", "1.0")
    assert meta["status"] == "Official statistics in development" and "read them with care" in meta["status_note"]
    assert meta["contact"].startswith("Statistics enquiries") and meta["period"] == "1 January 2017 to 31 December 2022"
    assert meta["toolkit_version"] and meta["language"] == "en"
    with language("es"):
        meta = report_meta(sample_evaluation)
    assert (meta["publication_date"], meta["status"]) == ("6 de diciembre de 2026", "Estadísticas oficiales en desarrollo")
    assert meta["period"] == "del 1 de enero de 2017 al 31 de diciembre de 2022"


def test_design_checks_table_in_the_reports_language(sample_evaluation):
    from altmeasures_eval.report import gate_table

    with language("fr"):
        t = gate_table(sample_evaluation)
        head, rows = t.display()
    assert t.title == "La comparaison est-elle fiable ? Contrôles du plan d'analyse"
    assert head == ["Contrôle", "Valeur mesurée", "Seuil accepté", "Résultat", "Détail"]
    checks = {r[0]: r for r in rows}
    smd = checks["Plus grande différence standardisée après ajustement"]
    assert smd[2] == "au plus 0,10" and smd[3] == "satisfait" and "," in smd[1]  # decimal comma
    assert checks["Convergence du modèle de propension"][1] == "oui"


def test_no_overlap_limitation(sample_evaluation):
    """A level held by 15.3% of the alternative group and by nobody in custody (the balance table of
    the sample with one custody share set to 0 by hand): the limitation names it in words."""
    from altmeasures_eval.privacy import DisclosurePolicy
    from altmeasures_eval.report._sections import _no_overlap_items

    ev = sample_evaluation
    tab = ev.balance.table.drop(index="distance", errors="ignore").copy()
    tab.loc["sex=female", "mean_control_before"] = 0.0
    share = tab.loc["sex=female", "mean_treated_before"]
    items = _no_overlap_items(ev, tab, DisclosurePolicy.from_settings(ev.spec.disclosure))
    assert items == [f"No one in the custody group has \u201cSex: female\u201d, while {100 * share:.1f}% of the people "
                     "given an alternative measure do: they have no comparable case (no overlap), and the estimates "
                     "for them rest on the model, not on data. Set [design] support_rule = \"range\" to leave them out "
                     "of the comparison."]


def test_frequency_of_counts_that_are_all_0_or_1():
    """Counts of reoffences that are all 0 or 1 are estimated as a binary outcome (risk_difference):
    the frequency sentence reads that row (a scenario of tests/scenarios failed on it)."""
    ev = _ev(FALL.recidivism[365], _result(0.45, 0.55, -0.10, -0.16, -0.04, 0.002, "risk_difference"))
    assert "between 4.0 and 16.0 fewer proven reoffences are committed for every 100 people" in frequency_sentence(ev)
    assert any("reduced the number of proven reoffences" in i for i in _items(can_cannot(ev), "can"))


def test_design_check_details_name_characteristics_in_words(sample_evaluation):
    from altmeasures_eval.privacy import DisclosurePolicy
    from altmeasures_eval.report._gate_table import _gate_detail

    pol = DisclosurePolicy.from_settings(sample_evaluation.spec.disclosure)
    detail = "sex = unknown (0.1001), prior_bed_days (0.12)"  # as the design gate writes an imbalance
    assert _gate_detail("max |SMD| after adjustment", detail, sample_evaluation, pol) == \
        "Sex: unknown (0.1001), Days in custody before the decision (0.12)"
    with language("fr"):
        assert _gate_detail("max |SMD| after adjustment", detail, sample_evaluation, pol).startswith(
            "Sexe : inconnu (0,1001)")


def test_aliased_columns_named_in_words(sample_evaluation):
    # the design gate's detail for columns the pivoted QR left out (design/_gate.py) names design
    # columns ("var" or "var=level"); a reader gets the characteristics' display names (seen in a
    # Spanish report of the tests/scenarios "second_aliased" extract: 'aliased and left out: prior_bed_days')
    from altmeasures_eval.privacy import DisclosurePolicy
    from altmeasures_eval.report._gate_table import _gate_detail

    pol = DisclosurePolicy.from_settings(sample_evaluation.spec.disclosure)
    detail = "aliased and left out: prior_bed_days, sex=unknown"
    assert _gate_detail("propensity model converged", detail, sample_evaluation, pol) == (
        "left out of the model because other characteristics determine it fully: "
        "Days in custody before the decision and Sex: unknown")
    with language("es"):
        text = _gate_detail("propensity model converged", detail, sample_evaluation, pol)
    assert text.startswith("excluido del modelo") and "prior_bed_days" not in text and "aliased" not in text
