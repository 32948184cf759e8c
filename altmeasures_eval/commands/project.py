"""``altmeasures-eval project``: bed-days averted, steady state and prison population projections.

Reads ``[data]``, ``[cohort]`` and ``[population]`` of the config; writes tables (no identifiers),
plots and a notes file into ``--out``. The pipeline is ``load_config`` -> ``io.read_dataset`` ->
``cohort.build_cohort`` -> propensity-score weights (matching layer) -> population models.

``[population]`` keys (all optional): ``years`` (5), ``trend`` ("flat" or "loglinear"),
``fit_months`` (36), ``shares`` ([0.10, 0.25, 0.50]), ``horizon`` (365: the re-admission horizon),
``estimand`` ("ATC": the effect of diverting those now sent to custody), ``covariates`` (propensity
model; default the cohort's main pre-index covariates), ``n_boot`` (500), ``seed`` (0),
``diversions_per_year`` (for the steady state; default: the eligible custody admissions of the last
12 months times each share).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from altmeasures_eval._errors import ConfigError

HELP = "Project the prison population under diversion scenarios and report bed-days averted ([population])."

#: Covariates of the default propensity model (cohort interface names).
DEFAULT_COVARIATES = ("age", "sex", "jurisdiction", "substance", "stage", "prior_proven",
                      "prior_custody_spells", "prior_bed_days", "has_prior")
_KEYS = {"years", "trend", "fit_months", "shares", "horizon", "estimand", "covariates", "n_boot",
         "seed", "diversions_per_year"}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", required=True, type=Path,
                        help="evaluation config (TOML) with [data], [cohort] and [population]")
    parser.add_argument("--out", type=Path, default=Path("population-out"),
                        help="folder for the tables and plots (default: population-out)")


def prepare(config: Path, section_name: str, settings: dict[str, Any], estimand: str) -> dict[str, Any]:
    """Config -> data set -> cohort -> design weights: the inputs both model commands share.

    The design is inverse-probability weighting on a logistic propensity score
    (:func:`altmeasures_eval.matching.weight_ipw`) for ``estimand``; categorical covariates with
    missing values get an explicit ``unknown`` level. Returns a dict with ``config``, ``dataset``,
    ``cohort`` (the Cohort), ``data`` (its table, ids in memory), ``weights``, ``cluster``,
    ``notes`` and ``weights_for(estimand)`` (weights of the same score for another estimand).
    """
    from altmeasures_eval.cohort import CohortSpec, build_cohort
    from altmeasures_eval.config import load_config
    from altmeasures_eval.io import read_dataset
    from altmeasures_eval.matching import estimate_propensity, weight_ipw

    cfg = load_config(config)
    spec = CohortSpec.from_config(cfg.section("cohort"))
    dataset = read_dataset(cfg.data.path, mapping=cfg.data.mapping, mode=cfg.data.mode)
    cohort = build_cohort(dataset, spec)
    data = cohort.data
    covs = list(settings.get("covariates", DEFAULT_COVARIATES))
    missing = [c for c in covs if c not in data.columns]
    if missing:
        raise ConfigError(f"[{section_name}] covariates {missing} are not cohort columns")
    fill = {c: data[c].astype(object).where(data[c].notna(), "unknown")
            for c in covs if data[c].dtype == object and data[c].isna().any()}
    data = data.assign(**fill)
    ps = estimate_propensity(data, "treatment", covs)
    design = weight_ipw(data, "treatment", ps, estimand=estimand)
    cluster = data["person_id"].to_numpy() if spec.index_event == "every" else None
    notes = [f"design: IPW on a logistic propensity score ({', '.join(covs)}), estimand {estimand}",
             *cohort.notes, *design.notes]
    return {"config": cfg, "dataset": dataset, "cohort": cohort, "data": data,
            "weights": design.weights.to_numpy(float), "cluster": cluster, "notes": notes,
            "weights_for": lambda est: weight_ipw(data, "treatment", ps, estimand=est).weights.to_numpy(float)}


def _settings(section: dict[str, Any]) -> dict[str, Any]:
    unknown = set(section) - _KEYS
    if unknown:
        raise ConfigError(f"[population] unknown key(s) {sorted(unknown)}; allowed: {sorted(_KEYS)}")
    return section


def _save(ax: Any, path: Path) -> None:
    ax.figure.tight_layout()
    ax.figure.savefig(path, dpi=120)
    import matplotlib.pyplot as plt

    plt.close(ax.figure)


def run(args: argparse.Namespace) -> int:
    from altmeasures_eval.config import load_config
    from altmeasures_eval.plotting import plot_bed_days, plot_population_paths
    from altmeasures_eval.population import (
        bed_days_by_group,
        count_bed_days,
        length_of_stay,
        monthly_admissions,
        observed_population,
        prepare_spells,
        project_population,
        readmission_rates,
        steady_state,
    )

    s = _settings(load_config(args.config).section("population"))
    estimand = str(s.get("estimand", "ATC"))
    inp = prepare(args.config, "population", s, estimand)
    ds, data, w = inp["dataset"], inp["data"], inp["weights"]
    ext = ds.extract.extract_date
    horizon = int(s.get("horizon", 365))
    spec = inp["cohort"].spec
    beds = count_bed_days(data, ds.custody_spells, ext, horizons=spec.horizons)
    by_estimand = {e: bed_days_by_group(beds, data["treatment"], w if e == estimand else inp["weights_for"](e),
                                        estimand=e, cluster=inp["cluster"])
                   for e in dict.fromkeys((estimand, "ATT", "ATC"))}
    bd = by_estimand[estimand]
    spells = prepare_spells(ds.custody_spells, ds.cases, ds.persons, ext,
                            eligible_prefixes=spec.eligible_prefixes)
    adm = monthly_admissions(spells)
    los = length_of_stay(spells)
    obs = observed_population(spells, pd.PeriodIndex(adm["month"].unique(), freq="M"))
    rates = readmission_rates(data, beds, horizon=horizon, weights=w, n_boot=int(s.get("n_boot", 500)),
                              random_state=int(s.get("seed", 0)), cluster=inp["cluster"])
    shares = tuple(float(x) for x in s.get("shares", (0.10, 0.25, 0.50)))
    proj = project_population(adm, los, ext, years=int(s.get("years", 5)), trend=s.get("trend", "flat"),
                              fit_months=int(s.get("fit_months", 36)), shares=shares, rates=rates,
                              capacity=ds.prison_capacity, observed=obs)
    q_alt, q_cus = rates.arms()
    stay = float(np.average(los.summary.query("jurisdiction == 'all' and stream == 'eligible'")["mean_days"]))
    last12 = adm[pd.PeriodIndex(adm["month"], freq="M") > pd.Period(ext, "M") - 12]["eligible"].sum()
    per_year = s.get("diversions_per_year")
    steady = [steady_state(float(per_year) if per_year is not None else sh * float(last12), stay,
                           float(np.mean(q_alt - q_cus))) for sh in shares]

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    paths = proj.paths.assign(month=proj.paths["month"].astype(str))
    paths.to_csv(out / "population_paths.csv", index=False)
    proj.backcast.to_csv(out / "backcast.csv", index=False)
    if not proj.occupancy.empty:  # only with a prison_capacity table
        proj.occupancy.to_csv(out / "occupancy.csv", index=False)
    los.summary.to_csv(out / "length_of_stay.csv", index=False)
    pd.concat([r.summary.assign(estimand=e) for e, r in by_estimand.items()]).to_csv(
        out / "bed_days.csv", index=False)
    pd.concat([st.summary.assign(share=sh) for st, sh in zip(steady, shares)]).to_csv(
        out / "steady_state.csv", index=False)
    notes = [*inp["notes"], *bd.notes, *proj.notes]
    (out / "population.json").write_text(json.dumps({
        "settings": proj.settings, "estimand": estimand,
        "steady_state_arithmetic": {f"{sh:.0%}": list(st.arithmetic) for st, sh in zip(steady, shares)},
        "notes": notes}, indent=2) + "\n", encoding="utf-8")
    _save(plot_population_paths(proj), out / "population_paths.png")
    _save(plot_bed_days(bd), out / "bed_days.png")
    tot = bd.summary.query("component == 'total'").dropna(subset=["averted"]).iloc[0]
    print(f"project: bed-days averted per person diverted over {int(tot['horizon'])} days "
          f"({estimand}): {tot['averted']:,.1f}; steady-state change at {shares[-1]:.0%}: "
          f"{steady[-1].net_change:+,.1f} people; written to {out}")
    return 0
