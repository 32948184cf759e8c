"""``altmeasures-eval project``: bed-days averted, steady state and prison population projections.

Reads the evaluation config (``[data]``, ``[cohort]``, ``[design]``, ``[population]``, ``[run]``;
the same file ``evaluate`` reads, validated by
:class:`altmeasures_eval.evaluation.EvaluationSpec`) and writes tables without identifiers, plots
and a JSON of settings, arithmetic and notes into ``--out``. The pipeline is ``load_config`` ->
``io.read_dataset`` -> ``cohort.build_cohort`` -> the design
(:func:`altmeasures_eval.evaluation.design_stage`: population, weights, estimand and gate, the
function ``report`` calls) -> the evaluation's prison stage
(:func:`altmeasures_eval.evaluation.prison_stage`, the one ``report`` runs, with the same
settings). When the design fails its gate, no bed-days or projection are written: the command
writes the diagnostics (``design_gate.csv``, ``population.json`` with the reasons and advice) and
exits with status 3, as ``report`` does.

Every count written (observed population by jurisdiction and month, spell counts of the
length-of-stay table, group sizes of the bed-days table) goes through the report's disclosure
path, :func:`altmeasures_eval.report.publish_counts`, and every note through
:func:`altmeasures_eval.report.publish_notes`, with the ``[disclosure]`` settings: counts
from 1 to ``threshold - 1`` are replaced by the marker, with secondary suppression so that the
totals written beside them cannot reveal them (``docs/methods/privacy.md``).
"""

from __future__ import annotations

import argparse
import json
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from altmeasures_eval._output import add_output_arguments, config_hash, output_dir

if TYPE_CHECKING:
    from altmeasures_eval.evaluation import DisclosureSettings

HELP = "Project the prison population under diversion scenarios and report bed-days averted ([population])."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", required=True, type=Path,
                        help="evaluation config (TOML) with [data] and optionally [cohort], [design], [population]")
    add_output_arguments(parser, default="population-out", what="the tables and plots")


def load(config: Path) -> tuple[Any, Any]:
    """The config and its validated :class:`~altmeasures_eval.evaluation.EvaluationSpec` (every
    section and key checked, before any data are read)."""
    from altmeasures_eval.config import load_config
    from altmeasures_eval.evaluation import EvaluationSpec

    cfg = load_config(config)
    return cfg, EvaluationSpec.from_config(cfg)


def prepare(cfg: Any, spec: Any) -> dict[str, Any]:
    """Data set -> cohort -> design: the inputs both model commands share.

    The design is the evaluation's design stage (:func:`altmeasures_eval.evaluation.design_stage`,
    the function :func:`~altmeasures_eval.evaluation.run_evaluation` calls: the same design, and
    under ``[design] missing = "impute"`` the same m imputed designs, pooled; reused when the same
    process has just built it for the same cohort and settings). Returns a dict with ``spec``,
    ``dataset``, ``cohort`` (the Cohort), ``design`` (the :class:`~altmeasures_eval.design.Design`:
    check ``design.gate.passed`` before using the weights), ``data`` (the population the design
    retained, ids in memory), ``weights`` (aligned with ``data``), ``estimand`` (the one actually
    estimated, e.g. ATO for overlap weights), ``cluster`` (persons when a person can have several
    index events), ``notes``, ``weights_for(estimand)`` (the same design for another estimand),
    ``designs`` (one per completed data set) and ``stage_inputs`` (their populations, weights and
    clusters, as the stages take them), and ``evaluation``.

    ``evaluation`` is the evaluation ``report`` or ``unodc-export`` computed in this process on the
    same files with the same settings (:mod:`altmeasures_eval.commands._reuse`), when it has its
    prison and cost stages: its cohort and design are used (the same calls on the same inputs, so
    the same result), ``designs`` and ``stage_inputs`` are None, and the commands take its
    ``prison`` and ``costs`` stages instead of computing them again. Otherwise it is None.
    """
    from altmeasures_eval.cohort import build_cohort
    from altmeasures_eval.commands._reuse import read_source, recall
    from altmeasures_eval.evaluation import design_stage
    from altmeasures_eval.privacy import pool_rare_labels

    dataset = read_source(cfg.data.path, mapping=cfg.data.mapping, mode=cfg.data.mode)
    # rare free-text labels (jurisdiction) pooled into "other" before any analysis (issue #13)
    dataset, pooled = pool_rare_labels(dataset, spec.disclosure)
    every = spec.cohort.index_event == "every"
    evaluation = recall(cfg.data.path, cfg.data.mapping, cfg.data.mode, spec)
    if evaluation is not None and evaluation.prison is not None and evaluation.costs is not None:
        cohort, design, designs, stage_inputs = evaluation.cohort, evaluation.design, None, None
    else:
        evaluation = None
        cohort = build_cohort(dataset, spec.cohort)
        cohort.require_groups(2)  # a design needs two people in each group
        staged = design_stage(cohort.data, spec)
        design, designs = staged.design, list(staged.designs)
        stage_inputs = ([d.data for d in designs], [d.weights for d in designs],
                        [d.data["person_id"].to_numpy() if every else None for d in designs])
    data = design.data
    cluster = data["person_id"].to_numpy() if every else None
    return {"spec": spec, "dataset": dataset, "cohort": cohort, "design": design, "data": data,
            "weights": design.weights, "estimand": design.estimand, "cluster": cluster,
            "notes": [*pooled, *cohort.notes, *design.notes], "weights_for": design.weights_for,
            "designs": designs, "stage_inputs": stage_inputs, "evaluation": evaluation}


