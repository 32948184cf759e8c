"""Fixtures of the privacy tests: a tiny contract data set with raw ids."""

from __future__ import annotations

import pandas as pd
import pytest

from altmeasures_eval.schema import Dataset, ExtractInfo


def make_raw_dataset() -> Dataset:
    """Three persons, four cases, two spells, one episode; one reject row."""
    d = pd.to_datetime
    persons = pd.DataFrame(
        {
            "person_id": ["p1", "p2", "p3"],
            "sex": ["male", "female", "male"],
            "birth_year": pd.array([1980, 1990, None], dtype="Int64"),
            "jurisdiction": ["A", "A", "B"],
            "death_date": d([None, None, None]),
            "death_cause": [None, None, None],
        }
    )
    cases = pd.DataFrame(
        {
            "case_id": ["c1", "c2", "c3", "p1"],  # 'p1' as a case id: a different namespace
            "person_id": ["p1", "p1", "p2", "p3"],
            "offence_date": d(["2020-01-01"] * 4),
            "iccs_code": ["060111"] * 4,
            "substance": ["cannabis"] * 4,
            "stage": ["trial"] * 4,
            "decision_date": d(["2020-02-01"] * 4),
            "outcome": ["proven"] * 4,
            "disposition": ["custody", "fine", "probation", "custody"],
            "measure_days": pd.array([30, None, 180, 60], dtype="Int64"),
        }
    )
    spells = pd.DataFrame(
        {
            "spell_id": ["s1", "s2"],
            "person_id": ["p1", "p3"],
            "case_id": ["c1", None],
            "admission_date": d(["2020-02-01", "2020-03-01"]),
            "release_date": d(["2020-03-01", None]),
            "custody_type": ["sentenced", "pre_trial"],
        }
    )
    episodes = pd.DataFrame(
        {
            "episode_id": ["e1"],
            "person_id": ["p2"],
            "case_id": ["c3"],
            "referral_source": ["justice"],
            "modality": ["residential"],
            "start_date": d(["2020-03-01"]),
            "end_date": d([None]),
            "completed": pd.array([None], dtype="boolean"),
        }
    )
    rejects = pd.DataFrame(
        {
            "table": ["cases", "persons"],
            "source_row": [7, 9],
            "column": ["person_id", "birth_year"],
            "value": ["p9", "19x0"],
            "reason": ["unknown person", "not a year"],
        }
    )
    return Dataset(
        persons=persons,
        cases=cases,
        custody_spells=spells,
        treatment_episodes=episodes,
        extract=ExtractInfo(country="ESP", extract_date=pd.Timestamp("2021-01-01")),
        rejects=rejects,
    )



@pytest.fixture
def raw_dataset() -> Dataset:
    return make_raw_dataset()
