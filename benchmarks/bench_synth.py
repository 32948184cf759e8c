"""Synthetic data generation: ``simulate`` by stage, and writing the CSV folder.

Requirement (issue #2): 1,000,000 persons in under 2 minutes on the project machine (2 cores,
shared with other jobs, so timings are noisy).
"""

from __future__ import annotations

import tempfile
from typing import Any

from benchmarks._harness import measure

DEFAULT_SIZES = [20_000, 100_000, 1_000_000]
WRITE_MAX = 100_000  # CSV writing is timed up to this size (1M persons is ~400 MB of CSV)


def run(sizes: list[int]) -> list[dict[str, Any]]:
    from altmeasures_eval.synth import simulate, write_synthetic
    from altmeasures_eval.synth._engine import run_engine
    from altmeasures_eval.synth._outcomes import potential_outcomes
    from altmeasures_eval.synth._params import HORIZONS, WAITING_PERIOD, SynthSettings
    from altmeasures_eval.synth._random import seed_key
    from altmeasures_eval.synth._tables import build_tables

    records: list[dict[str, Any]] = []
    for n in sizes:
        with measure("simulate (total)", n, records) as rec:
            data = simulate(n, seed=1)
            rec["cases"] = len(data.dataset.cases)
            rec["cohort"] = data.truth["n"]["cohort"]
            rec["under_2_min"] = None
        rec["under_2_min"] = rec["seconds"] < 120
        with measure("engine (careers + forks)", n, records):
            career = run_engine(n, 1, SynthSettings())
        with measure("potential outcomes", n, records):
            potential_outcomes(career, HORIZONS, WAITING_PERIOD)
        with measure("contract tables", n, records):
            build_tables(career, seed_key(1))
        del career
        if n <= WRITE_MAX:
            with tempfile.TemporaryDirectory() as tmp, measure("write csv folder", n, records):
                write_synthetic(data, tmp)
        del data
    return records
