"""Hand-built canonical data sets for the cohort tests.

``make_dataset`` takes short lists of dicts (only the fields a test cares about) and fills the rest
with neutral defaults, in the canonical dtypes of :class:`altmeasures_eval.schema.Dataset`. Dates
are ISO strings. Defaults: person born 1980, male, jurisdiction ``J1``, alive; a case is a proven
personal-possession (``060111``) decision at the ``trial`` stage.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import pytest

from altmeasures_eval.schema import TABLE_COLUMNS, Dataset, ExtractInfo

DEFAULTS = {
    "persons": {"sex": "male", "birth_year": 1980, "jurisdiction": "J1", "death_date": None, "death_cause": None},
    "cases": {
        "iccs_code": "060111",
        "substance": "cannabis",
        "stage": "trial",
        "outcome": "proven",
        "disposition": "fine",
        "measure_days": None,
    },
    "custody_spells": {"custody_type": "sentenced"},
    "treatment_episodes": {
        "case_id": None,
        "referral_source": "justice",
        "modality": "psychosocial_outpatient",
        "end_date": None,
        "completed": None,
    },
}
DATES = {
    "persons": ("death_date",),
    "cases": ("offence_date", "decision_date"),
    "custody_spells": ("admission_date", "release_date"),
    "treatment_episodes": ("start_date", "end_date"),
}


def _table(name: str, rows: list[dict]) -> pd.DataFrame:
    cols = list(TABLE_COLUMNS[name])
    full = [{**DEFAULTS[name], **r} for r in rows]
    df = pd.DataFrame(full, columns=cols) if full else pd.DataFrame({c: [] for c in cols})
    for c in cols:
        if c in DATES[name]:
            df[c] = pd.to_datetime(df[c]).astype("datetime64[ns]")
        elif c in ("birth_year", "measure_days"):
            df[c] = df[c].astype("Int64")
        elif c == "completed":
            df[c] = df[c].astype("boolean")
        else:
            df[c] = df[c].astype("object")
    return df


def make_dataset(
    persons: list[dict],
    cases: list[dict] = (),
    spells: list[dict] = (),
    episodes: list[dict] = (),
    extract: str = "2024-12-31",
) -> Dataset:
    """A canonical :class:`Dataset` from short record lists (see the module docstring)."""
    cases = [{"case_id": f"c{i}", **c} for i, c in enumerate(cases)]
    spells = [{"spell_id": f"s{i}", **s} for i, s in enumerate(spells)]
    episodes = [{"episode_id": f"e{i}", **e} for i, e in enumerate(episodes)]
    return Dataset(
        persons=_table("persons", list(persons)),
        cases=_table("cases", cases),
        custody_spells=_table("custody_spells", spells),
        treatment_episodes=_table("treatment_episodes", episodes),
        extract=ExtractInfo(country="XXX", extract_date=pd.Timestamp(extract)),
    )


@pytest.fixture
def make() -> Callable[..., Dataset]:
    return make_dataset
