"""The costs section of the report (#15): the placeholder warning names exactly the placeholder unit
costs, every money figure states its price year and discount rate, the perspectives that are not
measured are named, and the section is written in the report's language."""

from __future__ import annotations

import re

from altmeasures_eval._i18n import fmt_pct, language
from altmeasures_eval._vocabulary import display_cost_item
from altmeasures_eval.costs import default_unit_costs, unit_costs_from_config
from altmeasures_eval.report._costs import costs_section, placeholder_warning


def test_placeholder_warning_names_only_the_placeholders():
    given = unit_costs_from_config({"custody_day": {"value": 120.0}})  # the other groups keep the defaults
    box = placeholder_warning(given, "Freedonia")
    assert box["kind"] == "box" and box["style"] == "warning"
    named = box["items"][1:]
    assert display_cost_item("custody_day") not in named
    assert sorted(named) == sorted(display_cost_item(i) for i in given.placeholders)
    assert "Freedonia" in box["items"][0]
    every = placeholder_warning(default_unit_costs(), "Freedonia")
    assert len(every["items"]) == 1 and every["items"][0].startswith("Every unit cost")
    none = unit_costs_from_config({k: v for k, v in {
        "custody_day": 100.0, "alternative_day": {"default": 10.0}, "treatment_day": {"default": 30.0},
        "treatment_episode": {"default": 0.0}, "reoffence": 3000.0, "victim": {"default": 2000.0}}.items()})
    assert not none.placeholders and placeholder_warning(none, "Freedonia") is None
    # written as a word, never in capitals (the old "PLACE-HOLDER" broke across a line)
    assert "PLACEHOLDER" not in " ".join(every["items"] + box["items"])


def test_section_states_the_money_basis_and_what_is_not_measured(sample_evaluation):
    ev = sample_evaluation
    sec = costs_section(ev, {}, {})
    rate, year = fmt_pct(ev.costs.unit_costs.discount_rate, 1), str(ev.costs.unit_costs.price_year)
    tables = [b for b in sec["blocks"] if b["kind"] == "table"]
    assert [t["name"] for t in tables] == ["cost_perspectives", "cost_benefits_by_source", "unit_cost_ranges"]
    for t in tables[:2]:  # present values: price year and discount rate in the title
        assert year in t["title"] and rate in t["title"], t["title"]
    assert year in tables[2]["title"] and "not discounted" in tables[2]["title"]
    lines = {r[0].strip(): r[1] for r in tables[0]["rows"]}
    assert lines["Benefits to participants"] == "not measured"
    assert lines["Indirect benefits (deadweight cost of taxation)"] == "not included"  # deadweight_rate 0
    ranges = [r[3] for r in tables[2]["rows"]]
    assert all(" to " in r or r.startswith("fixed") for r in ranges), ranges
    text = " ".join(b.get("text", "") for b in sec["blocks"]) + " ".join(
        i for b in sec["blocks"] if b["kind"] in ("list", "box") for i in b["items"])
    assert "participants are not measured" in text and "deadweight_rate is 0" in text
    assert rate in text and year in text


def test_section_in_french_and_spanish(sample_evaluation):
    english = re.compile(r"\b(the|and|of|who|people|benefits|costs|per person|not measured|placeholder)\b")
    for code in ("fr", "es"):
        with language(code):
            sec = costs_section(sample_evaluation, {}, {})
        words = [sec["title"]]
        for b in sec["blocks"]:
            words += [b.get("text", ""), b.get("title", ""), b.get("note", ""), *b.get("items", [])]
            for row in b.get("rows", []):
                words += row
            words += b.get("head", [])
        # config keys ([costs] deadweight_rate) and currency codes are the user's words
        found = [w for w in words if english.search(re.sub(r"\[costs\]|deadweight_rate|WSIPP|Washington State "
                                                          r"Institute for Public Policy", "", w))]
        assert not found, (code, found[:5])
