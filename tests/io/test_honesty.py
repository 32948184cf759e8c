"""Input honesty (issue #14): nothing in a source is read silently as something else.

Excel formula cells without a saved value, an ambiguous single-byte encoding, integers too large
to hold, an SQL source that would be created or changed, a mapping that reads outside the data
folder, an empty CSV and a corrupt Parquet file: each is a named problem or a clear error.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pandas as pd
import pytest

from altmeasures_eval import ConfigError, DataContractError
from altmeasures_eval.cli import main
from altmeasures_eval.io import ingest, quality_report, read_dataset, write_dataset, write_excel, write_sql
from altmeasures_eval.schema import Dataset


def test_excel_formula_cell_without_a_saved_value_is_a_problem(tmp_path: Path, valid: Dataset) -> None:
    """openpyxl writes formulas without cached values, as many exporters do: the birth year of P2
    (sheet row 3) is a formula, which pandas reads as empty. It must be a problem naming the cell."""
    from openpyxl import load_workbook

    path = write_excel(valid, tmp_path / "book.xlsx")
    wb = load_workbook(path)
    wb["persons"]["C3"] = "=1980+5"  # column C = birth_year, row 3 = P2
    wb.save(path)
    result = ingest(path)
    found = result.problems[result.problems["check"] == "formula_without_value"]
    assert found[["table", "column", "source_row"]].values.tolist() == [["persons", "birth_year", 3]]
    assert "no saved value" in found["message"].iloc[0] and "save it" in found["hint"].iloc[0]
    with pytest.raises(DataContractError, match="formula_without_value"):
        read_dataset(path)
    # quarantine sets the row aside and counts it
    q = ingest(path, mode="quarantine")
    assert "P2" not in set(q.dataset.persons["person_id"])
    assert len(q.dataset.persons) + (q.dataset.rejects["table"] == "persons").sum() == len(valid.persons)


def test_excel_formula_with_a_saved_value_is_read(tmp_path: Path, valid: Dataset) -> None:
    """A formula saved by a calculating program carries its value (<v>): no problem."""
    from altmeasures_eval.io._sources import formula_cells_without_value

    path = write_excel(valid, tmp_path / "book.xlsx")
    assert formula_cells_without_value(path) == {}
    assert ingest(path).valid


def test_ambiguous_single_byte_encoding_is_a_warning_in_every_quality_output(tmp_path: Path, valid_csv: Path) -> None:
    """The issue's probe: 'AÑO' written in Latin-1. The guess is reported with its confidence and,
    because cp1250 reads byte 0xD1 as 'Ń', a warning asks to declare the encoding."""
    persons = (valid_csv / "persons.csv").read_text(encoding="utf-8").replace("capital", "x")
    persons = persons.replace("\nP1,", "\nP1,").replace(",N,", ",AÑO,", 1)
    (valid_csv / "persons.csv").write_bytes(persons.encode("latin-1"))
    result = ingest(valid_csv)
    src = result.sources["persons"]
    assert src.detected and src.encoding_confidence is not None and 0 <= src.encoding_confidence <= 1
    assert src.encoding_note is not None and "Declare the file's encoding" in src.encoding_note
    assert "AÑO" in src.encoding_note or "AŃO" in src.encoding_note  # the example word, both readings
    report = quality_report(result)
    assert any(n.startswith("warning: persons.csv: the encoding was guessed") for n in report.notes)
    doc = report.to_dict()
    row = next(t for t in doc["tables"] if t["table"] == "persons")
    assert row["encoding"] == src.encoding and row["encoding_note"] == src.encoding_note
    assert "confidence" in report.to_text()
    # declared: no guess, no warning, and the text is what was written
    declared = ingest(valid_csv, encoding="latin-1")
    assert declared.sources["persons"].encoding_note is None
    assert "AÑO" in set(declared.dataset.persons["jurisdiction"])


def test_utf8_file_is_certain(valid_csv: Path) -> None:
    result = ingest(valid_csv)
    assert {s.encoding_confidence for s in result.sources.values() if s.encoding} == {1.0}
    assert all(s.encoding_note is None for s in result.sources.values())


def test_integer_overflow_names_the_source_value(tmp_path: Path, valid_csv: Path) -> None:
    """measure_days = 2**64 + 100 used to become -9223372036854775808 ('must not be negative')."""
    cases = pd.read_csv(valid_csv / "cases.csv", dtype=str, keep_default_na=False)
    big = str(2**64 + 100)
    cases.loc[0, "measure_days"] = big
    cases.to_csv(valid_csv / "cases.csv", index=False)
    problems = ingest(valid_csv).problems
    row = problems[(problems["column"] == "measure_days")]
    assert row[["check", "value", "source_row"]].values.tolist() == [["integer", big, 2]]
    assert "too large" in row["message"].iloc[0]
    assert "-9223372036854775808" not in problems["value"].astype(str).tolist()


def test_sqlite_source_is_opened_read_only(tmp_path: Path, valid: Dataset, capsys) -> None:
    missing = tmp_path / "new.db"
    assert main(["validate", f"sqlite:///{missing}", "--out", str(tmp_path / "q")]) == 1
    assert not missing.exists()  # nothing created
    assert "not found (nothing was created)" in capsys.readouterr().out
    db = tmp_path / "data.db"
    write_sql(valid, f"sqlite:///{db}")
    before = db.read_bytes()
    result = ingest(f"sqlite:///{db}")
    assert result.valid and db.read_bytes() == before
    assert result.input_files == {"data.db": __import__("hashlib").sha256(before).hexdigest()}


def test_mapping_file_outside_the_data_folder_is_refused_unless_allowed(tmp_path: Path, valid: Dataset) -> None:
    data = write_dataset(valid, tmp_path / "data")
    other = tmp_path / "other"
    other.mkdir()
    (data / "cases.csv").rename(other / "x.csv")
    mapping = tmp_path / "mapping.toml"
    mapping.write_text('[tables.cases]\nfile = "../other/x.csv"\n', encoding="utf-8")
    with pytest.raises(DataContractError, match=r"outside the data folder.*allow_outside_data = true"):
        ingest(data, mapping)
    mapping.write_text('[tables.cases]\nfile = "../other/x.csv"\nallow_outside_data = true\n', encoding="utf-8")
    result = ingest(data, mapping)
    assert result.valid
    # every file read is hashed: the outside file by its full path, the mapping too
    assert str((other / "x.csv").resolve()) in result.input_files
    assert "persons.csv" in result.input_files and "extract.toml" in result.input_files
    assert "mapping: mapping.toml" in result.input_files


def test_empty_csv_file_is_a_clear_error(valid_csv: Path) -> None:
    (valid_csv / "cases.csv").write_bytes(b"")
    with pytest.raises(DataContractError, match=r"cases.csv: the file is empty \(no header line\)"):
        ingest(valid_csv)


def test_corrupt_parquet_file_is_a_clear_error(tmp_path: Path, valid: Dataset) -> None:
    data = write_dataset(valid, tmp_path / "pq", format="parquet")
    raw = (data / "cases.parquet").read_bytes()
    (data / "cases.parquet").write_bytes(raw[: len(raw) // 2])
    with pytest.raises(DataContractError, match=r"cases.parquet: not a readable Parquet file"):
        ingest(data)


def test_corrupt_workbook_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "book.xlsx").write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(DataContractError, match=r"book.xlsx: not a readable Excel workbook"):
        ingest(tmp_path / "book.xlsx")


@pytest.mark.parametrize(("option", "value", "message"), [
    ("--encoding", "latin-99", "unknown encoding 'latin-99'"),
    ("--delimiter", ";;", "must be one character"),
    ("--delimiter", "a", "must be one character"),
])
def test_bad_csv_options_are_usage_errors(valid_csv: Path, tmp_path: Path, capsys, option, value, message) -> None:
    assert main(["validate", str(valid_csv), option, value, "--out", str(tmp_path / "q")]) == 2
    err = capsys.readouterr().err
    assert f"argument {option}" in err and message in err and "Traceback" not in err
    assert not (tmp_path / "q").exists()


def test_declared_tab_delimiter_is_accepted(tmp_path: Path, valid: Dataset) -> None:
    data = write_dataset(valid, tmp_path / "tsv")
    for f in data.glob("*.csv"):
        pd.read_csv(f, dtype=str, keep_default_na=False).to_csv(f, sep="\t", index=False)
    assert ingest(data, delimiter="tab").valid


def test_bad_mapping_date_format_is_a_config_error_before_reading(tmp_path: Path, valid_csv: Path) -> None:
    mapping = tmp_path / "m.toml"
    mapping.write_text('[tables.cases]\ndate_format = "%Q"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"\[tables.cases\] date_format: date format '%Q' has unknown"):
        ingest(valid_csv, mapping)
