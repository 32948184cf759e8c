"""Population and cost models at scale, and the accuracy of Little's law in the projection.

Stages (``python -m benchmarks population``), at each size ``n`` (custody spells = cohort persons):

- ``prepare_los_admissions``: spells joined to cases and persons, Kaplan-Meier of time served per
  jurisdiction and stream (lifelines), monthly admissions (5 jurisdictions, 10 years of data).
- ``project_1000_draws``: 10-year monthly projection, 3 scenarios, 1,000 effect draws; the record
  carries ``littles_law_rel_error``, the relative gap between the projected steady-state
  population of a constant-inflow run and ``lambda x W``.
- ``bed_days``: bed-days over 3 horizons, index/later split with overlapping spells merged.
- ``bootstrap_1000``: 1,000 joint bootstrap replicates of group means of 10 quantity columns.
- ``monte_carlo_100k``: 100,000 Monte Carlo draws over 5 unit costs and the effect replicates.

The machine is shared with other engineers' jobs, so timings are noisy; each number is one run.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from benchmarks._harness import measure

DEFAULT_SIZES = [100_000, 1_000_000]


def _tables(n: int, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.Timestamp]:
    rng = np.random.default_rng(seed)
    end = pd.Timestamp("2025-12-31")
    start = pd.Timestamp("2016-01-01")
    adm = start + pd.to_timedelta(rng.integers(0, (end - start).days, n), unit="D")
    eligible = rng.random(n) < 0.35
    stay = np.ceil(rng.exponential(np.where(eligible, 80.0, 200.0)))
    rel = pd.Series(adm + pd.to_timedelta(stay, unit="D"))
    ids = np.char.add("p", np.arange(n).astype(str)).astype(object)
    spells = pd.DataFrame({"spell_id": ids, "person_id": ids, "case_id": ids, "admission_date": adm,
                           "release_date": rel.where(rel <= end).to_numpy(),
                           "custody_type": "sentenced"})
    cases = pd.DataFrame({"case_id": ids, "iccs_code": np.where(eligible, "060111", "0501")})
    persons = pd.DataFrame({"person_id": ids,
                            "jurisdiction": np.array(list("ABCDE"))[rng.integers(0, 5, n)]})
    return spells, cases, persons, end


def run(sizes: list[int]) -> list[dict]:
    from altmeasures_eval.costs import compare_costs, cost_quantities, default_unit_costs, monte_carlo
    from altmeasures_eval.population import (
        LengthOfStay,
        ReadmissionRates,
        bootstrap_group_means,
        count_bed_days,
        length_of_stay,
        monthly_admissions,
        prepare_spells,
        project_population,
    )

    records: list[dict] = []
    rng = np.random.default_rng(1)
    for n in sizes:
        sp, ca, pe, end = _tables(n)
        with measure("prepare_los_admissions", n, records):
            s = prepare_spells(sp, ca, pe, end)
            los = length_of_stay(s)
            adm = monthly_admissions(s)
        rates = ReadmissionRates(rng.uniform(0.3, 0.5, 1000), rng.uniform(0.25, 0.45, 1000),
                                 0.4, 0.35, 0.05)
        with measure("project_1000_draws", n, records) as rec:
            project_population(adm, los, end, years=10, rates=rates)
            # Little's law check: constant inflow 100 + 200 a month for 40 years.
            months = pd.period_range("1990-01", "2025-12", freq="M")
            flat = pd.DataFrame({"jurisdiction": "A", "month": months, "eligible": 100.0, "other": 200.0})
            los_all = LengthOfStay(curves={("all", k): los.curve("all", k) for k in ("eligible", "other")},
                                   counts=pd.DataFrame())
            p = project_population(flat, los_all, "2025-12-31", years=5, shares=(0.5,)).paths
            p = p[p["scenario"] == "baseline"]
            w = {k: los.mean_days("all", k) / (365.25 / 12) for k in ("eligible", "other")}
            lam_w = 100.0 * w["eligible"] + 200.0 * w["other"]
            rec["littles_law_rel_error"] = float(round(abs(p["population"].iloc[-1] / lam_w - 1), 6))
        cohort = pd.DataFrame({"person_id": sp["person_id"], "index_case_id": sp["case_id"],
                               "index_date": sp["admission_date"] - pd.Timedelta(days=3),
                               "treatment": rng.integers(0, 2, n)})
        with measure("bed_days", n, records):
            beds = count_bed_days(cohort, sp, end + pd.Timedelta(days=2000))
        vals = rng.normal(size=(n, 10))
        with measure("bootstrap_1000", n, records):
            bootstrap_group_means(vals, cohort["treatment"].to_numpy(), n_boot=1000, random_state=0)
        cohort = cohort.assign(disposition=np.where(cohort["treatment"] == 1, "probation", "custody"),
                               measure_days=np.where(cohort["treatment"] == 1, 180.0, np.nan),
                               severity_first="other",
                               **{f"reoffences_{h}": rng.poisson(0.3 * h / 365, n).astype(float)
                                  for h in (365, 730, 1095)})
        q = cost_quantities(cohort, beds)
        table = default_unit_costs()
        res = compare_costs(q, table, effect=None)
        draws = pd.DataFrame(res.delta_quantities.to_numpy() + rng.normal(0, 1, (1000, len(res.delta_quantities))),
                             columns=res.delta_quantities.index)
        with measure("monte_carlo_100k", n, records):
            monte_carlo(res, table, effect_draws=draws, n_draws=100_000, random_state=0)
    return records
