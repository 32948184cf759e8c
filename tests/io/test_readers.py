"""Every reader returns the same canonical data set: CSV (any delimiter/encoding, BOMs), Parquet,
Excel (one sheet per table), SQLite through SQLAlchemy (file and URL)."""

from __future__ import annotations

import codecs
import sqlite3
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from altmeasures_eval import DataContractError
from altmeasures_eval.io import (
    ingest,
    read_dataset,
    write_dataset,
    write_excel,
    write_sql,
)
from altmeasures_eval.schema import Dataset

TABLES = ("persons", "cases", "custody_spells", "treatment_episodes", "prison_capacity")


def assert_same(got: Dataset, want: Dataset) -> None:
    for name in TABLES:
        pd.testing.assert_frame_equal(getattr(got, name), getattr(want, name), obj=name)
    assert got.extract == want.extract
    assert got.rejects.empty


def _recode(folder: Path, *, sep: str, encoding: str, bom: bytes = b"") -> None:
    for path in folder.glob("*.csv"):
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        text = frame.to_csv(index=False, sep=sep)
        path.write_bytes(bom + text.encode(encoding))


def _with_accents(valid: Dataset) -> Dataset:
    persons = valid.persons.assign(jurisdiction=["Évora", "Évora", "Nîmes", "Nîmes", "Besançon"])
    # in canonical order (tables are sorted by their key at ingestion: N < É by code point)
    capacity = valid.prison_capacity.assign(jurisdiction=["Nîmes", "Nîmes", "Évora"])
    return Dataset(
        persons=persons, cases=valid.cases, custody_spells=valid.custody_spells,
        treatment_episodes=valid.treatment_episodes, extract=valid.extract, prison_capacity=capacity,
    )


def test_csv_roundtrip_is_canonical(valid: Dataset, valid_csv: Path) -> None:
    assert_same(read_dataset(valid_csv), valid)


@pytest.mark.parametrize("sep", [";", "\t", "|"])
@pytest.mark.parametrize("encoding", ["latin-1", "cp1252", "utf-8"])
def test_csv_delimiter_and_encoding_detected(tmp_path: Path, valid: Dataset, sep: str, encoding: str) -> None:
    data = _with_accents(valid)
    folder = write_dataset(data, tmp_path / "d")
    _recode(folder, sep=sep, encoding=encoding)
    result = ingest(folder)
    assert result.valid
    assert_same(result.dataset, data)
    src = result.sources["persons"]
    assert src.delimiter == sep and src.detected
    # latin-1 and cp1252 agree on these letters: the detector may name either.
    assert codecs.lookup(src.encoding).name in {"utf-8", "latin-1", "iso8859-1", "cp1252", "iso8859-15"}


def test_csv_declared_encoding_and_delimiter(tmp_path: Path, valid: Dataset) -> None:
    data = _with_accents(valid)
    folder = write_dataset(data, tmp_path / "d")
    _recode(folder, sep=";", encoding="cp1252")
    result = ingest(folder, encoding="cp1252", delimiter=";")
    assert_same(result.dataset, data)
    assert not result.sources["persons"].detected


