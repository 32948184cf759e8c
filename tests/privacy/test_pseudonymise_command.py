"""Tests of ``altmeasures-eval pseudonymise`` end to end: contract folder in, contract folder
out."""

from __future__ import annotations

import pandas as pd
import pytest

from altmeasures_eval.cli import main
from altmeasures_eval.io import read_dataset, write_dataset
from altmeasures_eval.privacy import pseudonymise_ids, scan_outputs_for_identifiers
from altmeasures_eval.schema import Dataset

KEY_TEXT = "9c1f0e4b7a2d4c8e9f6a3b5d7e1c2a4f-test-key"
RAW_IDS = ["p1", "p2", "p3", "c1", "c2", "c3", "s1", "s2", "e1"]


@pytest.fixture
def raw_folder(tmp_path, raw_dataset: Dataset):
    folder = tmp_path / "raw"
    clean = Dataset(**{**raw_dataset.__dict__, "rejects": raw_dataset.rejects.iloc[0:0]})
    write_dataset(clean, folder)
    return folder


@pytest.fixture
def key_file(tmp_path):
    path = tmp_path / "secret" / "pseudonym.key"
    path.parent.mkdir()
    path.write_text(KEY_TEXT + "\n")
    return path


def test_writes_a_contract_folder_with_consistent_pseudonyms(
    raw_folder, key_file, tmp_path, capsys
) -> None:
    out = tmp_path / "pseudo"
    code = main(["pseudonymise", str(raw_folder), "--out", str(out), "--key-file", str(key_file)])
    assert code == 0
    printed = capsys.readouterr().out
    assert "3 person ids, 4 case ids, 2 spell ids, 1 episode ids" in printed
    assert KEY_TEXT not in printed

    result = read_dataset(out)  # still a valid contract data set
    key = KEY_TEXT.encode()
    expected = dict(zip(["p1", "p2", "p3"], pseudonymise_ids(["p1", "p2", "p3"], key, "person")))
    # tables are sorted by their (pseudonymous) keys at ingestion (#14): compare as sets of rows
    assert sorted(result.persons["person_id"]) == sorted(expected.values())
    case_of = dict(zip(["c1", "c2", "c3", "p1"], pseudonymise_ids(["c1", "c2", "c3", "p1"], key, "case")))
    pairs = {("c1", "p1"), ("c2", "p1"), ("c3", "p2"), ("p1", "p3")}  # conftest: case -> person
    assert set(zip(result.cases["case_id"], result.cases["person_id"])) == {(case_of[c], expected[p]) for c, p in pairs}
    assert set(result.custody_spells["person_id"]) <= set(expected.values())
    assert sorted(result.custody_spells["case_id"].isna().tolist()) == [False, True]

    # no raw id and no key anywhere in the output folder
    assert scan_outputs_for_identifiers(out, RAW_IDS) == []
    for path in out.iterdir():
        assert KEY_TEXT not in path.read_text(errors="replace")
    assert not list(out.glob("*.key"))


def test_key_from_environment(raw_folder, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("ALTMEASURES_PSEUDONYM_KEY", KEY_TEXT)
    out = tmp_path / "pseudo"
    assert main(["pseudonymise", str(raw_folder), "--out", str(out), "--format", "parquet"]) == 0
    persons = pd.read_parquet(out / "persons.parquet")
    expected = pseudonymise_ids(["p1", "p2", "p3"], KEY_TEXT.encode(), "person").tolist()
    assert persons["person_id"].tolist() == expected


def test_refuses_a_key_file_inside_the_output_folder(raw_folder, tmp_path, capsys) -> None:
    out = tmp_path / "pseudo"
    out.mkdir()
    inside = out / "key.txt"
    inside.write_text(KEY_TEXT)
    code = main(["pseudonymise", str(raw_folder), "--out", str(out), "--key-file", str(inside)])
    assert code == 2
    assert "must never be stored with the data" in capsys.readouterr().err
    assert sorted(p.name for p in out.iterdir()) == ["key.txt"]  # nothing written


def test_refuses_to_write_into_the_input_folder(raw_folder, key_file, capsys) -> None:
    out = raw_folder / "x"
    code = main(["pseudonymise", str(raw_folder), "--out", str(out), "--key-file", str(key_file)])
    assert code == 2
    assert "inside it" in capsys.readouterr().err


def test_missing_or_short_key(raw_folder, tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.delenv("ALTMEASURES_PSEUDONYM_KEY", raising=False)
    out = tmp_path / "pseudo"
    assert main(["pseudonymise", str(raw_folder), "--out", str(out)]) == 2
    assert "ALTMEASURES_PSEUDONYM_KEY is not set" in capsys.readouterr().err
    short = tmp_path / "short.key"
    short.write_text("abc")
    assert main(["pseudonymise", str(raw_folder), "--out", str(out), "--key-file", str(short)]) == 2
    assert "3 bytes long" in capsys.readouterr().err
    assert not out.exists()


def test_invalid_data_writes_nothing(raw_folder, key_file, tmp_path, capsys) -> None:
    cases = pd.read_csv(raw_folder / "cases.csv")
    cases.loc[0, "person_id"] = "nobody"
    cases.to_csv(raw_folder / "cases.csv", index=False)
    out = tmp_path / "pseudo"
    args = ["pseudonymise", str(raw_folder), "--out", str(out), "--key-file", str(key_file)]
    assert main(args) == 1
    assert "nothing was written" in capsys.readouterr().out
    assert not out.exists()


# The command on the committed sample (every output file scanned for the sample's raw ids, the output
# read back as a valid data set of the same size with 32-character pseudonyms) is tested with the
# other commands' outputs in tests/test_command_outputs.py (test_pseudonymise_output_holds_no_raw_id_...),
# which runs it anyway: this module ran the same command on the same data again (issue #14).
