"""Turn the engine's records of the observed world into the canonical contract tables.

Only the observed world (one career per person) is written; counterfactual careers stay in
memory for the ground truth. Everything after the extract date is cut the way a real extract cuts
it: offences after it are unknown, decisions after it leave the case ``pending``, spells and
treatment episodes still running have no end date, and deaths after it are not recorded.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from altmeasures_eval.schema import (
    ALTERNATIVE_DISPOSITIONS,
    CUSTODY_PRE_TRIAL,
    CUSTODY_RECALL_OR_BREACH,
    CUSTODY_SENTENCED,
    DEATH_OTHER,
    DEATH_OVERDOSE,
    DEATH_UNKNOWN,
    DISPOSITION_CUSTODY,
    DISPOSITION_DISMISSED,
    MODALITIES,
    OUTCOME_NOT_PROVEN,
    OUTCOME_PENDING,
    OUTCOME_PROVEN,
    REFERRAL_HEALTH,
    REFERRAL_JUSTICE,
    REFERRAL_SELF,
    SEXES,
    STAGES,
    SUBSTANCES,
    TABLE_COLUMNS,
    TABLE_CUSTODY_SPELLS,
    TABLE_TREATMENT_EPISODES,
    Dataset,
    ExtractInfo,
)
from altmeasures_eval.synth import _params as P
from altmeasures_eval.synth._engine import (
    DISP_CUSTODY,
    DISP_DISMISSED,
    EPOCH,
    NEVER,
    PERSON_SLOT,
    SUB_OPIOIDS,
    Career,
    categorical,
    uniforms,
)

CUSTODY_BREACH = CUSTODY_RECALL_OR_BREACH
#: Treatment modality mix (order of schema.MODALITIES) for opioid users and for everyone else.
MODALITY_P_OPIOIDS = np.array([0.50, 0.15, 0.10, 0.20, 0.05, 0.0])
MODALITY_P_OTHER = np.array([0.0, 0.55, 0.15, 0.10, 0.15, 0.05])
#: Person-level uniform fields used here (after the engine's, see ``_engine.G_*``).
G_HEALTH0 = 12
N_HEALTH = 3  # at most this many health/self-referred episodes per person


def _dates(days: np.ndarray) -> np.ndarray:
    """Day numbers to datetime64[ns]; NEVER and negative sentinels become NaT."""
    out = days.astype("datetime64[D]").astype("datetime64[ns]")
    out[(days >= NEVER) | (days < -10**6)] = np.datetime64("NaT")
    return out


def _ids(prefix: str, numbers: np.ndarray, width: int) -> np.ndarray:
    return np.char.add(prefix, np.char.zfill(numbers.astype(f"U{width}"), width)).astype(object)


def _pick(codes: tuple[str, ...], p: np.ndarray, u: np.ndarray) -> np.ndarray:
    return np.asarray(codes, dtype=object)[categorical(p, u)]


def build_tables(career: Career, key: np.uint64) -> tuple[Dataset, np.ndarray, np.ndarray]:
    """The observed data set, the person ids (by engine person number) and case ids of records.

    Returns
    -------
    dataset : Dataset
    person_ids : numpy.ndarray of str, indexed by engine person number
    record_case_ids : numpy.ndarray of str, the main case id of each record (``None`` for records
        of counterfactual rows and for offences after the extract date)
    """
    ps = career.persons
    n = len(ps.jur)
    ext = career.extract
    rec = career.records
    person_num = np.arange(n, dtype=np.int64)
    # Pseudonymous ids: a random permutation, so that ids carry no order of entry.
    perm = np.argsort(uniforms(key, person_num, PERSON_SLOT, 10))
    id_num = np.empty(n, dtype=np.int64)  # number in the id; tables are sorted on it, not on text
    id_num[perm] = np.arange(1, n + 1)
    person_ids = _ids("P", id_num, 7)

    # --- persons ----------------------------------------------------------------------------------
    death = career.rows.death[:n]
    died = death <= ext
    cause = np.where(career.rows.death_cause[:n] == 1, DEATH_OVERDOSE, DEATH_OTHER).astype(object)
    cause[ps.death_cause_unknown] = DEATH_UNKNOWN
    cause[~died] = None
    by_id = perm
    persons = pd.DataFrame({
        "person_id": person_ids,
        "sex": np.asarray(SEXES, dtype=object)[ps.sex],
        "birth_year": pd.array(np.where(ps.birth_year_missing, 0, ps.birth_year), dtype="Int64"),
        "jurisdiction": np.asarray(P.JURISDICTIONS, dtype=object)[ps.jur],
        "death_date": _dates(np.where(died, death, NEVER)),
        "death_cause": cause,
    })
    persons.loc[ps.birth_year_missing, "birth_year"] = pd.NA
    persons = persons.iloc[by_id].reset_index(drop=True)

    # --- cases: main offence of every observed record, plus its companion ----------------------
    seen = (rec["row"] < n) & (rec["offence"] <= ext)
    idx = np.flatnonzero(seen)
    comp_idx = idx[rec["comp"][idx]]
    n_main, n_comp = idx.size, comp_idx.size
    case_num = np.argsort(uniforms(key, np.arange(n_main + n_comp), PERSON_SLOT - 1, 0))
    case_ids = _ids("C", case_num + 1, 8)
    record_case_ids = np.full(rec["row"].size, None, dtype=object)
    record_case_ids[idx] = case_ids[:n_main]
    main_of_comp = case_ids[:n_main][np.searchsorted(idx, comp_idx)]

    def code(cat: np.ndarray, u: np.ndarray) -> np.ndarray:
        out = np.empty(cat.size, dtype=object)
        for c, codes, p in ((P.CAT_ELIGIBLE, P.ELIGIBLE_CODES, P.ELIGIBLE_CODE_P),
                            (P.CAT_TRAFFICKING, P.TRAFFICKING_CODES, np.ones(1)),
                            (P.CAT_PROPERTY, P.PROPERTY_CODES, P.PROPERTY_CODE_P),
                            (P.CAT_VIOLENT, P.VIOLENT_CODES, P.VIOLENT_CODE_P)):
            m = cat == c
            out[m] = _pick(codes, p, u[m])
        return out

    both = np.concatenate([idx, comp_idx])
    cat = np.concatenate([rec["cat"][idx], rec["comp_cat"][comp_idx]])
    code_u = np.concatenate([rec["code_u"][idx], rec["comp_code_u"][comp_idx]])
    pend = rec["decision"][both] > ext
    proven = rec["proven"][both]
    disp_code = rec["disp"][both]
    disp = np.empty(both.size, dtype=object)
    disp[disp_code == DISP_CUSTODY] = DISPOSITION_CUSTODY
    disp[disp_code == DISP_DISMISSED] = DISPOSITION_DISMISSED
    alt = disp_code >= 0
    disp[alt] = np.asarray(ALTERNATIVE_DISPOSITIONS, dtype=object)[disp_code[alt]]
    disp[pend] = None
    outcome = np.where(pend, OUTCOME_PENDING, np.where(proven, OUTCOME_PROVEN, OUTCOME_NOT_PROVEN))
    drug = cat <= P.CAT_TRAFFICKING
    person = rec["person"][both]
    substance = np.asarray(SUBSTANCES, dtype=object)[ps.sub[person]]
    substance[~drug | rec["sub_na"][both]] = None
    measure = rec["measure"][both].copy()
    measure[n_main:] = np.nan  # the measure is recorded on the main case
    measure[pend | rec["measure_na"][both]] = np.nan
    cases = pd.DataFrame({
        "case_id": case_ids,
        "person_id": person_ids[person],
        "offence_date": _dates(rec["offence"][both]),
        "iccs_code": code(cat, code_u),
        "substance": substance,
        "stage": np.asarray(STAGES, dtype=object)[rec["stage"][both]],
        "decision_date": _dates(np.where(pend, NEVER, rec["decision"][both])),
        "outcome": outcome.astype(object),
        "disposition": disp,
        "measure_days": pd.array(np.where(np.isnan(measure), 0, measure).astype(np.int64), dtype="Int64"),
    })
    cases.loc[np.isnan(measure), "measure_days"] = pd.NA

    # --- custody spells -----------------------------------------------------------------------
    parts = []
    for typ, adm, rel, on in ((CUSTODY_PRE_TRIAL, "r_adm", "r_rel", rec["remand"]),
                              (CUSTODY_SENTENCED, "sent_adm", "sent_rel", rec["disp"] == DISP_CUSTODY),
                              (CUSTODY_BREACH, "b_adm", "b_rel", rec["breach"])):
        m = seen & on & (rec[adm] <= ext)
        parts.append(pd.DataFrame({
            "_who": id_num[rec["person"][m]],
            "_adm": rec[adm][m],
            "person_id": person_ids[rec["person"][m]],
            "case_id": record_case_ids[m],
            "admission_date": _dates(rec[adm][m]),
            "release_date": _dates(np.where(rec[rel][m] > ext, NEVER, rec[rel][m])),
            "custody_type": typ,
        }))
    spells = pd.concat(parts, ignore_index=True)
    spells = spells.iloc[np.lexsort((spells.pop("_adm").to_numpy(), spells.pop("_who").to_numpy()))]
    spells.insert(0, "spell_id", _ids("S", np.arange(1, len(spells) + 1), 8))
    spells = spells[list(TABLE_COLUMNS[TABLE_CUSTODY_SPELLS])].reset_index(drop=True)

    # --- treatment episodes: justice-referred (from records) and health/self-referred ------------
    m = seen & rec["tx"] & (rec["tx_start"] <= ext)
    tx_person = rec["person"][m]
    opi = ps.sub[tx_person] == SUB_OPIOIDS
    mod_p = np.where(opi[:, None], MODALITY_P_OPIOIDS, MODALITY_P_OTHER)
    tx_end = rec["tx_end"][m]
    justice = pd.DataFrame({
        "person": tx_person,
        "person_id": person_ids[tx_person],
        "case_id": record_case_ids[m],
        "referral_source": REFERRAL_JUSTICE,
        "modality": np.asarray(MODALITIES, dtype=object)[categorical(mod_p, rec["tx_mod_u"][m])],
        "start_day": rec["tx_start"][m],
        "end_day": tx_end,
        "completed": rec["tx_done"][m],
    })
    health = _health_episodes(career, key, person_ids)
    tx = pd.concat([justice, health], ignore_index=True)
    running = tx["end_day"].to_numpy() > ext
    tx_frame = pd.DataFrame({
        "person_id": tx["person_id"].to_numpy(),
        "case_id": tx["case_id"].to_numpy(),
        "referral_source": tx["referral_source"].to_numpy(),
        "modality": tx["modality"].to_numpy(),
        "start_date": _dates(tx["start_day"].to_numpy()),
        "end_date": _dates(np.where(running, NEVER, tx["end_day"].to_numpy())),
        "completed": pd.array(tx["completed"].to_numpy(dtype=bool), dtype="boolean"),
    })
    tx_frame.loc[running, "completed"] = pd.NA
    tx_frame = tx_frame.iloc[np.lexsort((tx["start_day"].to_numpy(), id_num[tx["person"].to_numpy()]))]
    tx_frame = tx_frame.reset_index(drop=True)
    tx_frame.insert(0, "episode_id", _ids("T", np.arange(1, len(tx_frame) + 1), 8))
    tx_frame = tx_frame[list(TABLE_COLUMNS[TABLE_TREATMENT_EPISODES])]

    order = np.lexsort((case_num, rec["offence"][both], id_num[person]))
    cases = cases.iloc[order].reset_index(drop=True)
    dataset = Dataset(
        persons=persons, cases=cases, custody_spells=spells, treatment_episodes=tx_frame,
        extract=ExtractInfo(country=P.COUNTRY, extract_date=EPOCH + pd.Timedelta(days=ext),
                            source="altmeasures_eval.synth (synthetic data, no real person)"),
    )
    return dataset, person_ids, record_case_ids


def _health_episodes(career: Career, key: np.uint64, person_ids: np.ndarray) -> pd.DataFrame:
    """Health- or self-referred episodes at random times of a person's observed career."""
    ps = career.persons
    n = len(ps.jur)
    ext = career.extract
    person = np.arange(n, dtype=np.int64)
    death = career.rows.death[:n]
    frames = []
    for j in range(N_HEALTH):

        def u(k: int, j: int = j) -> np.ndarray:
            return uniforms(key, person, PERSON_SLOT, G_HEALTH0 + 5 * j + k)

        # Episode j exists with probability rate / (j + 1): fewer people have many episodes.
        exists = u(0) < ps.health_rate / (j + 1)
        start = ps.career_start + np.floor(u(1) * (ext - ps.career_start + 1)).astype(np.int64)
        end = start + 14 + np.floor(-120 * np.log(u(2))).astype(np.int64)
        keep = exists & (start < death) & (start <= ext)
        cut = end > death
        opi = ps.sub == SUB_OPIOIDS
        mod_p = np.where(opi[:, None], MODALITY_P_OPIOIDS, MODALITY_P_OTHER)
        frames.append(pd.DataFrame({
            "person": person[keep],
            "person_id": person_ids[keep],
            "case_id": None,
            "referral_source": np.where(u(3) < 0.6, REFERRAL_HEALTH, REFERRAL_SELF)[keep],
            "modality": np.asarray(MODALITIES, dtype=object)[categorical(mod_p, u(4))][keep],
            "start_day": start[keep],
            "end_day": np.minimum(end, death)[keep],
            "completed": ((u(2) > 0.4) & ~cut)[keep],
        }))
    return pd.concat(frames, ignore_index=True)
