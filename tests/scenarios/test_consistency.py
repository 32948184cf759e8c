"""Data consistency across tables (issue #12 part 8): linkage gaps by year, spells without a case, tables
that stop before the extract date, decisions after it; each a warning with its rate and fix, in the
quality report that ``validate`` prints.

Expected counts are computed by hand from the post-processed tables (``tests/scenarios/_project.py``).
"""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from altmeasures_eval.io import check_consistency, quality_report
from altmeasures_eval.synth import simulate
from tests.scenarios import _project


@pytest.fixture(scope="module")
def generated():
    return simulate(3000, seed=11, period=("2019-01-01", "2022-12-31"))


def test_the_generator_is_consistent(generated):
    rep = check_consistency(generated.dataset)
    assert rep.warnings.empty
    assert rep.linkage["without_spell"].sum() == 0
    assert rep.coverage["stops_early"].sum() == 0


def test_linkage_gap_is_warned_by_year_with_rates(generated):
    ds = _project.linkage_gap(generated, years=(2023, 2024))
    rep = check_consistency(ds)
    cases = ds.cases
    for year in (2023, 2024):
        # by hand: custody decisions of that year; the spells that started that year are gone, so each
        # decision is without a spell unless a spell of another year names it or is open at the decision
        row = rep.linkage.set_index("year").loc[year]
        assert row["custody_decisions"] == int(((cases["disposition"] == "custody")
                                                & (cases["decision_date"].dt.year == year)).sum())
        assert row["rate_without_spell"] > 0.5
    assert rep.linkage.set_index("year").loc[2021, "without_spell"] == 0
    w = rep.warnings[rep.warnings["check"] == "custody decision without spell"]
    assert set(w["message"].str[:4]) >= {"2023", "2024"} and "2021" not in set(w["message"].str[:4])
    assert (w["rate"] > w["threshold"]).all() and w["fix"].str.contains("link the custody register").all()
    assert any("biased towards zero" in n for n in rep.notes)


def test_custody_table_that_ends_early_is_warned(generated):
    ds = _project.custody_ends_early(generated, years_before=2.5)
    rep = check_consistency(ds)
    cov = rep.coverage.set_index("table")
    last = ds.custody_spells["admission_date"].max()
    assert cov.loc["custody_spells", "last"] == last
    assert cov.loc["custody_spells", "gap_days"] == (pd.Timestamp("2025-12-31") - last).days > 900
    assert bool(cov.loc["custody_spells", "stops_early"]) and not bool(cov.loc["cases", "stops_early"])
    assert rep.coverage_end("custody_spells") == pd.Period(last, "M") - (0 if last.is_month_end else 1)
    w = rep.warnings[rep.warnings["check"] == "table stops early"]
    assert w["table"].tolist() == ["custody_spells"] and "re-extract custody_spells" in w["fix"].iloc[0]
    # decisions after the custody table's end cannot have a spell there: counted apart, not as linkage gaps
    assert rep.linkage["after_custody_table_end"].sum() > 0
    assert not (rep.warnings["check"] == "custody decision without spell").any()


def test_spells_without_case_and_late_decisions_are_counted(generated):
    ds = generated.dataset
    sp = ds.custody_spells.copy()
    sentenced = sp.index[sp["custody_type"] == "sentenced"]
    sp.loc[sentenced[:300], "case_id"] = None  # 300 sentenced spells lose their case
    cases = ds.cases.copy()
    cases.loc[cases.index[:3], "decision_date"] = pd.Timestamp("2026-02-01")
    rep = check_consistency(dataclasses.replace(ds, custody_spells=sp, cases=cases))
    row = rep.spells_without_case.set_index("custody_type").loc["sentenced"]
    assert row["without_case"] == 300 and row["rate"] == pytest.approx(300 / len(sentenced)) and row["rate"] > 0.05
    assert rep.decided_after_extract == 3
    assert set(rep.warnings["check"]) >= {"spell without case", "decided after extract date"}


def test_quality_report_carries_the_consistency_section(generated):
    q = quality_report(_project.linkage_gap(generated))
    assert q.consistency is not None and len(q.consistency.warnings)
    text = q.to_text()
    assert "WARNING [custody decision without spell]" in text and "fix:" in text
    assert q.to_dict()["consistency"]["warnings"][0]["check"]
