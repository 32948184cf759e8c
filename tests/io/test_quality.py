"""The data-quality report (counts, missingness, date ranges, problems, rejects, k-anonymity), its
HTML/JSON rendering and the ``validate`` command."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from altmeasures_eval.cli import main
from altmeasures_eval.io import ingest, quality_report
from altmeasures_eval.report import render_quality_html
from altmeasures_eval.schema import Dataset

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "data" / "sample" / "mapping_example"


def _break_cases(folder: Path) -> None:
    frame = pd.read_csv(folder / "cases.csv", dtype=str)
    frame.loc[0, "stage"] = "court"  # C1, line 2: C1's custody spell S1 depends on it
    frame.loc[1, "person_id"] = "P9"  # C2, line 3
    frame.to_csv(folder / "cases.csv", index=False)


def test_counts_missingness_and_date_ranges(valid: Dataset, valid_csv: Path) -> None:
    report = quality_report(ingest(valid_csv))
    assert report.valid and report.problems.empty
    tables = report.tables.set_index("table")
    assert tables["input_rows"].to_dict() == {
        "persons": 5, "cases": 6, "custody_spells": 3, "treatment_episodes": 3, "prison_capacity": 3,
    }
    miss = report.missingness.set_index(["table", "column"])
    # Hand count from tests/io/conftest.py: P3 has no birth year; C5 (pending) no decision date.
    assert miss.loc[("persons", "birth_year"), "n_missing"] == 1
    assert miss.loc[("cases", "decision_date"), "n_missing"] == 1
    assert miss.loc[("cases", "substance"), "share_missing"] == pytest.approx(2 / 6)
    assert miss.loc[("persons", "person_id"), "n_missing"] == 0
    dates = report.date_ranges.set_index(["table", "column"])
    assert dates.loc[("cases", "offence_date"), "min"] == pd.Timestamp("2019-02-02")
    assert dates.loc[("cases", "offence_date"), "max"] == pd.Timestamp("2023-01-01")
    assert dates.loc[("custody_spells", "release_date"), "n"] == 2
    # Every person is alone in its (sex, birth_year, jurisdiction) class: k = 1.
    assert report.k_anonymity.min_class_size == 1 and report.k_anonymity.n_classes == 5


def test_quarantine_report_counts_rejects(valid_csv: Path) -> None:
    _break_cases(valid_csv)
    report = quality_report(ingest(valid_csv, mode="quarantine"))
    tables = report.tables.set_index("table")
    assert tables.loc["cases", ["input_rows", "kept_rows", "rejected_rows"]].tolist() == [6, 4, 2]
    assert tables.loc["custody_spells", ["input_rows", "kept_rows", "rejected_rows"]].tolist() == [3, 2, 1]
    assert sorted(map(tuple, report.rejects.values.tolist())) == [
        ("cases", "unknown_reference", 1),
        ("cases", "vocabulary", 1),
        ("custody_spells", "dependent", 1),
    ]
    assert report.problem_summary[["column", "check", "n_rows", "first_rows"]].values.tolist() == [
        ["stage", "vocabulary", 1, [2]],
        ["person_id", "unknown_reference", 1, [3]],
    ]


def test_a_row_with_several_problems_is_one_reject_with_every_reason(valid_csv: Path) -> None:
    """Quarantine sets a row aside once, naming each column, value and reason of its problems."""
    path = valid_csv / "persons.csv"
    persons = pd.read_csv(path, dtype=str, keep_default_na=False)
    persons.loc[0, ["sex", "birth_year"]] = ["M", "19x0"]  # source row 2 (P1)
    persons.to_csv(path, index=False)
    result = ingest(valid_csv, mode="quarantine")
    rejects = result.dataset.rejects
    row = rejects[(rejects["table"] == "persons") & (rejects["source_row"] == 2)]
    assert len(row) == 1
    assert row["column"].iloc[0] == "birth_year, sex" and row["value"].iloc[0] == "19x0 | M"
    assert row["reason"].iloc[0].startswith("integer: ") and " | vocabulary: " in row["reason"].iloc[0]
    assert result.sources["persons"].rejected_rows == 1 and result.sources["persons"].kept_rows == 4


def test_json_and_html_have_everything_and_no_identifier(valid_csv: Path) -> None:
    _break_cases(valid_csv)
    report = quality_report(ingest(valid_csv, mode="quarantine"))
    data = json.loads(json.dumps(report.to_dict()))
    assert {"tables", "missingness", "date_ranges", "problems", "problem_summary", "rejects", "k_anonymity"} <= set(data)
    assert len(data["problems"]) == 2 and data["problems"][0]["value"] == "court"
    html = render_quality_html(report)
    assert "court" in html and "unknown_reference" in html and "k-anonymity" in html
    assert "unknown_reference" in report._repr_html_()
    # Identifiers of the fixture (P1..P9, C1.., S1.., E1..) appear in neither output.
    text = json.dumps(data) + html
    for ident in ("P1", "P9", "C2", "S1", "E1"):
        assert f'"{ident}"' not in text and f">{ident}<" not in text


def test_report_of_an_unreadable_source() -> None:
    problems = pd.DataFrame([{
        "file": None, "table": "cases", "column": None, "source_row": pd.NA, "value": None,
        "check": "missing_table", "message": "required table cases not found", "hint": "add it",
    }])
    report = quality_report(None, problems, source="x", mode="strict")
    assert not report.valid and report.tables.empty and report.k_anonymity is None
    assert "missing_table" in render_quality_html(report)


def test_validate_command_valid(tmp_path: Path, capsys) -> None:
    code = main(["validate", str(EXAMPLE), "--mapping", str(EXAMPLE / "mapping.toml"), "--out", str(tmp_path)])
    assert code == 0
    out = capsys.readouterr().out
    assert "Result: VALID" in out and "AFFAIRES.csv (cp1252, delimiter ';')" in out
    assert json.loads((tmp_path / "quality.json").read_text())["valid"] is True
    assert (tmp_path / "quality.html").read_text().startswith("<!DOCTYPE html>")


def test_validate_command_invalid_strict_and_quarantine(tmp_path: Path, valid_csv: Path, capsys) -> None:
    _break_cases(valid_csv)
    assert main(["validate", str(valid_csv), "--out", str(tmp_path / "a")]) == 1
    assert "Result: INVALID" in capsys.readouterr().out
    assert main(["validate", str(valid_csv), "--mode", "quarantine", "--out", str(tmp_path / "b")]) == 0
    data = json.loads((tmp_path / "b" / "quality.json").read_text())
    assert sum(t["rejected_rows"] for t in data["tables"]) == 3


def test_validate_command_unreadable_source_and_usage(tmp_path: Path, valid_csv: Path, capsys) -> None:
    (valid_csv / "cases.csv").unlink()
    out = tmp_path / "q"
    assert main(["validate", str(valid_csv), "--out", str(out)]) == 1
    assert "missing_table" in capsys.readouterr().out
    assert json.loads((out / "quality.json").read_text())["problems"][0]["check"] == "missing_table"
    assert json.loads((out / "manifest.json").read_text())["outcome"] == "the data break the contract"
    assert main(["validate", str(valid_csv), "--mapping", str(tmp_path / "none.toml"), "--out",
                 str(tmp_path / "r")]) == 2
    assert not (tmp_path / "r").exists()  # nothing half-written
    assert main(["validate", str(valid_csv), "--mode", "lenient"]) == 2  # argparse usage error
    assert "invalid choice: 'lenient'" in capsys.readouterr().err
