"""Every generated row is valid under the data contract, checked here independently of ``io``."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from altmeasures_eval.schema import (
    CUSTODY_TYPES,
    DATE_COLUMNS,
    ICCS_DRUG_PERSONAL_USE,
    ICCS_DRUG_TRAFFICKING,
    ICCS_PROPERTY_SECTION,
    ICCS_VIOLENT_SEXUAL_SECTIONS,
    OUTCOME_PENDING,
    REQUIRED_TABLES,
    TABLE_COLUMNS,
    VOCABULARY_COLUMNS,
)
from altmeasures_eval.synth import SyntheticData

from ._invariants import assert_contract_invariants



def test_tables_have_contract_columns_and_canonical_dtypes(small: SyntheticData) -> None:
    ds = small.dataset
    for name in REQUIRED_TABLES:
        table = getattr(ds, name)
        assert list(table.columns) == list(TABLE_COLUMNS[name]), name
        assert isinstance(table.index, pd.RangeIndex) and table.index.start == 0
        for col in DATE_COLUMNS[name]:
            assert table[col].dtype == "datetime64[ns]", (name, col)
    assert ds.persons["birth_year"].dtype == "Int64"
    assert ds.cases["measure_days"].dtype == "Int64"
    assert ds.treatment_episodes["completed"].dtype == "boolean"
    assert ds.extract.country == "XSY" and ds.extract.extract_date == pd.Timestamp("2025-12-31")


def test_contract_invariants(small: SyntheticData) -> None:
    assert_contract_invariants(small.dataset)


def test_linked_cases_belong_to_the_same_person(small: SyntheticData) -> None:
    ds = small.dataset
    owner = ds.cases.set_index("case_id")["person_id"]
    for table in (ds.custody_spells, ds.treatment_episodes):
        linked = table.dropna(subset=["case_id"])
        assert (owner.loc[linked["case_id"]].to_numpy() == linked["person_id"].to_numpy()).all()


def test_vocabularies(small: SyntheticData) -> None:
    for name, cols in VOCABULARY_COLUMNS.items():
        for col, allowed in cols.items():
            values = getattr(small.dataset, name)[col].dropna()
            assert set(values) <= set(allowed), (name, col, set(values) - set(allowed))


def test_pending_iff_no_decision(small: SyntheticData) -> None:
    c = small.dataset.cases
    pending = c["outcome"] == OUTCOME_PENDING
    assert pending.any()
    assert (c["decision_date"].isna() == pending).all()
    assert (c["disposition"].isna() == pending).all()
    assert c.loc[pending, "measure_days"].isna().all()
    # Pending cases are the recent ones: offences within two years of the extract date.
    assert (c.loc[pending, "offence_date"] > pd.Timestamp("2023-06-30")).all()


def test_only_the_last_spell_of_a_person_can_be_open(small: SyntheticData) -> None:
    s = small.dataset.custody_spells.sort_values(["person_id", "admission_date"])
    open_ = s["release_date"].isna()
    assert open_.any()
    assert (open_ <= ~s["person_id"].duplicated(keep="last")).all()


def test_content_covers_the_contract(small: SyntheticData) -> None:
    ds = small.dataset
    c = ds.cases
    assert ds.persons["jurisdiction"].nunique() == 5
    years = c["decision_date"].dt.year.dropna().astype(int)
    assert years.min() == 2016 and years.max() == 2025
    code = c["iccs_code"]
    assert code.str.startswith(ICCS_DRUG_PERSONAL_USE).mean() > 0.3
    assert code.str.startswith(ICCS_DRUG_TRAFFICKING).any()
    assert code.str.startswith(ICCS_PROPERTY_SECTION).any()
    assert code.str[:2].isin(ICCS_VIOLENT_SEXUAL_SECTIONS).any()
    assert set(ds.custody_spells["custody_type"]) == set(CUSTODY_TYPES)
    assert set(ds.persons["death_cause"].dropna()) >= {"overdose", "other"}
    # Priors are observable: most persons with a case in 2021 have an earlier case.
    per_person = c.groupby("person_id")["offence_date"].count()
    assert (per_person > 1).mean() > 0.4
    # Two offences decided together (same person, same decision date).
    decided = c.dropna(subset=["decision_date"])
    assert decided.duplicated(["person_id", "decision_date"]).any()


@pytest.mark.parametrize(
    ("table", "column", "low", "high"),
    [("persons", "birth_year", 0.02, 0.045),
     ("cases", "substance", 0.05, 0.11),  # among drug cases
     ("cases", "measure_days", 0.07, 0.14)],  # among decided custody/alternative cases
)
def test_missingness_is_realistic(small: SyntheticData, table: str, column: str, low: float,
                                  high: float) -> None:
    frame = getattr(small.dataset, table)
    if column == "substance":
        frame = frame[frame["iccs_code"].str.startswith("06")]
    if column == "measure_days":
        frame = frame[~frame["disposition"].isin(["fine", "restitution", "dismissed"])
                      & frame["disposition"].notna()]
        # The companion of a main offence carries no measure of its own.
        main = ~frame.duplicated(["person_id", "decision_date"], keep=False)
        frame = frame[main]
    share = frame[column].isna().mean()
    assert low <= share <= high, share


def test_written_data_pass_the_io_validation(small: SyntheticData, tmp_path) -> None:
    """Integration: the io area's validation finds no problem in a written synthetic folder."""
    from altmeasures_eval.io import ingest
    from altmeasures_eval.synth import write_synthetic

    folder = write_synthetic(small, tmp_path / "synth")
    result = ingest(folder)
    assert len(result.problems) == 0, result.problems.head(10).to_string()
    assert len(result.dataset.cases) == len(small.dataset.cases)
    # ingestion sorts every table by its key (issue #14, order independence); the ids are zero-padded
    np.testing.assert_array_equal(result.dataset.cases["case_id"], np.sort(small.dataset.cases["case_id"].to_numpy()))
