"""The career engine: every person's sequence of cases, custody spells, treatment and death.

A person's career is a sequence of *slots*. Slot 0 is the first recorded offence (the career
start); each later offence follows the start of time at risk of the previous case (the decision
date, or the release from a custodial sentence) after a Weibull waiting time whose hazard depends
on the person (unobserved frailty, sex, substance, jurisdiction, age), on their record so far and,
proportionally, on the disposition of their latest proven case (``effects``: hazard ratio of each
alternative versus custody). Death competes with the next offence, with an overdose hazard that is
raised in the weeks just after a release from custody.

The computation is vectorised over persons and loops over slots only. When a person reaches their
index decision (first eligible proven decision in the evaluation period), a *counterfactual row*
is forked that receives the other arm and then lives on with the same uniforms (common random
numbers), so each index person has both potential careers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.special import expit, ndtri

from altmeasures_eval.schema import ALTERNATIVE_DISPOSITIONS, STAGES, SUBSTANCES
from altmeasures_eval.synth import _params as P
from altmeasures_eval.synth._random import PERSON_SLOT, hashed_uniforms, person_hashes, seed_key

EPOCH = pd.Timestamp("1970-01-01")
NEVER = np.iinfo(np.int64).max // 4

# Stage indices in schema.STAGES order.
ST_POLICE, ST_PRE_TRIAL, ST_TRIAL, ST_SENTENCING = (STAGES.index(s) for s in STAGES[:4])
SUB_OPIOIDS, SUB_COCAINE = SUBSTANCES.index("opioids"), SUBSTANCES.index("cocaine")
N_ALT = len(ALTERNATIVE_DISPOSITIONS)
ALT_TREATMENT_ORDER = ALTERNATIVE_DISPOSITIONS.index("treatment_order")
#: Disposition code in the records: -1 custody, 0..N_ALT-1 alternatives, -2 dismissed.
DISP_CUSTODY, DISP_DISMISSED = -1, -2

# Field numbers of the per-slot uniforms (never renumber: it changes every data set).
(F_GAP, F_DEATH, F_CAUSE, F_CAT, F_CODE, F_COMP, F_COMPCAT, F_COMPCODE, F_STAGE, F_LAG1, F_LAG2,
 F_PROVEN, F_REMAND, F_REMLEN, F_CUSTODY, F_ALT, F_SENT, F_MEAS, F_MEASNA, F_BREACH, F_BTIME,
 F_BLEN, F_TX, F_TXDELAY, F_MOD, F_TXDUR, F_TXDONE, F_SUBNA, F_STAGE2) = range(29)
# Person-level fields (slot PERSON_SLOT).
(G_JUR, G_SEX, G_SUB, G_PROFILE, G_FRAILTY, G_START, G_AGE1, G_AGE2, G_BYNA, G_HEALTH,
 G_ID, G_CAUSENA) = range(12)


def day(ts: pd.Timestamp) -> int:
    """Day number (days since 1970-01-01) of a timestamp."""
    return int((pd.Timestamp(ts) - EPOCH).days)


def year_of(days: np.ndarray) -> np.ndarray:
    """Calendar year of day numbers (proleptic Gregorian, as ``datetime64``), in integer arithmetic.

    Hinnant's ``civil_from_days`` (http://howardhinnant.github.io/date_algorithms.html): shift the
    epoch to 0000-03-01 so that leap days end a year, split into 400-year eras, then the year of
    the era; a date in January or February belongs to the next civil year.
    """
    z = np.asarray(days, dtype=np.int64) + 719_468
    era = z // 146_097
    doe = z - era * 146_097  # day of the era, 0 .. 146,096
    yoe = (doe - doe // 1_460 + doe // 36_524 - doe // 146_096) // 365  # year of the era, 0 .. 399
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)  # day of the year from 1 March, 0 .. 365
    return yoe + era * 400 + ((5 * doy + 2) // 153 >= 10)


def categorical(p: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Index drawn from probabilities ``p`` (one row per draw, or one shared row) by inversion."""
    p = np.atleast_2d(p)
    cum = np.cumsum(p / p.sum(axis=1, keepdims=True), axis=1)
    if cum.shape[0] == 1:  # one row for every draw: the number of cumulative shares below u
        return np.minimum(np.searchsorted(cum[0], u, side="left"), p.shape[1] - 1)
    return np.minimum((u[:, None] > cum).sum(axis=1), p.shape[1] - 1)


