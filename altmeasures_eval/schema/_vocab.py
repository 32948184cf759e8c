"""Controlled vocabularies of the data contract, v1.

This module is the only place that spells the contract's coded values. Every other module imports
the names from here (``from altmeasures_eval.schema import DISPOSITIONS``), so that a new code is
added in one line and a typo is an ``AttributeError``, not a silently empty subgroup.

References
----------
UNODC (2015). International Classification of Crime for Statistical Purposes (ICCS), version 1.0.
UN General Assembly resolution 45/110 (1990), the Tokyo Rules, for the list of non-custodial measures.
UNODC/WHO (2019). Treatment and care for people with drug use disorders in contact with the criminal
justice system: alternatives to conviction or punishment (stages of the justice process).
"""

from __future__ import annotations

from typing import Final

CONTRACT_VERSION: Final = "1"

# --- persons -------------------------------------------------------------------------------------
SEXES: Final = ("male", "female", "other", "unknown")
DEATH_OVERDOSE: Final = "overdose"
DEATH_OTHER: Final = "other"
DEATH_UNKNOWN: Final = "unknown"
DEATH_CAUSES: Final = (DEATH_OVERDOSE, DEATH_OTHER, DEATH_UNKNOWN)

# --- cases ---------------------------------------------------------------------------------------
SUBSTANCES: Final = (
    "cannabis",
    "opioids",
    "cocaine",
    "amphetamine_type_stimulants",
    "new_psychoactive_substances",
    "sedatives",
    "other",
    "unknown",
)
#: Stage of the justice process at which the case was decided; ``police`` = diversion at or
#: before arrest.
STAGE_POLICE: Final = "police"
STAGE_PRE_TRIAL: Final = "pre_trial"
STAGE_TRIAL: Final = "trial"
STAGE_SENTENCING: Final = "sentencing"
STAGE_POST_SENTENCING: Final = "post_sentencing"
STAGES: Final = (STAGE_POLICE, STAGE_PRE_TRIAL, STAGE_TRIAL, STAGE_SENTENCING, STAGE_POST_SENTENCING)
#: ``proven`` = conviction, caution or accepted diversion.
OUTCOME_PROVEN: Final = "proven"
OUTCOME_NOT_PROVEN: Final = "not_proven"
OUTCOME_PENDING: Final = "pending"
OUTCOMES: Final = (OUTCOME_PROVEN, OUTCOME_NOT_PROVEN, OUTCOME_PENDING)

DISPOSITION_CUSTODY: Final = "custody"
DISPOSITION_DISMISSED: Final = "dismissed"
#: Non-custodial measures (Tokyo Rules 8.2 and CND resolution 58/5).
ALTERNATIVE_DISPOSITIONS: Final = (
    "diversion",
    "conditional_discharge",
    "suspended_sentence",
    "community_service",
    "probation",
    "treatment_order",
    "fine",
    "home_detention",
    "electronic_monitoring",
    "restitution",
    "drug_testing",
    "other_non_custodial",
)
DISPOSITIONS: Final = (DISPOSITION_CUSTODY, *ALTERNATIVE_DISPOSITIONS, DISPOSITION_DISMISSED)

# --- ICCS codes ----------------------------------------------------------------------------------
#: ICCS section 06: acts involving controlled psychoactive substances.
ICCS_DRUG_SECTION: Final = "06"
#: 06011: possession, purchase, use, cultivation or production for personal consumption.
ICCS_DRUG_PERSONAL_USE: Final = "06011"
#: 060111: possession, purchase or use for personal consumption.
ICCS_DRUG_POSSESSION_USE: Final = "060111"
#: 060112: cultivation or production for personal consumption.
ICCS_DRUG_CULTIVATION_PERSONAL: Final = "060112"
#: 06012: trafficking, cultivation or production not for personal consumption.
ICCS_DRUG_TRAFFICKING: Final = "06012"
#: Sections 01-04: acts leading to death or intending to cause death; acts causing harm or
#: intending to cause harm to the person; injurious acts of a sexual nature; acts against property
#: involving violence or threat against a person (robbery).
ICCS_VIOLENT_SEXUAL_SECTIONS: Final = ("01", "02", "03", "04")
#: Section 05: acts against property only (theft, burglary, fraud ...).
ICCS_PROPERTY_SECTION: Final = "05"

#: Severity tiers used for the first reoffence (JDL-style severity breakdown).
SEVERITY_DRUG_PERSONAL: Final = "drug_personal_use"
SEVERITY_DRUG_SUPPLY: Final = "drug_supply"
SEVERITY_VIOLENT: Final = "violent"
SEVERITY_OTHER: Final = "other"
SEVERITY_TIERS: Final = (
    SEVERITY_DRUG_PERSONAL,
    SEVERITY_DRUG_SUPPLY,
    SEVERITY_VIOLENT,
    SEVERITY_OTHER,
)

