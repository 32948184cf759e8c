"""A slow, literal implementation of the cohort rules, one person at a time (groupby-apply).

It exists to check :func:`~altmeasures_eval.cohort.build_cohort`: it is written straight from the
definitions in ``docs/methods/cohort.md`` with dates and Python loops, shares no code with the
vectorised builder apart from the spec and the vocabulary, and covers the headline columns
(index event, group, start, reoffending outcomes, bed-days, next custody, prior proven). The test
suite asserts that both agree on generated data; ``benchmarks/bench_cohort.py`` times both.
"""

from __future__ import annotations

import pandas as pd

from altmeasures_eval.cohort._spec import CohortSpec
from altmeasures_eval.schema import (
    CUSTODY_RECALL_OR_BREACH,
    DISPOSITION_CUSTODY,
    DISPOSITIONS,
    OUTCOME_PROVEN,
    Dataset,
)

REFERENCE_COLUMNS = (
    "person_id",
    "index_case_id",
    "treatment",
    "disposition",
    "index_date",
    "start_date",
    "prior_proven",
    "time_reoffend",
    "event_type",
)


def _person(persons_row: pd.Series, cases: pd.DataFrame, spells: pd.DataFrame, spec: CohortSpec, extract: pd.Timestamp) -> dict | None:
    proven = cases[(cases["outcome"] == OUTCOME_PROVEN) & cases["decision_date"].notna()]
    elig = proven[proven["iccs_code"].str.startswith(spec.eligible_prefixes)]
    elig = elig[elig["stage"].isin(spec.stages)]
    if spec.period_start is not None:
        elig = elig[elig["decision_date"] >= spec.period_start]
    if spec.period_end is not None:
        elig = elig[elig["decision_date"] <= spec.period_end]
    excl = proven[proven["iccs_code"].str.startswith(spec.excluded_prefixes)] if spec.excluded_prefixes else proven.iloc[:0]
    elig = elig[~elig["case_id"].isin(excl["case_id"]) & ~elig["decision_date"].isin(excl["decision_date"])]
    if pd.isna(persons_row["birth_year"]):
        return None
    elig = elig[(elig["decision_date"].dt.year - int(persons_row["birth_year"])) >= spec.min_age]
    if elig.empty:
        return None
    index_date = elig["decision_date"].min()
    same_day = elig[elig["decision_date"] == index_date]
    rank = {d: i for i, d in enumerate(DISPOSITIONS)}
    same_day = same_day.assign(_r=same_day["disposition"].map(rank)).sort_values(["_r", "case_id"])
    index_case = same_day.iloc[0]
    day_cases = proven[proven["decision_date"] == index_date]
    disposition = min(day_cases["disposition"], key=lambda d: rank[d])
    if disposition in spec.alternatives:
        treatment = 1
    elif disposition in spec.comparators:
        treatment = 0
    else:
        return None
    own = spells[spells["case_id"].isin(day_cases["case_id"]) & (spells["custody_type"] != CUSTODY_RECALL_OR_BREACH)]
    start = index_date
    if spec.start == "release" and disposition == DISPOSITION_CUSTODY:
        if own.empty:
            return None
        if own["release_date"].isna().any() or (own["release_date"] > extract).any():
            return None  # still in custody (or died in it)
        start = max(index_date, own["release_date"].max())
    death = persons_row["death_date"]
    if pd.notna(death) and death <= start:
        return None
    w = pd.Timedelta(days=spec.waiting_period)
    row = {
        "person_id": persons_row["person_id"],
        "index_case_id": index_case["case_id"],
        "treatment": treatment,
        "disposition": disposition,
        "index_date": index_date,
        "start_date": start,
        "prior_proven": int((proven["decision_date"] < index_date).sum()),
    }
    for h in spec.horizons:
        end = start + pd.Timedelta(days=h)
        if end + w > extract:
            row[f"reoffend_{h}"] = row[f"reoffences_{h}"] = row[f"bed_days_{h}"] = float("nan")
            continue
        hits = proven[(proven["offence_date"] > start) & (proven["offence_date"] <= end) & (proven["decision_date"] <= end + w)]
        row[f"reoffend_{h}"] = float(len(hits) > 0)
        row[f"reoffences_{h}"] = float(len(hits))
        stop = min(end, death) if pd.notna(death) else end
        rel = spells["release_date"].fillna(extract).clip(upper=stop)
        row[f"bed_days_{h}"] = float((rel - spells["admission_date"].clip(lower=start)).dt.days.clip(lower=0).sum())
    follow = min(pd.Timedelta(days=spec.horizons[-1]), extract - w - start)
    follow = max(follow, pd.Timedelta(0))
    hits = proven[(proven["offence_date"] > start) & (proven["offence_date"] <= start + follow) & (proven["decision_date"] <= start + follow + w)]
    first = hits["offence_date"].min() if len(hits) else None
    if first is not None and (pd.isna(death) or first <= death):
        row["time_reoffend"], row["event_type"] = float((first - start).days), 1.0
    elif pd.notna(death) and death - start <= follow:
        row["time_reoffend"], row["event_type"] = float((death - start).days), 2.0
    else:
        row["time_reoffend"], row["event_type"] = float(follow.days), 0.0
    return row


def naive_cohort(dataset: Dataset, spec: CohortSpec | None = None) -> pd.DataFrame:
    """The cohort's headline columns computed person by person (``index_event="first"`` only).

    Returns a frame with :data:`REFERENCE_COLUMNS` and ``reoffend_{h}``, ``reoffences_{h}``,
    ``bed_days_{h}`` per horizon, one row per cohort person, sorted by ``person_id``.
    """
    spec = spec or CohortSpec()
    if spec.index_event != "first":
        raise ValueError("naive_cohort implements index_event='first' only")
    extract = pd.Timestamp(dataset.extract.extract_date)
    cases_by = dict(tuple(dataset.cases.groupby("person_id", sort=False)))
    spells_by = dict(tuple(dataset.custody_spells.groupby("person_id", sort=False)))
    empty_c, empty_s = dataset.cases.iloc[:0], dataset.custody_spells.iloc[:0]
    rows = []
    for _, p in dataset.persons.iterrows():
        r = _person(p, cases_by.get(p["person_id"], empty_c), spells_by.get(p["person_id"], empty_s), spec, extract)
        if r is not None:
            rows.append(r)
    out = pd.DataFrame(rows)
    return out.sort_values("person_id").reset_index(drop=True) if len(out) else out
