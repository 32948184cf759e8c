"""Privacy layer timings: pseudonymisation, k-anonymity and the identifier guard at up to 1,000,000
persons; secondary suppression on tables of 25 to 900 inner cells; the output scanner with 40,000
ids over a file of n rows.

Data are generated here with numpy (ids ``P0000001``..., two cases per person). The machine is
shared by several engineers at once: wall times are noisy (re-run to compare).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from altmeasures_eval.privacy import (
    find_direct_identifiers,
    k_anonymity,
    pseudonymise_dataset,
    scan_outputs_for_identifiers,
    suppress_counts,
)
from altmeasures_eval.schema import Dataset, ExtractInfo
from benchmarks._harness import measure

DEFAULT_SIZES = [20_000, 200_000, 1_000_000]
TABLE_SIDES = [5, 10, 20, 30]
KEY = b"benchmark-key-0123456789abcdef-0123456789"


def _dataset(n: int, rng: np.random.Generator) -> Dataset:
    person_ids = np.char.add("P", np.char.zfill(np.arange(n).astype(str), 7)).astype(object)
    n_cases = 2 * n
    owners = rng.integers(0, n, n_cases)
    persons = pd.DataFrame(
        {
            "person_id": person_ids,
            "sex": rng.choice(np.array(["male", "female"], dtype=object), n),
            "birth_year": pd.array(rng.integers(1950, 2005, n), dtype="Int64"),
            "jurisdiction": rng.choice(np.array(["A", "B", "C", "D"], dtype=object), n),
        }
    )
    cases = pd.DataFrame(
        {
            "case_id": np.char.add("C", np.char.zfill(np.arange(n_cases).astype(str), 8)).astype(object),
            "person_id": person_ids[owners],
        }
    )
    spells = pd.DataFrame(
        {
            "spell_id": np.char.add("S", np.arange(n // 2).astype(str)).astype(object),
            "person_id": person_ids[owners[: n // 2]],
            "case_id": cases["case_id"].to_numpy()[: n // 2],
        }
    )
    episodes = pd.DataFrame(
        {
            "episode_id": np.char.add("E", np.arange(n // 4).astype(str)).astype(object),
            "person_id": person_ids[owners[: n // 4]],
            "case_id": [None] * (n // 4),
        }
    )
    return Dataset(
        persons=persons,
        cases=cases,
        custody_spells=spells,
        treatment_episodes=episodes,
        extract=ExtractInfo(country="XXX", extract_date=pd.Timestamp("2025-12-31")),
    )


def _table(side: int, rng: np.random.Generator) -> pd.DataFrame:
    # about one cell in six below 10, the rest 10-200
    small = rng.random((side, side)) < 1 / 6
    values = np.where(small, rng.integers(0, 10, (side, side)), rng.integers(10, 200, (side, side)))
    return pd.DataFrame(values, columns=[f"c{j}" for j in range(side)])


def run(sizes: list[int]) -> list[dict]:
    records: list[dict] = []
    rng = np.random.default_rng(20261128)
    for n in sizes:
        data = _dataset(n, rng)
        n_ids = n + 2 * n + n // 2 + n // 4
        with measure("pseudonymise_dataset", n, records, distinct_ids=n_ids):
            pseudonymise_dataset(data, KEY)
        with measure("k_anonymity", n, records) as rec:
            rec["min_class_size"] = k_anonymity(data.persons).min_class_size
        with measure("find_direct_identifiers", n, records):
            find_direct_identifiers(data.persons)
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "table.csv"
            frame = pd.DataFrame({"group": rng.integers(0, 50, n), "value": rng.random(n)})
            frame.to_csv(path, index=False)
            ids = data.persons["person_id"].to_numpy()[:40_000]
            with measure("scan_outputs_40k_ids", n, records, rows=n) as rec:
                rec["hits"] = len(scan_outputs_for_identifiers(path, ids))
    for side in TABLE_SIDES:
        table = _table(side, rng)
        with measure("suppress_counts", side * side, records, shape=f"{side}x{side}") as rec:
            result = suppress_counts(table, list(table.columns))
            rec["primary"] = result.n_primary
            rec["secondary"] = result.n_secondary
    return records
