"""``build_cohort``: validated tables -> one analysis row per index event, with its attrition."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from altmeasures_eval.cohort._arrays import to_dates
from altmeasures_eval.cohort._index import select_events
from altmeasures_eval.cohort._outcomes import covariates, custody_and_deaths, health, reoffending
from altmeasures_eval.cohort._prepare import prepare
from altmeasures_eval.cohort._spec import CohortSpec
from altmeasures_eval.schema import DISPOSITION_CUSTODY, Dataset

__all__ = ["Cohort", "build_cohort", "cohort_columns"]

ID_COLUMNS = ("person_id", "index_case_id")
COVARIATES = (
    "age",
    "sex",
    "jurisdiction",
    "index_year",
    "substance",
    "stage",
    "prior_proven",
    "prior_drug",
    "prior_violent",
    "prior_proven_2y",
    "prior_proven_5y",
    "prior_custody_spells",
    "prior_bed_days",
    "prior_treatment_episodes",
    "days_since_last_proven",
    "has_prior",
)
_INT_COVARIATES = tuple(
    c for c in COVARIATES if c not in ("sex", "jurisdiction", "substance", "stage", "prior_bed_days", "days_since_last_proven", "has_prior")
)


def cohort_columns(horizons: tuple[int, ...] = (365, 730, 1095)) -> list[str]:
    """The cohort table's columns, in order, for the given horizons (the agreed interface)."""
    per_h = [
        f"{name}_{h}"
        for h in horizons
        for name in ("reoffend", "reoffences", "bed_days", "death", "overdose_death")
    ]
    return [
        *ID_COLUMNS,
        "treatment",
        "disposition",
        "index_date",
        "start_date",
        "release_date_index",
        *COVARIATES,
        *per_h,
        "time_reoffend",
        "event_reoffend",
        "event_type",
        "severity_first",
        "custody_on_reoffence",
        "time_custody",
        "event_custody",
        "treatment_entry_30",
        "treatment_entry_90",
        "treatment_completed",
        "measure_days",
    ]


@dataclass(frozen=True)
class Cohort:
    """The evaluation cohort: one row per index event, its attrition flow and its specification.

    Attributes
    ----------
    data : pandas.DataFrame
        One row per person (per index event with ``index_event="every"``), columns
        :func:`cohort_columns` (the agreed interface; see ``docs/methods/cohort.md``).
        ``person_id`` and ``index_case_id`` are held in memory only.
    attrition : pandas.DataFrame
        One row per rule, in order: ``step``, ``rule``, ``description``, ``persons_removed``,
        ``persons_remaining``, ``cases_removed``, ``cases_remaining``, and per treatment group
        (from the ``treatment_group`` rule on) ``alternative_removed``/``_remaining``,
        ``comparator_removed``/``_remaining``. Rows reconcile exactly:
        ``remaining[k] = remaining[k-1] - removed[k]``; the last row's persons and cases equal the
        cohort's persons and rows.
    spec : CohortSpec
    extract_date : pandas.Timestamp
    excluded_in_custody : int
        Index events removed because the person was still in the index custody spell at the
        extract date (``start="release"`` only).
    notes : tuple of str
        Caveats that a report must carry.
    """

    data: pd.DataFrame
    attrition: pd.DataFrame
    spec: CohortSpec
    extract_date: pd.Timestamp
    excluded_in_custody: int = 0
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def n(self) -> int:
        """Number of cohort rows."""
        return len(self.data)

    def group_sizes(self) -> pd.Series:
        """Rows per treatment group (``1`` alternative, ``0`` comparator)."""
        return self.data["treatment"].value_counts().reindex([1, 0], fill_value=0)

    def require_groups(self, minimum: int = 1) -> None:
        """Raise a clear error unless each treatment group has at least ``minimum`` rows.

        The message names the eligibility rule (attrition step) that removed the last people, so
        that the user knows which ``[cohort]`` option or which data to look at.

        Raises
        ------
        ConfigError
            The cohort, or one of its groups, has fewer than ``minimum`` rows.
        """
        from altmeasures_eval._errors import ConfigError

        g = self.group_sizes()
        if self.n and min(g[1], g[0]) >= minimum:
            return
        att = self.attrition
        if self.n == 0:
            empty = att[att["persons_remaining"] == 0]
            step = empty.iloc[0] if len(empty) else att.iloc[-1]
            before = att.loc[att["step"] == step["step"] - 1, "persons_remaining"]
            why = (f"the cohort is empty: the rule '{step['rule']}' ({step['description']}) removed the "
                   f"last {int(before.iloc[0]) if len(before) else 0:,} people")
        else:
            why = (f"the cohort has {g[1]:,} people given an alternative and {g[0]:,} comparators; at "
                   f"least {minimum} in each group are needed")
        raise ConfigError(
            f"{why}. Check [cohort] (period_start, period_end, stages, min_age, eligible_prefixes, "
            "alternatives, comparators) against the data, e.g. that the period lies within the extract "
            "and that birth years are filled; `altmeasures-eval cohort` writes the attrition table "
            "step by step.")

    def __repr__(self) -> str:
        g = self.group_sizes()
        return (
            f"Cohort(n={self.n:,}, alternative={g[1]:,}, comparator={g[0]:,}, "
            f"start={self.spec.start!r}, horizons={list(self.spec.horizons)}, "
            f"excluded_in_custody={self.excluded_in_custody:,})"
        )