def write_gate_failure(out: Any, design: Any, spec: Any, command: str, notes: list[str]) -> None:
    """The diagnostic output of a model command whose design failed its gate (exit status 3).

    Writes ``design_gate.csv`` (each check with its measured value beside its threshold, counts
    through disclosure control, as in the report) and ``<command's json>`` with ``design_passed``
    false, the reasons and the advice; records ``design_gate_passed`` in the manifest and prints
    the reasons and advice to stderr.
    """
    import sys
    from types import SimpleNamespace

    from altmeasures_eval.privacy import neutralise_formulas
    from altmeasures_eval.report import gate_table, publish_notes

    dc = spec.disclosure
    table = gate_table(SimpleNamespace(design=design, spec=spec))
    neutralise_formulas(table.frame).to_csv(out.path / "design_gate.csv", index=False)
    name = {"project": "population.json", "costs": "costs.json"}[command]
    (out.path / name).write_text(json.dumps({
        "design_passed": False, "estimand": design.estimand, "estimand_label": design.estimand_label,
        "reasons": publish_notes(design.gate.reasons, dc), "advice": publish_notes(design.gate.advice, dc),
        "notes": publish_notes(notes, dc)}, indent=2) + "\n", encoding="utf-8")
    out.extra["design_gate_passed"] = False
    print(f"{command}: the design gate failed: no reliable comparison could be made, so nothing that depends on "
          "it is written (see design_gate.csv):", file=sys.stderr)
    for line in publish_notes(design.gate.reasons, dc):
        print(f"  - {line}", file=sys.stderr)
    for line in publish_notes(design.gate.advice, dc):
        print(f"  try: {line}", file=sys.stderr)


def publish_observed(paths: pd.DataFrame, disclosure: DisclosureSettings) -> pd.DataFrame:
    """The projection paths with the ``observed`` population under disclosure control.

    The observed population (people held at the end of each month, counted from the custody
    spells) is a month x jurisdiction table whose row total is the ``all`` jurisdiction. Each
    month is protected as its own table with that total published (``margins="rows"``,
    ``total_column="all"``): a jurisdiction holding 1 to ``threshold - 1`` people is hidden, and
    a second jurisdiction of the same month with it so that ``all`` minus the others cannot
    reveal it. Months share no published total, so protecting them one by one gives the same
    suppressions as one call on the whole grid.

    Parameters
    ----------
    paths : pandas.DataFrame
        ``Projection.paths``: ``jurisdiction``, ``month``, ``observed`` (the same value on the
        row of every scenario) and the modelled columns, which are left as they are.
    disclosure : DisclosureSettings
        The ``[disclosure]`` settings.

    Returns
    -------
    pandas.DataFrame
        ``paths`` with ``observed`` as published: whole numbers (rounded to ``rounding_base``
        when set), the marker where hidden, missing where nothing was observed. Observed values
        that are not whole numbers are rounded first and ``all`` is taken as their sum.
    """
    from altmeasures_eval.report import publish_counts

    if "observed" not in paths.columns or paths["observed"].isna().all():
        return paths
    cells = paths.dropna(subset=["observed"]).drop_duplicates(["month", "jurisdiction"])
    wide = cells.pivot(index="month", columns="jurisdiction", values="observed").fillna(0).round()
    wide.columns = [str(c) for c in wide.columns]
    parts = [c for c in wide.columns if c != "all"]
    if "all" in wide.columns and parts:
        wide["all"] = wide[parts].sum(axis=1)
        options: dict[str, Any] = {"count_columns": parts, "margins": "rows", "total_column": "all"}
    else:
        options = {"count_columns": list(wide.columns), "margins": "rows" if len(parts) > 1 else "none"}
    # Months share no published total, so each month is its own table: the same suppressions as
    # one call on the whole grid, at a cost linear in the number of months. A month with no count
    # from 1 to threshold - 1 (parts and total) has nothing to hide: those months go through one call
    # together (the same rounding, no suppression), the others one by one (issue #14: 123 calls on
    # the sample took a second).
    small = ((wide > 0) & (wide < disclosure.threshold)).any(axis=1).to_numpy()
    blocks = [publish_counts(wide.iloc[[i]], disclosure=disclosure, name=f"observed population {month}", **options)
              for i, month in enumerate(wide.index) if small[i]]
    if not small.all():
        blocks.append(publish_counts(wide[~small], disclosure=disclosure, name="observed population", **options))
    shown = pd.concat(blocks).reindex(wide.index)
    long = shown.stack().rename("observed_published").reset_index()
    long.columns = ["month", "jurisdiction", "observed_published"]
    out = paths.merge(long, on=["month", "jurisdiction"], how="left")
    out["observed"] = out["observed_published"].astype(object).where(out["observed"].notna(), None)
    return out.drop(columns="observed_published")


