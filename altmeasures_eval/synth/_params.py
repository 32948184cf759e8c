"""Parameters of the synthetic justice system: jurisdictions, offence mix, sentencing and risks.

Every number here is a modelling choice for a plausible, not a real, country; ``docs/methods/synth.md``
explains each one. Coded values come from :mod:`altmeasures_eval.schema`; ICCS codes below level 2
are built from the section constants there (the contract's vocabulary has no level-3/4 codes for
violent and property offences).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final

import numpy as np
import pandas as pd

from altmeasures_eval._errors import ConfigError
from altmeasures_eval.schema import (
    ALTERNATIVE_DISPOSITIONS,
    ICCS_DRUG_CULTIVATION_PERSONAL,
    ICCS_DRUG_POSSESSION_USE,
    ICCS_DRUG_TRAFFICKING,
    ICCS_PROPERTY_SECTION,
    ICCS_VIOLENT_SEXUAL_SECTIONS,
    SUBSTANCES,
)

COUNTRY: Final = "XSY"
EXTRACT_DATE: Final = pd.Timestamp("2025-12-31")
#: First offences (career starts) are drawn uniformly between these dates, so that every prior
#: of a person lies inside the data (no left truncation of criminal histories).
CAREER_START_FROM: Final = pd.Timestamp("2016-01-01")
CAREER_START_TO: Final = pd.Timestamp("2025-10-31")
#: Default evaluation period (decision dates, inclusive) for which the ground truth is computed.
PERIOD: Final = (pd.Timestamp("2021-01-01"), pd.Timestamp("2021-12-31"))
HORIZONS: Final = (365, 730, 1095)
WAITING_PERIOD: Final = 182
MIN_AGE: Final = 18
#: Safety cap on cases per person (a career stops after this many cases; reached by < 0.1%).
MAX_SLOTS: Final = 60

# --- jurisdictions: code, share of persons, log-odds shift of custody, log hazard shift ----------
JURISDICTIONS: Final = ("capital", "north", "south", "east", "west")
JURISDICTION_SHARE: Final = np.array([0.30, 0.22, 0.20, 0.16, 0.12])
JURISDICTION_CUSTODY: Final = np.array([-0.3, 0.9, 0.0, 0.5, -1.0])
JURISDICTION_HAZARD: Final = np.array([0.10, 0.05, 0.0, -0.05, -0.10])
#: Share of eligible (personal-use) cases decided at the police stage (diversion schemes).
JURISDICTION_POLICE_DIVERSION: Final = np.array([0.12, 0.03, 0.08, 0.05, 0.20])

# --- persons -------------------------------------------------------------------------------------
SEX_SHARE: Final = np.array([0.84, 0.15, 0.005, 0.005])  # order of schema.SEXES
SEX_HAZARD: Final = np.array([0.0, -0.25, 0.0, 0.0])
SEX_CUSTODY: Final = np.array([0.0, -0.4, 0.0, 0.0])
#: Primary substance (order of schema.SUBSTANCES), its hazard and custody log shifts, and its
#: baseline overdose death rate per person-year.
SUBSTANCE_SHARE: Final = np.array([0.42, 0.16, 0.15, 0.12, 0.05, 0.04, 0.03, 0.03])
SUBSTANCE_HAZARD: Final = np.array([-0.25, 0.45, 0.25, 0.20, 0.10, 0.10, 0.0, 0.0])
SUBSTANCE_CUSTODY: Final = np.array([-0.7, 0.6, 0.4, 0.3, 0.0, 0.0, 0.0, 0.0])
SUBSTANCE_OVERDOSE: Final = np.array([0.0003, 0.010, 0.003, 0.002, 0.002, 0.004, 0.001, 0.001])
assert len(SUBSTANCE_SHARE) == len(SUBSTANCES)
#: Share of persons whose offending is mainly drug-related (the rest offend mainly against property
#: or persons and only occasionally with drugs).
DRUG_PROFILE_SHARE: Final = 0.75

# --- offences ------------------------------------------------------------------------------------
CAT_ELIGIBLE, CAT_TRAFFICKING, CAT_PROPERTY, CAT_VIOLENT = 0, 1, 2, 3
#: Offence category probabilities by profile (drug, other).
CATEGORY_P: Final = np.array([[0.62, 0.07, 0.21, 0.10], [0.10, 0.04, 0.52, 0.34]])
COMPANION_P: Final = 0.12  # a second offence decided on the same date (same incident)
COMPANION_CATEGORY_P: Final = np.array([0.0, 0.25, 0.50, 0.25])
ELIGIBLE_CODES: Final = (ICCS_DRUG_POSSESSION_USE, ICCS_DRUG_CULTIVATION_PERSONAL)
ELIGIBLE_CODE_P: Final = np.array([0.9, 0.1])
TRAFFICKING_CODES: Final = (ICCS_DRUG_TRAFFICKING,)
_V = ICCS_VIOLENT_SEXUAL_SECTIONS
#: Illustrative ICCS level-2 codes: 0201 assault, 0202 threat, 0301 sexual violence, 0401 robbery,
#: 0101 intentional homicide (level below 2 unverified; analyses select by section prefix only).
VIOLENT_CODES: Final = (_V[1] + "01", _V[1] + "02", _V[3] + "01", _V[2] + "01", _V[0] + "01")
VIOLENT_CODE_P: Final = np.array([0.50, 0.22, 0.15, 0.10, 0.03])
#: 0501 burglary, 0502 theft, 0701-like fraud is not generated.
PROPERTY_CODES: Final = (ICCS_PROPERTY_SECTION + "01", ICCS_PROPERTY_SECTION + "02")
PROPERTY_CODE_P: Final = np.array([0.3, 0.7])

# --- reoffending hazard: Weibull, H(t) = m * (t / scale) ** shape -------------------------------
HAZARD_SHAPE: Final = 0.8
HAZARD_SCALE_DAYS: Final = 900.0
HAZARD_PRIOR: Final = 0.30  # per log(1 + prior proven cases)
HAZARD_AGE: Final = -0.03  # per year of age above 25
FRAILTY_SHAPE: Final = 2.0  # gamma frailty with mean 1 and variance 1 / shape (unobserved)

# --- custody decision (logistic) -----------------------------------------------------------------
CUSTODY_INTERCEPT: Final = -2.0
CUSTODY_PRIOR: Final = 0.9  # per log(1 + prior proven cases)
CUSTODY_HAD_CUSTODY: Final = 0.7
CUSTODY_AGE: Final = 0.02  # per year above 25
CUSTODY_REMAND: Final = 0.8
CUSTODY_CATEGORY: Final = np.array([0.0, 2.2, 0.6, 1.8])  # main offence category
CUSTODY_SERIOUS_COMPANION: Final = 1.5

# --- alternatives by stage (order of ALTERNATIVE_DISPOSITIONS) ------------------------------------
def _alt_weights(**w: float) -> np.ndarray:
    return np.array([w.get(a, 0.0) for a in ALTERNATIVE_DISPOSITIONS], dtype=float)


ALT_POLICE: Final = _alt_weights(diversion=1.0)
ALT_PRE_TRIAL: Final = _alt_weights(
    diversion=0.45, conditional_discharge=0.25, treatment_order=0.15, drug_testing=0.15
)
ALT_COURT: Final = _alt_weights(
    fine=0.22, suspended_sentence=0.18, community_service=0.15, probation=0.13,
    treatment_order=0.10, conditional_discharge=0.08, electronic_monitoring=0.04,
    home_detention=0.03, drug_testing=0.03, restitution=0.02, other_non_custodial=0.02,
)
#: Extra weight on treatment orders for people whose primary substance is opioids or cocaine.
ALT_TREATMENT_BOOST: Final = 2.5
#: Length of the alternative measure in days (uniform between the bounds); NaN = no length.
ALT_MEASURE_DAYS: Final = {
    "diversion": (90, 180), "conditional_discharge": (180, 365), "suspended_sentence": (365, 730),
    "community_service": (90, 365), "probation": (365, 730), "treatment_order": (180, 365),
    "fine": (np.nan, np.nan), "home_detention": (60, 180), "electronic_monitoring": (60, 180),
    "restitution": (np.nan, np.nan), "drug_testing": (90, 180), "other_non_custodial": (90, 365),
}
#: Probability of a breach or recall custody spell during the measure (scaled by frailty).
ALT_BREACH_P: Final = {
    "diversion": 0.03, "conditional_discharge": 0.02, "suspended_sentence": 0.10,
    "community_service": 0.10, "probation": 0.12, "treatment_order": 0.12, "fine": 0.0,
    "home_detention": 0.15, "electronic_monitoring": 0.15, "restitution": 0.0,
    "drug_testing": 0.10, "other_non_custodial": 0.05,
}
#: Probability of a justice-referred treatment episode after the decision.
ALT_TREATMENT_P: Final = {
    "diversion": 0.5, "conditional_discharge": 0.1, "suspended_sentence": 0.15,
    "community_service": 0.1, "probation": 0.25, "treatment_order": 0.9, "fine": 0.03,
    "home_detention": 0.05, "electronic_monitoring": 0.05, "restitution": 0.03,
    "drug_testing": 0.4, "other_non_custodial": 0.1,
}
CUSTODY_THROUGHCARE_P: Final = 0.2

# --- custody sentence (days): 14 + lognormal, capped -----------------------------------------------
SENTENCE_MEDIAN: Final = np.array([60.0, 300.0, 150.0, 240.0])  # by main offence category
SENTENCE_SIGMA: Final = 0.8
SENTENCE_CAP: Final = np.array([540, 2400, 1200, 1800])
REMAND_BASE_P: Final = 0.10

# --- mortality ------------------------------------------------------------------------------------
OTHER_DEATH_RATE: Final = 0.003  # per person-year at age 30, x exp(0.08 per year of age)
POST_RELEASE_DAYS: Final = 14  # Merrall et al. (2010): weeks 1-2 after release
POST_RELEASE_OVERDOSE_RR: Final = 6.0  # within the 3-8 range of Merrall et al. (2010)

# --- missingness ------------------------------------------------------------------------------------
MISSING_BIRTH_YEAR: Final = 0.03
MISSING_SUBSTANCE: Final = 0.08
MISSING_MEASURE_DAYS: Final = 0.10
UNKNOWN_DEATH_CAUSE: Final = 0.05

#: Default true hazard ratios of each alternative versus custody on the reoffending hazard.
DEFAULT_EFFECTS: Final[dict[str, float]] = {
    "diversion": 0.75,
    "conditional_discharge": 0.90,
    "suspended_sentence": 0.85,
    "community_service": 0.85,
    "probation": 0.80,
    "treatment_order": 0.65,
    "fine": 0.95,
    "home_detention": 0.85,
    "electronic_monitoring": 0.85,
    "restitution": 0.90,
    "drug_testing": 0.80,
    "other_non_custodial": 0.90,
}


@dataclass(frozen=True)
class SynthSettings:
    """Resolved settings of one simulation (what ``ground_truth.json`` records as the generator).

    Attributes
    ----------
    effects : dict of str to float
        True hazard ratio of each alternative disposition versus custody.
    confounding : float
        Multiplier of every covariate coefficient of the custody decision (0 = custody assigned at
        random within jurisdiction-free strata; 1 = default strength).
    period : tuple of pandas.Timestamp
        Decision-date period of the evaluation cohort whose truth is computed.
    """

    effects: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_EFFECTS))
    confounding: float = 1.0
    period: tuple[pd.Timestamp, pd.Timestamp] = PERIOD

    def log_hr(self) -> np.ndarray:
        """Log hazard ratios in the order of ``ALTERNATIVE_DISPOSITIONS``."""
        return np.log(np.array([self.effects[a] for a in ALTERNATIVE_DISPOSITIONS]))


def resolve_effects(effects: float | Mapping[str, float] | None) -> dict[str, float]:
    """Hazard ratio per alternative: a number applies to all, a mapping overrides the defaults."""
    if effects is None:
        return dict(DEFAULT_EFFECTS)
    if isinstance(effects, bool):
        raise ConfigError(f"effects must be a hazard ratio or a mapping of them, got {effects!r}")
    if isinstance(effects, int | float):
        out = {a: float(effects) for a in ALTERNATIVE_DISPOSITIONS}
    elif isinstance(effects, Mapping):
        unknown = sorted(set(effects) - set(ALTERNATIVE_DISPOSITIONS))
        if unknown:
            raise ConfigError(
                f"effects: {unknown} are not alternative dispositions; use any of "
                f"{', '.join(ALTERNATIVE_DISPOSITIONS)}"
            )
        out = {**DEFAULT_EFFECTS, **{k: float(v) for k, v in effects.items()}}
    else:
        raise ConfigError(f"effects must be a hazard ratio or a mapping of them, got {effects!r}")
    bad = {k: v for k, v in out.items() if not (np.isfinite(v) and v > 0)}
    if bad:
        raise ConfigError(f"effects: hazard ratios must be positive finite numbers, got {bad}")
    return out
