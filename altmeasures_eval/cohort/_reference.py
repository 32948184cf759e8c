"""A slow, literal implementation of the cohort rules, one person at a time (plain Python
records and loops).

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


def _person(person: dict, cases: list[dict], spells: list[dict], spec: CohortSpec, extract: pd.Timestamp) -> dict | None:
    """One person's row (``None``: not in the cohort); ``cases`` and ``spells`` are the person's
    rows as plain records (dates as ``Timestamp`` or ``NaT``)."""
    proven = [c for c in cases if c["outcome"] == OUTCOME_PROVEN and pd.notna(c["decision_date"])]
    elig = [c for c in proven if c["iccs_code"].startswith(spec.eligible_prefixes) and c["stage"] in spec.stages]
    if spec.period_start is not None:
        elig = [c for c in elig if c["decision_date"] >= spec.period_start]
    if spec.period_end is not None:
        elig = [c for c in elig if c["decision_date"] <= spec.period_end]
    excl = [c for c in proven if c["iccs_code"].startswith(spec.excluded_prefixes)] if spec.excluded_prefixes else []
    excl_ids, excl_days = {c["case_id"] for c in excl}, {c["decision_date"] for c in excl}
    elig = [c for c in elig if c["case_id"] not in excl_ids and c["decision_date"] not in excl_days]
    if pd.isna(person["birth_year"]):
        return None
    elig = [c for c in elig if c["decision_date"].year - int(person["birth_year"]) >= spec.min_age]
    if not elig:
        return None
    index_date = min(c["decision_date"] for c in elig)
    rank = {d: i for i, d in enumerate(DISPOSITIONS)}
    same_day = [c for c in elig if c["decision_date"] == index_date]
    index_case = min(same_day, key=lambda c: (rank.get(c["disposition"], len(rank)), c["case_id"]))
    day_cases = [c for c in proven if c["decision_date"] == index_date]
    disposition = min((c["disposition"] for c in day_cases), key=lambda d: rank[d])
    if disposition in spec.alternatives:
        treatment = 1
    elif disposition in spec.comparators:
        treatment = 0
    else:
        return None
    day_ids = {c["case_id"] for c in day_cases}
    own = [s for s in spells if s["case_id"] in day_ids and s["custody_type"] != CUSTODY_RECALL_OR_BREACH]
    start = index_date
    if spec.start == "release" and disposition == DISPOSITION_CUSTODY:
        if not own:
            return None
        if any(pd.isna(s["release_date"]) or s["release_date"] > extract for s in own):
            return None  # still in custody (or died in it)
        start = max(index_date, max(s["release_date"] for s in own))
    death = person["death_date"]
    if pd.notna(death) and death <= start:
        return None
    w = pd.Timedelta(days=spec.waiting_period)
    row = {
        "person_id": person["person_id"],
        "index_case_id": index_case["case_id"],
        "treatment": treatment,
        "disposition": disposition,
        "index_date": index_date,
        "start_date": start,
        "prior_proven": sum(c["decision_date"] < index_date for c in proven),
    }

    def offences(end: pd.Timestamp, proof_by: pd.Timestamp) -> list[pd.Timestamp]:
        # offences committed after the start and by `end`, proven (decided) by `proof_by`
        return [c["offence_date"] for c in proven
                if start < c["offence_date"] <= end and c["decision_date"] <= proof_by]

    for h in spec.horizons:
        end = start + pd.Timedelta(days=h)
        if end + w > extract:
            row[f"reoffend_{h}"] = row[f"reoffences_{h}"] = row[f"bed_days_{h}"] = float("nan")
            continue
        hits = offences(end, end + w)
        row[f"reoffend_{h}"] = float(len(hits) > 0)
        row[f"reoffences_{h}"] = float(len(hits))
        stop = min(end, death) if pd.notna(death) else end
        # days in custody between the start and `stop`, every spell of the person (open ones to the extract)
        days = 0
        for s in spells:
            release = extract if pd.isna(s["release_date"]) else s["release_date"]
            days += max((min(release, stop) - max(s["admission_date"], start)).days, 0)
        row[f"bed_days_{h}"] = float(days)
    follow = min(pd.Timedelta(days=spec.horizons[-1]), extract - w - start)
    follow = max(follow, pd.Timedelta(0))
    hits = offences(start + follow, start + follow + w)
    first = min(hits) if hits else None
    if first is not None and (pd.isna(death) or first <= death):
        row["time_reoffend"], row["event_type"] = float((first - start).days), 1.0
    elif pd.notna(death) and death - start <= follow:
        row["time_reoffend"], row["event_type"] = float((death - start).days), 2.0
    else:
        row["time_reoffend"], row["event_type"] = float(follow.days), 0.0
    return row


def _records(frame: pd.DataFrame) -> list[dict]:
    """The rows of a table as plain dicts (dates as ``Timestamp`` or ``NaT``)."""
    return frame.to_dict("records")


def naive_cohort(dataset: Dataset, spec: CohortSpec | None = None) -> pd.DataFrame:
    """The cohort's headline columns computed person by person (``index_event="first"`` only).

    Returns a frame with :data:`REFERENCE_COLUMNS` and ``reoffend_{h}``, ``reoffences_{h}``,
    ``bed_days_{h}`` per horizon, one row per cohort person, sorted by ``person_id``.
    """
    spec = spec or CohortSpec()
    if spec.index_event != "first":
        raise ValueError("naive_cohort implements index_event='first' only")
    extract = pd.Timestamp(dataset.extract.extract_date)
    cases_by: dict[str, list[dict]] = {}
    for c in _records(dataset.cases):
        cases_by.setdefault(c["person_id"], []).append(c)
    spells_by: dict[str, list[dict]] = {}
    for s in _records(dataset.custody_spells):
        spells_by.setdefault(s["person_id"], []).append(s)
    rows = []
    for p in _records(dataset.persons):
        r = _person(p, cases_by.get(p["person_id"], []), spells_by.get(p["person_id"], []), spec, extract)
        if r is not None:
            rows.append(r)
    out = pd.DataFrame(rows)
    return out.sort_values("person_id").reset_index(drop=True) if len(out) else out
