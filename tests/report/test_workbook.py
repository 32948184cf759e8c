"""The analysts' workbook (``tables.xlsx``, issue #15): cover, notes, one sheet per report table in
report order, units in the headers, values rounded as the report prints them, labels in the
report's language. Read back with openpyxl.

The sample workbook is the one the session's sample report wrote (``tests/conftest.py``); the
French one is written from the session's evaluation, not from a new run.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from babel.messages.pofile import read_po

from altmeasures_eval._i18n import catalogue_dir, language
from altmeasures_eval.report._tables import PublishedTable, p_format
from altmeasures_eval.report._workbook import FIRST_ROW, read_workbook_table, workbook_order, write_workbook

MARK = "[c]"


def _cells(ws) -> list:
    return [c for row in ws.iter_rows() for c in row if c.value is not None]


def _tiny() -> dict[str, PublishedTable]:
    frame = pd.DataFrame({"group": ["custody", "alternative", "custody"], "n": [120, 15, MARK],
                          "rate": [34.16, np.inf, MARK], "difference": [-5.94, np.nan, MARK],
                          "p_value": [0.0004, 0.2372, MARK], "year": [2026, 2027, 2028]})
    t = PublishedTable("tiny", "A tiny table", frame,
                       formats={"rate": "{:.1f}", "difference": "{:+.1f}", "p_value": p_format, "year": "{}"},
                       labels={"group": "Group", "n": "People", "rate": "Rate", "difference": "Difference",
                               "p_value": "p-value", "year": "Year"},
                       units={"rate": "%", "difference": "percentage points"},
                       values={"group": lambda v: {"custody": "custody", "alternative": "alternative"}[v]},
                       note="A note.")
    other = PublishedTable("other", "Not in the report", pd.DataFrame({"x": [1.23456]}), formats={"x": "{:,.2f}"})
    return {"tiny": t, "other": other}


def test_layout_of_a_small_workbook(tmp_path: Path) -> None:
    """Cover, notes, then the report's tables in report order and the others after them; title,
    unit, source and note above the header row; an Excel table over header and data."""
    tables = _tiny()
    content = {"meta": {"title": "My evaluation", "country": "Narnia", "extract_date": "2024-01-31",
                        "publication_date": "2026-12-06", "status": "experimental statistics", "language": "en"},
               "summary": [{"kind": "p", "text": "x"}],
               "sections": [{"id": "s", "title": "S", "blocks": [
                   {"kind": "table", "name": "gate", "number": 1, "title": "Design checks",
                    "head": ["Check", "Value", "Result"], "source": "Ministry",
                    "rows": [["max |SMD|", "\u22120.088", "passed"], ["people", "1,234", "0.1 (max 0.1)"]]},
                   {"kind": "table", "name": "tiny", "number": 2, "title": "A tiny table", "unit": "",
                    "source": "Ministry"}]}]}
    assert [n for n, _ in workbook_order(content, tables)] == ["gate", "tiny", "other"]
    path = write_workbook(tmp_path / "t.xlsx", content, tables, ["Counts from 1 to 9 are suppressed."])
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["Cover", "Notes", "gate", "tiny", "other"]
    cover = wb["Cover"]
    assert cover["A1"].value == "My evaluation"
    text = [c.value for c in _cells(cover)]
    for want in ("Narnia", "31 January 2024", "6 December 2026", "experimental statistics", "Ministry",
                 "Counts from 1 to 9 are suppressed.", "Table 2. A tiny table"):
        assert want in text, want
    assert any(str(v).startswith("[c]: suppressed") for v in text)
    assert not any(ws.merged_cells.ranges for ws in wb.worksheets)  # no merged cells (screen readers, sorting)
    links = {c.value: c.hyperlink.location or c.hyperlink.target for c in _cells(cover) if c.hyperlink}
    assert links == {"gate": "'gate'!A1", "tiny": "'tiny'!A1", "other": "'other'!A1"}

    ws = wb["tiny"]
    assert [ws.cell(r, 1).value for r in range(1, FIRST_ROW)] == [
        "Table 2. A tiny table", "Unit: given in the column headers", "Source: Ministry", "Note: A note."]
    head = [c.value for c in ws[FIRST_ROW]]
    assert head == ["Group", "People", "Rate (%)", "Difference (percentage points)", "p-value", "Year"]
    rows = [[c.value for c in r] for r in ws.iter_rows(min_row=FIRST_ROW + 1)]
    # rounded as printed; inf and NaN never written as such; the marker as it is
    assert rows == [["Custody", 120, 34.2, -5.9, "<0.01", 2026],
                    ["Alternative", 15, "-", "-", 0.24, 2027],
                    ["Custody", MARK, MARK, MARK, MARK, 2028]]
    fmt = {c.column_letter: c.number_format for c in ws[FIRST_ROW + 1]}
    assert fmt["C"] == "0.0" and fmt["D"] == "+0.0;-0.0;0.0" and fmt["F"] == "0"
    assert [t.ref for t in ws.tables.values()] == [f"A{FIRST_ROW}:F{FIRST_ROW + 3}"]
    assert ws.freeze_panes == f"A{FIRST_ROW + 1}"
    # a table the report builds itself is written from its displayed cells, numbers as printed
    # becoming numbers with as many decimals; an unnumbered table keeps its title
    gate = [[c.value for c in r] for r in wb["gate"].iter_rows(min_row=FIRST_ROW + 1)]
    assert gate == [["max |SMD|", -0.088, "passed"], ["people", 1234, "0.1 (max 0.1)"]]
    assert wb["gate"]["B6"].number_format == "#,##0.000"
    assert wb["other"]["A1"].value == "Not in the report"
    # the notes sheet maps every header to its CSV column
    back = read_workbook_table(path, "tiny")
    assert list(back.columns) == list(tables["tiny"].frame.columns)


def test_without_content_the_tables_keep_their_order(tmp_path: Path) -> None:
    path = write_workbook(tmp_path / "t.xlsx", None, _tiny())
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["Cover", "Notes", "tiny", "other"]
    assert wb["tiny"]["A1"].value == "A tiny table"


def test_formula_text_is_written_inert(tmp_path: Path) -> None:
    t = PublishedTable("x", "=HYPERLINK(\"http://a\")", pd.DataFrame({"label": ["=1+1", "@SUM(A1)"], "n": [10, 20]}))
    wb = openpyxl.load_workbook(write_workbook(tmp_path / "t.xlsx", None, {"x": t}))
    kinds = {c.data_type for ws in wb.worksheets for c in _cells(ws)}
    assert "f" not in kinds
    assert [c.value for c in wb["x"]["A"][FIRST_ROW:]] == ["'=1+1", "'@SUM(A1)"]


# --- the sample workbook --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sample_workbook(sample_report: Path):
    return openpyxl.load_workbook(sample_report / "tables.xlsx")


def test_sample_workbook_has_cover_notes_and_every_table_in_report_order(sample_workbook, sample_report: Path) -> None:
    wb = sample_workbook
    assert wb.sheetnames[:2] == ["Cover", "Notes"]
    csvs = {p.stem for p in (sample_report / "tables").glob("*.csv")}
    tables = wb.sheetnames[2:]
    assert csvs <= set(tables)  # every published table; plus the tables the report builds itself
    titles = [wb[s]["A1"].value for s in tables]
    numbers = [int(m[1]) for t in titles if (m := re.match(r"Table (\d+)\. ", t))]
    assert numbers == list(range(1, len(numbers) + 1)), titles  # numbered in report order, sheets in that order
    html = (sample_report / "report.html").read_text(encoding="utf-8")
    import html as html_lib

    for t in titles[:len(numbers)]:  # the same numbered titles as the report's captions
        assert html_lib.escape(t.split(". ", 1)[1], quote=False) in html, t
    cover = [c.value for c in _cells(wb["Cover"])]
    assert "Alternatives to custody for minor drug offences: evaluation of the sample data" in cover
    assert any(isinstance(v, str) and "cells were suppressed" in v for v in cover)
    assert "Contents" in cover and "Disclosure control" in cover


def test_sample_workbook_cells_are_as_displayed(sample_workbook, sample_report: Path) -> None:
    wb = sample_workbook
    for ws in wb.worksheets:
        for c in _cells(ws):
            assert c.data_type != "f", (ws.title, c.coordinate)
            if isinstance(c.value, float):
                assert math.isfinite(c.value), (ws.title, c.coordinate)
            if isinstance(c.value, str):
                low = c.value.lower()
                assert low not in ("inf", "-inf", "nan", "none") and "inf" != low.strip("+-"), (ws.title, c.value)
    rec = read_workbook_table(sample_report / "tables.xlsx", "recidivism")
    csv = pd.read_csv(sample_report / "tables" / "recidivism.csv", dtype=str, keep_default_na=False)
    assert list(rec.columns) == list(csv.columns)
    for col in ("rate_alternative", "rate_custody_adjusted", "difference_points", "ci_low", "ci_high"):
        for x, y in zip(rec[col], csv[col]):
            if y in (MARK, ""):
                continue
            assert x == round(float(y), 1), (col, x, y)  # one decimal, as the report prints rates
    for p in rec["p_value"]:
        assert p in ("-", "<0.01") or p == round(p, 2)
    head = [c.value for c in wb["recidivism"][FIRST_ROW]]
    assert "Follow-up (days)" in head and "Reoffended, alternative (%)" in head
    assert "Difference (percentage points)" in head
    # codes are written with their display names, never raw
    desc = [c.value for c in wb["cohort_description"]["A"][FIRST_ROW:]]
    assert "Sex: female" in desc and "Stage of the justice process: sentencing" in desc
    assert not any("_" in str(v) for v in desc)


def _english_messages(code: str) -> list[str]:
    with (catalogue_dir() / code / "LC_MESSAGES" / "tables.po").open("rb") as f:
        return [m.id for m in read_po(f, locale=code)
                if isinstance(m.id, str) and len(m.id.split()) > 3 and m.string != m.id and "{" not in m.id]


@pytest.mark.parametrize(("code", "sheets", "follow_up", "rate", "female"), [
    ("fr", ["Couverture", "Notes"], "Suivi (jours)", "Récidive, mesure alternative (%)", "Sexe : femme"),
    ("es", ["Portada", "Notas"], "Seguimiento (días)", "Reincidencia, medida alternativa (%)", "Sexo: mujer"),
])
def test_workbook_in_another_language_has_no_english_label(sample_evaluation, tmp_path: Path, code, sheets,
                                                            follow_up, rate, female) -> None:
    from tests.report._shared import sample_tables

    tables, notes = sample_tables(sample_evaluation, code)  # the session's, computed once per process
    with language(code):
        path = write_workbook(tmp_path / f"{code}.xlsx", None, tables, notes)
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames[:2] == sheets
    head = [c.value for c in wb["recidivism"][FIRST_ROW]]
    assert follow_up in head and rate in head
    desc = [c.value for c in wb["cohort_description"]["A"][FIRST_ROW:]]
    assert female in desc
    text = "\n".join(str(c.value) for ws in wb.worksheets for c in _cells(ws) if isinstance(c.value, str))
    left = [m for m in _english_messages(code) if m in text]
    assert not left, left[:10]
