"""read_aggregate: the panel and policy tables from CSV, Parquet, Excel and SQLite, and every problem named."""

from __future__ import annotations

import sqlite3

import pandas as pd
import pytest

from altmeasures_eval._errors import DataContractError
from altmeasures_eval.io import read_aggregate

PANEL = pd.DataFrame({"jurisdiction": ["a", "a", "b", "b"], "month": ["2020-01", "2020-02", "2020-01", "2020-02"],
                      "drug_possession_admissions": [5, 7, 9, 11], "population": [1000, 1000, 2000, 2000]})
POLICY = pd.DataFrame({"jurisdiction": ["a", "b"], "adoption_month": ["2020-02", None]})


def _check(tables):
    p, q = tables["panel"], tables["policy"]
    assert p["drug_possession_admissions"].tolist() == [5, 7, 9, 11]
    assert str(p["population"].dtype) == "Int64"
    assert q["adoption_month"].tolist()[0] == "2020-02" and q["adoption_month"].isna().tolist() == [False, True]


def test_csv_folder(tmp_path):
    PANEL.to_csv(tmp_path / "panel.csv", index=False)
    POLICY.to_csv(tmp_path / "policy.csv", index=False)
    _check(read_aggregate(tmp_path))


def test_parquet_folder(tmp_path):
    PANEL.to_parquet(tmp_path / "panel.parquet", index=False)
    POLICY.to_parquet(tmp_path / "policy.parquet", index=False)
    _check(read_aggregate(tmp_path))


def test_workbook(tmp_path):
    with pd.ExcelWriter(tmp_path / "reform.xlsx") as xw:
        PANEL.to_excel(xw, sheet_name="panel", index=False)
        POLICY.to_excel(xw, sheet_name="policy", index=False)
    _check(read_aggregate(tmp_path / "reform.xlsx"))


def test_sqlite(tmp_path):
    db = tmp_path / "reform.sqlite"
    with sqlite3.connect(db) as conn:
        PANEL.to_sql("panel", conn, index=False)
        POLICY.to_sql("policy", conn, index=False)
    _check(read_aggregate(db))


def test_every_problem_is_listed(tmp_path):
    bad = PANEL.copy().astype(object)
    bad.loc[1, "month"] = "2020-13"
    bad.loc[2, "drug_possession_admissions"] = -3
    bad.loc[3, "drug_possession_admissions"] = "many"
    bad.to_csv(tmp_path / "panel.csv", index=False)
    POLICY.to_csv(tmp_path / "policy.csv", index=False)
    with pytest.raises(DataContractError) as exc:
        read_aggregate(tmp_path)
    probs = exc.value.problems
    assert set(zip(probs["column"], probs["source_row"].astype(int))) >= {
        ("month", 3), ("drug_possession_admissions", 4), ("drug_possession_admissions", 5)}
    assert (probs["file"] == "panel.csv").all()


def test_missing_table_and_column(tmp_path):
    PANEL.drop(columns="month").to_csv(tmp_path / "panel.csv", index=False)
    with pytest.raises(DataContractError, match="lacks the column"):
        read_aggregate(tmp_path, tables=("panel",))
    with pytest.raises(DataContractError, match="table policy not found"):
        read_aggregate(tmp_path, tables=("policy",))


def test_duplicate_month_is_a_problem(tmp_path):
    pd.concat([PANEL, PANEL.iloc[:1]]).to_csv(tmp_path / "panel.csv", index=False)
    with pytest.raises(DataContractError, match="unique_key"):
        read_aggregate(tmp_path, tables=("panel",))
