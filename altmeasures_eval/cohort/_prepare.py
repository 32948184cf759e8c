"""Canonical tables -> integer person/case codes and day numbers (the cohort's working arrays)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from altmeasures_eval._errors import DataContractError
from altmeasures_eval.cohort._arrays import days
from altmeasures_eval.schema import (
    CUSTODY_RECALL_OR_BREACH,
    DEATH_OVERDOSE,
    DISPOSITION_CUSTODY,
    DISPOSITIONS,
    ICCS_DRUG_PERSONAL_USE,
    ICCS_DRUG_SECTION,
    ICCS_DRUG_TRAFFICKING,
    ICCS_VIOLENT_SEXUAL_SECTIONS,
    OUTCOME_PROVEN,
    SEVERITY_DRUG_PERSONAL,
    SEVERITY_DRUG_SUPPLY,
    SEVERITY_OTHER,
    SEVERITY_VIOLENT,
    TABLE_CASES,
    TABLE_CUSTODY_SPELLS,
    TABLE_PERSONS,
    TABLE_TREATMENT_EPISODES,
    Dataset,
)

#: Severity tiers by rank: when several first reoffences fall on one day the highest rank is kept.
SEVERITY_BY_RANK: tuple[str, ...] = (
    SEVERITY_DRUG_PERSONAL,
    SEVERITY_OTHER,
    SEVERITY_DRUG_SUPPLY,
    SEVERITY_VIOLENT,
)

#: Disposition precedence when several proven cases are decided on one day: custody first, then
#: the vocabulary order (the most restrictive measure describes the decision).
DISPOSITION_RANK: dict[str, int] = {d: i for i, d in enumerate(DISPOSITIONS)}

CUSTODY_RECALL: str = CUSTODY_RECALL_OR_BREACH


class Codes:
    """A code column factorised once: per-row integer codes and the distinct values.

    Rules on codes (prefix tests, tiers) are evaluated on the distinct values only and mapped back,
    so that a string operation never runs over millions of rows.
    """

    def __init__(self, values: pd.Series) -> None:
        self.codes, uniques = pd.factorize(values.to_numpy(dtype=object), use_na_sentinel=True)
        self.uniques = pd.Series(uniques, dtype="object").astype(str)

    def _rows(self, per_unique: np.ndarray, fill: object) -> np.ndarray:
        out = np.full(len(self.codes), fill, dtype=per_unique.dtype)
        ok = self.codes >= 0
        out[ok] = per_unique[self.codes[ok]]
        return out

    def startswith(self, prefixes: tuple[str, ...]) -> np.ndarray:
        """Whether each row's code starts with one of ``prefixes`` (missing -> False)."""
        if not prefixes:
            return np.zeros(len(self.codes), dtype=bool)
        return self._rows(self.uniques.str.startswith(tuple(prefixes)).to_numpy(dtype=bool), False)

    def severity_rank(self) -> np.ndarray:
        """Severity rank (index into :data:`SEVERITY_BY_RANK`) of each row's ICCS code."""
        u = self.uniques
        rank = np.full(len(u), SEVERITY_BY_RANK.index(SEVERITY_OTHER), dtype="int8")
        rank[u.str.startswith(ICCS_DRUG_PERSONAL_USE).to_numpy(dtype=bool)] = SEVERITY_BY_RANK.index(SEVERITY_DRUG_PERSONAL)
        rank[u.str.startswith(ICCS_DRUG_TRAFFICKING).to_numpy(dtype=bool)] = SEVERITY_BY_RANK.index(SEVERITY_DRUG_SUPPLY)
        rank[u.str.startswith(ICCS_VIOLENT_SEXUAL_SECTIONS).to_numpy(dtype=bool)] = SEVERITY_BY_RANK.index(SEVERITY_VIOLENT)
        return self._rows(rank, SEVERITY_BY_RANK.index(SEVERITY_OTHER))


def _person_codes(persons: pd.DataFrame, others: dict[str, pd.Series]) -> dict[str, np.ndarray]:
    """Position in ``persons`` of every record's person, with one hash pass over all the ids."""
    ids = [persons["person_id"].to_numpy(dtype=object), *(v.to_numpy(dtype=object) for v in others.values())]
    codes, uniques = pd.factorize(np.concatenate(ids))
    n_p = len(persons)
    own = codes[:n_p]
    if np.bincount(own, minlength=len(uniques)).max(initial=0) > 1:
        dup = persons["person_id"][persons["person_id"].duplicated()]
        raise DataContractError(
            f"table {TABLE_PERSONS!r}, column 'person_id': duplicated id {dup.iloc[0]!r} at row {dup.index[0]}; "
            "each person must appear once"
        )
    position = np.full(len(uniques), -1, dtype="int64")
    position[own] = np.arange(n_p)
    out: dict[str, np.ndarray] = {}
    at = n_p
    for table, values in others.items():
        mine = position[codes[at : at + len(values)]]
        at += len(values)
        bad = np.flatnonzero(mine < 0)
        if bad.size:
            rows = ", ".join(f"row {i} ({values.iloc[i]!r})" for i in bad[:5])
            raise DataContractError(
                f"table {table!r}, column 'person_id': {bad.size} value(s) not in table 'persons', e.g. {rows}; "
                "every record must belong to a person of the persons table (validate the data with the io readers)"
            )
        out[table] = mine
    return out