@dataclass
class Persons:
    """Person-level draws (index = person number)."""

    jur: np.ndarray
    sex: np.ndarray
    sub: np.ndarray
    profile: np.ndarray
    frailty: np.ndarray
    career_start: np.ndarray
    birth_year: np.ndarray
    birth_year_missing: np.ndarray
    health_rate: np.ndarray
    death_cause_unknown: np.ndarray


def draw_persons(hashes: np.ndarray) -> Persons:
    """Draw every person-level characteristic of persons 0..n-1 (``hashes``: their
    ``person_hashes``)."""

    def u(f: int) -> np.ndarray:
        return hashed_uniforms(hashes, PERSON_SLOT, f)

    jur = categorical(P.JURISDICTION_SHARE, u(G_JUR))
    sex = categorical(P.SEX_SHARE, u(G_SEX))
    sub = categorical(P.SUBSTANCE_SHARE, u(G_SUB))
    profile = (u(G_PROFILE) >= P.DRUG_PROFILE_SHARE).astype(np.int8)  # 0 drug, 1 other
    # Gamma(shape k, scale 1/k) by Wilson-Hilferty on a normal quantile: mean 1, variance 1/k.
    k = P.FRAILTY_SHAPE
    z = ndtri(u(G_FRAILTY))
    frailty = np.maximum(k * (1 - 1 / (9 * k) + z * np.sqrt(1 / (9 * k))) ** 3 / k, 0.05)
    lo, hi = day(P.CAREER_START_FROM), day(P.CAREER_START_TO)
    career_start = lo + np.floor(u(G_START) * (hi - lo + 1)).astype(np.int64)
    # Age at first recorded offence: 15 + Gamma(2, 5) years (mean 25).
    age1 = 15 + 5 * -np.log(u(G_AGE1) * u(G_AGE2))
    birth_year = year_of(career_start) - np.floor(age1).astype(np.int64)
    health_rate = np.where(profile == 0, 0.12, 0.02) * np.where(sub == SUB_OPIOIDS, 3.0, 1.0)
    return Persons(
        jur=jur, sex=sex, sub=sub, profile=profile, frailty=frailty, career_start=career_start,
        birth_year=birth_year, birth_year_missing=u(G_BYNA) < P.MISSING_BIRTH_YEAR,
        health_rate=health_rate,
        # A death's cause is unrecorded for some persons whatever the arm (a recording fact).
        death_cause_unknown=u(G_CAUSENA) < P.UNKNOWN_DEATH_CAUSE,
    )


class _Rows:
    """Career rows: one per person (world 0) plus one counterfactual row per index person."""

    COLS = ("person", "world", "start", "n_proven", "had_custody", "post_release", "hr_log",
            "forked", "stop", "death", "death_cause", "active", "idx_slot", "idx_start", "breach_adm")

    def __init__(self, n: int, stop: int, career_start: np.ndarray) -> None:
        self.person = np.arange(n, dtype=np.int64)
        self.world = np.zeros(n, dtype=np.int8)
        self.start = career_start.copy()
        self.n_proven = np.zeros(n, dtype=np.int32)
        self.had_custody = np.zeros(n, dtype=bool)
        self.post_release = np.zeros(n, dtype=bool)
        self.hr_log = np.zeros(n)
        self.forked = np.zeros(n, dtype=bool)
        self.stop = np.full(n, stop, dtype=np.int64)
        self.death = np.full(n, NEVER, dtype=np.int64)
        self.death_cause = np.zeros(n, dtype=np.int8)  # 1 overdose, 2 other
        self.active = np.ones(n, dtype=bool)
        self.idx_slot = np.full(n, -1, dtype=np.int32)
        self.idx_start = np.full(n, NEVER, dtype=np.int64)
        self.breach_adm = np.full(n, NEVER, dtype=np.int64)  # breach spell of the latest case

    def fork(self, rows: np.ndarray) -> np.ndarray:
        """Append counterfactual copies of ``rows``; return their new row numbers."""
        first = len(self.person)
        for col in self.COLS:
            arr = getattr(self, col)
            setattr(self, col, np.concatenate([arr, arr[rows]]))
        self.world[first:] = 1
        return np.arange(first, first + len(rows), dtype=np.int64)


