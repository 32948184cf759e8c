"""``altmeasures-eval unodc-export``: the country indicator file for UNODC progress reporting.

Runs the evaluation of ``--config`` (as ``report`` does, without rendering the report) and writes
``unodc_indicators.json`` and ``unodc_indicators.csv`` into ``--out``: the country's ISO 3166-1
alpha-3 code, eligible persons by year, stage, disposition, sex and age group (all eligible persons,
whatever the comparison), treatment uptake and completion, reoffending by group (observed and
adjusted) and the effects with their estimand, interval and quality flags, bed-days averted and cost
per person, all under disclosure control. Schema: ``docs/unodc-schema.md``.

In a Python process that has already run ``report`` (or ``unodc-export``) on the same files with
the same settings, that evaluation is used instead of computing it again (the same result;
``altmeasures_eval/commands/_reuse.py``).

Exit status: 0 when written; 3 when written but the design failed its gate (every effect indicator
is withheld with the flag ``design_gate_failed``), as ``report`` does.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from altmeasures_eval._output import add_output_arguments, config_hash, output_dir

HELP = "Write the country UNODC indicator file (JSON and CSV) from an evaluation config."
EXIT_GATE_FAILED = 3


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", required=True, type=Path, help="evaluation config (TOML), see docs/config.md")
    add_output_arguments(parser, what="unodc_indicators.json and .csv")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")


def run(args: argparse.Namespace) -> int:
    from altmeasures_eval.config import load_config
    from altmeasures_eval.evaluation import EvaluationSpec, run_evaluation
    from altmeasures_eval.commands._reuse import ingest_source, recall, remember
    from altmeasures_eval.io import quality_report
    from altmeasures_eval.report import unodc_indicators, write_unodc_files

    cfg = load_config(args.config)
    spec = EvaluationSpec.from_config(cfg)  # the whole config is checked before the folder is taken
    with output_dir(args.out, overwrite=args.overwrite, command="unodc-export",
                    config_hash=config_hash(args.config)) as out:
        ing = ingest_source(cfg.data.path, mapping=cfg.data.mapping, mode=cfg.data.mode)
        # the evaluation `report` computed in this process on the same files and settings, if any
        ev = recall(cfg.data.path, cfg.data.mapping, cfg.data.mode, spec)
        if ev is None:
            ev = run_evaluation(ing.dataset, spec, progress=not args.quiet, quality=quality_report(ing))
            remember(cfg.data.path, cfg.data.mapping, cfg.data.mode, spec, ev)
        doc = unodc_indicators(ev, ing.dataset)
        write_unodc_files(doc, out.path)
        out.extra["design_gate_passed"] = doc["design"]["gate_passed"]
    print(f"unodc-export: {doc['country']} {doc['reporting_year']}: unodc_indicators.json and .csv in {args.out}")
    if doc["design"]["gate_passed"] is False:
        print("unodc-export: the design failed its gate; every effect indicator is withheld (flag "
              "design_gate_failed): " + "; ".join(doc["design"]["reasons"]))
        return EXIT_GATE_FAILED
    return 0