def build_cohort(dataset: Dataset, spec: CohortSpec | None = None) -> Cohort:
    """Build the evaluation cohort and its outcomes from a canonical data set.

    Estimand-neutral data step: it selects index events, fixes covariates at the index date and
    measures outcomes after the start of time at risk, following the UK Ministry of Justice
    proven reoffending measure (offence in the follow-up window, proven by the window end plus a
    waiting period). It assumes the tables are complete up to ``dataset.extract.extract_date``
    (events after it are ignored; an outcome whose window plus waiting period runs past it is
    NaN, and the survival outcomes are censored there).

    Parameters
    ----------
    dataset : Dataset
        Canonical, validated tables (see :mod:`altmeasures_eval.schema`).
    spec : CohortSpec, optional
        Eligibility, groups, index event, start of time at risk, horizons, waiting period.
        Default: ``CohortSpec()``.

    Returns
    -------
    Cohort

    Raises
    ------
    DataContractError
        When records refer to persons that are not in ``persons`` or codes are outside the
        vocabulary.

    Examples
    --------
    >>> cohort = build_cohort(dataset, CohortSpec(period_start="2019-01-01", period_end="2019-12-31"))
    >>> cohort.data.groupby("treatment")["reoffend_365"].mean()  # doctest: +SKIP
    """
    spec = spec or CohortSpec()
    prep = prepare(dataset)
    ev, flow = select_events(dataset, prep, spec)
    cases, persons = dataset.cases, dataset.persons
    n = ev.person.size
    cols: dict[str, object] = {
        "person_id": prep.person_ids.to_numpy()[ev.person],
        "index_case_id": cases["case_id"].to_numpy()[ev.index_case],
        "treatment": ev.treatment.astype("int8"),
        "disposition": ev.disposition,
        "index_date": to_dates(ev.index_day).to_numpy(),
        "start_date": to_dates(ev.start_day).to_numpy(),
        "release_date_index": to_dates(np.where(ev.disposition == DISPOSITION_CUSTODY, ev.release_day, np.nan)).to_numpy(),
    }
    year = pd.DatetimeIndex(cols["index_date"]).year.to_numpy()
    cov = covariates(prep, ev)
    cols.update(
        age=year - prep.birth_year[ev.person],
        sex=persons["sex"].to_numpy()[ev.person],
        jurisdiction=persons["jurisdiction"].to_numpy()[ev.person],
        index_year=year,
        substance=cases["substance"].to_numpy()[ev.index_case],
        stage=cases["stage"].to_numpy()[ev.index_case],
        **cov,
        has_prior=(cov["prior_proven"] > 0),
    )
    cols.update(reoffending(prep, ev, spec))
    cols.update(custody_and_deaths(prep, ev, spec))
    cols.update(health(prep, ev))
    measure = cases["measure_days"].astype("Float64").to_numpy(dtype="float64", na_value=np.nan)[ev.index_case]
    cols["measure_days"] = np.where(ev.disposition == DISPOSITION_CUSTODY, np.nan, measure)
    data = pd.DataFrame(cols, index=pd.RangeIndex(n))[cohort_columns(spec.horizons)]
    for c in _INT_COVARIATES:
        data[c] = data[c].astype("int64")
    data["has_prior"] = data["has_prior"].astype("int8")
    for c in ("disposition", "sex", "jurisdiction", "substance", "stage", "severity_first", "person_id", "index_case_id"):
        data[c] = data[c].astype("object")
    attrition = flow.table()
    notes = []
    if ev.excluded_in_custody:
        notes.append(
            f"{ev.excluded_in_custody:,} index events excluded: the person was still in the index custody "
            "spell at the extract date (time at risk had not started)."
        )
    for h in spec.horizons:
        missing = int(data[f"reoffend_{h}"].isna().sum())
        if missing:
            notes.append(
                f"{missing:,} of {n:,} rows have no {h}-day binary outcomes: the window plus the "
                f"{spec.waiting_period}-day waiting period ends after the extract date (they stay, censored, "
                "in the survival outcomes)."
            )
    return Cohort(
        data=data,
        attrition=attrition,
        spec=spec,
        extract_date=pd.Timestamp(dataset.extract.extract_date),
        excluded_in_custody=ev.excluded_in_custody,
        notes=tuple(notes),
    )