@dataclass
class Career:
    """Raw output of the engine: persons, rows and one record per (row, slot) case."""

    persons: Persons
    rows: _Rows
    records: dict[str, np.ndarray]
    extract: int


def run_engine(n: int, seed: int, settings: P.SynthSettings) -> Career:
    """Simulate every career; see the module docstring for the model."""
    key = seed_key(seed)
    # Every uniform of a person starts from the same hash of (key, person): computed once here.
    hashes = person_hashes(key, np.arange(n, dtype=np.int64))
    ps = draw_persons(hashes)
    extract = day(P.EXTRACT_DATE)
    p_lo, p_hi = day(settings.period[0]), day(settings.period[1])
    max_h = max(P.HORIZONS)
    conf = float(settings.confounding)
    log_hr = settings.log_hr()
    rows = _Rows(n, extract, ps.career_start)
    alt_lo = np.array([P.ALT_MEASURE_DAYS[a][0] for a in ALTERNATIVE_DISPOSITIONS])
    alt_hi = np.array([P.ALT_MEASURE_DAYS[a][1] for a in ALTERNATIVE_DISPOSITIONS])
    alt_breach = np.array([P.ALT_BREACH_P[a] for a in ALTERNATIVE_DISPOSITIONS])
    alt_tx = np.array([P.ALT_TREATMENT_P[a] for a in ALTERNATIVE_DISPOSITIONS])
    lhp_person = (P.JURISDICTION_HAZARD[ps.jur] + P.SEX_HAZARD[ps.sex]
                  + P.SUBSTANCE_HAZARD[ps.sub] + np.log(ps.frailty))
    cust_person = conf * (P.JURISDICTION_CUSTODY[ps.jur] + P.SEX_CUSTODY[ps.sex])
    od_rate = P.SUBSTANCE_OVERDOSE[ps.sub] / 365.25
    records: list[dict[str, np.ndarray]] = []

    for slot in range(P.MAX_SLOTS):
        r = np.flatnonzero(rows.active)
        if r.size == 0:
            break
        p = rows.person[r]
        hp = hashes[p]

        def u(f: int, hp: np.ndarray = hp) -> np.ndarray:
            return hashed_uniforms(hp, slot, f)

        start = rows.start[r]
        if slot == 0:
            offence = start.copy()
        else:
            age = (year_of(start) - ps.birth_year[p]).astype(float)
            m = np.exp(lhp_person[p] + P.HAZARD_PRIOR * np.log1p(rows.n_proven[r])
                       + P.HAZARD_AGE * (age - 25) + rows.hr_log[r])
            t = P.HAZARD_SCALE_DAYS * (-np.log(u(F_GAP)) / m) ** (1 / P.HAZARD_SHAPE)
            offence = start + 1 + np.floor(np.minimum(t, 1e6)).astype(np.int64)
            # Death before the next offence: piecewise-constant hazard, raised after release.
            h_oth = P.OTHER_DEATH_RATE / 365.25 * np.exp(0.08 * (age - 30))
            h_od = od_rate[p]
            h_od1 = np.where(rows.post_release[r], h_od * P.POST_RELEASE_OVERDOSE_RR, h_od)
            h1, h2 = h_od1 + h_oth, h_od + h_oth
            e = -np.log(u(F_DEATH))
            w = P.POST_RELEASE_DAYS
            early = e < h1 * w
            t_death = np.where(early, e / h1, w + (e - h1 * w) / h2)
            death = start + 1 + np.floor(np.minimum(t_death, 1e6)).astype(np.int64)
            dies = death < offence
            p_od = np.where(early, h_od1 / h1, h_od / h2)
            dr = r[dies]
            rows.death[dr] = death[dies]
            rows.death_cause[dr] = np.where(u(F_CAUSE)[dies] < p_od[dies], 1, 2)
            rows.active[dr] = False
            ends = ~dies & (offence > rows.stop[r])
            rows.active[r[ends]] = False
            keep = ~dies & ~ends
            r, p, offence, hp = r[keep], p[keep], offence[keep], hp[keep]
            if r.size == 0:
                break
            # A breach spell of the previous case counts as prior custody if it began before this
            # offence (otherwise it is dropped, see ``finalise``).
            rows.had_custody[r] |= rows.breach_adm[r] < offence
        rec = _cases(slot, hp, r, p, offence, rows, ps)

        # --- fork the index decision: first eligible proven decision in the period ---------------
        dyear = year_of(rec["decision"])
        index = ((rows.world[r] == 0) & ~rows.forked[r] & (rec["cat"] == P.CAT_ELIGIBLE)
                 & ~rec["serious_comp"] & rec["proven"] & (rec["decision"] >= p_lo)
                 & (rec["decision"] <= p_hi) & ~ps.birth_year_missing[p]
                 & (dyear - ps.birth_year[p] >= P.MIN_AGE))
        fpos = np.flatnonzero(index)
        rows.forked[r[fpos]] = True
        new_rows = rows.fork(r[fpos])
        for name, arr in rec.items():
            rec[name] = np.concatenate([arr, arr[fpos]])
        r = np.concatenate([r, new_rows])
        p = rows.person[r]
        hp = hashes[p]
        is_cf = np.zeros(r.size, dtype=bool)
        is_cf[r.size - new_rows.size:] = True
        is_index = np.zeros(r.size, dtype=bool)
        is_index[fpos] = True
        is_index[is_cf] = True

        def u2(f: int, hp: np.ndarray = hp) -> np.ndarray:
            return hashed_uniforms(hp, slot, f)

        # --- disposition ------------------------------------------------------------------------------
        age = (year_of(rec["decision"]) - ps.birth_year[p]).astype(float)
        # The court weighs the substance as recorded on a drug case (none when unrecorded), so
        # that the decision depends only on what the data show: no unmeasured confounding.
        sub_na = u2(F_SUBNA) < P.MISSING_SUBSTANCE
        sub_seen = ~((rec["cat"] <= P.CAT_TRAFFICKING) & sub_na)
        lp = (P.CUSTODY_INTERCEPT + cust_person[p] + conf * P.SUBSTANCE_CUSTODY[ps.sub[p]] * sub_seen
              + conf * (P.CUSTODY_PRIOR * np.log1p(rows.n_proven[r])
                        + P.CUSTODY_HAD_CUSTODY * rows.had_custody[r]
                        + P.CUSTODY_AGE * (age - 25) + P.CUSTODY_REMAND * rec["remand"])
              + P.CUSTODY_CATEGORY[rec["cat"]] + P.CUSTODY_SERIOUS_COMPANION * rec["serious_comp"])
        p_custody = np.where(rec["stage"] == ST_POLICE, 0.0, expit(lp))
        custody = u2(F_CUSTODY) < p_custody
        custody = np.where(is_cf, ~custody, custody) & rec["proven"]
        weights = np.where(rec["stage"][:, None] == ST_POLICE, P.ALT_POLICE,
                           np.where(rec["stage"][:, None] == ST_PRE_TRIAL, P.ALT_PRE_TRIAL, P.ALT_COURT))
        boost = np.isin(ps.sub[p], (SUB_OPIOIDS, SUB_COCAINE))
        weights[boost, ALT_TREATMENT_ORDER] *= P.ALT_TREATMENT_BOOST
        alt = categorical(weights, u2(F_ALT))
        disp = np.where(~rec["proven"], DISP_DISMISSED, np.where(custody, DISP_CUSTODY, alt))
        cat = rec["cat"]
        sentence = 14 + np.minimum(np.round(P.SENTENCE_MEDIAN[cat] * np.exp(P.SENTENCE_SIGMA * ndtri(u2(F_SENT)))),
                                   P.SENTENCE_CAP[cat]).astype(np.int64)
        lo, hi = alt_lo[alt], alt_hi[alt]
        alt_days = np.floor(lo + (hi - lo + 1) * u2(F_MEAS))
        measure = np.where(custody, sentence, np.where(disp >= 0, alt_days, np.nan))
        decision = rec["decision"]
        release = np.where(custody, decision + sentence, NEVER)
        new_start = np.where(custody, release, decision)
        # Breach or recall of an alternative: a short custody spell during the measure.
        has_len = (disp >= 0) & np.isfinite(alt_days)
        breach = has_len & (u2(F_BREACH) < np.minimum(alt_breach[alt] * ps.frailty[p], 0.9))
        b_adm = decision + 1 + np.floor(u2(F_BTIME) * np.nan_to_num(alt_days)).astype(np.int64)
        b_rel = b_adm + 7 + np.floor(-30 * np.log(u2(F_BLEN))).astype(np.int64)
        # Justice-referred treatment, most likely after treatment orders and diversion.
        p_tx = np.where(custody, P.CUSTODY_THROUGHCARE_P, np.where(disp >= 0, alt_tx[alt], 0.0))
        p_tx = np.where((cat <= P.CAT_TRAFFICKING) | (ps.profile[p] == 0), p_tx, 0.0)
        tx = u2(F_TX) < p_tx
        tx_start = new_start + np.floor(45 * u2(F_TXDELAY)).astype(np.int64)
        tx_end = tx_start + 30 + np.floor(240 * u2(F_TXDUR)).astype(np.int64)
        rec.update(
            row=r, slot=np.full(r.size, slot, dtype=np.int32), disp=disp, alt=alt, measure=measure,
            sent_adm=np.where(custody, decision, NEVER), sent_rel=release, breach=breach,
            b_adm=b_adm, b_rel=b_rel, tx=tx, tx_start=tx_start, tx_end=tx_end,
            tx_mod_u=u2(F_MOD), tx_done=u2(F_TXDONE) < np.where(disp == ALT_TREATMENT_ORDER, 0.65, 0.55),
            measure_na=u2(F_MEASNA) < P.MISSING_MEASURE_DAYS, sub_na=sub_na,
            is_index=is_index, start_after=new_start,
            p_custody=p_custody,  # the true propensity of custody (published for index cases)
        )
        records.append(rec)

        # --- state update -----------------------------------------------------------------------------
        proven = rec["proven"]
        rows.n_proven[r] += proven.astype(np.int32) * (1 + rec["comp"].astype(np.int32))
        rows.had_custody[r] |= custody | rec["remand"]
        rows.post_release[r] = custody
        rows.hr_log[r] = np.where(proven, np.where(custody, 0.0, log_hr[alt]), rows.hr_log[r])
        rows.start[r] = new_start
        rows.breach_adm[r] = np.where(breach, b_adm, NEVER)
        ir = r[is_index]
        rows.idx_slot[ir] = slot
        rows.idx_start[ir] = new_start[is_index]
        rows.stop[ir] = np.maximum(extract, new_start[is_index] + max_h)

    out = {k: np.concatenate([rec[k] for rec in records]) for k in records[0]}
    career = Career(persons=ps, rows=rows, records=out, extract=extract)
    finalise(career)
    return career


