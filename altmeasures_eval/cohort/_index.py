"""Eligibility rules, index events, start of time at risk and the attrition flow."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from altmeasures_eval.cohort._arrays import days
from altmeasures_eval.cohort._prepare import Prepared
from altmeasures_eval.cohort._spec import CohortSpec
from altmeasures_eval.schema import DISPOSITION_CUSTODY, DISPOSITIONS, Dataset

ATTRITION_COLUMNS = (
    "step",
    "rule",
    "description",
    "persons_removed",
    "persons_remaining",
    "cases_removed",
    "cases_remaining",
    "alternative_removed",
    "alternative_remaining",
    "comparator_removed",
    "comparator_remaining",
)


class Flow:
    """Collects the attrition table: one row per rule with persons/cases removed and remaining."""

    def __init__(self, n_persons: int, n_cases: int) -> None:
        self.rows: list[dict] = []
        self._add("data", "every person and case in the data", n_persons, n_cases, None)

    def _add(self, rule: str, text: str, persons: int, cases: int, groups: tuple[int, int] | None) -> None:
        prev = self.rows[-1] if self.rows else None
        row = {
            "step": len(self.rows),
            "rule": rule,
            "description": text,
            "persons_removed": 0 if prev is None else prev["persons_remaining"] - persons,
            "persons_remaining": persons,
            "cases_removed": 0 if prev is None else prev["cases_remaining"] - cases,
            "cases_remaining": cases,
        }
        for g, name in ((1, "alternative"), (0, "comparator")):
            rem = np.nan if groups is None else groups[1 - g]
            before = np.nan if prev is None else prev[f"{name}_remaining"]
            row[f"{name}_remaining"] = rem
            row[f"{name}_removed"] = before - rem if not np.isnan(before) else np.nan
        self.rows.append(row)

    def cases(self, rule: str, text: str, person: np.ndarray, mask: np.ndarray, n_persons: int) -> None:
        """Record a case-level rule: ``mask`` = case rows still eligible after it."""
        alive = np.bincount(person[mask], minlength=n_persons) > 0
        self._add(rule, text, int(alive.sum()), int(mask.sum()), None)

    def events(self, rule: str, text: str, person: np.ndarray, treatment: np.ndarray | None, n_persons: int) -> None:
        """Record an event-level rule on the remaining index events (one case each)."""
        def n_unique(p: np.ndarray) -> int:
            return int((np.bincount(p, minlength=n_persons) > 0).sum())

        groups = None
        if treatment is not None:
            groups = (n_unique(person[treatment == 1]), n_unique(person[treatment == 0]))
        self._add(rule, text, n_unique(person), len(person), groups)

    def table(self) -> pd.DataFrame:
        out = pd.DataFrame(self.rows, columns=list(ATTRITION_COLUMNS))
        for col in ("alternative_removed", "alternative_remaining", "comparator_removed", "comparator_remaining"):
            out[col] = out[col].astype("Int64")
        return out


@dataclass(frozen=True)
class Events:
    """Index events (one per cohort row) with the start of their time at risk."""

    person: np.ndarray
    index_day: np.ndarray
    index_case: np.ndarray  # row of the index case in the cases table
    disposition: np.ndarray  # object array of codes
    treatment: np.ndarray  # int8
    start_day: np.ndarray
    release_day: np.ndarray  # release from the index custody spell (NaN if none or open)
    index_spell: np.ndarray  # per spell: cohort row it is an index spell of, -1 otherwise
    excluded_in_custody: int


def _listed(codes: tuple[str, ...]) -> str:
    return ", ".join(codes) if len(codes) <= 4 else f"{len(codes)} dispositions: {', '.join(codes[:3])}, ..."


def _day_key(person: np.ndarray, day: np.ndarray) -> np.ndarray:
    # one int64 key per (person, day); days are shifted to be non-negative and < 2**24
    return person.astype("int64") * (1 << 24) + (day.astype("int64") + (1 << 23))


def _isin(values: np.ndarray, test: np.ndarray) -> np.ndarray:
    # hash-based membership (np.isin sorts both arrays)
    return pd.Series(values, copy=False).isin(test).to_numpy()


def _age_at(prep: Prepared, person: np.ndarray, day: np.ndarray) -> np.ndarray:
    year = pd.DatetimeIndex(np.asarray(day, dtype="int64").astype("datetime64[D]")).year.to_numpy()
    return year - prep.birth_year[person]


def select_events(dataset: Dataset, prep: Prepared, spec: CohortSpec) -> tuple[Events, Flow]:
    """Apply the eligibility rules in order and return the index events and the attrition flow.

    Rules (each row of the attrition table): proven case with a decision date; eligible offence;
    stage; decision period; no excluded offence decided in the same case or on the same day;
    minimum age; index event (first or every eligible decision day, same-day cases merged);
    treatment group; release known (``release`` only); alive at the start of time at risk;
    not in custody at the extract date (``release`` only).
    """
    flow = Flow(len(prep.person_ids), len(dataset.cases))
    eligible = _eligible_cases(dataset.cases, prep, spec, flow)
    groups = _index_events(dataset.cases, prep, spec, flow, eligible)
    return _start_of_risk(prep, spec, flow, *groups), flow


def _eligible_cases(cases: pd.DataFrame, prep: Prepared, spec: CohortSpec, flow: Flow) -> np.ndarray:
    """Case-level rules, in order; returns the mask of eligible case rows."""
    n_p = len(prep.person_ids)
    person = prep.c_person
    dec_ok = np.isfinite(prep.c_decision)
    m = prep.c_proven & dec_ok
    flow.cases("proven", "case proven (conviction, caution or accepted diversion) with a decision date", person, m, n_p)
    m &= prep.c_iccs.startswith(spec.eligible_prefixes)
    flow.cases("eligible_offence", f"index offence code starts with {', '.join(spec.eligible_prefixes)}", person, m, n_p)
    m &= cases["stage"].astype("object").isin(spec.stages).to_numpy()
    flow.cases("stage", f"stage in {', '.join(spec.stages)}", person, m, n_p)
    in_period = np.ones(len(cases), dtype=bool)
    if spec.period_start is not None:
        in_period &= prep.c_decision >= days(pd.Series([spec.period_start]))[0]
    if spec.period_end is not None:
        in_period &= prep.c_decision <= days(pd.Series([spec.period_end]))[0]
    m &= in_period
    lo = "start" if spec.period_start is None else spec.period_start.date().isoformat()
    hi = "end" if spec.period_end is None else spec.period_end.date().isoformat()
    flow.cases("period", f"decision date from {lo} to {hi}", person, m, n_p)

    excl = prep.c_iccs.startswith(spec.excluded_prefixes) & prep.c_proven & dec_ok
    bad_case = np.zeros(prep.n_case_codes, dtype=bool)
    bad_case[prep.c_case[excl]] = True
    bad_day = _isin(_day_key(person[m], prep.c_decision[m]), _day_key(person[excl], prep.c_decision[excl]))
    excluded = bad_case[prep.c_case]
    excluded[np.flatnonzero(m)[bad_day]] = True
    m &= ~excluded
    flow.cases(
        "exclusion",
        f"no proven offence coded {', '.join(spec.excluded_prefixes) or '(none)'} in the same case or on the same decision date",
        person, m, n_p,
    )
    age = np.full(len(cases), np.nan)
    age[m] = _age_at(prep, person[m], prep.c_decision[m])
    # a person whose birth year is not recorded cannot be shown to be old enough: counted on their own,
    # so that the attrition does not present them as under age (issue #17)
    m &= ~np.isnan(age)
    flow.cases("birth_year_known", "birth year recorded (the age at the decision can be checked)", person, m, n_p)
    m &= age >= spec.min_age
    flow.cases("min_age", f"aged {spec.min_age} or over at the decision (decision year - birth year)", person, m, n_p)
    return m


def _index_events(cases: pd.DataFrame, prep: Prepared, spec: CohortSpec, flow: Flow, m: np.ndarray) -> tuple:
    """Index events among the eligible cases, the decision of their day and their treatment group.

    Returns person, day, index case row, disposition and treatment of the kept events, and the
    index spell of every custody spell (position of the event it belongs to, -1 otherwise).
    """
    n_p = len(prep.person_ids)
    person = prep.c_person
    dec_ok = np.isfinite(prep.c_decision)
    # Eligible decision days; several eligible cases on one day are merged into one event.
    elig = np.flatnonzero(m)
    # ties between same-day cases with the same disposition: the smaller case_id (sorted here, on
    # the eligible rows only, because sorting every id string is the slowest step on big extracts)
    id_rank = np.argsort(np.argsort(cases["case_id"].to_numpy()[elig].astype(str), kind="stable"))
    order = np.lexsort((id_rank, prep.c_disp_rank[elig], prep.c_decision[elig], person[elig]))
    elig = elig[order]
    key = _day_key(person[elig], prep.c_decision[elig])
    head = np.ones(elig.size, dtype=bool)
    head[1:] = key[1:] != key[:-1]
    if spec.index_event == "first":
        head[1:] &= person[elig][1:] != person[elig][:-1]
    index_case = elig[head]
    ev_person = person[index_case]
    ev_day = prep.c_decision[index_case]
    ev_key = _day_key(ev_person, ev_day)
    what = "first eligible decision day per person" if spec.index_event == "first" else "every eligible decision day"
    flow.events("index_event", f"index event: {what} (several cases on one day form one event)", ev_person, None, n_p)

    # The decision of the day: the most restrictive disposition among all proven cases that day.
    proven = np.flatnonzero(prep.c_proven & dec_ok)
    same_day = proven[_isin(_day_key(person[proven], prep.c_decision[proven]), ev_key)]
    ev_of_same = np.searchsorted(ev_key, _day_key(person[same_day], prep.c_decision[same_day]))
    rank = np.full(ev_key.size, len(DISPOSITIONS), dtype="int64")
    np.minimum.at(rank, ev_of_same, prep.c_disp_rank[same_day])
    codes = np.array([*DISPOSITIONS, None], dtype=object)
    disposition = codes[rank]
    treatment = np.full(ev_key.size, -1, dtype="int8")
    disp = pd.Series(disposition, dtype="object")
    treatment[disp.isin(spec.alternatives).to_numpy()] = 1
    treatment[disp.isin(spec.comparators).to_numpy()] = 0
    keep = treatment >= 0
    flow.events(
        "treatment_group",
        f"decision is an alternative ({_listed(spec.alternatives)}) or a comparator ({_listed(spec.comparators)})",
        ev_person[keep], treatment[keep], n_p,
    )
    idx = np.flatnonzero(keep)
    ev_person, ev_day, index_case = ev_person[idx], ev_day[idx], index_case[idx]
    disposition, treatment = disposition[idx], treatment[idx]
    remap = np.full(keep.size, -1, dtype="int64")
    remap[idx] = np.arange(idx.size)
    # Cases decided on the event day and their custody spells (the index spells).
    event_of_case = np.full(prep.n_case_codes, -1, dtype="int64")
    event_of_case[prep.c_case[same_day]] = remap[ev_of_same]
    index_spell = np.full(prep.s_person.size, -1, dtype="int64")
    linked = prep.s_case >= 0
    index_spell[linked] = event_of_case[prep.s_case[linked]]
    index_spell[prep.s_recall] = -1
    return ev_person, ev_day, index_case, disposition, treatment, index_spell


def _start_of_risk(
    prep: Prepared,
    spec: CohortSpec,
    flow: Flow,
    ev_person: np.ndarray,
    ev_day: np.ndarray,
    index_case: np.ndarray,
    disposition: np.ndarray,
    treatment: np.ndarray,
    index_spell: np.ndarray,
) -> Events:
    """Start of time at risk from the index spells; removes unknown releases, deaths and persons
    still in custody (event-level rules)."""
    n_p = len(prep.person_ids)
    n_ev = ev_person.size
    sp = np.flatnonzero(index_spell >= 0)
    n_spells = np.bincount(index_spell[sp], minlength=n_ev)
    rel = prep.s_release[sp]
    open_ = ~np.isfinite(rel) | (rel > prep.extract_day)
    n_open = np.bincount(index_spell[sp], weights=open_, minlength=n_ev)
    release = np.full(n_ev, -np.inf)
    np.maximum.at(release, index_spell[sp][~open_], rel[~open_])
    release[np.isneginf(release) | (n_open > 0)] = np.nan
    custody = disposition == DISPOSITION_CUSTODY
    start = ev_day.copy()
    alive = np.ones(n_ev, dtype=bool)
    if spec.start == "release":
        known = ~custody | (n_spells > 0)
        alive &= known
        flow.events(
            "release_known",
            "custody decision with a custody spell linked to a case of the decision day (else the release date is unknown)",
            ev_person[alive], treatment[alive], n_p,
        )
        in_custody = custody & (n_open > 0)
        start = np.where(custody, np.fmax(ev_day, release), ev_day)
        start[in_custody] = np.inf
    else:
        in_custody = np.zeros(n_ev, dtype=bool)
    death = prep.death_day[ev_person]
    alive &= ~(death <= start)
    flow.events(
        "alive_at_start",
        "alive at the start of time at risk (" + ("release or decision" if spec.start == "release" else "decision") + ")",
        ev_person[alive], treatment[alive], n_p,
    )
    excluded_in_custody = 0
    if spec.start == "release":
        excluded_in_custody = int((alive & in_custody).sum())
        alive &= ~in_custody
        flow.events("not_in_custody", "released from the index custody spell by the extract date", ev_person[alive], treatment[alive], n_p)
    keep = np.flatnonzero(alive)
    remap = np.full(n_ev, -1, dtype="int64")
    remap[keep] = np.arange(keep.size)
    # no index event at all (an empty cohort): no spell is an index spell
    index_spell = (np.where(index_spell >= 0, remap[np.maximum(index_spell, 0)], -1) if n_ev
                   else np.full_like(index_spell, -1))
    events = Events(
        person=ev_person[keep],
        index_day=ev_day[keep],
        index_case=index_case[keep],
        disposition=disposition[keep],
        treatment=treatment[keep],
        start_day=start[keep],
        release_day=release[keep],
        index_spell=index_spell,
        excluded_in_custody=excluded_in_custody,
    )
    return events