def publish_length_of_stay(summary: pd.DataFrame, disclosure: DisclosureSettings) -> pd.DataFrame:
    """The length-of-stay summary with its spell counts under disclosure control.

    Per stream (spells are either eligible or other, never both), a jurisdiction x {released,
    still held} table with its row total ``n`` and its total row ``all``, both published
    (``margins="both"``). A count from 1 to ``threshold - 1`` is hidden with enough others that no
    published total reveals it; the mean, median and survival of a row with a hidden count are
    hidden with it.

    Parameters
    ----------
    summary : pandas.DataFrame
        ``LengthOfStay.summary``: ``jurisdiction``, ``stream``, ``n``, ``released``,
        ``still_held``, ``mean_days``, ``median_days``, ``survival_at_end``, ``source``.
    disclosure : DisclosureSettings
        The ``[disclosure]`` settings.

    Returns
    -------
    pandas.DataFrame
        Same rows, order and columns; hidden values hold the marker.
    """
    from altmeasures_eval.report import publish_counts

    derived = {c: ["released", "still_held"] for c in ("mean_days", "median_days", "survival_at_end")
               if c in summary.columns}
    parts = []
    for _, block in summary.assign(_order=np.arange(len(summary))).groupby("stream", sort=False):
        block = block.set_index("jurisdiction")
        total_row = "all" if "all" in block.index and len(block) > 1 else None
        margins = "both" if total_row is not None else "rows"
        shown = publish_counts(block, ["released", "still_held"], disclosure, name="length_of_stay",
                               derived=derived, margins=margins, total_column="n", total_row=total_row)
        parts.append(shown.reset_index())
    out = pd.concat(parts, ignore_index=True).sort_values("_order")
    return out[list(summary.columns)].reset_index(drop=True)


def _save(ax: Any, path: Path) -> None:
    import matplotlib.pyplot as plt

    ax.figure.tight_layout()
    ax.figure.savefig(path, dpi=120)
    plt.close(ax.figure)