def _cases(slot: int, hashes: np.ndarray, r: np.ndarray, p: np.ndarray, offence: np.ndarray,
           rows: _Rows, ps: Persons) -> dict[str, np.ndarray]:
    """Offence, stage, decision, outcome and remand of the case in ``slot`` of rows ``r``
    (``hashes``: ``person_hashes`` of their persons ``p``)."""

    def u(f: int) -> np.ndarray:
        return hashed_uniforms(hashes, slot, f)

    cat = categorical(P.CATEGORY_P[ps.profile[p]], u(F_CAT))
    code_u = u(F_CODE)
    comp = u(F_COMP) < P.COMPANION_P
    comp_cat = np.where(comp, categorical(P.COMPANION_CATEGORY_P, u(F_COMPCAT)), -1)
    serious_comp = (comp_cat == P.CAT_TRAFFICKING) | (comp_cat == P.CAT_VIOLENT)
    eligible = cat == P.CAT_ELIGIBLE
    # Stage: police diversion only for personal-use cases without a companion offence.
    police = eligible & ~comp & (u(F_STAGE) < P.JURISDICTION_POLICE_DIVERSION[ps.jur[p]])
    q_pre = np.where(eligible, 0.15, 0.05)  # share decided pre-trial (conditional discharge, diversion)
    su = u(F_STAGE2)
    stage = np.where(police, ST_POLICE,
                     np.where(su > 1 - q_pre, ST_PRE_TRIAL,
                              np.where(su < 0.65 * (1 - q_pre), ST_SENTENCING, ST_TRIAL)))
    g2 = -np.log(u(F_LAG1) * u(F_LAG2))
    lag = np.where(stage == ST_POLICE, 1 + np.floor(14 * u(F_LAG1)),
                   np.where(stage == ST_PRE_TRIAL, 20 + np.floor(25 * g2), 45 + np.floor(60 * g2)))
    decision = offence + lag.astype(np.int64)
    proven = (stage == ST_POLICE) | (u(F_PROVEN) < np.where(eligible, 0.88, 0.78))
    serious = (cat == P.CAT_TRAFFICKING) | (cat == P.CAT_VIOLENT) | serious_comp
    p_remand = np.minimum(P.REMAND_BASE_P * (1 + 2.0 * serious) * (1 + rows.had_custody[r]), 0.8)
    remand = (stage >= ST_TRIAL) & (u(F_REMAND) < p_remand)
    r_rel = np.minimum(offence + 3 + np.floor(-40 * np.log(u(F_REMLEN))).astype(np.int64), decision - 1)
    return dict(
        person=p, offence=offence, decision=decision, cat=cat, code_u=code_u, comp=comp,
        comp_code_u=u(F_COMPCODE),
        comp_cat=comp_cat, serious_comp=serious_comp, stage=stage, proven=proven, remand=remand,
        r_adm=np.where(remand, offence, NEVER), r_rel=np.where(remand, r_rel, NEVER),
    )


def finalise(career: Career) -> None:
    """Cut breach spells and treatment episodes at the next offence and at death (in place).

    A breach spell that would start on or after the next offence is dropped (the new case takes
    over) and one that would run into it ends the day before, so custody spells never overlap; both
    end at death. Records are put in (row, slot) order.
    """
    rec = career.records
    order = np.lexsort((rec["slot"], rec["row"]))
    for k in rec:
        rec[k] = rec[k][order]
    row = rec["row"]
    same_next = np.zeros(row.size, dtype=bool)
    same_next[:-1] = row[1:] == row[:-1]
    next_off = np.full(row.size, NEVER, dtype=np.int64)
    next_off[:-1] = np.where(same_next[:-1], rec["offence"][1:], NEVER)
    death = career.rows.death[row]
    rec["next_offence"] = next_off
    rec["breach"] &= (rec["b_adm"] < next_off) & (rec["b_adm"] < death)
    rec["b_rel"] = np.minimum(np.minimum(rec["b_rel"], next_off - 1), death)
    rec["tx"] &= rec["tx_start"] < death
    cut = rec["tx_end"] > death
    rec["tx_end"] = np.where(cut, death, rec["tx_end"])
    rec["tx_done"] &= ~cut
