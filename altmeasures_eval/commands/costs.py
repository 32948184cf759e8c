"""``altmeasures-eval costs``: per-person costs, NPV, benefit-cost ratio, Monte Carlo and tornado.

Reads ``[data]``, ``[cohort]`` and ``[costs]`` (unit costs, see ``docs/methods/costs.md``) with the
command's settings in ``[costs.analysis]``: ``estimand`` ("ATT"), ``covariates`` (propensity
model), ``horizon`` (cost horizon in days: the longest cohort horizon <= it; default the longest),
``n_boot`` (500), ``n_draws`` (10000), ``seed`` (0), ``n_people`` (programme totals; default the
size of the estimand's group). Writes tables without identifiers and plots into ``--out``.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import pandas as pd

from altmeasures_eval._errors import ConfigError
from altmeasures_eval.commands.project import _save, prepare

HELP = "Costs per person by perspective, NPV, benefit-cost ratio, Monte Carlo and tornado ([costs])."

_KEYS = {"estimand", "covariates", "horizon", "n_boot", "n_draws", "seed", "n_people"}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", required=True, type=Path,
                        help="evaluation config (TOML) with [data], [cohort] and [costs]")
    parser.add_argument("--out", type=Path, default=Path("costs-out"),
                        help="folder for the tables and plots (default: costs-out)")


def _analysis(section: dict[str, Any]) -> dict[str, Any]:
    a = dict(section.get("analysis", {}))
    unknown = set(a) - _KEYS
    if unknown:
        raise ConfigError(f"[costs.analysis] unknown key(s) {sorted(unknown)}; allowed: {sorted(_KEYS)}")
    return a


def run(args: argparse.Namespace) -> int:
    from altmeasures_eval.config import load_config
    from altmeasures_eval.costs import (
        compare_costs,
        cost_effect_draws,
        cost_quantities,
        count_treatment_days,
        monte_carlo,
        one_way_sensitivity,
        unit_costs_from_config,
    )
    from altmeasures_eval.plotting import plot_cost_waterfall, plot_monte_carlo, plot_tornado
    from altmeasures_eval.population import count_bed_days

    section = load_config(args.config).section("costs")
    a = _analysis(section)
    table = unit_costs_from_config(section)
    estimand = str(a.get("estimand", "ATT"))
    inp = prepare(args.config, "costs.analysis", a, estimand)
    ds, data, w, cl = inp["dataset"], inp["data"], inp["weights"], inp["cluster"]
    ext = ds.extract.extract_date
    horizons = [h for h in inp["cohort"].spec.horizons if h <= int(a.get("horizon", 10**9))]
    if not horizons:
        raise ConfigError(f"[costs.analysis] horizon {a.get('horizon')} is shorter than every cohort horizon")
    beds = count_bed_days(data, ds.custody_spells, ext, horizons=horizons)
    tdays = count_treatment_days(data, ds.treatment_episodes, ext, horizons=horizons)
    q = cost_quantities(data, beds, tdays, horizons=horizons)
    res = compare_costs(q, table, weights=w, estimand=estimand, cluster=cl)
    seed = int(a.get("seed", 0))
    draws = cost_effect_draws(q, table, w, n_boot=int(a.get("n_boot", 500)), random_state=seed, cluster=cl)
    mc = monte_carlo(res, table, effect_draws=draws, n_draws=int(a.get("n_draws", 10_000)),
                     random_state=seed + 1)
    sens = one_way_sensitivity(res, table, quantities=q, weights=w, effect_draws=draws)
    group = 1 if estimand == "ATT" else 0
    n_people = float(a.get("n_people", int((data["treatment"] == group).sum())))

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    table.summary.to_csv(out / "unit_costs.csv", index=False)
    res.summary.to_csv(out / "costs.csv", index=False)
    # Per-person costs over each shorter horizon too (same design, cumulative follow-up).
    by_h = [compare_costs(cost_quantities(data, beds, tdays, horizons=horizons[:j + 1]), table,
                          weights=w, estimand=estimand, cluster=cl).table.assign(horizon=h)
            for j, h in enumerate(horizons[:-1])]
    pd.concat([*by_h, res.table.assign(horizon=horizons[-1])]).to_csv(
        out / "costs_by_horizon.csv", index=False)
    res.totals(n_people).to_csv(out / "programme_totals.csv", index=False)
    mc.summary.to_csv(out / "monte_carlo.csv", index=False)
    sens.summary.to_csv(out / "sensitivity.csv", index=False)
    (out / "costs.json").write_text(json.dumps({
        "currency": table.currency, "price_year": table.price_year,
        "discount_rate": table.discount_rate, "horizon_days": horizons[-1], "estimand": estimand,
        "net_cost": res.net_cost, "benefits": res.benefits, "npv": res.npv,
        "ratio": None if res.verdict != "ratio" else res.ratio, "verdict": res.verdict,
        "chance_benefits_exceed_costs": mc.chance_positive, "placeholders": table.placeholders,
        "notes": [*inp["notes"], *res.notes, *mc.notes, *sens.notes]}, indent=2) + "\n",
        encoding="utf-8")
    _save(plot_cost_waterfall(res), out / "cost_waterfall.png")
    _save(plot_monte_carlo(mc), out / "monte_carlo.png")
    _save(plot_tornado(sens), out / "tornado.png")
    verdict = res.verdict if res.verdict != "ratio" else f"benefit-cost ratio {res.ratio:.2f}"
    flag = " (PLACEHOLDER unit costs)" if table.placeholders else ""
    print(f"costs: NPV per person {res.npv:,.0f} {table.currency} {table.price_year}{flag}, {verdict}; "
          f"chance benefits exceed costs {mc.chance_positive:.0%}; written to {out}")
    return 0
