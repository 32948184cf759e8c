"""Ingestion speed: read and validate N case rows (issue #9 target: 2,000,000 from Parquet < 15 s).

A quick vectorised generator of its own writes a valid contract data set with N cases, N/2
persons, about N/10 custody spells (some persons with two, non-overlapping) and N/10 treatment
episodes; the benchmark then times ``read_dataset`` on it from Parquet (the target) and from CSV,
and one quarantine run with 1% of cases broken.

Run: ``.venv/bin/python -m benchmarks ingest`` (``--sizes 200000 2000000``).
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from benchmarks._harness import measure

DEFAULT_SIZES = [200_000, 2_000_000]
EXTRACT_DATE = pd.Timestamp("2025-06-30")
# The machine is shared: wall time depends on the load, CPU time much less. Both are recorded.
_NOTE = f"strict; load average at start {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"


def _ids(prefix: str, n: int) -> pd.Series:
    return prefix + pd.Series(np.arange(1, n + 1)).astype(str)


def _days(rng: np.random.Generator, start: str, span: int, n: int) -> pd.Series:
    return pd.Series(pd.Timestamp(start) + pd.to_timedelta(rng.integers(0, span, n), unit="D"))


def make_dataset(n_cases: int, seed: int = 0):
    """A valid contract data set with ``n_cases`` cases (vectorised; a few seconds for 2M)."""
    from altmeasures_eval.schema import (
        CUSTODY_TYPES,
        DISPOSITIONS,
        MODALITIES,
        REFERRAL_SOURCES,
        SEXES,
        STAGES,
        SUBSTANCES,
        Dataset,
        ExtractInfo,
    )

    rng = np.random.default_rng(seed)
    n_p = max(n_cases // 2, 1)
    persons = pd.DataFrame({
        "person_id": _ids("P", n_p),
        "sex": rng.choice(np.array(SEXES, dtype=object), n_p),
        "birth_year": pd.array(rng.integers(1950, 2006, n_p), dtype="Int64"),
        "jurisdiction": rng.choice(np.array([f"J{i}" for i in range(12)], dtype=object), n_p),
        "death_date": pd.Series(pd.NaT, index=range(n_p), dtype="datetime64[ns]"),
        "death_cause": pd.Series([None] * n_p, dtype=object),
    })
    offence = _days(rng, "2016-01-01", 9 * 365 - 200, n_cases)
    pending = rng.random(n_cases) < 0.05
    decision = (offence + pd.to_timedelta(rng.integers(0, 200, n_cases), unit="D")).where(~pending)
    cases = pd.DataFrame({
        "case_id": _ids("C", n_cases),
        "person_id": persons["person_id"].to_numpy()[rng.integers(0, n_p, n_cases)],
        "offence_date": offence,
        "iccs_code": rng.choice(np.array(["060111", "060112", "06012", "0201", "0401", "0501"], dtype=object), n_cases),
        "substance": rng.choice(np.array(SUBSTANCES, dtype=object), n_cases),
        "stage": rng.choice(np.array(STAGES, dtype=object), n_cases),
        "decision_date": decision,
        "outcome": np.where(pending, "pending", rng.choice(np.array(["proven", "not_proven"], dtype=object), n_cases)).astype(object),
        "disposition": pd.Series(rng.choice(np.array(DISPOSITIONS, dtype=object), n_cases)).where(~pending, None),
        "measure_days": pd.array(rng.integers(0, 720, n_cases), dtype="Int64"),
    })
    # Custody: one spell for N/10 persons; a second, later one for half of them.
    n_s = max(n_cases // 10, 1)
    who = rng.choice(n_p, n_s, replace=False)
    adm1 = _days(rng, "2016-01-01", 6 * 365, n_s)
    rel1 = adm1 + pd.to_timedelta(rng.integers(1, 365, n_s), unit="D")
    second = np.arange(n_s) < n_s // 2
    adm2 = rel1[second].reset_index(drop=True) + pd.to_timedelta(rng.integers(0, 300, second.sum()), unit="D")
    rel2 = (adm2 + pd.to_timedelta(rng.integers(1, 200, second.sum()), unit="D")).where(rng.random(second.sum()) > 0.05)
    n_all = n_s + int(second.sum())
    spells = pd.DataFrame({
        "spell_id": _ids("S", n_all),
        "person_id": persons["person_id"].to_numpy()[np.concatenate([who, who[second]])],
        "case_id": pd.Series([None] * n_all, dtype=object),
        "admission_date": pd.concat([adm1, adm2], ignore_index=True),
        "release_date": pd.concat([rel1, rel2], ignore_index=True),
        "custody_type": rng.choice(np.array(CUSTODY_TYPES, dtype=object), n_all),
    })
    n_e = max(n_cases // 10, 1)
    start = _days(rng, "2016-01-01", 8 * 365, n_e)
    episodes = pd.DataFrame({
        "episode_id": _ids("E", n_e),
        "person_id": persons["person_id"].to_numpy()[rng.integers(0, n_p, n_e)],
        "case_id": pd.Series([None] * n_e, dtype=object),
        "referral_source": rng.choice(np.array(REFERRAL_SOURCES, dtype=object), n_e),
        "modality": rng.choice(np.array(MODALITIES, dtype=object), n_e),
        "start_date": start,
        "end_date": (start + pd.to_timedelta(rng.integers(0, 300, n_e), unit="D")).where(rng.random(n_e) > 0.2),
        "completed": pd.array(rng.random(n_e) > 0.5, dtype="boolean"),
    })
    return Dataset(persons=persons, cases=cases, custody_spells=spells, treatment_episodes=episodes,
                   extract=ExtractInfo(country="XYZ", extract_date=EXTRACT_DATE, source="bench_ingest"))


def run(sizes: list[int]) -> list[dict[str, Any]]:
    from altmeasures_eval.io import ingest, read_dataset, write_dataset

    records: list[dict[str, Any]] = []
    for n in sizes:
        dataset = make_dataset(n)
        with tempfile.TemporaryDirectory() as tmp:
            pq = write_dataset(dataset, Path(tmp) / "pq", format="parquet")
            with measure("read_validate_parquet", n, records, note=_NOTE) as rec:
                cpu = time.process_time()
                got = read_dataset(pq)
                rec["cpu_seconds"] = round(time.process_time() - cpu, 2)
            rec["rows_all_tables"] = int(sum(len(t) for t in got.tables().values()))
            del got
            if n <= 200_000:
                csv = write_dataset(dataset, Path(tmp) / "csv", format="csv")
                with measure("read_validate_csv", n, records, note="strict; encoding and delimiter detected") as rec:
                    cpu = time.process_time()
                    read_dataset(csv)
                    rec["cpu_seconds"] = round(time.process_time() - cpu, 2)
            # Quarantine: 1% of cases get an unknown stage code.
            cases = dataset.cases.copy()
            broken = np.arange(0, n, 100)
            cases.loc[broken, "stage"] = "appeal"
            cases.to_parquet(pq / "cases.parquet", index=False)
            with measure("read_validate_parquet_quarantine", n, records, note="1% of cases broken") as rec:
                cpu = time.process_time()
                result = ingest(pq, mode="quarantine")
                rec["cpu_seconds"] = round(time.process_time() - cpu, 2)
            rec["rejected_rows"] = int(len(result.dataset.rejects))
            del result
    return records