# --- custody spells ------------------------------------------------------------------------------
CUSTODY_PRE_TRIAL: Final = "pre_trial"
CUSTODY_SENTENCED: Final = "sentenced"
CUSTODY_RECALL_OR_BREACH: Final = "recall_or_breach"
CUSTODY_TYPES: Final = (CUSTODY_PRE_TRIAL, CUSTODY_SENTENCED, CUSTODY_RECALL_OR_BREACH)

# --- treatment episodes --------------------------------------------------------------------------
REFERRAL_JUSTICE: Final = "justice"
REFERRAL_HEALTH: Final = "health"
REFERRAL_SELF: Final = "self"
REFERRAL_OTHER: Final = "other"
REFERRAL_SOURCES: Final = (REFERRAL_JUSTICE, REFERRAL_HEALTH, REFERRAL_SELF, REFERRAL_OTHER)
MODALITIES: Final = (
    "opioid_agonist",
    "psychosocial_outpatient",
    "residential",
    "detoxification",
    "recovery_support",
    "other",
)

# --- table and column names ----------------------------------------------------------------------
TABLE_PERSONS: Final = "persons"
TABLE_CASES: Final = "cases"
TABLE_CUSTODY_SPELLS: Final = "custody_spells"
TABLE_TREATMENT_EPISODES: Final = "treatment_episodes"
TABLE_PRISON_CAPACITY: Final = "prison_capacity"
REQUIRED_TABLES: Final = (
    TABLE_PERSONS,
    TABLE_CASES,
    TABLE_CUSTODY_SPELLS,
    TABLE_TREATMENT_EPISODES,
)
OPTIONAL_TABLES: Final = (TABLE_PRISON_CAPACITY,)
EXTRACT_FILE: Final = "extract.toml"

#: Columns of every table, in contract order; ``True`` = required, ``False`` = optional.
TABLE_COLUMNS: Final[dict[str, dict[str, bool]]] = {
    TABLE_PERSONS: {
        "person_id": True,
        "sex": True,
        "birth_year": True,
        "jurisdiction": True,
        "death_date": False,
        "death_cause": False,
    },
    TABLE_CASES: {
        "case_id": True,
        "person_id": True,
        "offence_date": True,
        "iccs_code": True,
        "substance": False,
        "stage": True,
        "decision_date": True,
        "outcome": True,
        "disposition": True,
        "measure_days": False,
    },
    TABLE_CUSTODY_SPELLS: {
        "spell_id": True,
        "person_id": True,
        "case_id": True,
        "admission_date": True,
        "release_date": True,
        "custody_type": True,
    },
    TABLE_TREATMENT_EPISODES: {
        "episode_id": True,
        "person_id": True,
        "case_id": False,
        "referral_source": True,
        "modality": True,
        "start_date": True,
        "end_date": True,
        "completed": True,
    },
    TABLE_PRISON_CAPACITY: {
        "jurisdiction": True,
        "month": True,
        "capacity": True,
        "population": False,
    },
}

#: Columns that hold identifiers of a person or a case. Nothing the toolkit publishes may contain
#: them (see :mod:`altmeasures_eval.privacy`).
IDENTIFIER_COLUMNS: Final = ("person_id", "case_id", "spell_id", "episode_id")

#: Quasi-identifiers over which k-anonymity is reported.
QUASI_IDENTIFIERS: Final = ("sex", "birth_year", "jurisdiction")

#: Columns holding a controlled vocabulary, by table.
VOCABULARY_COLUMNS: Final[dict[str, dict[str, tuple[str, ...]]]] = {
    TABLE_PERSONS: {"sex": SEXES, "death_cause": DEATH_CAUSES},
    TABLE_CASES: {
        "substance": SUBSTANCES,
        "stage": STAGES,
        "outcome": OUTCOMES,
        "disposition": DISPOSITIONS,
    },
    TABLE_CUSTODY_SPELLS: {"custody_type": CUSTODY_TYPES},
    TABLE_TREATMENT_EPISODES: {"referral_source": REFERRAL_SOURCES, "modality": MODALITIES},
}

#: Date columns by table (ISO ``YYYY-MM-DD`` in files; ``datetime64[ns]`` in memory, NaT = empty).
DATE_COLUMNS: Final[dict[str, tuple[str, ...]]] = {
    TABLE_PERSONS: ("death_date",),
    TABLE_CASES: ("offence_date", "decision_date"),
    TABLE_CUSTODY_SPELLS: ("admission_date", "release_date"),
    TABLE_TREATMENT_EPISODES: ("start_date", "end_date"),
}

__all__ = [name for name in dir() if name.isupper() and not name.startswith("_")]
