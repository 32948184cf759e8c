"""A second data generator, written apart from ``altmeasures_eval.synth``, with other functional forms.

``synth`` simulates careers with a proportional-hazards reoffending process and a logistic custody
decision. This one writes the contract tables directly from a one-shot design:

* **assignment** by steps and an interaction: the log-odds of an alternative jump at one and at
  four prior proven cases, rise for young women only (age < 25 and female), shift by jurisdiction
  and by stage; optional rules make a stage or a jurisdiction decide the group outright;
* **outcome** from a probit model of proven reoffending within one year, with an effect that differs
  for people with three or more priors, and common random numbers for both potential outcomes;
* **its own truth**: per person tau(X) = P(Y(1) = 1 | X) - P(Y(0) = 1 | X), and the realised
  potential outcomes; the ATT of any retained population is the mean tau over its treated persons.

Prior custody spells have random lengths, or one fixed length (``spell_days``) as in a source system
that records a fixed length per spell: ``prior_bed_days`` is then exactly ``spell_days`` x
``prior_custody_spells`` (aliased covariates). Everything is vectorised over persons.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from altmeasures_eval.schema import Dataset, ExtractInfo

EXTRACT_DATE = pd.Timestamp("2025-12-31")
ALTERNATIVES = np.array(["probation", "fine", "community_service", "treatment_order"], dtype=object)
JURISDICTIONS = np.array(["J1", "J2", "J3", "J4"], dtype=object)
SUBSTANCES = np.array(["cannabis", "cocaine", "opioids"], dtype=object)
GAP_DAYS = 300  # prior cases at least this far apart, longer than any prior spell: spells never overlap


@dataclass(frozen=True)
class SecondSettings:
    """Settings of one draw from the second generator (defaults: a well-posed evaluation)."""

    n_persons: int = 4000
    period: tuple[str, str] = ("2019-01-01", "2021-12-31")
    stages: tuple[str, ...] = ("trial", "sentencing")
    spell_days: int | None = None          # a fixed length for every prior spell (aliased covariates)
    pretrial_all_alternative: bool = False  # every pre-trial index case gets an alternative
    jurisdiction_decides: bool = False      # J1, J2 always custody; J3, J4 always an alternative
    n_treated: int | None = None            # keep only this many treated persons (tiny groups)
    p_reoffend: tuple[float, float] | None = None  # fixed (treated, control) risks instead of the probit
    effect: float = -0.30                   # probit-scale effect of an alternative (fewer than 3 priors)
    effect_high_priors: float = -0.10       # ... and with 3 or more priors
    base_alternative: float = -0.2          # log-odds of an alternative at the reference levels


@dataclass(frozen=True)
class SecondData:
    """The tables and the generator's own truth.

    Attributes
    ----------
    dataset : Dataset
    persons : pandas.DataFrame
        One row per person of the evaluation cohort: ``person_id``, ``treatment``, ``stage``,
        ``jurisdiction``, ``tau`` (P(Y(1)=1|X) - P(Y(0)=1|X)), ``y1``, ``y0`` (potential outcomes).
    settings : SecondSettings
    """

    dataset: Dataset
    persons: pd.DataFrame
    settings: SecondSettings = field(default_factory=SecondSettings)

    def att(self, person_ids: pd.Series | np.ndarray | None = None) -> float:
        """Mean tau over the treated persons among ``person_ids`` (default: every treated person)."""
        p = self.persons
        if person_ids is not None:
            p = p[p["person_id"].isin(pd.Series(person_ids).astype(str))]
        return float(p.loc[p["treatment"] == 1, "tau"].mean())


def _days(n: np.ndarray | int) -> pd.TimedeltaIndex:
    return pd.to_timedelta(np.asarray(n), unit="D")


def generate(settings: SecondSettings = SecondSettings(), seed: int = 0) -> SecondData:
    """Draw one data set; the same settings and seed give the same tables."""
    s = settings
    rng = np.random.default_rng([seed, 7309])
    n = s.n_persons
    ids = (f"Q{seed % 1000:03d}" + pd.Series(np.arange(n)).astype(str).str.zfill(6)).to_numpy(dtype=object)
    female = rng.random(n) < 0.3
    age = rng.integers(18, 60, n)
    juris = JURISDICTIONS[rng.integers(0, 4, n)]
    substance = SUBSTANCES[rng.choice(3, n, p=[0.6, 0.25, 0.15])]
    stage = np.asarray(s.stages, dtype=object)[rng.integers(0, len(s.stages), n)]
    priors = np.minimum(rng.poisson(1.6, n), 6)
    # a prior case led to custody with probability rising in its rank
    prior_custody = rng.random((n, 6)) < np.linspace(0.25, 0.6, 6)
    prior_custody &= np.arange(6)[None, :] < priors[:, None]
    start, end = pd.Timestamp(s.period[0]), pd.Timestamp(s.period[1])
    decision = start + _days(rng.integers(0, (end - start).days + 1, n))
    birth_year = decision.year.to_numpy() - age

    # assignment: steps at 1 and 4 priors, young women, jurisdiction and stage shifts
    lin = (s.base_alternative + 1.2 * (priors <= 1) - 0.9 * (priors >= 4) + 0.9 * ((age < 25) & female)
           + np.select([juris == "J1", juris == "J2", juris == "J3"], [-0.6, 0.0, 0.5], 0.3)
           - 0.4 * (stage == "sentencing") + 0.3 * (substance == "opioids"))
    treat = (rng.random(n) < 1 / (1 + np.exp(-lin))).astype(int)
    if s.pretrial_all_alternative:
        treat[stage == "pre_trial"] = 1
    if s.jurisdiction_decides:
        treat = np.isin(juris, ["J3", "J4"]).astype(int)
    keep = np.ones(n, bool)
    if s.n_treated is not None:
        treated = np.flatnonzero(treat == 1)
        keep[treated[s.n_treated:]] = False

    # outcome: probit model, effect weaker with 3+ priors, common random numbers
    eta0 = (-0.45 + 0.18 * np.minimum(priors, 5) + 0.35 * (age < 25) - 0.25 * female
            + np.select([juris == "J1", juris == "J4"], [0.2, -0.15], 0.0) + 0.25 * (substance == "opioids"))
    eta1 = eta0 + np.where(priors >= 3, s.effect_high_priors, s.effect)
    p0, p1 = stats.norm.cdf(eta0), stats.norm.cdf(eta1)
    if s.p_reoffend is not None:
        p1, p0 = np.full(n, s.p_reoffend[0]), np.full(n, s.p_reoffend[1])
    u = rng.random(n)
    y1, y0 = (u < p1).astype(int), (u < p0).astype(int)
    y = np.where(treat == 1, y1, y0)

    ids, female, age, juris, substance, stage, priors = (a[keep] for a in (ids, female, age, juris, substance, stage, priors))
    prior_custody, decision, birth_year, treat = prior_custody[keep], decision[keep], birth_year[keep], treat[keep]
    y, y1, y0, p1, p0 = y[keep], y1[keep], y0[keep], p1[keep], p0[keep]
    m = len(ids)
    r2 = np.random.default_rng([seed, 7310])

    persons = pd.DataFrame({"person_id": ids, "sex": np.where(female, "female", "male"),
                            "birth_year": pd.array(birth_year, dtype="Int64"), "jurisdiction": juris,
                            "death_date": pd.NaT, "death_cause": None})
    # prior cases (property offences, never eligible), GAP_DAYS+ apart before the index decision
    pi, pj = np.nonzero(np.arange(6)[None, :] < priors[:, None])
    p_dec = decision[pi] - _days(GAP_DAYS * (pj + 1) + r2.integers(0, 40, pi.size))
    p_case = (pd.Series(ids[pi]) + "P" + pd.Series(pj).astype(str)).to_numpy(dtype=object)
    p_cust = prior_custody[pi, pj]
    prior_cases = pd.DataFrame({"case_id": p_case, "person_id": ids[pi], "offence_date": p_dec - _days(30),
                                "iccs_code": "0502", "substance": None, "stage": "sentencing",
                                "decision_date": p_dec, "outcome": "proven",
                                "disposition": np.where(p_cust, "custody", "fine"), "measure_days": pd.NA})
    length = (np.full(int(p_cust.sum()), s.spell_days) if s.spell_days is not None
              else r2.integers(10, 200, int(p_cust.sum())))
    prior_spells = pd.DataFrame({"spell_id": "S" + pd.Series(p_case[p_cust], dtype=object), "person_id": ids[pi][p_cust],
                                 "case_id": p_case[p_cust], "admission_date": p_dec[p_cust],
                                 "release_date": p_dec[p_cust] + _days(length), "custody_type": "sentenced"})
    # index cases and the index custody spells
    alt = ALTERNATIVES[r2.integers(0, len(ALTERNATIVES), m)]
    idx_case = (pd.Series(ids) + "I").to_numpy(dtype=object)
    index_cases = pd.DataFrame({"case_id": idx_case, "person_id": ids, "offence_date": decision - _days(40),
                                "iccs_code": "060111", "substance": substance, "stage": stage,
                                "decision_date": decision, "outcome": "proven",
                                "disposition": np.where(treat == 1, alt, "custody"), "measure_days": pd.NA})
    stay = r2.integers(30, 240, m)
    cust = treat == 0
    index_spells = pd.DataFrame({"spell_id": "S" + pd.Series(idx_case[cust], dtype=object), "person_id": ids[cust],
                                 "case_id": idx_case[cust], "admission_date": decision[cust],
                                 "release_date": decision[cust] + _days(stay[cust]), "custody_type": "sentenced"})
    # one proven reoffence within a year of the start, decided within the six-month waiting period
    begin = np.where(cust, decision + _days(stay), decision)
    re = y == 1
    r_off = pd.DatetimeIndex(begin[re]) + _days(r2.integers(1, 365, int(re.sum())))
    r_case = (pd.Series(ids[re], dtype=object) + "R").to_numpy(dtype=object)
    reoffences = pd.DataFrame({"case_id": r_case, "person_id": ids[re], "offence_date": r_off, "iccs_code": "0502",
                               "substance": None, "stage": "sentencing",
                               "decision_date": r_off + _days(r2.integers(10, 150, int(re.sum()))),
                               "outcome": "proven", "disposition": "fine", "measure_days": pd.NA})
    cases = pd.concat([prior_cases, index_cases, reoffences], ignore_index=True)
    cases["measure_days"] = pd.array(cases["measure_days"], dtype="Int64")
    spells = pd.concat([prior_spells, index_spells], ignore_index=True)
    episodes = pd.DataFrame({c: pd.Series(dtype=object) for c in
                             ("episode_id", "person_id", "case_id", "referral_source", "modality")})
    episodes["start_date"] = pd.Series(dtype="datetime64[ns]")
    episodes["end_date"] = pd.Series(dtype="datetime64[ns]")
    episodes["completed"] = pd.Series(dtype="boolean")
    dataset = Dataset(persons=persons, cases=cases, custody_spells=spells, treatment_episodes=episodes,
                      extract=ExtractInfo(country="XSC", extract_date=EXTRACT_DATE,
                                          source="tests/scenarios/_second.py (synthetic, no real person)"))
    truth = pd.DataFrame({"person_id": ids, "treatment": treat, "stage": stage, "jurisdiction": juris,
                          "tau": p1 - p0, "y1": y1, "y0": y0})
    return SecondData(dataset=dataset, persons=truth, settings=s)