@dataclass(frozen=True)
class Prepared:
    """Working arrays of one data set (positions follow the canonical tables' row order)."""

    extract_day: float
    person_ids: pd.Index
    birth_year: np.ndarray
    death_day: np.ndarray
    overdose: np.ndarray
    # cases
    c_person: np.ndarray
    c_case: np.ndarray  # code of case_id (rows of one case share it)
    c_offence: np.ndarray
    c_decision: np.ndarray
    c_proven: np.ndarray
    c_custody: np.ndarray
    c_disp_rank: np.ndarray
    c_severity: np.ndarray
    c_drug: np.ndarray
    c_violent: np.ndarray
    c_iccs: Codes
    n_case_codes: int
    # custody spells
    s_person: np.ndarray
    s_case: np.ndarray  # case code, -1 when not linked to a known case
    s_admission: np.ndarray
    s_release: np.ndarray
    s_recall: np.ndarray
    # treatment episodes
    e_person: np.ndarray
    e_start: np.ndarray
    e_completed: np.ndarray


def prepare(dataset: Dataset) -> Prepared:
    """Check the links between tables and turn the canonical tables into working arrays.

    Raises
    ------
    DataContractError
        When person ids are duplicated in ``persons`` or records refer to unknown persons, or a
        disposition is outside the vocabulary.
    """
    persons, cases = dataset.persons, dataset.cases
    spells, episodes = dataset.custody_spells, dataset.treatment_episodes
    codes = _person_codes(
        persons,
        {TABLE_CASES: cases["person_id"], TABLE_CUSTODY_SPELLS: spells["person_id"], TABLE_TREATMENT_EPISODES: episodes["person_id"]},
    )
    disp = cases["disposition"].astype("object")
    bad = ~disp.isin(DISPOSITIONS) & disp.notna()
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise DataContractError(
            f"table {TABLE_CASES!r}, column 'disposition', row {i}: {disp.iloc[i]!r} is not in the vocabulary "
            f"({', '.join(DISPOSITIONS)}); map local codes to the contract first"
        )
    # one hash pass over the case ids of cases and spells; a spell's unknown or empty case -> -1
    n_c = len(cases)
    all_case, _ = pd.factorize(
        np.concatenate([cases["case_id"].to_numpy(dtype=object), spells["case_id"].to_numpy(dtype=object)])
    )
    case_codes = all_case[:n_c]
    n_case_codes = int(case_codes.max()) + 1 if n_c else 0
    s_case = all_case[n_c:].astype("int64")
    s_case[s_case >= n_case_codes] = -1
    iccs = Codes(cases["iccs_code"])
    completed = episodes["completed"].astype("Float64").to_numpy(dtype="float64", na_value=np.nan)
    return Prepared(
        extract_day=float(days(pd.Series([pd.Timestamp(dataset.extract.extract_date)]))[0]),
        person_ids=pd.Index(persons["person_id"].to_numpy(dtype=object)),
        birth_year=persons["birth_year"].astype("Float64").to_numpy(dtype="float64", na_value=np.nan),
        death_day=days(persons["death_date"]),
        overdose=(persons["death_cause"].astype("object") == DEATH_OVERDOSE).to_numpy(),
        c_person=codes[TABLE_CASES],
        c_case=case_codes,
        c_offence=days(cases["offence_date"]),
        c_decision=days(cases["decision_date"]),
        c_proven=(cases["outcome"].astype("object") == OUTCOME_PROVEN).to_numpy(),
        c_custody=(disp == DISPOSITION_CUSTODY).to_numpy(),
        c_disp_rank=disp.map(DISPOSITION_RANK).fillna(len(DISPOSITIONS)).to_numpy(dtype="int64"),
        c_severity=iccs.severity_rank(),
        c_drug=iccs.startswith((ICCS_DRUG_SECTION,)),
        c_violent=iccs.startswith(ICCS_VIOLENT_SEXUAL_SECTIONS),
        c_iccs=iccs,
        n_case_codes=n_case_codes,
        s_person=codes[TABLE_CUSTODY_SPELLS],
        s_case=np.asarray(s_case, dtype="int64"),
        s_admission=days(spells["admission_date"]),
        s_release=days(spells["release_date"]),
        s_recall=(spells["custody_type"].astype("object") == CUSTODY_RECALL).to_numpy(),
        e_person=codes[TABLE_TREATMENT_EPISODES],
        e_start=days(episodes["start_date"]),
        e_completed=completed,
    )