@pytest.mark.parametrize(
    ("bom", "encoding"),
    [(codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")],
)
def test_csv_byte_order_marks(tmp_path: Path, valid: Dataset, bom: bytes, encoding: str) -> None:
    data = _with_accents(valid)
    folder = write_dataset(data, tmp_path / "d")
    _recode(folder, sep=",", encoding=encoding, bom=bom)
    assert_same(read_dataset(folder), data)


def test_csv_wrong_declared_encoding_is_a_clear_error(tmp_path: Path, valid: Dataset) -> None:
    folder = write_dataset(_with_accents(valid), tmp_path / "d")
    _recode(folder, sep=",", encoding="latin-1")
    with pytest.raises(DataContractError, match=r"persons.csv: cannot decode the file as utf-8 \(declared\)") as info:
        read_dataset(folder, encoding="utf-8")
    assert info.value.problems["check"].tolist() == ["unreadable_source"]


def test_csv_empty_strings_and_blank_lines(valid: Dataset, valid_csv: Path) -> None:
    path = valid_csv / "cases.csv"
    lines = path.read_text().splitlines()
    # A blank line after the header moves every data row down one line; a trailing blank line.
    path.write_text("\n".join([lines[0], "", *lines[1:], "", ""]) + "\n")
    result = ingest(valid_csv)
    assert result.valid
    assert result.sources["cases"].blank_lines == 3 and result.sources["cases"].input_rows == 6
    assert_same(result.dataset, valid)
    # Source rows stay the true line numbers: break the first case (now on line 3).
    path.write_text(path.read_text().replace("060111", "X", 1))
    problems = ingest(valid_csv).problems
    assert problems[["column", "source_row", "value"]].values.tolist() == [["iccs_code", 3, "X"]]


def test_parquet(tmp_path: Path, valid: Dataset) -> None:
    folder = write_dataset(valid, tmp_path / "pq", format="parquet")
    assert_same(read_dataset(folder), valid)


def test_parquet_with_text_columns_and_source_rows(tmp_path: Path, valid: Dataset) -> None:
    folder = write_dataset(valid, tmp_path / "pq", format="parquet")
    text = pd.read_csv(write_dataset(valid, tmp_path / "csv") / "cases.csv", dtype=str)
    text.loc[4, "stage"] = "appeal"  # 5th row of the Parquet file
    text.to_parquet(folder / "cases.parquet", index=False)
    (problem,) = ingest(folder).problems.itertuples()
    assert (problem.file, problem.column, problem.source_row, problem.value) == ("cases.parquet", "stage", 5, "appeal")


def test_excel_workbook(tmp_path: Path, valid: Dataset) -> None:
    path = write_excel(valid, tmp_path / "extract.xlsx")
    assert_same(read_dataset(path), valid)
    # The same workbook inside a folder, with extract.toml beside it.
    folder = tmp_path / "folder"
    folder.mkdir()
    path.rename(folder / "data.xlsx")
    assert_same(read_dataset(folder), valid)


def test_excel_numeric_cells_and_sheet_rows(tmp_path: Path, valid: Dataset) -> None:
    path = write_excel(valid, tmp_path / "extract.xlsx")
    book = openpyxl.load_workbook(path)
    sheet = book["persons"]
    sheet["A2"] = 101  # a numeric identifier cell: read as "101", not "101.0"
    sheet["C3"] = 1985.0  # a float year
    for sheet_name, cells in (("cases", ("B2", "B3")), ("custody_spells", ("B2", "B3"))):
        for cell in cells:  # every reference to P1
            book[sheet_name][cell] = 101
    book["cases"]["F4"] = "appeal"  # sheet row 4
    book.save(path)
    result = ingest(path)
    assert result.dataset.persons.loc[0, "person_id"] == "101"
    assert result.dataset.persons.loc[1, "birth_year"] == 1985
    (problem,) = result.problems.itertuples()
    assert (problem.file, problem.column, problem.source_row, problem.value) == ("extract.xlsx!cases", "stage", 4, "appeal")


@pytest.mark.parametrize("as_url", [False, True])
def test_sqlite_database(tmp_path: Path, valid: Dataset, as_url: bool) -> None:
    db = tmp_path / "extract.sqlite"
    write_sql(valid, f"sqlite:///{db}")
    assert_same(read_dataset(f"sqlite:///{db}" if as_url else db), valid)


def test_sqlite_source_row_is_rowid(tmp_path: Path, valid: Dataset) -> None:
    db = tmp_path / "extract.db"
    write_sql(valid, f"sqlite:///{db}")
    with sqlite3.connect(db) as conn:
        conn.execute("DELETE FROM treatment_episodes WHERE rowid = 2")  # E2: rowids now 1 and 3
        conn.execute("UPDATE treatment_episodes SET modality = 'methadone' WHERE rowid = 3")
    (problem,) = ingest(db).problems.itertuples()
    assert (problem.table, problem.column, problem.source_row, problem.value) == (
        "treatment_episodes", "modality", 3, "methadone"
    )


def test_sqlite_extract_toml_beside_the_file(tmp_path: Path, valid: Dataset) -> None:
    db = tmp_path / "extract.sqlite"
    write_sql(valid, f"sqlite:///{db}")
    with sqlite3.connect(db) as conn:
        conn.execute("DROP TABLE extract")
    with pytest.raises(DataContractError, match="missing_extract"):
        read_dataset(db)
    (tmp_path / "extract.toml").write_text('country = "XYZ"\nextract_date = "2025-06-30"\nsource = "hand-made test fixture"\n')
    assert_same(read_dataset(db), valid)


def test_prison_capacity_is_optional(tmp_path: Path, valid: Dataset, valid_csv: Path) -> None:
    (valid_csv / "prison_capacity.csv").unlink()
    assert read_dataset(valid_csv).prison_capacity is None


def test_unsupported_and_missing_sources(tmp_path: Path) -> None:
    (tmp_path / "x.json").write_text("{}")
    with pytest.raises(DataContractError, match="unsupported source file type '.json'"):
        read_dataset(tmp_path / "x.json")
    with pytest.raises(DataContractError, match="not found"):
        read_dataset(tmp_path / "nowhere")
    (tmp_path / "cases.csv").write_text("case_id\n")
    with pytest.raises(DataContractError, match="a single table is not a data set; pass the folder"):
        read_dataset(tmp_path / "cases.csv")


def test_database_url_password_is_not_shown() -> None:
    with pytest.raises(DataContractError) as info:
        read_dataset("postgresql://analyst:s3cret@localhost:1/none")
    assert "s3cret" not in str(info.value)


def test_empty_tables_are_valid(tmp_path: Path, valid: Dataset, valid_csv: Path) -> None:
    # A header-only file is an empty table (e.g. no treatment data yet), not an error.
    for name in ("custody_spells", "treatment_episodes"):
        path = valid_csv / f"{name}.csv"
        path.write_text(path.read_text().splitlines()[0] + "\n")
    result = ingest(valid_csv)
    assert result.valid
    assert len(result.dataset.custody_spells) == 0 and len(result.dataset.treatment_episodes) == 0
    assert str(result.dataset.custody_spells["admission_date"].dtype) == "datetime64[ns]"
    assert str(result.dataset.treatment_episodes["completed"].dtype) == "boolean"


def test_parquet_text_is_cleaned_like_csv(tmp_path: Path, valid: Dataset) -> None:
    # Spaces around identifiers and codes, and empty strings, mean what they mean in a CSV file.
    folder = write_dataset(valid, tmp_path / "pq", format="parquet")
    persons = valid.persons.assign(person_id=[" P1", "P2 ", "P3", "P4", "P5"], death_cause=["", None, " ", None, "overdose "])
    cases = valid.cases.assign(stage=[" sentencing", "trial", "police ", "sentencing", "pre_trial", "sentencing"])
    persons.to_parquet(folder / "persons.parquet", index=False)
    cases.to_parquet(folder / "cases.parquet", index=False)
    assert_same(read_dataset(folder), valid)


@pytest.mark.parametrize("fmt", ["csv", "parquet", "xlsx", "sqlite"])
def test_generated_data_set_reads_back_identically_from_every_format(tmp_path: Path, fmt: str) -> None:
    """A larger generated data set (benchmark generator: pending cases, open and repeated custody
    spells, missing values) comes back from every format as the same canonical tables."""
    from benchmarks.bench_ingest import make_dataset

    data = make_dataset(600, seed=7)
    if fmt in ("csv", "parquet"):
        source: Path | str = write_dataset(data, tmp_path / fmt, format=fmt)
    elif fmt == "xlsx":
        source = write_excel(data, tmp_path / "data.xlsx")
    else:
        source = write_sql(data, f"sqlite:///{tmp_path / 'data.sqlite'}")
    got = read_dataset(source)
    for name in ("persons", "cases", "custody_spells", "treatment_episodes"):
        pd.testing.assert_frame_equal(getattr(got, name), getattr(data, name), obj=name, check_dtype=True)
    assert got.extract == data.extract


def test_csv_source_rows_count_line_breaks_inside_quoted_fields(valid_csv: Path) -> None:
    path = valid_csv / "persons.csv"
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame.loc[0, "jurisdiction"] = "North\nRegion\nEast"  # P1's record spans lines 2-4
    frame.loc[3, "sex"] = "F"  # P4: 4th record, starts on line 7 (not 5)
    frame.to_csv(path, index=False)
    assert path.read_text().count("\n") == 8  # header + 5 records + 2 inner line breaks
    problems = ingest(valid_csv).problems
    assert problems[["column", "source_row", "value"]].values.tolist() == [["sex", 7, "F"]]
    assert "North\nRegion\nEast" in set(ingest(valid_csv, mode="quarantine").dataset.persons["jurisdiction"])


def test_declared_tab_delimiter_by_name(tmp_path: Path, valid: Dataset) -> None:
    folder = write_dataset(valid, tmp_path / "d")
    _recode(folder, sep="\t", encoding="utf-8")
    mapping = tmp_path / "mapping.toml"
    mapping.write_text('[csv]\ndelimiter = "tab"\nencoding = "utf-8"\n')
    result = ingest(folder, mapping=mapping)
    assert_same(result.dataset, valid)
    assert result.sources["cases"].delimiter == "\t" and not result.sources["cases"].detected


def test_excel_blank_rows_are_skipped_and_counted(tmp_path: Path, valid: Dataset) -> None:
    path = write_excel(valid, tmp_path / "extract.xlsx")
    book = openpyxl.load_workbook(path)
    book["cases"].insert_rows(3)  # an empty sheet row 3: C2 moves to row 4
    book["cases"]["F5"] = "appeal"  # C3, now on sheet row 5
    book.save(path)
    result = ingest(path)
    assert result.sources["cases"].blank_lines == 1 and result.sources["cases"].input_rows == 6
    assert result.problems[["column", "source_row", "value"]].values.tolist() == [["stage", 5, "appeal"]]


def test_dates_and_whole_numbers_are_stripped_as_python_strips() -> None:
    """Date and integer cells are stripped in Arrow with the characters ``str.strip()`` removes
    (``io._parse._PY_WHITESPACE``): that list is exactly Python's whitespace, and a cell wrapped in
    any of them reads as the bare value, as before (``"\\x1c2020-01-02\\u3000"`` is a date)."""
    import sys

    from altmeasures_eval.io._parse import _PY_WHITESPACE, _dates, _integers, _stripped

    assert set(_PY_WHITESPACE) == {c for c in map(chr, range(sys.maxunicode + 1)) if c.isspace()}
    cells = pd.Series([f"{c}12{c}" for c in _PY_WHITESPACE] + [None, "  ", " 1 2 "], dtype=object)
    assert _stripped(cells).tolist() == [v.strip() if isinstance(v, str) else None for v in cells]
    odd = pd.Series([" \ud800 ", 7, " x "], dtype=object)  # Arrow cannot hold a lone surrogate; 7 is no str
    assert _stripped(odd[:1]).tolist() == ["\ud800"] and _stripped(odd[1:]).tolist() == [7, "x"]
    numbers, bad = _integers(cells)
    # (a blank cell is not missing here: the readers make it missing before, as for "")
    assert numbers.iloc[: len(_PY_WHITESPACE)].eq(12).all() and bad.tolist() == [False] * (len(cells) - 2) + [True, True]
    dates, bad = _dates(pd.Series(["\x1c2020-01-02\u3000", "\u20282020-01-02", "2020-01-02 x"]), "%Y-%m-%d")
    assert dates.iloc[:2].eq(pd.Timestamp("2020-01-02")).all() and bad.tolist() == [False, False, True]
