"""``altmeasures-eval unodc-export``: the country-year indicator file for UNODC progress reporting.

Runs the evaluation of ``--config`` (as ``report`` does, without rendering the report) and writes
``unodc_indicators.json`` and ``unodc_indicators.csv`` into ``--out``: persons by stage, share given
each alternative, treatment uptake and completion, 1-year reoffending by group and the adjusted
effect, bed-days averted and cost per person, all under disclosure control. Schema:
``docs/unodc-schema.md``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

HELP = "Write the country-year UNODC indicator file (JSON and CSV) from an evaluation config."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", required=True, type=Path, help="evaluation config (TOML), see docs/config.md")
    parser.add_argument("--out", required=True, type=Path, help="output folder (created)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")


def run(args: argparse.Namespace) -> int:
    from altmeasures_eval.config import load_config
    from altmeasures_eval.evaluation import EvaluationSpec, run_evaluation
    from altmeasures_eval.io import ingest, quality_report
    from altmeasures_eval.report import unodc_indicators, write_unodc_files

    cfg = load_config(args.config)
    spec = EvaluationSpec.from_config(cfg)
    ing = ingest(cfg.data.path, mapping=cfg.data.mapping, mode=cfg.data.mode)
    ev = run_evaluation(ing.dataset, spec, progress=not args.quiet, quality=quality_report(ing))
    paths = write_unodc_files(unodc_indicators(ev), args.out)
    print(f"unodc-export: {ev.country}: {paths['json']} and {paths['csv']}")
    return 0
