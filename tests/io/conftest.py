"""A small valid contract data set, written by hand, and helpers to write it in every format."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from altmeasures_eval.schema import Dataset, ExtractInfo

D = pd.Timestamp


def _dates(values: list[str | None]) -> pd.Series:
    return pd.to_datetime(pd.Series(values, dtype=object), format="%Y-%m-%d")


def valid_dataset() -> Dataset:
    """Five persons, six cases (one pending), three custody spells, three treatment episodes.

    Every value is chosen to pass every check; each malformed-corpus case changes one thing.
    """
    persons = pd.DataFrame({
        "person_id": ["P1", "P2", "P3", "P4", "P5"],
        "sex": ["male", "female", "male", "unknown", "other"],
        "birth_year": pd.array([1990, 1985, None, 2001, 1978], dtype="Int64"),
        "jurisdiction": ["N", "N", "S", "S", "N"],
        "death_date": _dates([None, None, None, None, "2024-03-01"]),
        "death_cause": [None, None, None, None, "overdose"],
    })
    cases = pd.DataFrame({
        "case_id": ["C1", "C2", "C3", "C4", "C5", "C6"],
        "person_id": ["P1", "P1", "P2", "P3", "P4", "P5"],
        "offence_date": _dates(["2020-01-10", "2021-05-02", "2020-03-03", "2022-07-07", "2023-01-01", "2019-02-02"]),
        "iccs_code": ["060111", "06012", "060111", "0501", "060111", "0201"],
        "substance": ["cannabis", "cocaine", "opioids", None, "cannabis", None],
        "stage": ["sentencing", "trial", "police", "sentencing", "pre_trial", "sentencing"],
        "decision_date": _dates(["2020-02-01", "2021-06-01", "2020-03-04", "2022-09-01", None, "2019-05-05"]),
        "outcome": ["proven", "proven", "proven", "not_proven", "pending", "proven"],
        "disposition": ["custody", "fine", "diversion", "dismissed", None, "custody"],
        "measure_days": pd.array([90, None, 180, None, None, 365], dtype="Int64"),
    })
    spells = pd.DataFrame({
        "spell_id": ["S1", "S2", "S3"],
        "person_id": ["P1", "P1", "P5"],
        "case_id": ["C1", None, "C6"],
        "admission_date": _dates(["2020-02-01", "2020-05-01", "2019-05-05"]),
        "release_date": _dates(["2020-05-01", "2020-06-01", None]),
        "custody_type": ["sentenced", "recall_or_breach", "sentenced"],
    })
    episodes = pd.DataFrame({
        "episode_id": ["E1", "E2", "E3"],
        "person_id": ["P2", "P3", "P2"],
        "case_id": ["C3", None, None],
        "referral_source": ["justice", "self", "health"],
        "modality": ["opioid_agonist", "psychosocial_outpatient", "residential"],
        "start_date": _dates(["2020-03-05", "2022-01-01", "2021-01-01"]),
        "end_date": _dates(["2020-09-05", None, "2021-02-01"]),
        "completed": pd.array([True, None, False], dtype="boolean"),
    })
    capacity = pd.DataFrame({
        "jurisdiction": ["N", "N", "S"],
        "month": ["2020-01", "2020-02", "2020-01"],
        "capacity": pd.array([500, 500, 300], dtype="Int64"),
        "population": pd.array([480, None, 310], dtype="Int64"),
    })
    return Dataset(
        persons=persons, cases=cases, custody_spells=spells, treatment_episodes=episodes,
        extract=ExtractInfo(country="XYZ", extract_date=D("2025-06-30"), source="hand-made test fixture"),
        prison_capacity=capacity,
    )


@pytest.fixture
def valid() -> Dataset:
    return valid_dataset()


@pytest.fixture(scope="session")
def valid_csv_written(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """:func:`valid_dataset` written as CSV once per session (read it, never write into it)."""
    from altmeasures_eval.io import write_dataset

    return write_dataset(valid_dataset(), tmp_path_factory.mktemp("valid_csv") / "valid")


@pytest.fixture
def valid_csv(tmp_path: Path, valid_csv_written: Path) -> Path:
    """:func:`valid_dataset` as CSV in the test's own folder, free to edit: a copy of the session's
    files, the same bytes ``write_dataset`` writes each time (the data set is fixed), without
    writing them again for each of the ~100 tests that edit one."""
    return Path(shutil.copytree(valid_csv_written, tmp_path / "valid"))
