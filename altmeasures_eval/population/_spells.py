"""Custody spells prepared for the population models: time served, stream, jurisdiction, month.

Pure functions on the contract tables (``custody_spells`` joined to ``cases`` and ``persons``). The
frames returned keep no identifier columns; they are aggregates or spell-level durations.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from altmeasures_eval._errors import DataContractError
from altmeasures_eval.schema import (
    CUSTODY_TYPES,
    ICCS_DRUG_PERSONAL_USE,
    TABLE_CASES,
    TABLE_CUSTODY_SPELLS,
    TABLE_PERSONS,
)

__all__ = [
    "DAYS_PER_MONTH",
    "STREAM_ELIGIBLE",
    "STREAM_OTHER",
    "prepare_spells",
    "monthly_admissions",
    "observed_population",
]

#: Mean Gregorian month in days (365.25 / 12); the unit of the monthly models.
DAYS_PER_MONTH: float = 365.25 / 12
#: Admission streams of the stock-flow model.
STREAM_ELIGIBLE = "eligible"
STREAM_OTHER = "other"


def _require(frame: pd.DataFrame, table: str, columns: Sequence[str]) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise DataContractError(
            f"table {table!r} lacks column(s) {missing}; pass the canonical contract table "
            "(altmeasures_eval.io.read_dataset returns it)"
        )


def prepare_spells(
    custody_spells: pd.DataFrame,
    cases: pd.DataFrame,
    persons: pd.DataFrame,
    extract_date: pd.Timestamp | str,
    eligible_prefixes: Sequence[str] = (ICCS_DRUG_PERSONAL_USE,),
    eligible_custody_types: Sequence[str] = ("pre_trial", "sentenced"),
) -> pd.DataFrame:
    """One row per custody spell with its duration, censoring, stream and jurisdiction.

    Parameters
    ----------
    custody_spells, cases, persons : pandas.DataFrame
        Canonical contract tables. ``cases`` gives the ICCS code of the spell's case, ``persons``
        the jurisdiction.
    extract_date : Timestamp or str
        Spells still open (``release_date`` empty) are censored here.
    eligible_prefixes : sequence of str
        ICCS code prefixes of the offences that diversion could apply to (default ``06011``,
        personal-use drug offences, as the cohort's default eligibility).
    eligible_custody_types : sequence of str
        Custody types of an eligible case that a diversion would avert. Recall or breach custody
        is never "eligible": it is the consequence of a measure, not a new decision.

    Returns
    -------
    pandas.DataFrame
        Columns ``jurisdiction``, ``custody_type``, ``stream`` (``eligible``/``other``),
        ``admission_date``, ``release_date``, ``time_served`` (days, float), ``released`` (1 = seen
        to be released, 0 = still held at the extract date: a censored time served). No ids.

    Raises
    ------
    DataContractError
        Missing columns, an empty admission date, a release before admission, an admission after
        the extract date, a custody type outside the vocabulary, or a spell whose person is unknown;
        the message names the row and value.
    """
    extract_date = pd.Timestamp(extract_date)
    _require(custody_spells, TABLE_CUSTODY_SPELLS, ["person_id", "case_id", "admission_date",
                                                     "release_date", "custody_type"])
    _require(cases, TABLE_CASES, ["case_id", "iccs_code"])
    _require(persons, TABLE_PERSONS, ["person_id", "jurisdiction"])
    sp = custody_spells
    adm = pd.to_datetime(sp["admission_date"])
    rel = pd.to_datetime(sp["release_date"])
    checks = [
        (adm.isna().to_numpy(), "admission_date", "is empty; every spell needs an admission date"),
        ((rel < adm).to_numpy(), "release_date", "is before admission_date; correct the dates"),
        ((adm > extract_date).to_numpy(), "admission_date",
         f"is after the extract date {extract_date.date()}; correct the date or the extract date"),
        (~sp["custody_type"].isin(CUSTODY_TYPES).to_numpy(), "custody_type",
         f"is not one of {CUSTODY_TYPES}; map it to the vocabulary"),
    ]
    for bad, column, what in checks:
        if bad.any():
            rows = np.flatnonzero(bad)
            value = sp[column].iloc[rows[0]]
            raise DataContractError(
                f"table 'custody_spells', column {column!r}, row {rows[0]}: value {value!r} {what} "
                f"({bad.sum()} row(s) affected)",
                problems=pd.DataFrame({"table": TABLE_CUSTODY_SPELLS, "source_row": rows,
                                       "column": column, "value": sp[column].iloc[rows].to_numpy(),
                                       "reason": what}),
            )
    juris = sp["person_id"].map(persons.drop_duplicates("person_id").set_index("person_id")["jurisdiction"])
    if juris.isna().any():
        row = int(np.flatnonzero(juris.isna().to_numpy())[0])
        raise DataContractError(
            f"table 'custody_spells', column 'person_id', row {row}: the person has no row (or no "
            "jurisdiction) in table 'persons'; add the person or drop the spell"
        )
    iccs = sp["case_id"].map(cases.drop_duplicates("case_id").set_index("case_id")["iccs_code"])
    iccs = iccs.fillna("").astype(str)
    eligible = iccs.str.startswith(tuple(eligible_prefixes)) & sp["custody_type"].isin(
        eligible_custody_types
    )
    released = rel.notna() & (rel <= extract_date)
    end = rel.where(released, extract_date)
    return pd.DataFrame(
        {
            "jurisdiction": juris.astype(str).to_numpy(),
            "custody_type": sp["custody_type"].to_numpy(),
            "stream": np.where(eligible, STREAM_ELIGIBLE, STREAM_OTHER),
            "admission_date": adm.to_numpy(),
            "release_date": rel.where(released).to_numpy(),
            "time_served": ((end - adm).dt.days).astype(float).to_numpy(),
            "released": released.astype(np.int8).to_numpy(),
        }
    )


def monthly_admissions(spells: pd.DataFrame) -> pd.DataFrame:
    """Admissions per jurisdiction, calendar month and stream, with months without any filled as 0.

    Parameters
    ----------
    spells : pandas.DataFrame
        Output of :func:`prepare_spells`.

    Returns
    -------
    pandas.DataFrame
        Columns ``jurisdiction``, ``month`` (``pandas.Period``, freq ``M``), ``eligible``, ``other``
        (counts), one row per jurisdiction and month from the first to the last admission month of
        the whole extract.
    """
    month = spells["admission_date"].dt.to_period("M")
    counts = (
        pd.crosstab([spells["jurisdiction"], month.rename("month")], spells["stream"])
        .reindex(columns=[STREAM_ELIGIBLE, STREAM_OTHER], fill_value=0)
    )
    months = pd.period_range(month.min(), month.max(), freq="M", name="month")
    full = pd.MultiIndex.from_product([sorted(spells["jurisdiction"].unique()), months],
                                      names=["jurisdiction", "month"])
    out = counts.reindex(full, fill_value=0).reset_index()
    out.columns.name = None
    return out


def observed_population(spells: pd.DataFrame, months: pd.PeriodIndex) -> pd.DataFrame:
    """People in custody at the end of each month, counted from the spells.

    A spell counts at the end of month ``m`` when ``admission_date <= end(m) < release_date``
    (still-open spells count until the extract date). Counted by sorted search, not per person.

    Returns
    -------
    pandas.DataFrame
        Columns ``jurisdiction``, ``month``, ``population``.
    """
    ends = (months.end_time.normalize()).to_numpy()
    rows = []
    for juris, grp in spells.groupby("jurisdiction", sort=True):  # a handful of jurisdictions
        adm = np.sort(grp["admission_date"].to_numpy())
        rel = np.sort(grp["release_date"].dropna().to_numpy())
        n = np.searchsorted(adm, ends, side="right") - np.searchsorted(rel, ends, side="right")
        rows.append(pd.DataFrame({"jurisdiction": juris, "month": months, "population": n}))
    return pd.concat(rows, ignore_index=True)
