"""Mapping files: local columns and codes -> the contract; unmapped codes are errors with counts."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pandas as pd
import pytest

from altmeasures_eval import ConfigError, DataContractError
from altmeasures_eval.io import ingest, load_mapping, read_dataset
from altmeasures_eval.schema import Dataset

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "data" / "sample" / "mapping_example"


def _builder():
    spec = importlib.util.spec_from_file_location("build_example", EXAMPLE / "build_example.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _export(valid: Dataset, folder: Path) -> Path:
    """``valid`` written in the example's local format (cp1252, ``;``, local names and codes)."""
    builder = _builder()
    folder.mkdir()
    tables = builder.slice_persons(valid, len(valid.persons))
    for file, frame in builder.to_local(tables, EXAMPLE / "mapping.toml").items():
        frame.to_csv(folder / file, sep=";", encoding="cp1252", index=False)
    return folder


def test_committed_example_reads_cleanly() -> None:
    result = ingest(EXAMPLE, mapping=EXAMPLE / "mapping.toml")
    assert result.valid, result.problems
    src = result.sources["cases"]
    assert (src.file, src.encoding, src.delimiter, src.detected) == ("AFFAIRES.csv", "cp1252", ";", False)
    # Extract metadata from the mapping's [extract] section: the export ships no extract.toml.
    assert result.dataset.extract.country == "XSY"
    # The identifier columns NOM and PRENOM are dropped and never reach the data set.
    assert "NOM" not in result.dataset.persons.columns


def test_local_export_reads_back_to_the_contract(tmp_path: Path, valid: Dataset) -> None:
    folder = _export(valid, tmp_path / "local")
    raw = (folder / "AFFAIRES.csv").read_bytes()
    assert "Établi".encode("cp1252") in raw and b";" in raw.splitlines()[0]
    got = read_dataset(folder, mapping=EXAMPLE / "mapping.toml")
    for name in ("persons", "cases", "custody_spells", "treatment_episodes", "prison_capacity"):
        pd.testing.assert_frame_equal(getattr(got, name), getattr(valid, name), obj=name)


def test_unmapped_codes_are_listed_with_counts(tmp_path: Path, valid: Dataset) -> None:
    folder = _export(valid, tmp_path / "local")
    path = folder / "AFFAIRES.csv"
    text = path.read_text(encoding="cp1252")
    # Two rows get a local sentence the mapping does not know; one gets an unknown offence code.
    text = text.replace("Emprisonnement ferme", "Prison avec sursis partiel").replace("VOL;", "VOL-AGGRAVE;")
    path.write_text(text, encoding="cp1252")
    with pytest.raises(DataContractError) as info:
        read_dataset(folder, mapping=EXAMPLE / "mapping.toml")
    problems = info.value.problems
    assert problems[["column", "source_row", "value", "check"]].values.tolist() == [
        ["disposition", 2, "Prison avec sursis partiel", "unmapped_code"],  # C1, line 2
        ["iccs_code", 5, "VOL-AGGRAVE", "unmapped_code"],  # C4, line 5
        ["disposition", 7, "Prison avec sursis partiel", "unmapped_code"],  # C6, line 7
    ]
    assert set(problems["message"]) == {
        "local code 'VOL-AGGRAVE' (1 row(s)) has no entry in the mapping",
        "local code 'Prison avec sursis partiel' (2 row(s)) has no entry in the mapping",
    }
    message = str(info.value)
    assert "'Prison avec sursis partiel' ×2" in message
    assert "[tables.cases.codes.disposition]" in message


def test_unmapped_code_is_never_passed_through(tmp_path: Path, valid: Dataset) -> None:
    # A local value that happens to equal a contract code is still unmapped when not listed.
    folder = _export(valid, tmp_path / "local")
    path = folder / "AFFAIRES.csv"
    path.write_text(path.read_text(encoding="cp1252").replace("Amende", "fine"), encoding="cp1252")
    problems = ingest(folder, mapping=EXAMPLE / "mapping.toml").problems
    assert problems[["column", "source_row", "value", "check"]].values.tolist() == [
        ["disposition", 3, "fine", "unmapped_code"]
    ]


