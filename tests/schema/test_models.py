"""The pandera models agree with the vocabulary module and judge canonical frames as the contract says."""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa
import pytest

from altmeasures_eval.schema import (
    DATE_COLUMNS,
    ICCS_DRUG_PERSONAL_USE,
    ICCS_DRUG_POSSESSION_USE,
    ICCS_DRUG_TRAFFICKING,
    TABLE_COLUMNS,
    TABLE_MODELS,
    VOCABULARY_COLUMNS,
    CasesModel,
    PrisonCapacityModel,
)
from tests.io.conftest import valid_dataset


@pytest.mark.parametrize("table", sorted(TABLE_COLUMNS))
def test_model_columns_match_the_contract(table: str) -> None:
    schema = TABLE_MODELS[table].to_schema()
    assert list(schema.columns) == list(TABLE_COLUMNS[table])
    for name, column in schema.columns.items():
        # Optional in the contract <=> may be absent in the model.
        assert column.required == TABLE_COLUMNS[table][name], name
        if name in DATE_COLUMNS.get(table, ()):
            assert str(column.dtype) == "datetime64[ns]", name


@pytest.mark.parametrize("table", sorted(VOCABULARY_COLUMNS))
def test_model_vocabularies_are_the_vocab_module(table: str) -> None:
    schema = TABLE_MODELS[table].to_schema()
    for name, codes in VOCABULARY_COLUMNS[table].items():
        (isin,) = [c for c in schema.columns[name].checks if c.name == "isin"]
        assert list(isin.statistics["allowed_values"]) == list(codes)


def test_valid_canonical_tables_pass() -> None:
    ds = valid_dataset()
    for name, table in ds.tables().items():
        TABLE_MODELS[name].validate(table, lazy=True)


@pytest.mark.parametrize(
    ("code", "ok"),
    [
        (ICCS_DRUG_POSSESSION_USE, True),
        (ICCS_DRUG_PERSONAL_USE, True),
        (ICCS_DRUG_TRAFFICKING, True),
        ("0201", True),
        ("06", True),
        ("11", True),
        ("60111", False),  # lost its leading zero
        ("12", False),  # no ICCS section 12
        ("060", False),  # 3 digits: no such level
        ("0601111", False),  # 7 digits
        ("06A11", False),
    ],
)
def test_iccs_code_format(code: str, ok: bool) -> None:
    cases = valid_dataset().cases.copy()
    cases.loc[0, "iccs_code"] = code
    if ok:
        CasesModel.validate(cases)
    else:
        with pytest.raises(pa.errors.SchemaErrors) as info:
            CasesModel.validate(cases, lazy=True)
        fc = info.value.failure_cases
        assert fc[["column", "failure_case", "index"]].values.tolist() == [["iccs_code", code, 0]]


def test_lazy_validation_lists_every_failure() -> None:
    cases = valid_dataset().cases.copy()
    cases.loc[0, "stage"] = "court"
    cases.loc[2, "outcome"] = None
    cases.loc[3, "measure_days"] = -1
    with pytest.raises(pa.errors.SchemaErrors) as info:
        CasesModel.validate(cases, lazy=True)
    fc = info.value.failure_cases
    assert sorted(fc[["column", "index"]].values.tolist()) == [["measure_days", 3], ["outcome", 2], ["stage", 0]]


def test_month_format() -> None:
    cap = valid_dataset().prison_capacity.copy()
    cap.loc[1, "month"] = "2020-1"
    with pytest.raises(pa.errors.SchemaErrors) as info:
        PrisonCapacityModel.validate(cap, lazy=True)
    assert info.value.failure_cases[["column", "failure_case"]].values.tolist() == [["month", "2020-1"]]


def test_models_do_not_coerce() -> None:
    # Canonical dtypes are made by the readers; a text date column is a dtype failure, not parsed.
    cases = valid_dataset().cases.copy()
    cases["offence_date"] = cases["offence_date"].dt.strftime("%Y-%m-%d")
    with pytest.raises(pa.errors.SchemaErrors):
        CasesModel.validate(cases, lazy=True)
    assert pd.api.types.is_object_dtype(cases["offence_date"])
