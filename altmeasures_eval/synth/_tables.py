"""Turn the engine's records of the observed world into the canonical contract tables.

Only the observed world (one career per person) is written; counterfactual careers stay in
memory for the ground truth. Everything after the extract date is cut the way a real extract cuts
it: offences after it are unknown, decisions after it leave the case ``pending``, spells and
treatment episodes still running have no end date, and deaths after it are not recorded.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

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
    SUB_OPIOIDS,
    Career,
    categorical,
)
from altmeasures_eval.synth._random import PERSON_SLOT, uniforms

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
    """``prefix`` followed by each number written with ``width`` digits (zero-padded), as text."""
    numbers = np.asarray(numbers, dtype=np.int64)
    if numbers.size and (numbers.min() < 0 or numbers.max() >= 10**width):  # never in practice
        return np.char.add(prefix, np.char.zfill(numbers.astype(f"U{width}"), width)).astype(object)
    # The digits written straight into ASCII bytes, which Arrow reads as one string per id.
    head = np.frombuffer(prefix.encode("ascii"), dtype=np.uint8)
    size = head.size + width
    chars = np.empty((numbers.size, size), dtype=np.uint8)
    chars[:, :head.size] = head
    rest = numbers.copy()
    for i in range(size - 1, head.size - 1, -1):
        chars[:, i] = 48 + rest % 10
        rest //= 10
    large = numbers.size * size >= 2**31  # 32-bit offsets up to 2 GiB of text
    offsets = np.arange(0, (numbers.size + 1) * size, size, dtype=np.int64 if large else np.int32)
    text = (pa.LargeStringArray if large else pa.StringArray).from_buffers(
        numbers.size, pa.py_buffer(offsets), pa.py_buffer(chars))
    return text.to_numpy(zero_copy_only=False)


def _order(*keys: np.ndarray) -> np.ndarray:
    """``np.lexsort(keys)`` (last key first) for non-negative integer keys whose combinations are
    distinct: one argsort of the keys packed into one integer when they fit in 62 bits."""
    spans = [int(k.max()) + 1 if k.size else 1 for k in keys]
    if any(k.size and k.min() < 0 for k in keys) or np.prod([float(x) for x in spans]) >= 2.0**62:
        return np.lexsort(keys)
    packed = np.zeros(keys[0].size, dtype=np.int64)
    for key, span in zip(reversed(keys), reversed(spans)):
        packed = packed * span + key
    return np.argsort(packed, kind="stable")


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

    # --- persons (in id order) ------------------------------------------------------------------
    # Every table is built from arrays already in its final row order (no frame is reordered).
    by_id = perm
    death = career.rows.death[:n]
    died = death <= ext
    cause = np.where(career.rows.death_cause[:n] == 1, DEATH_OVERDOSE, DEATH_OTHER).astype(object)
    cause[ps.death_cause_unknown] = DEATH_UNKNOWN
    cause[~died] = None
    persons = pd.DataFrame({
        "person_id": person_ids[by_id],
        "sex": np.asarray(SEXES, dtype=object)[ps.sex[by_id]],
        "birth_year": _int_na(ps.birth_year[by_id], ps.birth_year_missing[by_id]),
        "jurisdiction": np.asarray(P.JURISDICTIONS, dtype=object)[ps.jur[by_id]],
        "death_date": _dates(np.where(died, death, NEVER)[by_id]),
        "death_cause": cause[by_id],
    })

    # --- cases: main offence of every observed record, plus its companion ----------------------
    seen = (rec["row"] < n) & (rec["offence"] <= ext)
    idx = np.flatnonzero(seen)
    comp_idx = idx[rec["comp"][idx]]
    n_main, n_comp = idx.size, comp_idx.size
    case_num = np.argsort(uniforms(key, np.arange(n_main + n_comp), PERSON_SLOT - 1, 0))
    case_ids = _ids("C", case_num + 1, 8)
    record_case_ids = np.full(rec["row"].size, None, dtype=object)
    record_case_ids[idx] = case_ids[:n_main]

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
    person = rec["person"][both]
    # Rows of the cases table: by person id, offence date, then case number.
    order = _order(case_num, rec["offence"][both], id_num[person])
    both, person = both[order], person[order]
    is_comp = order >= n_main
    cat = np.where(is_comp, rec["comp_cat"][both], rec["cat"][both])
    code_u = np.where(is_comp, rec["comp_code_u"][both], rec["code_u"][both])
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
    substance = np.asarray(SUBSTANCES, dtype=object)[ps.sub[person]]
    substance[~drug | rec["sub_na"][both]] = None
    measure = rec["measure"][both]
    # The measure is recorded on the main case.
    no_measure = is_comp | pend | rec["measure_na"][both] | np.isnan(measure)
    cases = pd.DataFrame({
        "case_id": case_ids[order],
        "person_id": person_ids[person],
        "offence_date": _dates(rec["offence"][both]),
        "iccs_code": code(cat, code_u),
        "substance": substance,
        "stage": np.asarray(STAGES, dtype=object)[rec["stage"][both]],
        "decision_date": _dates(np.where(pend, NEVER, rec["decision"][both])),
        "outcome": outcome.astype(object),
        "disposition": disp,
        "measure_days": _int_na(np.where(no_measure, 0, measure).astype(np.int64), no_measure),
    })

    # --- custody spells: by person id, then admission date ---------------------------------------
    parts = []
    for typ, adm, rel, on in ((CUSTODY_PRE_TRIAL, "r_adm", "r_rel", rec["remand"]),
                              (CUSTODY_SENTENCED, "sent_adm", "sent_rel", rec["disp"] == DISP_CUSTODY),
                              (CUSTODY_BREACH, "b_adm", "b_rel", rec["breach"])):
        m = np.flatnonzero(seen & on & (rec[adm] <= ext))
        parts.append((m, rec[adm][m], rec[rel][m], np.full(m.size, typ, dtype=object)))
    m, adm_day, rel_day, typ = (np.concatenate(x) for x in zip(*parts))
    order = _order(adm_day, id_num[rec["person"][m]])
    m, adm_day, rel_day = m[order], adm_day[order], rel_day[order]
    spells = pd.DataFrame({
        "spell_id": _ids("S", np.arange(1, m.size + 1), 8),
        "person_id": person_ids[rec["person"][m]],
        "case_id": record_case_ids[m],
        "admission_date": _dates(adm_day),
        "release_date": _dates(np.where(rel_day > ext, NEVER, rel_day)),
        "custody_type": typ[order],
    })[list(TABLE_COLUMNS[TABLE_CUSTODY_SPELLS])]

    # --- treatment episodes: justice-referred (from records) and health/self-referred ------------
    m = seen & rec["tx"] & (rec["tx_start"] <= ext)
    tx_person = rec["person"][m]
    opi = ps.sub[tx_person] == SUB_OPIOIDS
    mod_p = np.where(opi[:, None], MODALITY_P_OPIOIDS, MODALITY_P_OTHER)
    justice = {
        "person": tx_person,
        "case_id": record_case_ids[m],
        "referral_source": np.full(tx_person.size, REFERRAL_JUSTICE, dtype=object),
        "modality": np.asarray(MODALITIES, dtype=object)[categorical(mod_p, rec["tx_mod_u"][m])],
        "start_day": rec["tx_start"][m],
        "end_day": rec["tx_end"][m],
        "completed": rec["tx_done"][m],
    }
    tx = {k: np.concatenate([justice[k], *(h[k] for h in _health_episodes(career, key))]) for k in justice}
    # By person id, then start date.
    order = _order(tx["start_day"], id_num[tx["person"]])
    tx = {k: v[order] for k, v in tx.items()}
    running = tx["end_day"] > ext
    tx_frame = pd.DataFrame({
        "episode_id": _ids("T", np.arange(1, order.size + 1), 8),
        "person_id": person_ids[tx["person"]],
        "case_id": tx["case_id"],
        "referral_source": tx["referral_source"],
        "modality": tx["modality"],
        "start_date": _dates(tx["start_day"]),
        "end_date": _dates(np.where(running, NEVER, tx["end_day"])),
        "completed": pd.arrays.BooleanArray(tx["completed"].astype(bool), running),
    })[list(TABLE_COLUMNS[TABLE_TREATMENT_EPISODES])]

    dataset = Dataset(
        persons=persons, cases=cases, custody_spells=spells, treatment_episodes=tx_frame,
        extract=ExtractInfo(country=P.COUNTRY, extract_date=EPOCH + pd.Timedelta(days=ext),
                            source="altmeasures_eval.synth (synthetic data, no real person)"),
    )
    return dataset, person_ids, record_case_ids


def _int_na(values: np.ndarray, missing: np.ndarray) -> pd.arrays.IntegerArray:
    """A nullable ``Int64`` array: ``values`` where ``missing`` is false, ``<NA>`` where it is true."""
    return pd.arrays.IntegerArray(np.where(missing, 0, values).astype(np.int64), missing.astype(bool))


def _health_episodes(career: Career, key: np.uint64) -> list[dict[str, np.ndarray]]:
    """Health- or self-referred episodes at random times of a person's observed career: the
    columns of the episodes of each of the :data:`N_HEALTH` draws per person."""
    ps = career.persons
    n = len(ps.jur)
    ext = career.extract
    person = np.arange(n, dtype=np.int64)
    death = career.rows.death[:n]
    opi = ps.sub == SUB_OPIOIDS
    parts = []
    for j in range(N_HEALTH):

        def u(k: int, who: np.ndarray, j: int = j) -> np.ndarray:
            return uniforms(key, who, PERSON_SLOT, G_HEALTH0 + 5 * j + k)

        # Episode j exists with probability rate / (j + 1): fewer people have many episodes.
        exists = u(0, person) < ps.health_rate / (j + 1)
        start = ps.career_start + np.floor(u(1, person) * (ext - ps.career_start + 1)).astype(np.int64)
        keep = np.flatnonzero(exists & (start < death) & (start <= ext))
        # Draws of the persons kept only: each uniform is fixed by (person, field), not by position.
        start, u_len = start[keep], u(2, keep)
        end = start + 14 + np.floor(-120 * np.log(u_len)).astype(np.int64)
        cut = end > death[keep]
        mod_p = np.where(opi[keep][:, None], MODALITY_P_OPIOIDS, MODALITY_P_OTHER)
        parts.append({
            "person": keep,
            "case_id": np.full(keep.size, None, dtype=object),
            "referral_source": np.where(u(3, keep) < 0.6, REFERRAL_HEALTH, REFERRAL_SELF).astype(object),
            "modality": np.asarray(MODALITIES, dtype=object)[categorical(mod_p, u(4, keep))],
            "start_day": start,
            "end_day": np.minimum(end, death[keep]),
            "completed": (u_len > 0.4) & ~cut,
        })
    return parts
