"""What a command takes from an earlier command of the same process (``altmeasures_eval/commands/_reuse.py``):
the last ingestion of a folder, only while the same files with the same content are read with the same
options, and the last evaluation, only for those files and the same settings. A small generated extract
(300 persons) shows each rule; the sample's commands run this way in ``tests/test_command_outputs.py``."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from altmeasures_eval import io as aio
from altmeasures_eval._errors import AltMeasuresError, DataContractError
from altmeasures_eval.commands import _reuse


@pytest.fixture(scope="module")
def extract(tmp_path_factory):
    """A 300-person generated extract (written once; each test works on a copy)."""
    from altmeasures_eval.synth import simulate, write_synthetic

    data = tmp_path_factory.mktemp("reuse") / "data"
    write_synthetic(simulate(300, seed=3), data)
    return data


@pytest.fixture()
def folder(extract, tmp_path, monkeypatch):
    """A copy of the extract, the memo emptied, and ``io.ingest`` counting its calls."""
    data = Path(shutil.copytree(extract, tmp_path / "data"))
    monkeypatch.setattr(_reuse, "_LAST_READ", [])
    monkeypatch.setattr(_reuse, "_LAST_EVALUATION", [])
    calls = []
    real = aio.ingest

    def counted(*args, **kwargs):
        calls.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(aio, "ingest", counted)
    return data, calls


def _same_tables(a, b) -> None:
    for name, frame in a.tables().items():
        pd.testing.assert_frame_equal(frame, b.tables()[name])


def test_a_second_read_of_the_same_files_is_a_copy_of_the_first(folder) -> None:
    data, calls = folder
    first = _reuse.ingest_source(data)
    again = _reuse.ingest_source(str(data))  # the same folder, written another way
    dataset = _reuse.read_source(data)
    assert len(calls) == 1
    _same_tables(first.dataset, again.dataset)
    _same_tables(first.dataset, dataset)
    assert again.input_files == first.input_files and again.valid
    # copies: a caller that changes a table in place changes nothing for the next one
    assert again.dataset.persons is not first.dataset.persons and dataset.persons is not again.dataset.persons
    dataset.persons.loc[0, "sex"] = "changed"
    assert _reuse.read_source(data).persons.loc[0, "sex"] != "changed"


def test_files_or_options_that_changed_are_read_again(folder) -> None:
    """After one read, what would be read again (nothing kept for it) as the options or files change."""
    data, calls = folder
    _reuse.ingest_source(data)
    kept = _reuse._options(data, None, "strict", None, None)
    assert _reuse._kept(kept) is not None
    for other in [("quarantine", None, None), ("strict", "utf-8", None), ("strict", None, ",")]:  # mode, CSV options
        assert _reuse._kept(_reuse._options(data, None, *other)) is None
    (data / "notes.txt").write_text("a file the reader does not read, but the folder changed\n")
    assert _reuse._kept(kept) is None
    (data / "notes.txt").unlink()
    assert _reuse._kept(kept) is not None
    persons = (data / "persons.csv").read_text(encoding="utf-8")  # one more person: the same file, other bytes
    last = persons.rstrip("\n").splitlines()[-1].split(",")
    last[0] = "P9999999"
    (data / "persons.csv").write_text(persons + ",".join(last) + "\n", encoding="utf-8")
    assert _reuse._kept(kept) is None
    again = _reuse.ingest_source(data)
    assert len(calls) == 2 and len(again.dataset.persons) == 301


def test_an_invalid_extract_read_strictly_raises(folder) -> None:
    data, calls = folder
    persons = (data / "persons.csv").read_text(encoding="utf-8").splitlines()
    head = persons[0].split(",")
    row = persons[1].split(",")
    row[head.index("sex")] = "not a sex code"
    (data / "persons.csv").write_text("\n".join([persons[0], ",".join(row), *persons[2:]]) + "\n", encoding="utf-8")
    kept = _reuse.ingest_source(data)
    assert not kept.valid and len(calls) == 1
    with pytest.raises(DataContractError, match="break the contract"):  # not valid: read_dataset raises
        _reuse.read_source(data)
    assert _reuse.ingest_source(data).problems.equals(kept.problems) and len(calls) == 1


def test_an_evaluation_is_recalled_for_the_same_files_and_settings_only(folder) -> None:
    data, _ = folder
    evaluation = object()
    _reuse.ingest_source(data)
    _reuse.remember(data, None, "strict", {"seed": 1}, evaluation)
    assert _reuse.recall(data, None, "strict", {"seed": 1}) is evaluation
    assert _reuse.recall(data, None, "strict", {"seed": 2}) is None  # other settings
    assert _reuse.recall(data, None, "quarantine", {"seed": 1}) is None  # data read otherwise
    (data / "extract.toml").write_text((data / "extract.toml").read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert _reuse.recall(data, None, "strict", {"seed": 1}) is None  # a file changed since


def test_a_mapping_file_is_part_of_what_was_read(folder, repo_root) -> None:
    _, calls = folder
    example = repo_root / "data" / "sample" / "mapping_example"  # read only
    first = _reuse.ingest_source(example, mapping=example / "mapping.toml")
    assert "mapping: mapping.toml" in first.input_files
    _same_tables(first.dataset, _reuse.ingest_source(example, mapping=example / "mapping.toml").dataset)
    assert len(calls) == 1
    with pytest.raises(AltMeasuresError):  # without its mapping: read again, and refused (local names)
        _reuse.ingest_source(example)
    assert len(calls) == 2


def test_sources_other_than_a_folder_are_not_kept(folder, tmp_path) -> None:
    data, calls = folder
    with pytest.raises(DataContractError):
        _reuse.ingest_source(tmp_path / "no such folder")
    assert _reuse._options("sqlite:///x.db", None, "strict", None, None) is None
    assert _reuse._options("nul\0byte", None, "strict", None, None) is None
    assert _reuse._options(data, {"tables": {}}, "strict", None, None) is None  # a mapping given as an object
    assert _reuse._listing(str(tmp_path / "no such folder")) is None
    _reuse.remember(tmp_path / "no such folder", None, "strict", {}, object())
    assert _reuse._LAST_EVALUATION == [] and _reuse._LAST_READ == []
