"""Scenarios from the project's own generator (``altmeasures_eval.synth.simulate``) with post-processing.

Each function takes a :class:`~altmeasures_eval.synth.SyntheticData` and returns a new contract-valid
:class:`~altmeasures_eval.schema.Dataset` that breaks one assumption the pipeline used to make:
spells of a fixed length (aliased prior custody covariates), custody spells missing for some years
(linkage gap), a custody register that stops 2.5 years before the extract date. The generator's truth
stays valid only where the post-processing leaves the cohort's outcomes alone (said per function).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from altmeasures_eval.schema import Dataset
from altmeasures_eval.synth import SyntheticData


def fixed_length_spells(data: SyntheticData, days: int = 1, index_dates: pd.Series | None = None) -> Dataset:
    """Every custody spell before its person's index decision counts ``days`` days, as in a source system
    that records a fixed length per spell, so that ``prior_bed_days`` is exactly ``days`` x
    ``prior_custody_spells`` for every cohort person.

    Spells that ended before the index decision are shortened to ``days`` (zero-length ones are
    dropped, so that no spell grows into the next); a spell open across the index decision (remand)
    starts ``days`` days before it. Nothing after the index decision changes, so the cohort's
    outcomes and the truth are unchanged; only the prior-custody covariates are recoded.
    ``index_dates`` (by ``person_id``) are the cohort's index dates under the config used (default:
    the generator's, whose cohort takes every stage).
    """
    ds = data.dataset
    sp = ds.custody_spells.copy()
    index = (index_dates if index_dates is not None
             else data.potential_outcomes.drop_duplicates("person_id").set_index("person_id")["index_date"])
    idx = sp["person_id"].map(index)
    before = idx.notna() & (sp["admission_date"] < idx)
    ended = before & sp["release_date"].notna() & (sp["release_date"] < idx)
    crossing = before & ~ended
    length = (sp["release_date"] - sp["admission_date"]).dt.days
    drop = ended & (length < days)
    short = ended & ~drop
    sp.loc[short, "release_date"] = sp.loc[short, "admission_date"] + pd.Timedelta(days=days)
    sp.loc[crossing, "admission_date"] = idx[crossing] - pd.Timedelta(days=days)
    sp = sp[~drop].reset_index(drop=True)
    return dataclasses.replace(ds, custody_spells=sp)


def linkage_gap(data: SyntheticData, years: tuple[int, ...] = (2023, 2024)) -> Dataset:
    """Custody spells that start in ``years`` are missing (the custody register was not linked for
    them): custody decisions of those years have no spell. The cohort's reoffending truth is unchanged
    when the years lie after the cohort's follow-up that starts from a custody release; bed-days and
    later custody are undercounted, which the report must say."""
    ds = data.dataset
    sp = ds.custody_spells
    keep = ~sp["admission_date"].dt.year.isin(years)
    return dataclasses.replace(ds, custody_spells=sp[keep].reset_index(drop=True))


def custody_ends_early(data: SyntheticData, years_before: float = 2.5) -> Dataset:
    """The custody register stops ``years_before`` years before the extract date: later admissions are
    absent and releases after the stop are unknown (the spell reads as still held)."""
    ds = data.dataset
    stop = pd.Timestamp(ds.extract.extract_date) - pd.DateOffset(months=int(round(years_before * 12)))
    sp = ds.custody_spells[ds.custody_spells["admission_date"] <= stop].copy()
    sp.loc[sp["release_date"] > stop, "release_date"] = pd.NaT
    return dataclasses.replace(ds, custody_spells=sp.reset_index(drop=True))


def unlinked_share(dataset: Dataset) -> float:
    """Share of custody decisions whose case no spell names (a crude linkage check for assertions)."""
    c = dataset.cases
    cust = c[c["disposition"] == "custody"]
    return float((~cust["case_id"].isin(dataset.custody_spells["case_id"].dropna())).mean()) if len(cust) else np.nan


def jurisdiction_all_alternative(data: SyntheticData, jurisdiction: str | None = None) -> Dataset:
    """In one jurisdiction (default: the first in sort order) every eligible custody decision becomes
    probation and its custody spells are removed: that jurisdiction's people all receive an alternative,
    so none of them has a comparable custody case. Elsewhere nothing changes, so the truth holds for
    the population the design retains once that jurisdiction is left out."""
    ds = data.dataset
    juris = jurisdiction or sorted(ds.persons["jurisdiction"].unique())[0]
    people = ds.persons.loc[ds.persons["jurisdiction"] == juris, "person_id"]
    cases = ds.cases.copy()
    flip = (cases["person_id"].isin(people) & (cases["disposition"] == "custody")
            & cases["iccs_code"].str.startswith("06011"))
    cases.loc[flip, "disposition"] = "probation"
    spells = ds.custody_spells[~ds.custody_spells["case_id"].isin(cases.loc[flip, "case_id"])]
    return dataclasses.replace(ds, cases=cases, custody_spells=spells.reset_index(drop=True))
