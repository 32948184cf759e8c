"""Per-imputation estimates of the pooled stages, the input of ``stage_pool_reference.R``.

Run: ``python tests/imputation/reference/stage_estimates.py`` (writes ``stage_per_imputation.csv``
beside this file). A generated cohort (3,000 persons, seed 5, 20% of substances blanked at random
given observed columns) is imputed m = 5 times; in each completed data set the design is built and
the time-to-event effects (risk and RMST differences at 365/730/1095 days, log hazard ratio), the
Kaplan-Meier cumulative incidence at each horizon and group, and the bed-day differences are
estimated. The file holds one row per imputation and quantity: ``stage, key, imputation, estimate,
se, log`` (``log`` = 1: the estimate is a ratio whose ``se`` is the SE of its log).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

HERE = Path(__file__).parent


def main() -> pd.DataFrame:
    from altmeasures_eval import survival
    from altmeasures_eval.cohort import CohortSpec, build_cohort
    from altmeasures_eval.design import build_design
    from altmeasures_eval.evaluation import DesignSettings
    from altmeasures_eval.design import imputed_designs
    from altmeasures_eval.io import check_consistency
    from altmeasures_eval.population import bed_days_by_group, count_bed_days
    from altmeasures_eval.synth import simulate

    data = simulate(3_000, seed=5, missingness={"substance": 0.20})
    cohort = build_cohort(data.dataset, CohortSpec(period_start=pd.Timestamp("2017-01-01"),
                                                   period_end=pd.Timestamp("2022-12-31"),
                                                   stages=("trial", "sentencing")))
    settings = DesignSettings(imputations=5, balance_threshold=0.25)
    first = build_design(cohort.data, settings, random_state=11)
    designs = imputed_designs(first.imputed, settings, first=first, random_state=11)
    until = check_consistency(data.dataset).observed_until("custody_spells")
    rows = []
    for i, d in enumerate(designs, start=1):
        w = d.data.assign(design_weight=d.weights)
        kw = dict(weights="design_weight", times=(365, 730, 1095))
        tte = survival.time_to_event_effects(w, "time_reoffend", "event_reoffend", "treatment", **kw).summary
        for r in tte[tte["measure"] != "hazard_ratio"].itertuples():
            key = r.measure if pd.isna(r.time) else f"{r.measure}|{r.time:g}"
            rows.append(("time_to_event", key, i, r.estimate, r.se, 0))
        km = survival.kaplan_meier(w, "time_reoffend", "event_reoffend", "treatment", **kw).summary
        for r in km.itertuples():
            rows.append(("kaplan_meier", f"{r.group}|{r.time:g}", i, r.estimate, r.se, 0))
        beds = count_bed_days(d.data, data.dataset.custody_spells, until, horizons=(365, 730, 1095))
        bd = bed_days_by_group(beds, d.data["treatment"], d.weights, estimand=d.estimand).table
        for r in bd.itertuples():
            rows.append(("bed_days", f"{r.horizon}|{r.component}", i, r.difference, r.se, 0))
        eff = __import__("altmeasures_eval.effects", fromlist=["estimate_effect"]).estimate_effect(
            d.data, "reoffend_365", "treatment", d.result, propensity=d.propensity).summary
        rows.append(("effect", "risk_ratio", i, eff.loc["risk_ratio", "estimate"], eff.loc["risk_ratio", "se"], 1))
    out = pd.DataFrame(rows, columns=["stage", "key", "imputation", "estimate", "se", "log"])
    out.to_csv(HERE / "stage_per_imputation.csv", index=False, float_format="%.17g")
    return out


if __name__ == "__main__":
    print(main().groupby("stage").size())
