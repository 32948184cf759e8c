"""Contract invariants of a generated data set, written independently of the io area's checks."""

from __future__ import annotations

import pandas as pd

from altmeasures_eval.schema import DATE_COLUMNS, OUTCOME_PENDING, REQUIRED_TABLES, Dataset

ID_OF = {"persons": "person_id", "cases": "case_id", "custody_spells": "spell_id",
         "treatment_episodes": "episode_id"}


def assert_contract_invariants(ds: Dataset) -> None:
    """Unique ids, references, date order, extract date, death, pending rule, no overlapping spells."""
    for name, col in ID_OF.items():
        ids = getattr(ds, name)[col]
        assert ids.notna().all() and ids.is_unique, name
    persons = set(ds.persons["person_id"])
    for name in ("cases", "custody_spells", "treatment_episodes"):
        assert set(getattr(ds, name)["person_id"]) <= persons, name
    cases = set(ds.cases["case_id"])
    for name in ("custody_spells", "treatment_episodes"):
        assert set(getattr(ds, name)["case_id"].dropna()) <= cases, name
    c, s, t = ds.cases, ds.custody_spells, ds.treatment_episodes
    assert (c["decision_date"].dropna() >= c.loc[c["decision_date"].notna(), "offence_date"]).all()
    assert (s["release_date"].dropna() >= s.loc[s["release_date"].notna(), "admission_date"]).all()
    assert (t["end_date"].dropna() >= t.loc[t["end_date"].notna(), "start_date"]).all()
    ext = ds.extract.extract_date
    for name in REQUIRED_TABLES:
        table = getattr(ds, name)
        for col in DATE_COLUMNS[name]:
            assert (table[col].dropna() <= ext).all(), (name, col)
    death = ds.persons.set_index("person_id")["death_date"]
    for table, col in ((c, "offence_date"), (s, "admission_date"), (t, "start_date")):
        assert not (table[col].to_numpy() > death.loc[table["person_id"]].to_numpy()).any(), col
    pending = c["outcome"] == OUTCOME_PENDING
    assert (c["decision_date"].isna() == pending).all()
    assert (c["disposition"].isna() == pending).all()
    s = s.sort_values(["person_id", "admission_date"])
    release = s["release_date"].fillna(pd.Timestamp.max)
    latest = release.groupby(s["person_id"]).cummax().groupby(s["person_id"]).shift()
    assert not (s["admission_date"] < latest).any()
