"""``altmeasures-eval costs``: per-person costs, NPV, benefit-cost ratio, Monte Carlo and tornado.

Reads the evaluation config (``[data]``, ``[cohort]``, ``[design]``, ``[costs]`` unit costs with
``[costs.analysis]`` settings, ``[run]``; validated by
:class:`altmeasures_eval.evaluation.EvaluationSpec`, see ``docs/methods/costs.md``), runs the
evaluation's cost stage (:func:`altmeasures_eval.evaluation.costs_stage`, the one ``report`` runs,
with the same ``[costs.analysis]`` defaults) on the design's population, weights and estimand
(:func:`altmeasures_eval.evaluation.design_stage`, the function ``report`` calls) and writes tables without
identifiers and plots into ``--out``. When the design fails its gate, no costs are written: the
command writes the diagnostics (``design_gate.csv``, ``costs.json`` with the reasons and advice)
and exits with status 3, as ``report`` does. Without ``[costs]`` unit costs the shipped
placeholders are used and flagged.

The only count written, the number of people behind the programme totals, goes through the
report's disclosure path (:func:`altmeasures_eval.report.publish_counts`, ``[disclosure]``); the
totals derived from it are hidden with it, and small counts in the notes of ``costs.json`` are
written as "fewer than <threshold>" (:func:`altmeasures_eval.report.publish_notes`). Every other
table holds means, differences and unit costs, not counts.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pandas as pd

from altmeasures_eval._output import add_output_arguments, config_hash, output_dir
from altmeasures_eval.commands.project import _save, load, prepare, write_gate_failure

HELP = "Costs per person by perspective, NPV, benefit-cost ratio, Monte Carlo and tornado ([costs])."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", required=True, type=Path,
                        help="evaluation config (TOML) with [data] and optionally [cohort], [design], [costs]")
    add_output_arguments(parser, default="costs-out", what="the tables and plots")


def run(args: argparse.Namespace) -> int:
    from altmeasures_eval.costs import compare_costs, cost_quantities, count_treatment_days
    from altmeasures_eval.evaluation import costs_stage
    from altmeasures_eval.plotting import plot_cost_waterfall, plot_monte_carlo, plot_tornado
    from altmeasures_eval.population import count_bed_days
    from altmeasures_eval.report import publish_counts, publish_notes

    cfg, spec = load(args.config)
    with output_dir(args.out, overwrite=args.overwrite, command="costs",
                    config_hash=config_hash(args.config)) as out_dir:
        inp = prepare(cfg, spec)
        if not inp["design"].gate.passed:  # the diagnostics only, exit 3 (as `report`)
            write_gate_failure(out_dir, inp["design"], spec, "costs", inp["notes"])
            return 3
        ds, data, w, cl = inp["dataset"], inp["data"], inp["weights"], inp["cluster"]
        estimand = inp["estimand"]  # the one the design estimated (ATO for overlap weights)
        # the evaluation's cost stage: one implementation, one set of defaults ([costs.analysis])
        if inp["evaluation"] is not None:  # the one this process's evaluation computed on the same inputs
            stage = inp["evaluation"].costs
        elif len(inp["designs"]) > 1:  # every imputed data set, pooled by the stage (small edit by M, #17)
            datas, ws, cls = inp["stage_inputs"]
            stage = costs_stage(ds, datas, ws, spec, cls, estimand=estimand)
        else:
            stage = costs_stage(ds, data, w, spec, cl, estimand=estimand)
        table, res, mc, sens = stage.unit_costs, stage.comparison, stage.monte_carlo, stage.sensitivity
        # the same comparison at each shorter horizon (a table of the command, not a second model)
        horizons = [h for h in spec.cohort.horizons if h <= stage.horizon]
        ext = ds.extract.extract_date
        beds = count_bed_days(data, ds.custody_spells, ext, horizons=horizons)
        tdays = count_treatment_days(data, ds.treatment_episodes, ext, horizons=horizons)
        by_h = [compare_costs(cost_quantities(data, beds, tdays, horizons=horizons[:j + 1]), table, weights=w,
                              estimand=estimand, cluster=cl, alpha=spec.outcomes.alpha)
                for j in range(len(horizons) - 1)] + [res]
        # Programme totals for those the estimand describes (the alternative group for the ATT).
        n_people = (int((data["treatment"] == (0 if estimand == "ATC" else 1)).sum())
                    if estimand not in ("ATE", "ATO") else len(data))

        out = out_dir.path
        table.summary.to_csv(out / "unit_costs.csv", index=False)
        res.summary.to_csv(out / "costs.csv", index=False)
        pd.concat([r.table.assign(horizon=h) for r, h in zip(by_h, horizons)]).to_csv(
            out / "costs_by_horizon.csv", index=False)
        totals = res.totals(n_people)
        publish_counts(totals, ["n_people"], spec.disclosure, name="programme_totals",
                       derived={c: ["n_people"] for c in totals.columns if c.startswith("total_")}).to_csv(
            out / "programme_totals.csv", index=False)
        mc.summary.to_csv(out / "monte_carlo.csv", index=False)
        sens.summary.to_csv(out / "sensitivity.csv", index=False)
        (out / "costs.json").write_text(json.dumps({
            "currency": table.currency, "price_year": table.price_year,
            "discount_rate": table.discount_rate, "horizon_days": stage.horizon, "estimand": estimand,
            "net_cost": res.net_cost, "benefits": res.benefits, "npv": res.npv,
            "ratio": None if res.verdict != "ratio" else res.ratio, "verdict": res.verdict,
            "chance_benefits_exceed_costs": mc.chance_positive, "monte_carlo_draws": mc.n_draws,
            "placeholders": table.placeholders,
            "notes": publish_notes([*inp["notes"], *stage.notes], spec.disclosure)},
            indent=2) + "\n",
            encoding="utf-8")
        _save(plot_cost_waterfall(res), out / "cost_waterfall.png")
        _save(plot_monte_carlo(mc, price_year=table.price_year, discount_rate=table.discount_rate),
              out / "monte_carlo.png")
        _save(plot_tornado(sens), out / "tornado.png")
    verdict = res.verdict if res.verdict != "ratio" else f"benefit-cost ratio {res.ratio:.2f}"
    flag = " (PLACEHOLDER unit costs)" if table.placeholders else ""
    print(f"costs: NPV per person {res.npv:,.0f} {table.currency} {table.price_year}{flag}, {verdict}; "
          f"chance benefits exceed costs {mc.chance_positive:.0%}; written to {args.out}")
    return 0