def test_quarantine_rejects_unmapped_codes(tmp_path: Path, valid: Dataset) -> None:
    folder = _export(valid, tmp_path / "local")
    path = folder / "SOINS.csv"
    path.write_text(path.read_text(encoding="cp1252").replace("TSO", "Méthadone"), encoding="cp1252")
    result = ingest(folder, mapping=EXAMPLE / "mapping.toml", mode="quarantine")
    rejects = result.dataset.rejects
    assert rejects[["table", "source_row", "column", "value"]].values.tolist() == [
        ["treatment_episodes", 2, "modality", "Méthadone"]
    ]
    assert rejects["reason"].iloc[0].startswith("unmapped_code: local code 'Méthadone' (1 row(s))")
    assert len(result.dataset.treatment_episodes) == 2


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("[tables.offences]\nfile = 'x.csv'\n", "unknown contract table 'offences'"),
        ("[tables.cases.columns]\nNUM = 'case_number'\n", r"\['case_number'\] are not columns of cases"),
        ("[tables.cases.codes.disposition]\nPrison = 'jail'\n", r"target code\(s\) \['jail'\] are not in the vocabulary"),
        ("[tables.cases.codes.verdict]\nX = 'proven'\n", "'verdict' is not a column of cases"),
        ("[tables.cases.codes.person_id]\nX = 'P1'\n", "identifiers are not recoded by a mapping"),
        ("[tables.cases]\nfiel = 'x.csv'\n",
         r"\[tables.cases\] unknown key\(s\) 'fiel'.*Did you mean 'file' instead of 'fiel'"),
        ("[csv]\nsep = ';'\n", r"\[csv\] unknown key\(s\) 'sep'; known keys: encoding, delimiter"),
        ("[csv]\nencodng = 'cp1252'\n", r"Did you mean 'encoding'.*data-contract.md"),
        ("[tables.cases]\ndrop = 'NOM'\n", "must be a list of source column names"),
        ("[source]\nx = 1\n", r"unknown config section\(s\) \[source\]"),
        ("[tables.cases\n", "not valid UTF-8 TOML"),
        # issue #14: option values are checked as the command-line options are, at load
        ("[csv]\nencoding = 'latin-99'\n", r"\[csv\] encoding: unknown encoding 'latin-99'; use a name such as"),
        ("[csv]\ndelimiter = ';;'\n", r"\[csv\] delimiter: delimiter ';;' must be one character"),
        ("[tables.cases]\ndelimiter = ''\n", r"\[tables.cases\] delimiter must not be empty"),
        ("[tables.cases]\ndate_format = '%Q'\n", r"date_format: date format '%Q' has unknown directive\(s\) %Q"),
        ("[tables.cases]\ndate_format = '%d/%m'\n", r"date format '%d/%m' has no year"),
        ("[tables.cases]\ncodes = 5\n", r"\[tables.cases\].codes: must hold one \[tables.cases.codes.COLUMN\] table"),
        ("[tables.cases.codes]\ndisposition = 5\n", r"codes.disposition: must be a table of"),
        ("[tables.cases.columns]\nNUM = 5\n", r"are not columns of cases|must be a table"),
        ("[tables]\ncases = 5\n", r"\[tables.cases\] must be a table of keys"),
        ("[tables.cases]\nallow_outside_data = 'yes'\n", "must be true or false"),
        ("encoding = 'cp1252'\n", r"top-level key 'encoding'.*belongs in \[csv\]"),
    ],
)
def test_invalid_mapping_files(tmp_path: Path, text: str, match: str) -> None:
    path = tmp_path / "mapping.toml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=match):
        load_mapping(path)


def test_missing_mapping_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="mapping file .* not found"):
        load_mapping(tmp_path / "nope.toml")