def run(args: argparse.Namespace) -> int:
    from altmeasures_eval.evaluation import prison_stage
    from altmeasures_eval.plotting import plot_bed_days, plot_population_paths
    from altmeasures_eval.population import bed_days_by_group, count_bed_days, length_of_stay, prepare_spells
    from altmeasures_eval.report import publish_counts, publish_notes

    cfg, spec = load(args.config)
    with output_dir(args.out, overwrite=args.overwrite, command="project",
                    config_hash=config_hash(args.config)) as out_dir:
        inp = prepare(cfg, spec)
        design = inp["design"]
        if not design.gate.passed:  # the diagnostics only, exit 3 (as `report`)
            write_gate_failure(out_dir, design, spec, "project", inp["notes"])
            return 3
        ds, data, cl = inp["dataset"], inp["data"], inp["cluster"]
        s, estimand = spec.population, design.estimand
        # the evaluation's prison stage: one implementation for `report` and `project`, on the
        # design's population, weights and estimand
        if inp["evaluation"] is not None:  # the one this process's evaluation computed on the same inputs
            prison = inp["evaluation"].prison
        elif len(inp["designs"]) > 1:  # every imputed data set, pooled by the stage (M, #17)
            datas, ws, cls = inp["stage_inputs"]
            prison = prison_stage(ds, datas, ws, spec, cls, estimand=estimand,
                                  rate_weights=[d.weights_for("ATC") for d in inp["designs"]])
        else:
            prison = prison_stage(ds, data, inp["weights"], spec, cl, estimand=estimand,
                                  rate_weights=design.weights_for("ATC"))
        proj, bd = prison.projection, prison.bed_days
        # scenarios divert people now sent to custody: the stage weights their rates to the ATC
        rate_estimand = estimand if estimand == "ATC" or design.method == "overlap" else "ATC"
        # Bed-days averted for the other estimands too, where the design allows (overlap has one).
        ext = ds.extract.extract_date
        others = [] if design.method == "overlap" else [e for e in ("ATT", "ATC") if e != estimand]
        by_estimand = {estimand: bd}
        if others:
            beds = count_bed_days(data, ds.custody_spells, ext, horizons=spec.cohort.horizons)
            for e in others:
                by_estimand[e] = bed_days_by_group(beds, data["treatment"], inp["weights_for"](e), estimand=e,
                                                   cluster=cl, alpha=spec.outcomes.alpha)
        los = length_of_stay(prepare_spells(ds.custody_spells, ds.cases, ds.persons, ext,
                                            eligible_prefixes=spec.cohort.eligible_prefixes))

        out = out_dir.path
        dc = spec.disclosure
        paths = publish_observed(proj.paths, dc)
        from altmeasures_eval.privacy import neutralise_formulas

        # labels (jurisdictions) are text: never a live spreadsheet formula (OWASP)
        neutralise_formulas(paths.assign(month=paths["month"].astype(str))).to_csv(
            out / "population_paths.csv", index=False)
        proj.backcast.to_csv(out / "backcast.csv", index=False)
        if not proj.occupancy.empty:  # only with a prison_capacity table
            proj.occupancy.to_csv(out / "occupancy.csv", index=False)
        publish_length_of_stay(los.summary, dc).to_csv(out / "length_of_stay.csv", index=False)
        beds_table = pd.concat([r.summary.assign(estimand=e) for e, r in by_estimand.items()], ignore_index=True)
        publish_counts(beds_table, ["n_alternative", "n_custody"], dc, name="bed_days",
                       derived={"mean_alternative": ["n_alternative"], "mean_custody": ["n_custody"],
                                **{c: ["n_alternative", "n_custody"] for c in ("averted", "averted_ci_low",
                                                                            "averted_ci_high") if c in beds_table}}
                       ).to_csv(out / "bed_days.csv", index=False)
        pd.concat([st.summary.assign(share=sh) for st, sh in zip(prison.steady_states, prison.shares)]).to_csv(
            out / "steady_state.csv", index=False)
        (out / "population.json").write_text(json.dumps({
            "settings": proj.settings, "estimand": estimand, "readmission_rates_estimand": rate_estimand,
            "steady_state_arithmetic": {f"{sh:.0%}": list(st.arithmetic)
                                        for st, sh in zip(prison.steady_states, prison.shares)},
            "notes": publish_notes([*inp["notes"], *prison.notes], dc)}, indent=2) + "\n",
            encoding="utf-8")
        # the chart shows the observed points as published: hidden months are left out
        shown = replace(proj, paths=paths.assign(observed=pd.to_numeric(paths["observed"], errors="coerce")))
        _save(plot_population_paths(shown), out / "population_paths.png")
        _save(plot_bed_days(bd), out / "bed_days.png")
    total = bd.summary.query("component == 'total'").dropna(subset=["averted"])
    head = prison.steady_states[list(s.shares).index(s.headline_share)]
    averted = (f"bed-days averted per person diverted over {int(total['horizon'].iloc[0])} days ({estimand}): "
               f"{total['averted'].iloc[0]:,.1f}" if len(total) else
               f"bed-days averted ({estimand}): not estimable (see bed_days.csv)")
    print(f"project: {averted}; steady-state change at {s.headline_share:.0%}: "
          f"{head.net_change:+,.1f} people; written to {args.out}")
    return 0
