"""Small generated contract tables with a known admission rate and length of stay."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest


def make_tables(
    n_months: int = 72,
    per_month: dict[str, int] | None = None,
    stay_days: dict[str, float] | None = None,
    jurisdictions: tuple[str, ...] = ("A",),
    extract_date: str = "2024-12-31",
    seed: int = 1,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.Timestamp]:
    """Constant-rate admissions (uniform days), exponential stays, ending at the extract date.

    ``per_month`` and ``stay_days`` are keyed by stream, ``eligible`` (ICCS 060111, sentenced) and
    ``other`` (ICCS 0501, sentenced).
    """
    rng = np.random.default_rng(seed)
    per_month = per_month or {"eligible": 40, "other": 60}
    stay_days = stay_days or {"eligible": 90.0, "other": 240.0}
    end = pd.Timestamp(extract_date)
    start = (end + pd.Timedelta(days=1)) - pd.DateOffset(months=n_months)
    span = (end - start).days + 1
    spells, cases, persons = [], [], []
    k = 0
    for j in jurisdictions:
        for stream, code in (("eligible", "060111"), ("other", "0501")):
            n = per_month[stream] * n_months
            adm = start + pd.to_timedelta(rng.integers(0, span, n), unit="D")
            stay = np.ceil(rng.exponential(stay_days[stream], n))
            rel = adm + pd.to_timedelta(stay, unit="D")
            rel = pd.Series(rel).where(rel <= end)
            ids = [f"x{k + i}" for i in range(n)]
            k += n
            spells.append(pd.DataFrame({"spell_id": ids, "person_id": ids, "case_id": ids,
                                        "admission_date": adm, "release_date": rel.to_numpy(),
                                        "custody_type": "sentenced"}))
            cases.append(pd.DataFrame({"case_id": ids, "iccs_code": code}))
            persons.append(pd.DataFrame({"person_id": ids, "jurisdiction": j}))
    return (pd.concat(spells, ignore_index=True), pd.concat(cases, ignore_index=True),
            pd.concat(persons, ignore_index=True), end)


@pytest.fixture(scope="session")
def tables():
    return make_tables()


@pytest.fixture(scope="session")
def tables_two():
    return make_tables(jurisdictions=("A", "B"), n_months=48, seed=2)
