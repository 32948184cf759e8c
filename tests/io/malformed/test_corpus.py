"""The malformed-input corpus (``corpus.toml``): exact problems in strict mode, nothing lost in
quarantine mode.

Each case edits cells of the valid CSV data set of ``tests/io/conftest.py``; the expected problems
and rejected rows were worked out by hand from that data set (see the header of ``corpus.toml``).
"""

from __future__ import annotations

import csv
import tomllib
from pathlib import Path

import pandas as pd
import pytest

from altmeasures_eval import DataContractError
from altmeasures_eval.io import WITHHELD, ingest, read_dataset

HERE = Path(__file__).resolve().parent
CORPUS = tomllib.loads((HERE / "corpus.toml").read_text(encoding="utf-8"))["case"]
TABLES = ("persons", "cases", "custody_spells", "treatment_episodes", "prison_capacity")


def apply_edits(folder: Path, edits: list[dict]) -> Path:
    """Edit cells of the CSV files in ``folder``; ``row`` is the line number (header = 1)."""
    for edit in edits:
        path = folder / f"{edit['table']}.csv"
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        frame.loc[edit["row"] - 2, edit["column"]] = edit["value"]
        frame.to_csv(path, index=False)
    return folder


def _expected(case: dict) -> set[tuple]:
    out = set()
    for e in case["expect"]:
        value = e.get("value")
        out.add((e["table"], e["column"], e["source_row"], WITHHELD if value == "withheld" else value, e["check"]))
    return out


def _found(problems: pd.DataFrame) -> set[tuple]:
    return {
        (r.table, r.column, int(r.source_row), None if pd.isna(r.value) else r.value, r.check)
        for r in problems.itertuples()
    }


def test_corpus_has_at_least_30_cases() -> None:
    assert len(CORPUS) >= 30
    assert len({c["id"] for c in CORPUS}) == len(CORPUS)


@pytest.mark.parametrize("case", CORPUS, ids=[c["id"] for c in CORPUS])
def test_malformed_input(case: dict, valid_csv: Path) -> None:
    """Strict mode reports exactly the expected problems; quarantine mode loses no row."""
    apply_edits(valid_csv, case["edit"])

    # --- strict: the exact problems, in a readable report --------------------------------------
    with pytest.raises(DataContractError) as info:
        read_dataset(valid_csv)
    problems = info.value.problems
    assert _found(problems) == _expected(case)
    # The readable message names the table, column and check of every problem.
    for table, column, _, _, check in _expected(case):
        assert f"{table}.{column}" in str(info.value) and check in str(info.value)
    # Files are named and every problem says what to do.
    assert problems["file"].eq(problems["table"] + ".csv").all()
    assert problems["hint"].str.len().gt(0).all()

    # --- quarantine: rows read = kept + rejected, exactly the expected rows set aside ------------
    result = ingest(valid_csv, mode="quarantine")
    rejects = result.dataset.rejects
    tables = result.dataset.tables()
    for table in TABLES:
        with open(valid_csv / f"{table}.csv", newline="", encoding="utf-8") as fh:
            n_source = sum(1 for _ in csv.reader(fh)) - 1  # records after the header (no blank lines)
        rejected = sorted(rejects.loc[rejects["table"] == table, "source_row"].tolist())
        assert rejected == sorted(case["rejected"].get(table, [])), table
        assert n_source == len(tables[table]) + len(rejected), table
        assert result.sources[table].input_rows == result.sources[table].kept_rows + result.sources[table].rejected_rows
    # Every reject gives a reason; dependent rejects say which row they depend on.
    assert rejects["reason"].str.len().gt(0).all()
    dependent = rejects["reason"].str.startswith("dependent")
    assert rejects.loc[dependent, "reason"].str.contains(r"refers to \w+ source row \d+, which was rejected").all()
    # (That what is kept is itself valid is tested on random edits in tests/io/test_properties.py.)
