"""Source-level failures (missing tables/columns, extract metadata, identifiers) in both modes, and
what a problem report may and may not contain."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from altmeasures_eval import ConfigError, DataContractError, PrivacyError
from altmeasures_eval.io import PROBLEM_COLUMNS, WITHHELD, ValidationProblem, ingest, read_dataset

MODES = ["strict", "quarantine"]


def _problems(folder: Path, mode: str, **kw) -> pd.DataFrame:
    with pytest.raises(DataContractError) as info:
        read_dataset(folder, mode=mode, **kw)
    assert list(info.value.problems.columns) == list(PROBLEM_COLUMNS)
    return info.value.problems


def _edit_header(path: Path, old: str, new: str) -> None:
    lines = path.read_text().splitlines()
    lines[0] = lines[0].replace(old, new)
    path.write_text("\n".join(lines) + "\n")


@pytest.mark.parametrize("mode", MODES)
def test_missing_required_table(valid_csv: Path, mode: str) -> None:
    (valid_csv / "treatment_episodes.csv").unlink()
    p = _problems(valid_csv, mode)
    assert p[["table", "check"]].values.tolist() == [["treatment_episodes", "missing_table"]]


@pytest.mark.parametrize("mode", MODES)
def test_missing_and_unknown_columns_listed_together(valid_csv: Path, mode: str) -> None:
    _edit_header(valid_csv / "cases.csv", "stage", "stade")
    _edit_header(valid_csv / "custody_spells.csv", "custody_type", "kind")
    p = _problems(valid_csv, mode)
    assert sorted(p[["table", "column", "check"]].values.tolist()) == [
        ["cases", "stade", "unknown_column"],
        ["cases", "stage", "missing_column"],
        ["custody_spells", "custody_type", "missing_column"],
        ["custody_spells", "kind", "unknown_column"],
    ]
    assert p["source_row"].isna().all()
    hint = p.loc[p["column"] == "stade", "hint"].iloc[0]
    assert 'drop = ["stade"]' in hint


def test_optional_column_may_be_absent(valid_csv: Path) -> None:
    frame = pd.read_csv(valid_csv / "cases.csv", dtype=str).drop(columns=["substance", "measure_days"])
    frame.to_csv(valid_csv / "cases.csv", index=False)
    cases = read_dataset(valid_csv).cases
    assert cases["substance"].isna().all() and str(cases["measure_days"].dtype) == "Int64"
    assert list(cases.columns)[4] == "substance"  # contract order kept


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    ("text", "column", "check"),
    [
        ('country = "Portugal"\nextract_date = "2025-06-30"\n', "country", "country_code"),
        ('country = "PRT"\nextract_date = "30/06/2025"\n', "extract_date", "date_format"),
        ('country = "PRT"\n', "extract_date", "date_format"),
    ],
)
def test_invalid_extract_metadata(valid_csv: Path, mode: str, text: str, column: str, check: str) -> None:
    (valid_csv / "extract.toml").write_text(text)
    p = _problems(valid_csv, mode)
    assert p[["file", "table", "column", "check"]].values.tolist() == [["extract.toml", "extract", column, check]]


def test_missing_extract_metadata(valid_csv: Path) -> None:
    (valid_csv / "extract.toml").unlink()
    p = _problems(valid_csv, "strict")
    assert p["check"].tolist() == ["missing_extract"]


def test_extract_date_bounds_every_date(valid_csv: Path) -> None:
    # Moving the extract date back to 2021-12-31 puts later events after it: each is listed.
    (valid_csv / "extract.toml").write_text('country = "XYZ"\nextract_date = "2021-12-31"\n')
    p = ingest(valid_csv).problems
    after = p[p["check"] == "after_extract_date"]
    assert sorted(map(tuple, after[["table", "column", "source_row"]].values.tolist())) == [
        ("cases", "decision_date", 5),  # C4 decided 2022-09-01
        ("cases", "offence_date", 5),  # C4 offence 2022-07-07
        ("cases", "offence_date", 6),  # C5 offence 2023-01-01
        ("persons", "death_date", 6),  # P5 died 2024-03-01
        ("treatment_episodes", "start_date", 3),  # E2 started 2022-01-01
    ]


@pytest.mark.parametrize("mode", MODES)
def test_direct_identifier_column_is_refused(valid_csv: Path, mode: str) -> None:
    frame = pd.read_csv(valid_csv / "persons.csv", dtype=str)
    frame.insert(1, "surname", ["A", "B", "C", "D", "E"])
    frame.to_csv(valid_csv / "persons.csv", index=False)
    with pytest.raises(PrivacyError, match="surname"):
        read_dataset(valid_csv, mode=mode)


def test_direct_identifier_column_dropped_by_the_mapping(tmp_path: Path, valid_csv: Path) -> None:
    frame = pd.read_csv(valid_csv / "persons.csv", dtype=str)
    frame.insert(1, "surname", ["A", "B", "C", "D", "E"])
    frame.to_csv(valid_csv / "persons.csv", index=False)
    mapping = tmp_path / "mapping.toml"
    mapping.write_text('[tables.persons]\ndrop = ["surname"]\n')
    persons = read_dataset(valid_csv, mapping=mapping).persons
    assert "surname" not in persons.columns and len(persons) == 5


def test_dropping_a_column_the_source_lacks_is_an_error(tmp_path: Path, valid_csv: Path) -> None:
    mapping = tmp_path / "mapping.toml"
    mapping.write_text('[tables.persons]\ndrop = ["surname"]\n')
    p = _problems(valid_csv, "strict", mapping=mapping)
    assert p[["column", "check"]].values.tolist() == [["surname", "drop_unknown_column"]]


def test_identifier_values_never_appear_in_reports(valid_csv: Path) -> None:
    secret = "SECRET-4711"
    for table, column in (("cases", "person_id"), ("custody_spells", "case_id"), ("treatment_episodes", "episode_id")):
        frame = pd.read_csv(valid_csv / f"{table}.csv", dtype=str)
        frame.loc[0, column] = secret
        if column == "episode_id":
            frame.loc[1, column] = secret  # a duplicate key
        frame.to_csv(valid_csv / f"{table}.csv", index=False)
    with pytest.raises(DataContractError) as info:
        read_dataset(valid_csv)
    problems = info.value.problems
    assert len(problems) == 4
    assert secret not in str(info.value)
    assert not problems.astype(str).apply(lambda col: col.str.contains(secret)).any().any()
    assert (problems["value"] == WITHHELD).all()
    rejects = ingest(valid_csv, mode="quarantine").dataset.rejects
    assert not rejects.astype(str).apply(lambda col: col.str.contains(secret)).any().any()


def test_invalid_mode() -> None:
    with pytest.raises(ConfigError, match="mode must be 'strict' or 'quarantine'"):
        read_dataset("anywhere", mode="lenient")  # type: ignore[arg-type]


def test_strict_message_is_a_readable_report(valid_csv: Path) -> None:
    frame = pd.read_csv(valid_csv / "cases.csv", dtype=str)
    frame.loc[[0, 1, 2], "stage"] = ["court", "court", "appeal"]
    frame.to_csv(valid_csv / "cases.csv", index=False)
    with pytest.raises(DataContractError) as info:
        read_dataset(valid_csv)
    message = str(info.value)
    assert "3 problem(s) found" in message
    assert "cases.stage [cases.csv]: vocabulary — 3 row(s)" in message
    assert "source rows: 2, 3, 4" in message
    assert "values: 'court' ×2, 'appeal' ×1" in message
    assert "what to do: use one of police, pre_trial, trial, sentencing, post_sentencing" in message


def test_problem_rows_are_validation_problems(valid_csv: Path) -> None:
    frame = pd.read_csv(valid_csv / "cases.csv", dtype=str)
    frame.loc[0, "stage"] = "court"
    frame.to_csv(valid_csv / "cases.csv", index=False)
    (problem,) = [ValidationProblem(*row) for row in ingest(valid_csv).problems.itertuples(index=False)]
    assert problem == ValidationProblem(
        file="cases.csv", table="cases", column="stage", source_row=2, value="court", check="vocabulary",
        message="not a code of cases.stage",
        hint="use one of police, pre_trial, trial, sentencing, post_sentencing, or translate local codes in [tables.cases.codes.stage] of the mapping",
    )
